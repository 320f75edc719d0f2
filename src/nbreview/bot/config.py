"""The bot's settings: each host's webhook secret and credentials, the queue and its timings.

Read from the environment by :meth:`AppConfig.from_env` (``nbreview bot serve|worker``, the WSGI
factory); a web-only node needs just a secret, a worker just a host's credentials: the GitHub App's
id and key, and/or a GitLab token (a project, group or bot user's access token with the api scope)
with the server's URL. Either host may be left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from nbreview.bot.errors import BotError
from nbreview.bot.queue import default_queue_url


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
    body_seconds: float = 10.0  # a body must arrive within this (GitHub itself gives up after 10 s)
    peer_bodies: int = 8  # slow unauthenticated bodies (twice that in all) read at once from one address, per process
    gitlab_webhook_secret: str = ""  # the webhook's "Secret token" in GitLab, sent back as X-Gitlab-Token
    gitlab_url: str = "https://gitlab.com"  # the only server a GitLab job talks to (never a URL from a payload)
    gitlab_token: str | None = None

    def secret(self, host: str) -> str:
        """The webhook secret of ``host`` (``github``, ``gitlab``); empty: that host's deliveries are refused."""
        return {"github": self.webhook_secret, "gitlab": self.gitlab_webhook_secret}.get(host, "")

    @classmethod
    def from_env(
        cls, env: dict[str, str] | None = None, *, need_secret: bool = True, need_app: bool = True
    ) -> AppConfig:
        """Settings from ``NBREVIEW_WEBHOOK_SECRET``, ``GITHUB_APP_ID``, ``GITHUB_APP_PRIVATE_KEY(_PATH)``, ...

        A web-only node needs just the secret, a worker just the app's id and key.
        """
        env = dict(os.environ) if env is None else env
        secret = env.get("NBREVIEW_WEBHOOK_SECRET", "")
        gitlab_secret = env.get("NBREVIEW_GITLAB_WEBHOOK_SECRET", "")
        if need_secret and not secret and not gitlab_secret:
            raise BotError("set NBREVIEW_WEBHOOK_SECRET to the GitHub App's webhook secret "
                           "(or NBREVIEW_GITLAB_WEBHOOK_SECRET to the GitLab webhook's secret token)")
        app_id = env.get("GITHUB_APP_ID") or None
        key = env.get("GITHUB_APP_PRIVATE_KEY") or None
        key_path = env.get("GITHUB_APP_PRIVATE_KEY_PATH")
        if key is None and key_path:
            try:
                with open(key_path, encoding="utf-8") as fh:
                    key = fh.read()
            except OSError as err:
                raise BotError(f"{key_path}: cannot read the app's private key: {err.strerror}") from None
        gitlab_token = env.get("NBREVIEW_GITLAB_TOKEN") or None
        if need_app and (not app_id or not key) and not gitlab_token:
            raise BotError("set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_PATH (or GITHUB_APP_PRIVATE_KEY), "
                           "or NBREVIEW_GITLAB_TOKEN for GitLab")

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
            body_seconds=number("NBREVIEW_BODY_SECONDS", 10),
            peer_bodies=int(number("NBREVIEW_PEER_BODIES", 8)),
            gitlab_webhook_secret=gitlab_secret,
            gitlab_url=(env.get("NBREVIEW_GITLAB_URL") or "https://gitlab.com").rstrip("/"),
            gitlab_token=gitlab_token,
        )
