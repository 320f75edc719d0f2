"""GitHub's side of the webhook: ``X-Hub-Signature-256`` (HMAC-SHA256 of the body) and the events mapped
to a pull request's refresh.

A valid signature proves the body came from GitHub (or whoever holds the secret), not that it has
the shape the job expects, so each field the bot reads is checked against GitHub's webhook schema
(``pull_request``, ``pull_request_review`` and ``pull_request_review_comment``, the fields required in
all three): a mismatch is a 400 with the JSON path, never an exception later. GitHub signs no
timestamp, so the event's own times (``pull_request.updated_at`` and the review's or comment's)
are what the runtime's freshness check uses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from nbreview.hosts.protocol import Change, Headers, HookEvent, PayloadError, field, timestamp

NAME = "github"
MAX_BODY = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
# the events the bot refreshes a pull request's comment for, and their actions
EVENTS: dict[str, frozenset[str]] = {
    "pull_request": frozenset({"opened", "synchronize", "reopened"}),
    "pull_request_review": frozenset({"submitted", "edited", "dismissed"}),
    "pull_request_review_comment": frozenset({"created", "edited", "deleted"}),
}
# where each event keeps its own timestamp (besides pull_request.updated_at)
_EVENT_TIME = {
    "pull_request_review": ("review", "submitted_at"),
    "pull_request_review_comment": ("comment", "updated_at"),
}

_REPO = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
_SHA = re.compile(r"[0-9a-f]{40}")
_SIGNATURE = re.compile(r"sha256=[0-9a-fA-F]{64}")


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256=") or not secret:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


class _Hmac:
    """The body's HMAC-SHA256, computed as it arrives and compared in constant time with the header's."""

    def __init__(self, secret: bytes, header: str) -> None:
        self._mac = hmac.new(secret, digestmod=hashlib.sha256)
        self._header = header.lower()
        self._secret = secret

    def update(self, chunk: bytes) -> None:
        self._mac.update(chunk)

    def verify(self) -> bool:
        return bool(self._secret) and hmac.compare_digest("sha256=" + self._mac.hexdigest(), self._header)


class GitHubHooks:
    """:class:`~nbreview.hosts.protocol.WebhookHost` for a GitHub App."""

    name = NAME
    max_body = MAX_BODY
    auth_error = "missing or wrong X-Hub-Signature-256"
    stale_status = 400
    events = frozenset(EVENTS) | {"ping"}
    pings = frozenset({"ping"})

    def claims(self, headers: Headers) -> bool:
        return headers.get("X-GitHub-Event", "") != ""

    def event(self, headers: Headers) -> str:
        return headers.get("X-GitHub-Event", "")

    def delivery_id(self, headers: Headers) -> str:
        return headers.get("X-GitHub-Delivery", "")

    def authenticate(self, headers: Headers, secret: str) -> _Hmac | None:
        header = headers.get("X-Hub-Signature-256", "").strip()
        if not _SIGNATURE.fullmatch(header):
            return None
        return _Hmac(secret.encode("utf-8"), header)

    def parse(self, event: str, payload: Any) -> HookEvent | None:
        return parse(event, payload)


def parse(event: str, payload: Any) -> HookEvent | None:
    """The pull request a delivery asks to refresh; None for events and actions the bot does not act on."""
    if not isinstance(payload, dict):
        raise PayloadError("the payload is not an object")
    if event not in EVENTS:
        return None
    action = field(payload, "action", str)
    if action not in EVENTS[event]:
        return None
    number = field(payload, "pull_request.number", int)
    if number <= 0:
        raise PayloadError("pull_request.number is not a positive integer")
    head = field(payload, "pull_request.head.sha", str)
    if not _SHA.fullmatch(head):
        raise PayloadError("pull_request.head.sha is not a commit id")
    repo = field(payload, "repository.full_name", str)
    if not _REPO.fullmatch(repo):
        raise PayloadError("repository.full_name is not OWNER/NAME")
    if not isinstance(payload.get("installation"), dict):
        raise PayloadError("installation is missing: not a GitHub App delivery")
    installation = field(payload, "installation.id", int)
    times = [timestamp(payload, "pull_request.updated_at")]
    if event in _EVENT_TIME:
        obj, name = _EVENT_TIME[event]
        field(payload, obj, dict)
        times.append(timestamp(payload, f"{obj}.{name}", optional=True))
    change = Change(NAME, repo, number, head, installation)
    return HookEvent(event, action, change, tuple(t for t in times if t is not None))
