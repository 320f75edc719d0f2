"""``nbreview review --repo OWNER/NAME --pr N``: the review page on a pull request, with its threads.

The notebooks are read through the REST API like ``nbreview pr`` does; review comments on the
``.ipynb`` files show on their cells, and comments written on the page land on the pull request
as native review comments, posted with the user's own token (``GITHUB_TOKEN`` or ``--token-env``).
"""

from __future__ import annotations

import argparse
import re
import sys

from nbreview.cli.common import add_diff_options, check_port, diff_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", metavar="OWNER/NAME", required=True, help="the pull request's repository")
    parser.add_argument("--pr", type=int, metavar="N", required=True, help="the pull-request number")
    add_connection_arguments(parser)
    parser.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add_diff_options(parser)


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url", metavar="URL", help="REST API root (GitHub Enterprise; default: GITHUB_API_URL or api.github.com)"
    )
    parser.add_argument(
        "--token-env", default="GITHUB_TOKEN", metavar="NAME", help="environment variable holding your token"
    )


def parse_target(text: str) -> tuple[str, int]:
    """``OWNER/NAME#N`` (as ``nbreview web --pr`` takes it) as (repository, number)."""
    from nbreview.errors import NbreviewError

    m = re.fullmatch(r"([\w.-]+/[\w.-]+)#(\d+)", text.strip())
    if not m:
        raise NbreviewError(f"--pr {text!r}: expected OWNER/NAME#NUMBER, e.g. octo/notebooks#12")
    return m.group(1), int(m.group(2))


def serve_pull_request(args: argparse.Namespace, repo: str, number: int) -> int:
    """Open the pull request, then serve its review page until Ctrl-C."""
    from nbreview.bot.client import api_root, connect, token_auth
    from nbreview.bot.session import PullRequestSession
    from nbreview.web.server import serve

    check_port(args.port)
    # Pages must not hang on a rate limit: give up at once and say so (retries stay for 5xx).
    gh = connect(api_root(args.api_url), token_auth(args.token_env), retries=2, max_rate_wait=0)
    session = PullRequestSession(gh, repo, number)
    pairs = session.open()
    if not pairs:
        sys.stderr.write(f"nbreview: pull request #{number} changes no notebook; nothing to review\n")
        return 0
    return serve(
        pairs, open_browser=not args.no_browser, port=args.port, ip=args.ip, options=diff_options(args),
        pr_session=session,
    )


def run(args: argparse.Namespace) -> int:
    return serve_pull_request(args, args.repo.strip("/"), args.pr)
