"""A pull request (GitHub) or merge request (GitLab) opened for the Jupyter review page, as
``nbreview review`` opens it, and where its token comes from.

GitHub: the token is ``c.Nbreview.github_token`` in the server's configuration, else the server's
``GITHUB_TOKEN``; the API root ``c.Nbreview.github_api_url`` (GitHub Enterprise), else
``GITHUB_API_URL``, else the public API. GitLab: ``c.Nbreview.gitlab_token``, else ``GITLAB_TOKEN``;
the server ``c.Nbreview.gitlab_url`` (self-managed), else ``CI_SERVER_URL``, else gitlab.com. This
module is the extension's one call into the host adapters.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from traitlets import Unicode
from traitlets.config import Configurable

from nbreview.errors import NbreviewError

if TYPE_CHECKING:
    from nbreview.hosts.review import ReviewSession
    from nbreview.io.git import NotebookPair

TOKEN_ENV = "GITHUB_TOKEN"
GITLAB_TOKEN_ENV = "GITLAB_TOKEN"


class Nbreview(Configurable):
    """nbreview's settings in ``jupyter_server_config.py`` (``c.Nbreview.github_token = ...``)."""

    github_token = Unicode(
        "", config=True, help=f"GitHub token for reviewing pull requests (default: the server's {TOKEN_ENV})"
    )
    github_api_url = Unicode(
        "", config=True,
        help="GitHub's REST API root, for GitHub Enterprise (default: GITHUB_API_URL, else api.github.com)",
    )
    gitlab_token = Unicode(
        "", config=True,
        help=f"GitLab access token (api scope) for reviewing merge requests (default: the server's {GITLAB_TOKEN_ENV})",
    )
    gitlab_url = Unicode(
        "", config=True, help="The GitLab server's root URL, self-managed (default: CI_SERVER_URL, else gitlab.com)"
    )


def api_url(settings: Nbreview) -> str:
    """The REST API root the server reads pull requests from."""
    from nbreview.hosts.github.client import api_root

    return api_root(str(settings.github_api_url) or None)


def check_host(settings: Nbreview, host: str) -> None:
    """Refuse a pull request given by its URL on another host than the GitHub this server reads."""
    from urllib.parse import urlsplit

    from nbreview.hosts.github.urls import web_root

    web = urlsplit(web_root(api_url(settings))).netloc
    if host and host.lower() != web.lower():
        raise NbreviewError(
            f"that pull request is on {host[:100]}, but this server reads {web}: set c.Nbreview.github_api_url "
            f"to {host[:100]}'s API (https://{host[:100]}/api/v3 for GitHub Enterprise Server)"
        )


def open_pull_request(repo: str, number: int, settings: Nbreview) -> tuple[ReviewSession, list[NotebookPair]]:
    """The pull request's review session and both sides of every notebook it changes (blocking).

    A missing token or an unreadable pull request is one :class:`~nbreview.errors.NbreviewError`.
    """
    import logging

    from github import Auth

    from nbreview.hosts.github.client import connect
    from nbreview.hosts.github.review import GitHubReview
    from nbreview.hosts.review import ReviewSession

    token = str(settings.github_token).strip() or os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise NbreviewError(
            f"no GitHub token: set {TOKEN_ENV} in the environment jupyter lab starts in, "
            "or c.Nbreview.github_token in jupyter_server_config.py, then restart the server"
        )
    # A page must not hang on a rate limit: give up at once and say so (retries stay for 5xx).
    gh = connect(api_url(settings), Auth.Token(token), retries=2, max_rate_wait=0)
    log = logging.getLogger("nbreview.jupyter").warning
    session = ReviewSession(GitHubReview(gh, repo, number, log), log)
    return session, session.open()


def check_gitlab_host(settings: Nbreview, host: str) -> None:
    """Refuse a merge request given by its URL on another host than the GitLab this server reads."""
    from urllib.parse import urlsplit

    from nbreview.hosts.gitlab.client import server_url

    web = urlsplit(server_url(str(settings.gitlab_url) or None)).netloc
    if host and host.lower() != web.lower():
        raise NbreviewError(
            f"that merge request is on {host[:100]}, but this server reads {web}: set c.Nbreview.gitlab_url "
            f"to https://{host[:100]}"
        )


def open_merge_request(project: str, iid: int, settings: Nbreview) -> tuple[ReviewSession, list[NotebookPair]]:
    """A GitLab merge request's review session and its notebooks (blocking), as :func:`open_pull_request`."""
    import logging

    from nbreview.hosts.gitlab.client import connect, server_url
    from nbreview.hosts.gitlab.review import GitLabReview
    from nbreview.hosts.review import ReviewSession

    token = str(settings.gitlab_token).strip() or os.environ.get(GITLAB_TOKEN_ENV, "").strip()
    if not token:
        raise NbreviewError(
            f"no GitLab token: set {GITLAB_TOKEN_ENV} in the environment jupyter lab starts in, "
            "or c.Nbreview.gitlab_token in jupyter_server_config.py, then restart the server"
        )
    root = server_url(str(settings.gitlab_url) or None)
    session = ReviewSession(GitLabReview(connect(root, token), root, project, iid, GITLAB_TOKEN_ENV),
                            logging.getLogger("nbreview.jupyter").warning)
    return session, session.open()
