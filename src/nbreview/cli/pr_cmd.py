"""``nbreview pr``: post (or update) the pull request's one comment with rendered notebook diffs."""

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
        "--token-env", default="GITHUB_TOKEN", metavar="NAME", help="environment variable holding the token"
    )
    parser.add_argument("--bot-login", metavar="LOGIN", help="login the token posts as, if GET /user cannot tell")
    parser.add_argument("--report-url", metavar="URL", help="link to the full HTML report (e.g. the workflow run)")
    parser.add_argument(
        "--max-notebooks", type=int, default=50, metavar="N", help="diff at most N notebooks (default 50)"
    )


def run(args: argparse.Namespace) -> int:
    from nbreview.bot.client import BotError, api_root, connect, token_auth
    from nbreview.bot.pr import Settings, event_target, update_pull_request

    env_repo, env_pr = event_target()
    repo = args.repo or env_repo
    number = args.pr if args.pr is not None else env_pr
    if not repo or "/" not in repo.strip("/"):
        raise BotError("which repository? pass --repo OWNER/NAME (GitHub Actions sets GITHUB_REPOSITORY)")
    if number is None:
        raise BotError("which pull request? pass --pr N (in Actions it comes from a pull_request event)")
    api_url = api_root(args.api_url)
    if args.dry_run and not os.environ.get(args.token_env):
        auth = None  # public repositories can be read anonymously
    else:
        auth = token_auth(args.token_env)
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

    from nbreview.bot.client import explain

    try:
        outcome = update_pull_request(gh, repo.strip("/"), number, settings)
    except RequestException as err:  # the network, not GitHub: refused, timed out, TLS
        raise explain(err, f"updating pull request #{number}", repo) from None
    if args.dry_run:
        from nbreview.render.terminal import terminal_safe

        stdout_write(terminal_safe(outcome.body))  # notebook text and file names: as everything nbreview prints
    return 0
