"""What a signed webhook delivery must look like before it becomes a job.

A valid signature proves the body came from GitHub (or whoever holds the secret), not that it has
the shape the job expects, so each field the bot reads is checked against GitHub's webhook schema
(``pull_request``, ``pull_request_review`` and ``pull_request_review_comment``, the fields required in
all three): a mismatch is a 400 with the JSON path, never an exception later. The freshness check
uses the newest timestamp the event carries: older than ``max_age`` is a replay, newer than now
plus ``skew`` is refused too (a future timestamp would make a replay look fresh for longer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nbreview.bot.queue import JobSpec

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


class DeliveryError(ValueError):
    """The payload does not have the shape GitHub documents (a 400)."""


@dataclass(frozen=True)
class Delivery:
    event: str
    action: str
    spec: JobSpec
    times: tuple[float, ...]


def _get(payload: dict[str, Any], path: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
    node: Any = payload
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict):
            raise DeliveryError(f"{'.'.join(parts[:i]) or 'the payload'} is not an object")
        if part not in node or node[part] is None:
            if optional:
                return None
            raise DeliveryError(f"{'.'.join(parts[: i + 1])} is missing")
        node = node[part]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(node, kinds) or (isinstance(node, bool) and bool not in kinds):  # JSON true is not 1
        raise DeliveryError(f"{path} is not {_kind_name(kind)}")
    return node


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", int: "an integer", str: "a string", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _time(payload: dict[str, Any], path: str, *, optional: bool = False) -> float | None:
    value = _get(payload, path, str, optional=optional)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError, OSError):
        raise DeliveryError(f"{path} is not an ISO 8601 time") from None


def parse(event: str, payload: Any, delivery_id: str) -> Delivery | None:
    """The job a delivery asks for; None for events and actions the bot does not act on."""
    if not isinstance(payload, dict):
        raise DeliveryError("the payload is not an object")
    if event not in EVENTS:
        return None
    action = _get(payload, "action", str)
    if action not in EVENTS[event]:
        return None
    number = _get(payload, "pull_request.number", int)
    if number <= 0:
        raise DeliveryError("pull_request.number is not a positive integer")
    head = _get(payload, "pull_request.head.sha", str)
    if not _SHA.fullmatch(head):
        raise DeliveryError("pull_request.head.sha is not a commit id")
    repo = _get(payload, "repository.full_name", str)
    if not _REPO.fullmatch(repo):
        raise DeliveryError("repository.full_name is not OWNER/NAME")
    if not isinstance(payload.get("installation"), dict):
        raise DeliveryError("installation is missing: not a GitHub App delivery")
    installation = _get(payload, "installation.id", int)
    times = [_time(payload, "pull_request.updated_at")]
    if event in _EVENT_TIME:
        obj, field = _EVENT_TIME[event]
        _get(payload, obj, dict)
        times.append(_time(payload, f"{obj}.{field}", optional=True))
    spec = JobSpec(repo, number, installation, delivery_id, head, event)
    return Delivery(event, action, spec, tuple(t for t in times if t is not None))


def check_time(delivery: Delivery, now: float, max_age: float, skew: float) -> str | None:
    """Why the delivery is not fresh (stale or from the future), or None."""
    newest = max(delivery.times)
    if newest > now + skew:
        return "the pull request's update time is in the future (beyond the allowed clock skew)"
    if now - newest > max_age:
        return "stale delivery: the pull request's update is older than the allowed age"
    return None
