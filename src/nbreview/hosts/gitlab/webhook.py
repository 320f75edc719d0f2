"""GitLab's side of the webhook: ``Merge Request Hook`` and ``Note Hook`` mapped to a merge request's refresh.

From GitLab's documentation (gitlabhq/gitlabhq, ``doc/user/project/integrations/webhooks.md`` and
``webhook_events.md``): the secret token comes back verbatim in ``X-Gitlab-Token`` (no HMAC: it is
compared in constant time, before the body is read); ``Idempotency-Key`` is the same on every retry
of one delivery (GitLab 17.4+; ``X-Gitlab-Event-UUID`` before it); the event is named by
``X-Gitlab-Event``. GitLab counts non-2xx answers and time-outs against a hook and disables it
after repeated failures, so every authenticated, well-formed delivery is answered 2xx at once,
ignored ones and stale ones included.

Acted on: a merge request opened or reopened, or updated with new commits (``oldrev`` is present only
then), while it is open; a comment on an open merge request (not our own note, which would loop).
Closed, merged and locked merge requests, approvals, label edits and the like are ignored.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from nbreview.hosts.protocol import Accepted, Change, Headers, HookEvent, PayloadError, field, timestamp

NAME = "gitlab"
MAX_BODY = 25 * 1024 * 1024  # GitLab documents no cap; GitHub's 25 MB bounds what we read
MERGE_REQUEST = "Merge Request Hook"
NOTE = "Note Hook"
EVENTS = frozenset({MERGE_REQUEST, NOTE})
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1, or SHA-256 repositories


class GitLabHooks:
    """:class:`~nbreview.hosts.protocol.WebhookHost` for GitLab project (or group) webhooks."""

    name = NAME
    max_body = MAX_BODY
    auth_error = "missing or wrong X-Gitlab-Token"
    stale_status = 200  # a non-2xx counts against the hook: a stale delivery is acknowledged, not acted on
    events = EVENTS
    pings: frozenset[str] = frozenset()  # GitLab's "Test" button sends a sample event of the chosen kind

    def claims(self, headers: Headers) -> bool:
        return headers.get("X-Gitlab-Event", "") != ""

    def event(self, headers: Headers) -> str:
        return headers.get("X-Gitlab-Event", "")

    def delivery_id(self, headers: Headers) -> str:
        key = headers.get("Idempotency-Key", "") or headers.get("X-Gitlab-Event-UUID", "")
        return f"{NAME}:{key.strip()}" if key.strip() else ""

    def authenticate(self, headers: Headers, secret: str) -> Accepted | None:
        token = headers.get("X-Gitlab-Token", "")
        if not secret or not hmac.compare_digest(token.encode("utf-8"), secret.encode("utf-8")):
            return None
        return Accepted()

    def parse(self, event: str, payload: Any) -> HookEvent | None:
        return parse(event, payload)


def parse(event: str, payload: Any) -> HookEvent | None:
    """The merge request a delivery asks to refresh; None for what the bot does not act on."""
    if not isinstance(payload, dict):
        raise PayloadError("the payload is not an object")
    if event == MERGE_REQUEST:
        return _merge_request(payload)
    if event == NOTE:
        return _note(payload)
    return None


def _project(payload: dict[str, Any]) -> str:
    pid = field(payload, "project.id", int)
    if pid <= 0:
        raise PayloadError("project.id is not a positive integer")
    return str(pid)


def _iid_and_head(payload: dict[str, Any], where: str) -> tuple[int, str]:
    iid = field(payload, f"{where}.iid", int)
    if iid <= 0:
        raise PayloadError(f"{where}.iid is not a positive integer")
    head = field(payload, f"{where}.last_commit.id", str)
    if not _SHA.fullmatch(head):
        raise PayloadError(f"{where}.last_commit.id is not a commit id")
    return iid, head


def _merge_request(payload: dict[str, Any]) -> HookEvent | None:
    if field(payload, "object_kind", str) != "merge_request":
        raise PayloadError("object_kind is not merge_request")
    action = field(payload, "object_attributes.action", str, optional=True) or ""
    state = field(payload, "object_attributes.state", str)
    new_commits = field(payload, "object_attributes.oldrev", str, optional=True) is not None
    if state != "opened" or not (action in ("open", "reopen") or (action == "update" and new_commits)):
        return None
    iid, head = _iid_and_head(payload, "object_attributes")
    when = timestamp(payload, "object_attributes.updated_at")
    return HookEvent(MERGE_REQUEST, action, Change(NAME, _project(payload), iid, head), (when or 0.0,))


def _note(payload: dict[str, Any]) -> HookEvent | None:
    from nbreview.hosts.gitlab.comment import MARKER

    if field(payload, "object_kind", str) != "note":
        raise PayloadError("object_kind is not note")
    if field(payload, "object_attributes.noteable_type", str) != "MergeRequest":
        return None
    if str(field(payload, "object_attributes.note", str, optional=True) or "").startswith(MARKER):
        return None  # our own note, created or edited: refreshing for it would only loop
    if field(payload, "merge_request.state", str) != "opened":
        return None
    iid, head = _iid_and_head(payload, "merge_request")
    action = field(payload, "object_attributes.action", str, optional=True) or "create"
    when = timestamp(payload, "object_attributes.updated_at")
    return HookEvent(NOTE, action, Change(NAME, _project(payload), iid, head), (when or 0.0,))
