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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.io.git import NotebookPair


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nbreview.cli.output import COLOR_CHOICES

    parser.add_argument("local", help="old side (git's $LOCAL): a notebook, or a folder for git difftool -d")
    parser.add_argument("remote", help="new side (git's $REMOTE): a notebook, or a folder for git difftool -d")
    parser.add_argument("--path", default=None, help="the notebook's path in the repository (default: $MERGED)")
    parser.add_argument("--terminal", action="store_true", help="print the terminal diff instead of opening a page")
    parser.add_argument("--no-browser", action="store_true", help="serve the page but do not open a browser")
    parser.add_argument(
        "--color", choices=COLOR_CHOICES, default="auto", help="colours for the terminal diff"
    )


def run(args: argparse.Namespace) -> int:
    from nbreview.errors import NbreviewError
    from nbreview.git.difftool import dir_pairs, file_pair

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
    from nbreview.cli.output import emit, terminal_width, use_color
    from nbreview.git.difftool import terminal_lines
    from nbreview.render.terminal import TerminalStyle, theme_from_env

    st = TerminalStyle(color=use_color(args.color), width=terminal_width(), theme=theme_from_env())
    emit(terminal_lines(pairs, st), args)
    return 0
