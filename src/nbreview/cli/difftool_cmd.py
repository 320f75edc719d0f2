"""``nbreview difftool LOCAL REMOTE``: what ``git difftool -t nbreview`` runs.

Opens the review page (``nbreview.web``) when it is installed; ``--terminal`` or
``NBREVIEW_DIFFTOOL=terminal`` prints the terminal diff instead (and so does a missing
web package). git names the notebook in ``$MERGED``; that is the path shown.

With ``git difftool -d`` (``--dir-diff``) LOCAL and REMOTE are two folders holding the two
trees: every notebook that differs between them goes on one review page.

When no browser can be opened (no ``BROWSER``, no display, or over SSH) the difftool does
not serve a page nobody will see: it says why on stderr and prints the terminal diff.
``--no-browser`` serves the page anyway and prints its address (the page stops by itself
when never opened, see ``NBREVIEW_IDLE_TIMEOUT``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.io.git import NotebookPair


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("local", help="old side (git's $LOCAL): a notebook, or a folder for git difftool -d")
    parser.add_argument("remote", help="new side (git's $REMOTE): a notebook, or a folder for git difftool -d")
    parser.add_argument("--path", default=None, help="the notebook's path in the repository (default: $MERGED)")
    parser.add_argument("--terminal", action="store_true", help="print the terminal diff instead of opening a page")
    parser.add_argument("--no-browser", action="store_true", help="serve the page but do not open a browser")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colours for the terminal diff"
    )


def _side(path: str, label: str) -> str:
    return label if path != os.devnull else os.devnull


def file_pair(local: str, remote: str, path: str) -> NotebookPair:
    """One notebook pair; either side may be ``/dev/null`` (added or deleted)."""
    from nbreview.io.git import NotebookPair
    from nbreview.io.load import load

    old = load(local, _side(local, f"a/{path}"))
    new = load(remote, _side(remote, f"b/{path}"))
    status = "added" if local == os.devnull else "deleted" if remote == os.devnull else "modified"
    return NotebookPair(path, old, new, status)


def _notebooks(root: str) -> dict[str, str]:
    """``relative/path.ipynb -> file`` under ``root`` (git's dir-diff folders; symlinks are followed)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in files:
            if name.endswith(".ipynb"):
                full = os.path.join(folder, name)
                found[os.path.relpath(full, root).replace(os.sep, "/")] = full
    return found


def dir_pairs(left: str, right: str) -> list[NotebookPair]:
    """Every notebook that differs between the two folders of ``git difftool -d``, sorted by path."""
    old, new = _notebooks(left), _notebooks(right)
    pairs = []
    for rel in sorted(set(old) | set(new)):
        a, b = old.get(rel, os.devnull), new.get(rel, os.devnull)
        if a != os.devnull and b != os.devnull and _same_bytes(a, b):
            continue
        pairs.append(file_pair(a, b, rel))
    return pairs


def _same_bytes(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    from nbreview.errors import NbreviewError

    if os.path.isdir(args.local) or os.path.isdir(args.remote):
        if not (os.path.isdir(args.local) and os.path.isdir(args.remote)):
            raise NbreviewError(f"compare a folder with a folder: {args.local!r} and {args.remote!r}")
        pairs = dir_pairs(args.local, args.remote)
        if not pairs:
            sys.stderr.write("nbreview: no notebooks differ between the two trees\n")
            return 0
    else:
        path = args.path or os.environ.get("MERGED") or os.environ.get("BASE") or args.remote
        pairs = [file_pair(args.local, args.remote, path)]
    terminal = args.terminal or os.environ.get("NBREVIEW_DIFFTOOL", "").lower() == "terminal"
    if not terminal:
        try:
            from nbreview.web.server import browser_unavailable, serve  # type: ignore[import-untyped,import-not-found,unused-ignore]
        except ImportError:
            sys.stderr.write("nbreview: the review page is not available; showing the terminal diff\n")
        else:
            why = "" if args.no_browser else browser_unavailable()
            if not why:
                code: int = serve(pairs, open_browser=not args.no_browser, difftool=True)
                return code
            sys.stderr.write(
                f"nbreview: no browser to open ({why}); showing the terminal diff "
                "(--no-browser serves the page and prints its address)\n"
            )
    return _terminal(pairs, args)


def _terminal(pairs: list[NotebookPair], args: argparse.Namespace) -> int:
    from nbreview.cli.diff_cmd import emit, terminal_width, use_color
    from nbreview.engine.pipeline import diff
    from nbreview.io.git import display_path
    from nbreview.render.terminal import TerminalStyle, iter_render, theme_from_env

    st = TerminalStyle(color=use_color(args.color), width=terminal_width(), theme=theme_from_env())

    def lines() -> Iterator[str]:
        for k, pair in enumerate(pairs):
            if k:
                yield ""
            d = diff(pair.old, pair.new)
            if len(pairs) == 1:
                yield from iter_render(d, st)
            else:
                old = "/dev/null" if pair.status == "added" else f"a/{pair.path}"
                new = "/dev/null" if pair.status == "deleted" else f"b/{pair.path}"
                yield from iter_render(d, st, display_path(f"nbreview {old} → {new}"))

    emit(lines(), args)
    return 0
