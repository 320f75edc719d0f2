"""``nbreview web``: the review page in a browser, for two notebooks or every notebook changed in git.

- ``nbreview web OLD.ipynb NEW.ipynb``: two files;
- ``nbreview web``: the working tree against the index, like ``git diff``;
- ``nbreview web REV [REV2]`` / ``A..B`` / ``--cached [REV]`` ``[-- PATHS]``: through git;
- ``nbreview web --pr OWNER/NAME#N`` / ``--mr PROJECT!IID``: a pull or merge request, as ``nbreview review``.

The notebooks come from :func:`nbreview.io.git.pairs_for_arguments`, the same reading of the
arguments as ``nbreview diff`` (whose ``--html OUT.html`` writes this page as one self-contained file).
"""

from __future__ import annotations

import argparse
import sys

from nbreview.cli.common import add_diff_options, add_revision_arguments, check_port, diff_options

LOCAL_IPS = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "nbreview web [options] [OLD NEW | REV [REV2] | A..B] [-- PATHS...]"
    add_revision_arguments(parser)
    parser.add_argument("--cached", "--staged", action="store_true", help="REV (default HEAD) against the index")
    parser.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")
    parser.add_argument(
        "--pr", metavar="OWNER/NAME#N", help="review a pull request's notebooks and its threads (as 'nbreview review')"
    )
    parser.add_argument(
        "--mr", metavar="PROJECT!IID", help="review a GitLab merge request's notebooks and threads (with --gitlab-url)"
    )
    from nbreview.cli.review_cmd import add_connection_arguments

    add_connection_arguments(parser)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1; others can reach any other)"
    )
    add_diff_options(parser)


def run(args: argparse.Namespace) -> int:
    from nbreview.errors import NbreviewError
    from nbreview.web.server import serve

    check_port(args.port)
    if args.ip not in LOCAL_IPS:
        sys.stderr.write(
            f"nbreview: warning: listening on {args.ip}: other machines may reach this page "
            "(they still need the token)\n"
        )
    if args.pr or args.mr:
        from nbreview.cli import review_cmd

        if args.args or args.cached:
            raise NbreviewError("--pr and --mr read the notebooks from the host: give no files or revisions")
        if args.pr and args.mr:
            raise NbreviewError("give --pr (GitHub) or --mr (GitLab), not both")
        if args.pr:
            return review_cmd.serve_change(args, review_cmd.github_host(args, *review_cmd.parse_target(args.pr)))
        return review_cmd.serve_change(args, review_cmd.gitlab_host(args, *review_cmd.parse_mr(args.mr)))
    from nbreview.io.git import pairs_for_arguments

    pairs = pairs_for_arguments(args.args, args.paths, cached=args.cached)
    if not pairs:
        sys.stderr.write("nbreview: no notebooks changed; nothing to review\n")
        return 0
    return serve(pairs, open_browser=not args.no_browser, port=args.port, ip=args.ip, options=diff_options(args))
