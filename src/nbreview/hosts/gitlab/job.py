"""GitLab's side of the bot's job (:class:`~nbreview.hosts.protocol.NoteHost`): refresh a merge request's note.

The server is the configured one (``NBREVIEW_GITLAB_URL``), never a URL from a webhook payload, so the
token only ever goes where it was meant to; the project is the payload's numeric id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nbreview.hosts.gitlab.client import GitLabError, connect
from nbreview.hosts.gitlab.mr import Outcome, Settings, update_merge_request
from nbreview.hosts.protocol import Change

log = logging.getLogger("nbreview.bot")


class GitLabNotes:
    """Refreshes merge requests' notes on one GitLab server with one token (a project, group or bot user's)."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.token = token

    def refresh(self, change: Change, before_write: Callable[[str], None]) -> Outcome:
        if not self.token:
            raise GitLabError("GitLab is not configured for jobs: set NBREVIEW_GITLAB_TOKEN (and NBREVIEW_GITLAB_URL)")
        settings = Settings(
            project=change.project,
            iid=change.number,
            url=self.url,
            log=lambda line: log.debug("%s", line),
            before_write=before_write,
        )
        return update_merge_request(connect(self.url, self.token), settings)
