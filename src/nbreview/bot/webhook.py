"""The bot as a GitHub App: a Flask app that receives pull-request webhooks and queues the work.

Each delivery is checked before anything else, cheapest first: a ``Content-Length`` no larger
than GitHub's 25 MB cap (refused before a byte is read), a well-formed ``X-Hub-Signature-256``,
then the body is read in 64 KB chunks under a budget shared by all requests (so many large bodies
at once wait or get 503 instead of filling memory) and HMAC-SHA256'd as it arrives (compared in
constant time). A signed payload is then checked for the shape the job needs (400 with the JSON
path on a mismatch, see :mod:`.delivery`), for freshness (GitHub signs no timestamp, so the
event's own times are used: neither stale nor in the future beyond the clock skew), and its
``X-GitHub-Delivery`` id is recorded in the queue's store (a redelivery reaching another machine
is acknowledged, not redone). The job is then queued (or coalesced into the pull request's waiting
job, :mod:`.queue`) and the answer is 202; workers (:mod:`.jobs`) do the rest.

``pull_request`` (opened, synchronize, reopened), ``pull_request_review`` and
``pull_request_review_comment`` deliveries all become the same job: refresh that pull request's
comment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nbreview.bot.client import BotError
from nbreview.bot.jobs import log_event
from nbreview.bot.queue import JobQueue, default_queue_url

if TYPE_CHECKING:
    from flask import Flask

    from nbreview.bot.metrics import Metrics

log = logging.getLogger("nbreview.bot")

MAX_BODY = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
CHUNK = 64 * 1024
SPOOL_MAX = 1024 * 1024  # a body is held in memory up to this size while it is hashed, on disk beyond
_SIGNATURE = re.compile(r"sha256=[0-9a-fA-F]{64}")


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256=") or not secret:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


@dataclass
class AppConfig:
    webhook_secret: str
    app_id: str | None = None
    private_key: str | None = None
    api_url: str = "https://api.github.com"
    assets_branch: str = "nbreview-assets"
    max_age: float = 6 * 3600.0  # seconds a delivery may lag behind its pull request's last update
    clock_skew: float = 300.0  # seconds an event's time may be ahead of ours
    queue_url: str = field(default_factory=default_queue_url)
    lease_seconds: float = 30.0
    retry_base: float = 5.0
    body_budget: int = 64 * 1024 * 1024  # bytes of request bodies held at once, over all requests

    @classmethod
    def from_env(
        cls, env: dict[str, str] | None = None, *, need_secret: bool = True, need_app: bool = True
    ) -> AppConfig:
        """Settings from ``NBREVIEW_WEBHOOK_SECRET``, ``GITHUB_APP_ID``, ``GITHUB_APP_PRIVATE_KEY(_PATH)``, ...

        A web-only node needs just the secret, a worker just the app's id and key.
        """
        env = dict(os.environ) if env is None else env
        secret = env.get("NBREVIEW_WEBHOOK_SECRET", "")
        if need_secret and not secret:
            raise BotError("set NBREVIEW_WEBHOOK_SECRET to the GitHub App's webhook secret")
        app_id = env.get("GITHUB_APP_ID") or None
        key = env.get("GITHUB_APP_PRIVATE_KEY") or None
        key_path = env.get("GITHUB_APP_PRIVATE_KEY_PATH")
        if key is None and key_path:
            try:
                with open(key_path, encoding="utf-8") as fh:
                    key = fh.read()
            except OSError as err:
                raise BotError(f"{key_path}: cannot read the app's private key: {err.strerror}") from None
        if need_app and (not app_id or not key):
            raise BotError("set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH (or GITHUB_APP_PRIVATE_KEY)")

        def number(name: str, default: float) -> float:
            raw = env.get(name)
            try:
                value = float(raw) if raw else default
            except ValueError:
                raise BotError(f"{name}={raw!r}: not a number") from None
            if value <= 0:
                raise BotError(f"{name}={raw!r}: must be positive")
            return value

        return cls(
            webhook_secret=secret,
            app_id=app_id,
            private_key=key,
            api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            assets_branch=env.get("NBREVIEW_ASSETS_BRANCH") or "nbreview-assets",
            max_age=number("NBREVIEW_MAX_DELIVERY_AGE", 6 * 3600),
            clock_skew=number("NBREVIEW_CLOCK_SKEW", 300),
            queue_url=env.get("NBREVIEW_QUEUE") or default_queue_url(),
            lease_seconds=number("NBREVIEW_LEASE_SECONDS", 30),
            retry_base=number("NBREVIEW_RETRY_BASE", 5),
        )


class BodyBudget:
    """Bytes of request bodies the app holds at once: a request reserves its length before reading."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._cond = threading.Condition()

    @contextmanager
    def reserve(self, size: int, timeout: float) -> Iterator[bool]:
        size = min(max(size, CHUNK), self.total)
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.used + size > self.total:
                left = deadline - time.monotonic()
                if left <= 0:
                    yield False
                    return
                self._cond.wait(left)
            self.used += size
        try:
            yield True
        finally:
            with self._cond:
                self.used -= size
                self._cond.notify_all()


@dataclass
class BotState:
    """What the running app holds: its config, the queue and the metrics."""

    config: AppConfig
    queue: JobQueue
    metrics: Metrics
    budget: BodyBudget


