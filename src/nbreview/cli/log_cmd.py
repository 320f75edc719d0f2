"""``nbreview log [REV-RANGE...] [-- PATHS]``: readable notebook history without a textconv.

For each commit that touched a notebook (newest first, what ``git log -- '*.ipynb'``
lists), a header like ``git log``'s (commit, Merge, Author, Date, the message indented)
and the rendered diff of every notebook it changed against its first parent, paged like
``git log -p`` (see :mod:`nbreview.git.log`). The revisions and paths are git's
(``main..topic``, ``-n 5``, ``-- notebooks/``); the diff options are ``nbreview diff``'s.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nbreview.cli.common import add_diff_options, add_display_arguments, add_revision_arguments, diff_options

if TYPE_CHECKING:
    from nbreview.git.changes import ChangeDiff


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "nbreview log [options] [REV-RANGE...] [-- PATHS...]"
    add_revision_arguments(parser)
    parser.add_argument("-n", "--max-count", type=int, default=None, metavar="N", help="show at most N commits")
    add_display_arguments(parser)
    parser.add_argument("--no-pager", action="store_true", help="never page the output (default: page on a terminal)")
    add_diff_options(parser)


def run(args: argparse.Namespace) -> int:
    from nbreview.cli.diff_cmd import report_unreadable
    from nbreview.cli.output import emit, make_style, use_color
    from nbreview.git.log import commits, log_lines

    history = commits(list(args.args), args.paths, args.max_count)
    st = make_style(args, use_color(args.color))
    failed: list[ChangeDiff] = []
    emit(log_lines(history, args.paths, st, diff_options(args), failed), args)
    return 2 if report_unreadable(failed) else 0
