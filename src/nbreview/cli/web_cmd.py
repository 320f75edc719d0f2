"""``nbreview web``: the review page in a browser, for two notebooks or every notebook changed in git.

- ``nbreview web OLD.ipynb NEW.ipynb``: two files;
- ``nbreview web``: the working tree against the index, like ``git diff``;
- ``nbreview web REV [REV2]`` / ``A..B`` / ``--cached [REV]`` ``[-- PATHS]``: through git.

Also home of ``nbreview diff ... --html OUT.html`` (the same page as one self-contained file).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from .common import add_diff_options, diff_options
from .diff_cmd import add_revision_arguments, file_mode

if TYPE_CHECKING:
    from ..gitrevs import NotebookPair

LOCAL_IPS = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "nbreview web [options] [OLD NEW | REV [REV2] | A..B] [-- PATHS...]"
    add_revision_arguments(parser)
    parser.add_argument("--cached", "--staged", action="store_true", help="REV (default HEAD) against the index")
    parser.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")
    parser.add_argument(
        "--pr", metavar="OWNER/NAME#N", help="review a pull request's notebooks and its threads (as 'nbreview review')"
    )
    from .review_cmd import add_connection_arguments

    add_connection_arguments(parser)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1; others can reach any other)"
    )
    add_diff_options(parser)


def pairs_from_args(args: argparse.Namespace) -> list[NotebookPair]:
    """The notebooks the arguments name: two files, or the changed notebooks between revisions."""
    from ..gitrevs import NotebookPair, notebook_pairs
    from ..load import load

    if file_mode(args):
        old_path, new_path = args.args
        old, new = load(old_path), load(new_path)
        status = "added" if old.empty else "deleted" if new.empty else "modified"
        path = new_path if new_path != os.devnull else old_path
        return [NotebookPair(path, old, new, status)]
    from .diff_cmd import _split_revs

    revs, paths = _split_revs(args)
    return notebook_pairs(revs, paths, cached=getattr(args, "cached", False))


def run(args: argparse.Namespace) -> int:
    from ..errors import NbreviewError
    from ..web.server import serve

    if not 0 <= args.port <= 65535:
        raise NbreviewError(f"--port {args.port} is not a port number (0-65535; 0 picks a free one)")
    if args.ip not in LOCAL_IPS:
        sys.stderr.write(
            f"nbreview: warning: listening on {args.ip}: other machines may reach this page "
            "(they still need the token)\n"
        )
    if args.pr:
        from .review_cmd import parse_target, serve_pull_request

        if args.args or args.cached:
            raise NbreviewError("--pr reads the notebooks from the pull request: give no files or revisions")
        return serve_pull_request(args, *parse_target(args.pr))
    pairs = pairs_from_args(args)
    if not pairs:
        sys.stderr.write("nbreview: no notebooks changed; nothing to review\n")
        return 0
    return serve(pairs, open_browser=not args.no_browser, port=args.port, ip=args.ip, options=diff_options(args))


def write_html_report(args: argparse.Namespace) -> int:
    """``nbreview diff ... --html OUT.html``: one self-contained page; exit 1 with ``--exit-code`` on changes."""
    from ..engine import diff
    from ..render.html import write_report

    pairs = pairs_from_args(args)
    options = diff_options(args)
    diffs = [diff(p.old, p.new, options=options) for p in pairs]
    write_report(diffs, args.html, names=[p.path for p in pairs], notes=[p.status for p in pairs])
    return 1 if getattr(args, "exit_code", False) and any(d.has_changes for d in diffs) else 0
