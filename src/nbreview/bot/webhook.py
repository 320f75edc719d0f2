"""The webhook app: receives a host's change-request deliveries (GitHub App, GitLab) and queues the work.

The host is named by the request's event header (``X-GitHub-Event``, ``X-Gitlab-Event``) and its
adapter (:mod:`nbreview.hosts`) decides what is host-specific: how a delivery is authenticated, its
dedupe id, which events refresh which change. Everything else is this module's, the same for
every host. Each delivery is checked before anything else, cheapest first: a ``Content-Length`` no
larger than the host's cap (refused before a byte is read), the host's headers (GitHub: a
well-formed ``X-Hub-Signature-256``; GitLab: ``X-Gitlab-Token`` compared in constant time, so a
wrong token is a 401 without reading the body), then the body is read in 64 KB chunks and checked
as it arrives (GitHub's HMAC-SHA256, compared in constant time). Until that check a body is
anyone's, so its reading is bounded three ways: a budget shared by all requests counts only the
bytes that arrived (many large bodies at once wait or get 503 instead of filling memory), one
address may have only a few bodies in flight per process, and a body must arrive within
``body_seconds`` (each read also times out, :mod:`.server`): a sender that declares 25 MB and
trickles a byte every few seconds costs one byte and a few seconds, never everyone else's
deliveries. An authenticated payload is then checked for the shape the job needs (400 with the
JSON path on a mismatch), for freshness (neither stale nor in the future beyond the clock skew,
by the event's own times), and its delivery id is recorded in the queue's store, one log for
every host (a redelivery reaching another machine is acknowledged, not redone). The job is then
queued (or coalesced into the change's waiting job, :mod:`.queue`) and the answer is 202; workers
(:mod:`.jobs`) do the rest.

GitHub's ``pull_request`` (opened, synchronize, reopened), ``pull_request_review`` and
``pull_request_review_comment`` deliveries, and GitLab's ``Merge Request Hook`` (open, reopen,
update with new commits) and ``Note Hook`` on a merge request, all become the same job: refresh
that change's note.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import ClientDisconnected

from nbreview.bot.config import AppConfig
from nbreview.bot.jobs import log_event
from nbreview.bot.queue import JobQueue, JobSpec
from nbreview.bot.server import CLOSE_KEY
from nbreview.hosts import webhook_host, webhook_hosts
from nbreview.hosts.protocol import HookEvent, PayloadError

if TYPE_CHECKING:
    from nbreview.bot.metrics import Metrics
    from nbreview.hosts.protocol import Verifier, WebhookHost

log = logging.getLogger("nbreview.bot")

MAX_BODY = 25 * 1024 * 1024  # the largest any host sends (GitHub caps webhook payloads at 25 MB)
CHUNK = 64 * 1024
SPOOL_MAX = 1024 * 1024  # a body is held in memory up to this size while it is checked, on disk beyond


class Reply(Exception):
    """The webhook's answer: raised by the check that decides it early, or made by the last step.

    ``outcome`` names it in the metrics and the delivery's log line.
    """

    def __init__(self, status: int, outcome: str, message: str) -> None:
        super().__init__(message)
        self.status, self.outcome, self.message = status, outcome, message


class BodyBudget:
    """Bytes of request bodies the app holds at once, over all requests: taken as they arrive, never ahead.

    A request takes room for one chunk before each read and gives back what the read did not fill, so
    a sender that declares 25 MB and sends one byte holds one byte (plus the chunk being read). When
    the budget is spent, readers wait (then 503), except the one holding the most: it goes on, so
    some body always finishes and frees its share (at most ``total`` plus one body are ever held).
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._cond = threading.Condition()
        self._held: dict[int, int] = {}
        self._next = 0

    @contextmanager
    def reader(self) -> Iterator[int]:
        """A reader's token for :meth:`take`; whatever it still holds is given back when it leaves."""
        with self._cond:
            self._next += 1
            token = self._next
            self._held[token] = 0
        try:
            yield token
        finally:
            with self._cond:
                self.used -= self._held.pop(token)
                self._cond.notify_all()

    def take(self, token: int, size: int, timeout: float) -> bool:
        """Room for ``size`` more bytes, waiting up to ``timeout`` seconds for others to give some back."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.used + size > self.total and not self._leads(token):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            self.used += size
            self._held[token] += size
            return True

    def give(self, token: int, size: int) -> None:
        with self._cond:
            self.used -= size
            self._held[token] -= size
            self._cond.notify_all()

    def _leads(self, token: int) -> bool:
        """Whether ``token`` holds the most (the earliest reader among equals)."""
        return max(self._held.items(), key=lambda kv: (kv[1], -kv[0]))[0] == token


class PeerLimit:
    """At most ``cap`` slow unauthenticated bodies being read at once from one address (per web process),
    and twice that in all.

    Until its HMAC is checked a body is anyone's: this keeps one sender from holding every thread
    with slow bodies. Bodies count as slow once they are still arriving after ``grace`` seconds, so a
    burst of GitHub's deliveries from one address (read in milliseconds each) does not come near it.
    """

    def __init__(self, cap: int, grace: float = 1.0) -> None:
        self.cap = cap
        self.grace = grace
        self._lock = threading.Lock()
        self._reading: dict[str, dict[int, float]] = {}  # peer -> reader -> when it started
        self._next = 0

    @contextmanager
    def reading(self, peer: str) -> Iterator[bool]:
        now = time.monotonic()
        with self._lock:
            started = self._reading.setdefault(peer, {})
            slow = sum(1 for t in started.values() if now - t > self.grace)
            granted = slow < self.cap and len(started) < 2 * self.cap
            if granted:
                self._next += 1
                token = self._next
                started[token] = now
            elif not started:
                del self._reading[peer]
        try:
            yield granted
        finally:
            if granted:
                with self._lock:
                    del started[token]
                    if not started:
                        self._reading.pop(peer, None)


@dataclass
class BotState:
    """What the running app holds: its config, the queue, the metrics and the intake's limits."""

    config: AppConfig
    queue: JobQueue
    metrics: Metrics
    budget: BodyBudget
    peers: PeerLimit
    hosts: tuple[WebhookHost, ...]


