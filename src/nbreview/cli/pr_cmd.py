"""``nbreview pr``: post (or update) the pull request's one comment with rendered notebook diffs.

On GitLab (``--gitlab-url``/``--mr`` given, or run in GitLab CI) the merge request's one note instead:
:mod:`nbreview.hosts.gitlab`."""

from __future__ import annotations

import argparse
import os

from nbreview.cli.common import stdout_write


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", metavar="OWNER/NAME", help="repository (default in Actions: GITHUB_REPOSITORY)")
    parser.add_argument("--pr", type=int, metavar="N", help="pull-request number (default in Actions: from the event)")
    parser.add_argument(
        "--api-url", metavar="URL", help="REST API root (default: GITHUB_API_URL, else https://api.github.com)"
    )
    parser.add_argument(
        "--assets-branch", default="nbreview-assets", metavar="BRANCH", help="branch for the comment's pictures"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the comment instead of posting it; change nothing"
    )
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        help="environment variable holding the token (default GITHUB_TOKEN; on GitLab NBREVIEW_GITLAB_TOKEN)",
    )
    parser.add_argument("--bot-login", metavar="LOGIN", help="login the token posts as, if GET /user cannot tell")
    parser.add_argument("--report-url", metavar="URL", help="link to the full HTML report (e.g. the workflow run)")
    parser.add_argument(
        "--max-notebooks", type=int, default=50, metavar="N", help="diff at most N notebooks (default 50)"
    )
    gitlab = parser.add_argument_group("GitLab merge requests (the defaults come from GitLab CI's variables)")
    gitlab.add_argument(
        "--gitlab-url", metavar="URL", help="GitLab server, self-managed too (default: CI_SERVER_URL, else gitlab.com)"
    )
    gitlab.add_argument("--project", metavar="ID|PATH", help="project id or group/name (default: CI_PROJECT_ID)")
    gitlab.add_argument("--mr", type=int, metavar="IID", help="merge request IID (default: CI_MERGE_REQUEST_IID)")


def on_gitlab(args: argparse.Namespace, env: dict[str, str] | None = None) -> bool:
    """GitLab when asked for (``--gitlab-url``, ``--project``, ``--mr``), else when running in GitLab CI
    without GitHub's ``--repo``/``--pr``."""
    env = dict(os.environ) if env is None else env
    if args.gitlab_url or args.project or args.mr is not None:
        return True
    return not (args.repo or args.pr is not None) and env.get("GITLAB_CI") == "true"


def run_gitlab(args: argparse.Namespace) -> int:
    """Post or update the merge request's one note (:func:`nbreview.hosts.gitlab.mr.update_merge_request`)."""
    from nbreview.hosts.gitlab.client import TOKEN_ENV, GitLabError, connect, server_url
    from nbreview.hosts.gitlab.mr import Settings, update_merge_request

    project = args.project or os.environ.get("CI_PROJECT_ID")
    iid = args.mr if args.mr is not None else os.environ.get("CI_MERGE_REQUEST_IID")
    if not project:
        raise GitLabError("which project? pass --project ID (GitLab CI sets CI_PROJECT_ID)")
    if iid is None or not str(iid).isdigit():
        raise GitLabError("which merge request? pass --mr IID (GitLab CI sets it in merge request pipelines)")
    token_env = args.token_env or TOKEN_ENV
    token = os.environ.get(token_env)
    if not token and not args.dry_run:
        raise GitLabError(f"no token: set {token_env} to a project access token with the api scope")
    url = server_url(args.gitlab_url)
    settings = Settings(
        project=str(project),
        iid=int(iid),
        url=url,
        dry_run=args.dry_run,
        report_url=args.report_url,
        max_notebooks=args.max_notebooks,
    )
    outcome = update_merge_request(connect(url, token), settings)
    if args.dry_run:
        from nbreview.render.terminal import terminal_safe

        stdout_write(terminal_safe(outcome.body))
    return 0


def run(args: argparse.Namespace) -> int:
    if on_gitlab(args):
        return run_gitlab(args)
    from nbreview.hosts.github.client import GitHubError, api_root, connect, token_auth
    from nbreview.hosts.github.pr import Settings, event_target, update_pull_request

    env_repo, env_pr = event_target()
    repo = args.repo or env_repo
    number = args.pr if args.pr is not None else env_pr
    if not repo or "/" not in repo.strip("/"):
        raise GitHubError("which repository? pass --repo OWNER/NAME (GitHub Actions sets GITHUB_REPOSITORY)")
    if number is None:
        raise GitHubError("which pull request? pass --pr N (in Actions it comes from a pull_request event)")
    api_url = api_root(args.api_url)
    if args.dry_run and not os.environ.get(args.token_env or "GITHUB_TOKEN"):
        auth = None  # public repositories can be read anonymously
    else:
        auth = token_auth(args.token_env or "GITHUB_TOKEN")
    gh = connect(api_url, auth)
    settings = Settings(
        api_url=api_url,
        assets_branch=args.assets_branch,
        dry_run=args.dry_run,
        bot_login=args.bot_login,
        report_url=args.report_url,
        max_notebooks=args.max_notebooks,
    )
    from requests.exceptions import RequestException

    from nbreview.hosts.github.client import explain

    try:
        outcome = update_pull_request(gh, repo.strip("/"), number, settings)
    except RequestException as err:  # the network, not GitHub: refused, timed out, TLS
        raise explain(err, f"updating pull request #{number}", repo) from None
    if args.dry_run:
        from nbreview.render.terminal import terminal_safe

        stdout_write(terminal_safe(outcome.body))  # notebook text and file names: as everything nbreview prints
    return 0