def _read_signed(stream: Any, length: int, secret: bytes, header: str) -> bytes | None:
    """The body if its HMAC matches ``header``, else None.

    Read and hashed in chunks, spooled to a temporary file past ``SPOOL_MAX``: a wrongly signed body
    never sits in memory whole (nor do large allocations fragment the heap of a long-running server).
    """
    import tempfile

    mac = hmac.new(secret, digestmod=hashlib.sha256)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX) as spool:
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                return None  # the sender stopped short of its Content-Length
            mac.update(chunk)
            spool.write(chunk)
            remaining -= len(chunk)
        if not secret or not hmac.compare_digest("sha256=" + mac.hexdigest(), header.lower()):
            return None
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


def create_app(config: AppConfig, queue: JobQueue | None = None) -> Flask:
    """The webhook app: ``POST /webhook`` (also ``/``), ``GET /healthz``, ``/readyz`` and ``/metrics``."""
    from flask import Flask, Response, request

    from nbreview.bot import delivery as dl
    from nbreview.bot.metrics import Metrics

    app = Flask("nbreview.bot")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    queue = queue or JobQueue(config.queue_url, lease_seconds=config.lease_seconds)
    metrics = Metrics(queue)
    state = BotState(config, queue, metrics, BodyBudget(config.body_budget))
    app.extensions["nbreview_bot"] = state
    secret = config.webhook_secret.encode("utf-8")

    def answer(status: int, message: str) -> Response:
        return Response(json.dumps({"message": message}), status, content_type="application/json")

    @app.post("/")
    @app.post("/webhook")
    def webhook() -> Response:
        started = time.monotonic()
        event = request.headers.get("X-GitHub-Event", "")[:100]
        delivery_id = request.headers.get("X-GitHub-Delivery", "")[:200]
        metrics.received.labels(event if event in dl.EVENTS or event == "ping" else "other").inc()
        info: dict[str, Any] = {"delivery": delivery_id, "gh_event": event}

        def done(status: int, outcome: str, message: str) -> Response:
            if status >= 400:
                metrics.rejected.labels(outcome).inc()
            seconds = round(time.monotonic() - started, 4)
            log_event("delivery", **info, status=status, outcome=outcome, seconds=seconds)
            return answer(status, message)

        length = request.content_length
        if length is None:
            return done(411, "no-length", "a Content-Length is required")
        if length > MAX_BODY:
            return done(413, "too-large", "the body is larger than GitHub's 25 MB limit")
        header = request.headers.get("X-Hub-Signature-256", "").strip()
        if not _SIGNATURE.fullmatch(header):
            return done(401, "unsigned", "missing or wrong X-Hub-Signature-256")
        with state.budget.reserve(length, timeout=10.0) as granted:
            if not granted:
                return done(503, "busy", "too many large bodies at once; try again")
            body = _read_signed(request.stream, length, secret, header)
            if body is None:
                return done(401, "bad-signature", "missing or wrong X-Hub-Signature-256")
            if not delivery_id:
                return done(400, "no-delivery-id", "missing X-GitHub-Delivery")
            try:
                payload = _payload(body, request.mimetype)
            except (ValueError, RecursionError):
                return done(400, "not-json", "the body is not JSON (or nests too deeply)")
            del body
            if event == "ping":
                return done(200, "pong", "pong")
            try:
                parsed = dl.parse(event, payload, delivery_id)
            except dl.DeliveryError as err:
                return done(400, "schema", f"not a valid {event} delivery: {err}")
        if parsed is None:
            action = payload.get("action") if isinstance(payload, dict) else None
            what = f"{event} {action}" if isinstance(action, str) else event
            return done(202, "ignored", f"ignored: {what[:200]}")
        spec = parsed.spec
        info.update(repo=spec.repo, pr=spec.number, head=spec.head)
        stale = dl.check_time(parsed, time.time(), config.max_age, config.clock_skew)
        if stale:
            return done(400, "stale" if "stale" in stale else "future", stale)
        try:
            if not queue.record_delivery(delivery_id):
                metrics.duplicates.inc()
                return done(200, "duplicate", "duplicate delivery: already handled")
            try:
                queued = queue.request(spec)
            except Exception:
                queue.forget_delivery(delivery_id)
                raise
        except Exception as err:  # noqa: BLE001 - the store is down: GitHub may redeliver later
            log.error("nbreview: the queue is unreachable: %s", type(err).__name__)
            return done(503, "queue-down", "the job queue is unreachable; redeliver later")
        if queued:
            metrics.enqueued.inc()
            return done(202, "queued", "queued")
        metrics.coalesced.inc()
        return done(202, "coalesced", "queued (joined the pull request's waiting job)")

    @app.get("/healthz")
    def healthz() -> Response:
        return answer(200, "ok")

    @app.get("/readyz")
    def readyz() -> Response:
        try:
            queue.ping()
        except Exception as err:  # noqa: BLE001 - any failure means not ready
            return answer(503, f"the job queue is unreachable: {type(err).__name__}")
        return answer(200, "ready")

    @app.get("/metrics")
    def metrics_page() -> Response:
        data, content_type = metrics.exposition()
        return Response(data, 200, content_type=content_type)

    return app


def app_from_env() -> Flask:
    """Factory for WSGI servers (web only; run workers with ``nbreview bot worker``):
    ``gunicorn 'nbreview.bot.webhook:app_from_env()'``."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return create_app(AppConfig.from_env(need_app=False))