def _read_signed(stream: Any, length: int, verifier: Verifier, host: WebhookHost, budget: BodyBudget,
                 seconds: float) -> bytes:
    """The body if the host's ``verifier`` accepts it (GitHub: its HMAC); else a :class:`Reply` is raised.

    Read and checked in chunks, spooled to a temporary file past ``SPOOL_MAX`` (a wrongly signed body
    never sits in memory whole), under the shared budget (only the bytes that arrived count) and
    within ``seconds`` in all (each read also times out: see :mod:`.server`).
    """
    import tempfile

    deadline = time.monotonic() + seconds
    with budget.reader() as me, tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX) as spool:
        remaining = length
        while remaining > 0:
            want = min(CHUNK, remaining)
            if not budget.take(me, want, timeout=min(2.0, max(0.0, deadline - time.monotonic()))):
                raise Reply(503, "busy", "too many large bodies at once; try again")
            started = time.monotonic()
            try:
                chunk = stream.read(want)
            except (OSError, ClientDisconnected):  # the socket's read time-out, a reset, a close
                chunk = b""
            budget.give(me, want - len(chunk))
            if not chunk:
                if time.monotonic() - started > 1.0:  # it waited for bytes that did not come
                    raise Reply(408, "slow-body", "the body arrived too slowly")
                raise Reply(400, "short-body", "the body ended before its Content-Length")
            verifier.update(chunk)
            spool.write(chunk)
            remaining -= len(chunk)
            if remaining and time.monotonic() > deadline:
                raise Reply(408, "slow-body", "the body arrived too slowly")
        if not verifier.verify():
            raise Reply(401, "bad-signature", host.auth_error)
        spool.seek(0)
        body: bytes = spool.read()
        return body


def _payload(body: bytes, mimetype: str) -> Any:
    """The event: a JSON body, or the ``payload`` field of a form-encoded one (a webhook setting)."""
    if mimetype == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qs

        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        if len(fields.get("payload", [])) != 1:
            raise ValueError("no payload field")
        return json.loads(fields["payload"][0])
    return json.loads(body)


bp = Blueprint("webhook", __name__)


def _state() -> BotState:
    state: BotState = current_app.extensions["nbreview_bot"]
    return state


def _answer(status: int, message: str) -> Response:
    return Response(json.dumps({"message": message}), status, content_type="application/json")


def _signed_payload(state: BotState, host: WebhookHost, verifier: Verifier, length: int, delivery_id: str) -> Any:
    """The event of an authenticated body, read within the peer's cap, the budget and the time limit."""
    with state.peers.reading(request.remote_addr or "") as granted:
        if not granted:
            raise Reply(503, "peer-busy", "too many bodies at once from this address; try again")
        body = _read_signed(request.stream, length, verifier, host, state.budget, state.config.body_seconds)
    request.environ.pop(CLOSE_KEY, None)  # read to the end: the connection may serve another request
    if not delivery_id:
        raise Reply(400, "no-delivery-id", "missing the delivery's id (X-GitHub-Delivery, Idempotency-Key)")
    try:
        return _payload(body, request.mimetype)
    except (ValueError, RecursionError):
        raise Reply(400, "not-json", "the body is not JSON (or nests too deeply)") from None


def _receive(state: BotState, host: WebhookHost, event: str, delivery_id: str) -> HookEvent:
    """The delivery of this request, checked cheapest first (see the module's docstring)."""
    request.environ[CLOSE_KEY] = True  # until the body is read to its end: the server drops the connection
    length = request.content_length
    if length is None:
        raise Reply(411, "no-length", "a Content-Length is required")
    if length > host.max_body:
        raise Reply(413, "too-large", f"the body is larger than the {host.max_body // 2**20} MB limit")
    verifier = host.authenticate(request.headers, state.config.secret(host.name))
    if verifier is None:
        raise Reply(401, "unsigned", host.auth_error)
    payload = _signed_payload(state, host, verifier, length, delivery_id)
    if event in host.pings:
        raise Reply(200, "pong", "pong")
    try:
        parsed = host.parse(event, payload)
    except PayloadError as err:
        raise Reply(400, "schema", f"not a valid {event} delivery: {err}") from None
    if parsed is None:
        action = payload.get("action") if isinstance(payload, dict) else None
        what = f"{event} {action}" if isinstance(action, str) else event
        raise Reply(202, "ignored", f"ignored: {what[:200]}")
    return parsed


