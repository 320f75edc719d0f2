"""What a code host provides to the bot's runtime, so the webhook app, the queue and the worker know no host.

A host adapter (``hosts/github``, ``hosts/gitlab``) gives two things:

* :class:`WebhookHost`: how its deliveries are recognised (an event header), authenticated (GitHub:
  an HMAC of the body; GitLab: a secret token in a header, checked before a byte of the body is
  read), named for deduplication, and mapped to the one job the bot has: refresh a :class:`Change`'s
  sticky note. The body reading, its budgets and time limits, the dedupe log and the queue are the
  runtime's, shared by every host.
* :class:`NoteHost`: the job itself, refreshing that note (the changed notebooks with their blobs
  at base and head, the sticky note found by its hidden marker and created or edited, pictures
  hosted), returning an :class:`Outcome`.

Payload fields are read through :func:`field` and :func:`timestamp`, which turn any mismatch with the
host's documented shape into a :class:`PayloadError` naming the JSON path (a 400, never a 500).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from nbreview.errors import NbreviewError
from nbreview.hosts.notebooks import ChangedNotebook
from nbreview.threads.model import HostThread


class HostError(NbreviewError):
    """A host's API call failed; ``transient`` marks failures worth retrying later (rate limits, 5xx,
    an unreachable server), which the bot's queue retries with backoff."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class PayloadError(ValueError):
    """An authenticated payload does not have the shape its host documents (a 400, with the JSON path)."""


@dataclass(frozen=True)
class Change:
    """One change request on one host: a GitHub pull request, a GitLab merge request."""

    host: str  # "github" | "gitlab": the adapter that reads and writes it
    project: str  # GitHub: OWNER/NAME; GitLab: the project's numeric id
    number: int  # pull request number, merge request IID
    head: str = ""  # the head commit the delivery named (the job reads the newest head anyway)
    installation: int = 0  # the GitHub App installation that may write there (GitHub only)


@dataclass(frozen=True)
class HookEvent:
    """What a verified delivery asks for: refresh ``change``'s note (``times``: the event's own clocks)."""

    name: str
    action: str
    change: Change
    times: tuple[float, ...]


class Headers(Protocol):
    """A request's headers, looked up case-insensitively (werkzeug's ``Headers``)."""

    def get(self, key: str, default: str) -> str: ...


class Verifier(Protocol):
    """Checks a body as it is read, chunk by chunk (an HMAC), or nothing when the headers were proof enough."""

    def update(self, chunk: bytes) -> None: ...

    def verify(self) -> bool: ...


class WebhookHost(Protocol):
    """A host's side of the webhook: recognise, authenticate, name and map its deliveries."""

    name: str
    events: frozenset[str]  # the event names it acts on (others count as "other" in the metrics)
    pings: frozenset[str]  # events that only test the hook: answered 200 "pong" once authenticated
    max_body: int  # the host's own cap on a payload: larger is refused before a byte is read
    auth_error: str  # the message of a 401
    stale_status: int  # the answer to a stale delivery: 400, or 200 where the host disables hooks that fail

    def claims(self, headers: Headers) -> bool:
        """Whether the request carries this host's event header."""
        ...

    def event(self, headers: Headers) -> str: ...

    def delivery_id(self, headers: Headers) -> str:
        """The id a redelivery repeats (the runtime's dedupe key, prefixed by the host's name if needed)."""
        ...

    def authenticate(self, headers: Headers, secret: str) -> Verifier | None:
        """None when the headers alone already fail (401 before the body is read); else the body's check."""
        ...

    def parse(self, event: str, payload: Any) -> HookEvent | None:
        """The change to refresh; None for events the bot does not act on; :class:`PayloadError` if malformed."""
        ...


class Outcome(Protocol):
    """What refreshing a note did (``created``, ``edited``, ``unchanged``, ...) and the head it shows."""

    action: str
    head_sha: str


class NoteHost(Protocol):
    """A host's side of the job: refresh the change's sticky note, calling ``before_write(head)`` before
    each write (the runtime raises there once its lease on the change is lost)."""

    def refresh(self, change: Change, before_write: Callable[[str], None]) -> Outcome: ...


class HostsConfig(Protocol):
    """What the bot's configuration tells the host adapters (the runtime's ``AppConfig`` has it)."""

    api_url: str  # GitHub's REST API root
    app_id: str | None
    private_key: str | None
    assets_branch: str
    gitlab_url: str
    gitlab_token: str | None


class Accepted:
    """The :class:`Verifier` of a host whose headers already proved the delivery (GitLab's token)."""

    def update(self, chunk: bytes) -> None:
        pass

    def verify(self) -> bool:
        return True


