"""``nbreview review``: the review page on a GitHub pull request or a GitLab merge request, with its threads.

- ``nbreview review --repo OWNER/NAME --pr N`` (GitHub; token ``GITHUB_TOKEN``);
- ``nbreview review --gitlab-url URL --project ID_OR_PATH --mr IID`` (GitLab; token ``GITLAB_TOKEN``;
  in a GitLab CI job ``CI_SERVER_URL``, ``CI_PROJECT_ID`` and ``CI_MERGE_REQUEST_IID`` are the defaults).

The notebooks are read through the host's API like ``nbreview pr`` does; review threads on the
``.ipynb`` files show on their cells, and comments written on the page land on the change as the
host's own review comments, posted with the user's own token (``--token-env`` names another variable).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import TYPE_CHECKING

from nbreview.cli.common import add_diff_options, check_port, diff_options
from nbreview.errors import NbreviewError

if TYPE_CHECKING:
    from nbreview.hosts.protocol import ReviewHost


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", metavar="OWNER/NAME", help="GitHub: the pull request's repository")
    parser.add_argument("--pr", type=int, metavar="N", help="GitHub: the pull-request number")
    parser.add_argument("--project", metavar="ID_OR_PATH",
                        help="GitLab: the project, its id or group/name path (default: CI_PROJECT_ID)")
    parser.add_argument("--mr", type=int, metavar="IID",
                        help="GitLab: the merge request's IID (default: CI_MERGE_REQUEST_IID)")
    add_connection_arguments(parser)
    parser.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add_diff_options(parser)


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url", metavar="URL", help="GitHub's API root (Enterprise; default: GITHUB_API_URL or api.github.com)"
    )
    parser.add_argument(
        "--gitlab-url", metavar="URL", help="the GitLab server, self-managed too (default: CI_SERVER_URL or gitlab.com)"
    )
    parser.add_argument("--token-env", metavar="NAME",
                        help="environment variable holding your token (default GITHUB_TOKEN, on GitLab GITLAB_TOKEN)")


def parse_target(text: str) -> tuple[str, int]:
    """``OWNER/NAME#N`` (as ``nbreview web --pr`` takes it) as (repository, number)."""
    m = re.fullmatch(r"([\w.-]+/[\w.-]+)#(\d+)", text.strip())
    if not m:
        raise NbreviewError(f"--pr {text!r}: expected OWNER/NAME#NUMBER, e.g. octo/notebooks#12")
    return m.group(1), int(m.group(2))


def parse_mr(text: str) -> tuple[str, int]:
    """``PROJECT!IID`` (as ``nbreview web --mr`` takes it; the project an id or a group/name path)."""
    m = re.fullmatch(r"([\w.\-/]+)!(\d+)", text.strip())
    if not m:
        raise NbreviewError(f"--mr {text!r}: expected PROJECT!IID, e.g. group/notebooks!12 or 4242!12")
    return m.group(1), int(m.group(2))


def serve_change(args: argparse.Namespace, host: ReviewHost) -> int:
    """Open the change, then serve its review page until Ctrl-C."""
    from nbreview.hosts.review import open_review
    from nbreview.web.server import serve

    check_port(args.port)
    session = open_review(host)
    if not session.pairs:
        sys.stderr.write(f"nbreview: the {session.host.change_name} changes no notebook; nothing to review\n")
        return 0
    return serve(
        session.pairs, open_browser=not args.no_browser, port=args.port, ip=args.ip, options=diff_options(args),
        pr_session=session,
    )


def github_host(args: argparse.Namespace, repo: str, number: int) -> ReviewHost:
    from nbreview.hosts.github.review import github_review

    return github_review(repo.strip("/"), number, api_url=args.api_url, token_env=args.token_env or "GITHUB_TOKEN")


def gitlab_host(args: argparse.Namespace, project: str, iid: int) -> ReviewHost:
    from nbreview.hosts.gitlab.review import gitlab_review

    return gitlab_review(args.gitlab_url, project, iid, token_env=args.token_env or "GITLAB_TOKEN")


def run(args: argparse.Namespace) -> int:
    if args.repo or args.pr is not None:
        if not (args.repo and args.pr is not None):
            raise NbreviewError("a GitHub pull request needs both --repo OWNER/NAME and --pr N")
        if args.project or args.mr is not None:
            raise NbreviewError("give a GitHub pull request (--repo, --pr) or a GitLab merge request (--project, "
                                "--mr), not both")
        return serve_change(args, github_host(args, args.repo, args.pr))
    project = args.project or os.environ.get("CI_PROJECT_ID") or ""
    iid = args.mr if args.mr is not None else _env_int("CI_MERGE_REQUEST_IID")
    if not project or iid is None:
        raise NbreviewError("which change? --repo OWNER/NAME --pr N on GitHub, or --project ID_OR_PATH --mr IID on "
                            "GitLab (in a GitLab CI merge request pipeline these default to the job's)")
    return serve_change(args, gitlab_host(args, project, iid))


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() else None
