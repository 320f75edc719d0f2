"""``nbreview mergetool BASE LOCAL REMOTE MERGED``: resolve conflicts in a three-way page.

Serves the page on localhost, opens the browser and waits until the page is closed;
exit 0 when the result was saved with no conflicts left, 1 otherwise (git's trustExitCode).
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nbreview.merge.model import OUTPUT_MODES  # one definition, shared with 'nbreview merge'

    parser.add_argument("base", help="the common ancestor ($BASE)")
    parser.add_argument("local", help="our version ($LOCAL)")
    parser.add_argument("remote", help="their version ($REMOTE)")
    parser.add_argument("merged", help="where the result goes ($MERGED)")
    parser.add_argument("--port", type=int, default=0, help="port to serve on (default: any free port)")
    parser.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    parser.add_argument("--outputs", choices=OUTPUT_MODES, default="auto",
                        help="outputs and execution counts, as for 'nbreview merge'")


def run(args: argparse.Namespace) -> int:
    from nbreview.cli.common import check_port
    from nbreview.web.mergetool import serve_mergetool

    check_port(args.port)

    return serve_mergetool(args.base, args.local, args.remote, args.merged, port=args.port,
                           open_browser=not args.no_browser, outputs=args.outputs)
