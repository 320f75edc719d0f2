"""A pull request's notebooks for the Jupyter review page, read as ``nbreview review`` reads them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.io.git import NotebookPair


def open_pull_request(repo: str, number: int) -> list[NotebookPair]:
    """Both sides of every notebook the pull request changes, through the REST API (blocking).

    The token is the server's ``GITHUB_TOKEN`` and the API root ``GITHUB_API_URL`` (else the public
    API); a missing token or an unreadable pull request is one :class:`~nbreview.errors.NbreviewError`.
    """
    import logging

    from nbreview.bot.client import api_root, connect, token_auth
    from nbreview.bot.session import PullRequestSession

    # A page must not hang on a rate limit: give up at once and say so (retries stay for 5xx).
    gh = connect(api_root(), token_auth("GITHUB_TOKEN"), retries=2, max_rate_wait=0)
    log = logging.getLogger("nbreview.jupyter").warning
    return PullRequestSession(gh, repo, number, log=log).open()
