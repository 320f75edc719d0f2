"""The webhooks GitLab sends for the fake GitLab's (tests/fakegitlab) merge requests, shaped as GitLab documents them.

From gitlabhq/gitlabhq ``doc/user/project/integrations/webhook_events.md`` ("Merge request events",
"Comment on a merge request") and ``webhooks.md`` (delivery headers): ``X-Gitlab-Event`` names the
event, ``X-Gitlab-Token`` carries the webhook's secret token verbatim, ``Idempotency-Key`` stays the
same when GitLab retries a delivery, ``X-Gitlab-Event-UUID`` and ``X-Gitlab-Webhook-UUID`` name the
event and the hook. Times: merge request attributes in ISO 8601 (``2013-12-03T17:23:34Z``), notes
in ``2015-05-17 18:21:36 UTC``. ``object_attributes.oldrev`` is present only when new code was pushed.
Only the fields of the documented examples that matter here are filled in, with their documented types.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from fakegitlab import FakeGitLab


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def _project(fake: FakeGitLab) -> dict[str, Any]:
    return {"id": fake.project_id, "name": "Notebooks", "path_with_namespace": "group/notebooks",
            "web_url": "http://gitlab.example.com/group/notebooks", "default_branch": "main"}


def _commit(sha: str) -> dict[str, Any]:
    return {"id": sha, "message": "Update analysis", "title": "Update analysis",
            "timestamp": "2026-01-01T00:00:00+00:00", "author": {"name": "Ann", "email": "ann@example.com"}}


def merge_request_hook(
    fake: FakeGitLab, iid: int, action: str = "open", *, state: str = "opened", oldrev: str | None = None,
    updated: float | None = None,
) -> dict[str, Any]:
    """A ``Merge Request Hook`` payload for the fake's merge request ``iid`` at its current head."""
    mr = fake.mrs[iid]
    attrs: dict[str, Any] = {
        "id": 500 + iid, "iid": iid, "target_branch": "main", "source_branch": "feature",
        "source_project_id": fake.project_id, "target_project_id": fake.project_id, "author_id": 51,
        "title": "Notebook changes", "created_at": _iso(time.time() - 60),
        "updated_at": _iso(time.time() if updated is None else updated), "state": state, "draft": False,
        "merge_status": "unchecked", "url": f"http://gitlab.example.com/group/notebooks/-/merge_requests/{iid}",
        "last_commit": _commit(mr.head_sha), "action": action, "detailed_merge_status": "mergeable",
    }
    if oldrev is not None:
        attrs["oldrev"] = oldrev
    return {"object_kind": "merge_request", "event_type": "merge_request",
            "user": {"id": 1, "name": "Ann", "username": "ann"}, "project": _project(fake),
            "object_attributes": attrs, "labels": [], "changes": {}}


def note_hook(
    fake: FakeGitLab, iid: int, note: str = "This MR needs work.", *, state: str = "opened",
    noteable_type: str = "MergeRequest", updated: float | None = None,
) -> dict[str, Any]:
    """A ``Note Hook`` payload: a comment on the fake's merge request ``iid``."""
    mr = fake.mrs[iid]
    when = _utc(time.time() if updated is None else updated)
    return {
        "object_kind": "note", "event_type": "note", "user": {"id": 1, "name": "Ann", "username": "ann"},
        "project_id": fake.project_id, "project": _project(fake),
        "object_attributes": {
            "id": 1244, "note": note, "noteable_type": noteable_type, "author_id": 1, "created_at": when,
            "updated_at": when, "project_id": fake.project_id, "noteable_id": 500 + iid, "system": False,
            "action": "create", "url": f"http://gitlab.example.com/group/notebooks/-/merge_requests/{iid}#note_1244",
        },
        "merge_request": {
            "id": 500 + iid, "iid": iid, "target_branch": "main", "source_branch": "feature", "state": state,
            "created_at": _utc(time.time() - 60), "updated_at": when, "last_commit": _commit(mr.head_sha),
        },
    }


def hook_headers(event: str, token: str | None, key: str | None = None) -> dict[str, str]:
    """The headers GitLab sends with a delivery (``key``: the Idempotency-Key; a retry repeats it)."""
    h = {
        "Content-Type": "application/json", "User-Agent": "GitLab/18.6.0", "X-Gitlab-Event": event,
        "X-Gitlab-Instance": "http://gitlab.example.com", "X-Gitlab-Webhook-UUID": str(uuid.uuid4()),
        "X-Gitlab-Event-UUID": str(uuid.uuid4()), "Idempotency-Key": key or str(uuid.uuid4()),
    }
    if token is not None:
        h["X-Gitlab-Token"] = token
    return h


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