def check_time(times: tuple[float, ...], now: float, max_age: float, skew: float) -> str | None:
    """Why an event is not fresh (stale or from the future), or None.

    Hosts sign no timestamp, so the newest time the event carries is used: older than ``max_age`` is a
    replay, newer than now plus ``skew`` is refused too (a future time would keep a replay fresh longer).
    """
    newest = max(times)
    if newest > now + skew:
        return "the change's update time is in the future (beyond the allowed clock skew)"
    if now - newest > max_age:
        return "stale delivery: the change's update is older than the allowed age"
    return None


def _enqueue(state: BotState, host: WebhookHost, parsed: HookEvent, delivery_id: str) -> Reply:
    """Queue a fresh, first-seen delivery's job (or join the change's waiting one)."""
    stale = check_time(parsed.times, time.time(), state.config.max_age, state.config.clock_skew)
    if stale:
        return Reply(host.stale_status, "stale" if "stale" in stale else "future", stale)
    queue, metrics = state.queue, state.metrics
    c = parsed.change
    spec = JobSpec(c.project, c.number, c.installation, delivery_id, c.head, parsed.name, c.host)
    try:
        outcome = queue.accept(delivery_id, spec)
    except Exception as err:  # noqa: BLE001 - the store is down: the host may redeliver later
        log.error("nbreview: the queue is unreachable: %s", type(err).__name__)
        return Reply(503, "queue-down", "the job queue is unreachable; redeliver later")
    if outcome == "duplicate":
        metrics.duplicates.inc()
        return Reply(200, "duplicate", "duplicate delivery: already handled")
    if outcome == "queued":
        metrics.enqueued.inc()
        return Reply(202, "queued", "queued")
    metrics.coalesced.inc()
    return Reply(202, "coalesced", "queued (joined the change's waiting job)")


@bp.post("/")
@bp.post("/webhook")
def webhook() -> Response:
    """One delivery: checked, queued, answered, counted and logged in one line."""
    started = time.monotonic()
    state = _state()
    host = webhook_host(state.hosts, request.headers)
    event = host.event(request.headers)[:100]
    delivery_id = host.delivery_id(request.headers)[:200]
    state.metrics.received.labels(event if event in host.events else "other").inc()
    info: dict[str, Any] = {"delivery": delivery_id, "host": host.name, "host_event": event}
    try:
        parsed = _receive(state, host, event, delivery_id)
        info.update(repo=parsed.change.project, pr=parsed.change.number, head=parsed.change.head)
        reply = _enqueue(state, host, parsed, delivery_id)
    except Reply as early:
        reply = early
    if reply.status >= 400:
        state.metrics.rejected.labels(reply.outcome).inc()
    seconds = round(time.monotonic() - started, 4)
    log_event("delivery", **info, status=reply.status, outcome=reply.outcome, seconds=seconds)
    return _answer(reply.status, reply.message)


@bp.get("/healthz")
def healthz() -> Response:
    return _answer(200, "ok")


@bp.get("/readyz")
def readyz() -> Response:
    try:
        _state().queue.ping()
    except Exception as err:  # noqa: BLE001 - any failure means not ready
        return _answer(503, f"the job queue is unreachable: {type(err).__name__}")
    return _answer(200, "ready")


@bp.get("/metrics")
def metrics_page() -> Response:
    data, content_type = _state().metrics.exposition()
    return Response(data, 200, content_type=content_type)


def create_app(config: AppConfig, queue: JobQueue | None = None) -> Flask:
    """The webhook app: ``POST /webhook`` (also ``/``), ``GET /healthz``, ``/readyz`` and ``/metrics``."""
    from nbreview.bot.metrics import Metrics

    app = Flask("nbreview.bot")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    queue = queue or JobQueue(config.queue_url, lease_seconds=config.lease_seconds)
    app.extensions["nbreview_bot"] = BotState(config, queue, Metrics(queue), BodyBudget(config.body_budget),
                                              PeerLimit(config.peer_bodies), webhook_hosts())
    app.register_blueprint(bp)
    return app


def app_from_env() -> Flask:
    """Factory for WSGI servers (web only; run workers with ``nbreview bot worker``):
    ``gunicorn 'nbreview.bot.webhook:app_from_env()'``."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return create_app(AppConfig.from_env(need_app=False))


__all__ = ["AppConfig", "BodyBudget", "BotState", "PeerLimit", "Reply", "app_from_env", "check_time", "create_app"]
