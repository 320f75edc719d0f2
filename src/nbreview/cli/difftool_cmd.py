"""``nbreview difftool LOCAL REMOTE``: what ``git difftool -t nbreview`` runs.

Opens the review page (``nbreview.web``) when it is installed; ``--terminal`` or
``NBREVIEW_DIFFTOOL=terminal`` prints the terminal diff instead (and so does a missing
web package). git names the notebook in ``$MERGED``; that is the path shown.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..gitrevs import NotebookPair


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("local", help="old side (git's $LOCAL)")
    parser.add_argument("remote", help="new side (git's $REMOTE)")
    parser.add_argument("--path", default=None, help="the notebook's path in the repository (default: $MERGED)")
    parser.add_argument("--terminal", action="store_true", help="print the terminal diff instead of opening a page")
    parser.add_argument("--no-browser", action="store_true", help="serve the page but do not open a browser")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colours for the terminal diff"
    )


def run(args: argparse.Namespace) -> int:
    from ..gitrevs import NotebookPair
    from ..load import load

    path = args.path or os.environ.get("MERGED") or os.environ.get("BASE") or args.remote
    old = load(args.local, f"a/{path}" if args.local != os.devnull else os.devnull)
    new = load(args.remote, f"b/{path}" if args.remote != os.devnull else os.devnull)
    status = "added" if args.local == os.devnull else "deleted" if args.remote == os.devnull else "modified"
    pair = NotebookPair(path, old, new, status)
    terminal = args.terminal or os.environ.get("NBREVIEW_DIFFTOOL", "").lower() == "terminal"
    if not terminal:
        try:
            from ..web.server import serve  # type: ignore[import-untyped,import-not-found,unused-ignore]
        except ImportError:
            sys.stderr.write("nbreview: the review page is not available; showing the terminal diff\n")
        else:
            code: int = serve([pair], open_browser=not args.no_browser, difftool=True)
            return code
    return _terminal(pair, args)


def _terminal(pair: NotebookPair, args: argparse.Namespace) -> int:
    from ..engine import diff
    from ..render.terminal import TerminalStyle, iter_render, theme_from_env
    from .diff_cmd import emit, terminal_width, use_color

    d = diff(pair.old, pair.new)
    st = TerminalStyle(color=use_color(args.color), width=terminal_width(), theme=theme_from_env())
    emit(iter_render(d, st), args)
    return 0