def field(payload: Any, path: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
    """The value at the dotted ``path``, of type ``kind`` (JSON ``true`` is not an integer)."""
    node: Any = payload
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict):
            raise PayloadError(f"{'.'.join(parts[:i]) or 'the payload'} is not an object")
        if part not in node or node[part] is None:
            if optional:
                return None
            raise PayloadError(f"{'.'.join(parts[: i + 1])} is missing")
        node = node[part]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(node, kinds) or (isinstance(node, bool) and bool not in kinds):
        raise PayloadError(f"{path} is not {_kind_name(kinds)}")
    return node


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {dict: "an object", int: "an integer", str: "a string", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def timestamp(payload: Any, path: str, *, optional: bool = False) -> float | None:
    """The time at ``path``: ISO 8601 (``2013-12-03T17:23:34Z``) or GitLab's ``2015-05-17 18:21:36 UTC``."""
    value = field(payload, path, str, optional=optional)
    if value is None:
        return None
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if when.tzinfo is None:
            raise ValueError("no time zone")
        return when.timestamp()
    except (ValueError, OverflowError, OSError):
        raise PayloadError(f"{path} is not an ISO 8601 time") from None


# ---------------------------------------------------------------- reviewing a change


class ReviewInputError(NbreviewError):
    """The page asked for something the change does not have (a cell, a line, a thread), or that the
    host refuses as asked (a 400 on the page, never sent)."""


@dataclass(frozen=True)
class Spot:
    """Where a comment goes in a change's diff, in host-neutral terms.

    ``first``..``last`` are lines of the ``.ipynb`` file of ``side`` (the base's for ``old``); None
    for a comment on the whole file. ``start``/``end`` are those lines' (old, new) numbers by the
    added/removed/unchanged rule and ``codes`` their (old, new) diff counters (GitLab's ``line_code``).
    """

    path: str
    old_path: str
    side: str  # "old" | "new"
    first: int | None = None
    last: int | None = None
    start: tuple[int | None, int | None] = (None, None)
    end: tuple[int | None, int | None] = (None, None)
    codes: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))

    @property
    def file_level(self) -> bool:
        return self.last is None


@dataclass
class Opened:
    """A change as its host says it now: the page's header facts, base and head, its notebooks."""

    info: dict[str, Any]  # number, url, title, author, base (branch), head_ref, head, state
    base: str
    head: str
    notebooks: list[ChangedNotebook]
    skipped: int = 0


class ReviewHost(Protocol):
    """A host's side of reviewing one change: reading it, its threads, and writing to it.

    The host-neutral session (:mod:`nbreview.hosts.review`) validates the page's input, keeps the
    pending review on disk, decides where a comment goes (:class:`Spot`) and calls these.
    """

    name: str  # "GitHub", "GitLab": what the page calls the host
    change_name: str  # "pull request", "merge request"
    events: tuple[str, ...]  # the review events it takes: COMMENT, APPROVE, REQUEST_CHANGES
    unfolds: bool  # whether an unchanged line outside the diff's hunks takes a line comment (GitLab)
    inert: str  # whose references and commands quoted notebook text is kept from (render.markdown.inert)

    @property
    def rate(self) -> dict[str, int]:
        """The API's rate limit as last answered (empty where unknown)."""
        ...

    def store_key(self) -> tuple[str, str, int]:
        """(server, project, number): where the pending review is kept on disk."""
        ...

    def open(self, max_notebooks: int) -> Opened: ...

    def current_head(self) -> str:
        """The change's head now (cheaply: a conditional request where the host has them)."""
        ...

    def whoami(self) -> str:
        """The user the token writes as ("" when the host will not say)."""
        ...

    def fetch(self, path: str, sha: str) -> str | None:
        """A file's text at a commit (None when unreadable): for threads written on an older head."""
        ...

    def threads(self) -> tuple[list[HostThread], list[HostThread]]:
        """The submitted threads on the change's files, and the user's own pending comments on the host."""
        ...

    def can_resolve(self) -> bool:
        """Whether threads can be resolved here (and say whether they are)."""
        ...

    def comment(self, spot: Spot, body: str) -> dict[str, Any]:
        """Post one comment now, outside any review; ``{"id": ...}``."""
        ...

    def reply(self, thread: HostThread, body: str) -> dict[str, Any]: ...

    def resolve(self, thread: HostThread, resolved: bool) -> bool:
        """Resolve or unresolve; the thread's state after."""
        ...

    def edit_pending(self, note_id: int, body: str) -> dict[str, Any]: ...

    def delete_pending(self, note_id: int) -> None: ...

    def submit(self, event: str, body: str, comments: list[tuple[Spot, str]]) -> dict[str, Any]:
        """Submit a review: ``comments`` and the user's pending ones on the host, landing together;
        ``{"id", "state", "url", "inline", "file_level"}``."""
        ...
