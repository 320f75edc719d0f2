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

    from nbreview.hosts.github.review import github_review
    from nbreview.hosts.review import open_review

    log = logging.getLogger("nbreview.jupyter").warning
    return open_review(github_review(repo, number, log=log), log=log).pairs
