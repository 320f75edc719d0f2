"""The bot as a GitHub App: a Flask app that receives ``pull_request`` webhooks.

Each delivery is checked before anything else: its ``X-Hub-Signature-256`` must be the
HMAC-SHA256 of the raw body under the webhook secret (compared in constant time), it must
not be stale (GitHub signs no timestamp, so the signed payload's ``pull_request.updated_at``
is used) and its ``X-GitHub-Delivery`` id must be new to this process. The answer comes at
once (202); the work (reading the notebooks, rendering, posting) runs on a small thread pool,
authenticated as the app's installation on that repository.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import NbreviewError
from .client import BotError

if TYPE_CHECKING:
    from flask import Flask
    from github import Github

log = logging.getLogger("nbreview.bot")

ACTIONS = frozenset({"opened", "synchronize", "reopened"})


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256=") or not secret:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


class DeliveryLog:
    """Delivery ids seen recently (bounded, thread-safe): a redelivered id is acknowledged, not redone."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, delivery: str) -> bool:
        with self._lock:
            if delivery in self._ids:
                return False
            self._ids[delivery] = None
            while len(self._ids) > self.size:
                self._ids.popitem(last=False)
            return True


@dataclass
class AppConfig:
    webhook_secret: str
    app_id: str | None = None
    private_key: str | None = None
    api_url: str = "https://api.github.com"
    assets_branch: str = "nbreview-assets"
    max_age: float = 6 * 3600.0  # seconds a delivery may lag behind its pull request's last update
    workers: int = 2

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> AppConfig:
        """Settings from ``NBREVIEW_WEBHOOK_SECRET``, ``GITHUB_APP_ID``, ``GITHUB_APP_PRIVATE_KEY(_PATH)``, ..."""
        env = dict(os.environ) if env is None else env
        secret = env.get("NBREVIEW_WEBHOOK_SECRET", "")
        if not secret:
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
        if not app_id or not key:
            raise BotError("set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH (or GITHUB_APP_PRIVATE_KEY)")
        return cls(
            webhook_secret=secret,
            app_id=app_id,
            private_key=key,
            api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            assets_branch=env.get("NBREVIEW_ASSETS_BRANCH") or "nbreview-assets",
            max_age=float(env.get("NBREVIEW_MAX_DELIVERY_AGE") or 6 * 3600),
        )


@dataclass
class BotState:
    """What the running app holds: its pool, the delivery log and the jobs it has started."""

    config: AppConfig
    executor: ThreadPoolExecutor
    deliveries: DeliveryLog = field(default_factory=DeliveryLog)
    jobs: list[Future[Any]] = field(default_factory=list)
    _slug: str | None = None

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the jobs started so far are done (tests, graceful shutdown)."""
        for job in list(self.jobs):
            job.result(timeout=timeout)


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _payload(body: bytes, mimetype: str) -> Any:
    """The event: a JSON body, or the ``payload`` field of a form-encoded one (a webhook setting)."""
    if mimetype == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qs

        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        if len(fields.get("payload", [])) != 1:
            raise ValueError("no payload field")
        return json.loads(fields["payload"][0])
    return json.loads(body)


def installation_client(state: BotState, installation_id: int) -> tuple[Github, str]:
    """A client authenticated as the app's installation, and the login its comments carry."""
    from github import Auth, GithubIntegration

    from .client import connect

    cfg = state.config
    if not cfg.app_id or not cfg.private_key:
        raise BotError("the app's id and private key are not configured")
    app_auth = Auth.AppAuth(cfg.app_id, cfg.private_key)
    if state._slug is None:
        integration = GithubIntegration(auth=app_auth, base_url=cfg.api_url)
        state._slug = str(integration.get_app().slug)
    gh = connect(cfg.api_url, app_auth.get_installation_auth(installation_id))
    return gh, f"{state._slug}[bot]"


def handle_pull_request(state: BotState, payload: dict[str, Any]) -> str:
    """The job for one delivery: update the pull request's comment. Returns what was done."""
    from github import GithubException

    from .client import explain
    from .pr import Settings, update_pull_request

    repo = payload["repository"]["full_name"]
    number = int(payload["pull_request"]["number"])
    try:
        gh, login = installation_client(state, int(payload["installation"]["id"]))
        settings = Settings(
            api_url=state.config.api_url,
            assets_branch=state.config.assets_branch,
            bot_login=login,
            log=log.info,
        )
        outcome = update_pull_request(gh, repo, number, settings)
    except GithubException as err:
        line = str(explain(err, "authenticating as the app installation", repo))
        log.error("nbreview: %s#%d: %s", repo, number, line)
        return f"error: {line}"
    except NbreviewError as err:
        log.error("nbreview: %s#%d: %s", repo, number, err)
        return f"error: {err}"
    except Exception as err:  # noqa: BLE001 - a worker must survive any one delivery
        log.exception("nbreview: %s#%d: internal error", repo, number)
        return f"error: {type(err).__name__}"
    log.info("nbreview: %s#%d: comment %s", repo, number, outcome.action)
    return outcome.action


def create_app(config: AppConfig) -> Flask:
    """The webhook app: ``POST /webhook`` (also ``/``) and ``GET /healthz``."""
    from flask import Flask, Response, request

    app = Flask("nbreview.bot")
    app.config["MAX_CONTENT_LENGTH"] = 26 * 1024 * 1024  # GitHub caps payloads at 25 MB
    state = BotState(config, ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="nbreview-bot"))
    app.extensions["nbreview_bot"] = state
    secret = config.webhook_secret.encode("utf-8")

    def answer(status: int, message: str) -> Response:
        return Response(json.dumps({"message": message}), status, content_type="application/json")

    @app.post("/")
    @app.post("/webhook")
    def webhook() -> Response:
        body = request.get_data(cache=False)
        if not verify_signature(secret, body, request.headers.get("X-Hub-Signature-256")):
            return answer(401, "missing or wrong X-Hub-Signature-256")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if not delivery:
            return answer(400, "missing X-GitHub-Delivery")
        event = request.headers.get("X-GitHub-Event", "")
        try:
            payload = _payload(body, request.mimetype)
        except ValueError:
            return answer(400, "the body is not JSON")
        if event == "ping":
            return answer(200, "pong")
        if event != "pull_request" or not isinstance(payload, dict) or payload.get("action") not in ACTIONS:
            return answer(202, f"ignored: {event} {payload.get('action') if isinstance(payload, dict) else ''}".strip())
        pr = payload.get("pull_request") or {}
        if not payload.get("installation") or not payload.get("repository") or "number" not in pr:
            return answer(400, "not a GitHub App pull_request delivery (no installation, repository or number)")
        updated = _parse_time(pr.get("updated_at"))
        if updated is None or time.time() - updated > config.max_age:
            return answer(400, "stale delivery: the pull request's update is older than the allowed age")
        if not state.deliveries.first_time(delivery):
            return answer(200, "duplicate delivery: already handled")
        state.jobs[:] = [j for j in state.jobs if not j.done()]
        state.jobs.append(state.executor.submit(handle_pull_request, state, payload))
        return answer(202, "queued")

    @app.get("/healthz")
    def healthz() -> Response:
        return answer(200, "ok")

    return app


def app_from_env() -> Flask:
    """Factory for WSGI servers: ``gunicorn 'nbreview.bot.webhook:app_from_env()'``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return create_app(AppConfig.from_env())
