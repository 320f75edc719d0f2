"""GitHub's side of the bot's job (:class:`~nbreview.hosts.protocol.NoteHost`): as the GitHub App's
installation on the repository, refresh the pull request's comment (:func:`.pr.update_pull_request`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from nbreview.hosts.github.client import GitHubError
from nbreview.hosts.protocol import Change

if TYPE_CHECKING:
    from github import Github

    from nbreview.hosts.github.pr import Outcome
    from nbreview.hosts.protocol import HostsConfig as AppConfig

log = logging.getLogger("nbreview.bot")


class GitHubNotes:
    """GitHub's :class:`~nbreview.hosts.protocol.NoteHost`: authenticate as the repository's app
    installation, render, write the pull request's comment."""

    def __init__(self, config: AppConfig) -> None:
        self.config = config
        self._slug: dict[str, str] = {}
        self._lock = threading.Lock()

    def refresh(self, change: Change, before_write: Callable[[str], None]) -> Outcome:
        from github import GithubException

        from nbreview.hosts.github.client import explain
        from nbreview.hosts.github.pr import Settings, update_pull_request

        config = self.config
        try:
            gh, login = installation_client(config, change.installation, self._slug, self._lock)
        except GithubException as err:
            raise explain(err, "authenticating as the app installation", change.project) from None
        settings = Settings(
            api_url=config.api_url,
            assets_branch=config.assets_branch,
            bot_login=login,
            log=lambda line: log.debug("%s", line),
            before_write=before_write,
        )
        return update_pull_request(gh, change.project, change.number, settings)


def installation_client(
    config: AppConfig, installation_id: int, slug: dict[str, str], lock: threading.Lock
) -> tuple[Github, str]:
    """A client authenticated as the app's installation, and the login its comments carry."""
    from github import Auth, GithubIntegration

    from nbreview.hosts.github.client import connect

    if not config.app_id or not config.private_key:
        raise GitHubError("the app's id and private key are not configured")
    app_auth = Auth.AppAuth(config.app_id, config.private_key)
    with lock:
        if "slug" not in slug:
            integration = GithubIntegration(auth=app_auth, base_url=config.api_url)
            slug["slug"] = str(integration.get_app().slug)
    gh = connect(config.api_url, app_auth.get_installation_auth(installation_id))
    return gh, f"{slug['slug']}[bot]"
