"""Flask app factory: the review pages, their images, and the guards around them.

The app is a few Blueprints over one :class:`~nbreview.web.review.ReviewSet`: the pages
(:mod:`.pages`), their images (:mod:`.images`), the page's heartbeat (:mod:`.lifecycle`) and,
for a pull request, its conversations (:mod:`.conversations`); the mergetool adds its own.
Every URL sits under the per-run secret prefix ``/<token>/`` and every write (heartbeat,
closed, the mergetool's save) also needs the token header and the server's own ``Origin``;
no cookie is set (see :mod:`nbreview.web.security`, which also checks the Host header against
DNS rebinding). Every response gets a strict Content-Security-Policy: scripts and styles only
from this server's static files, so nothing a notebook contains can run. Routes take numbers
(file, cell, output), never paths.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from nbreview.render.html import ASSETS
from nbreview.web import conversations, images, lifecycle, pages, security
from nbreview.web.lifecycle import Lifecycle
from nbreview.web.review import PairLike, ReviewSet, ServerLinks

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _security_headers(resp: Response) -> Response:
    """Every response: the CSP (unless the route set a stricter one), no sniffing, no framing, no referrer."""
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return resp


def create_app(config: Mapping[str, Any]) -> Flask:
    """The review app. Config keys:

    ``SOURCES`` (list of notebook pairs: ``.path``, ``.old``, ``.new``), ``TOKEN`` (required, at
    least 16 URL-safe characters: every URL is ``/<TOKEN>/...``), ``DIFF_OPTIONS``,
    ``ALLOWED_HOSTS`` (host names besides 127.0.0.1/localhost/::1), ``DIFFTOOL`` (the page
    reports when it closes), ``LIFECYCLE``, ``PR_SESSION`` (a
    :class:`nbreview.hosts.review.ReviewSession` on any host: review threads and writing them).
    """
    token = str(config.get("TOKEN") or "")
    if len(token) < 16:
        raise ValueError("create_app needs a TOKEN of at least 16 characters")
    base = "/" + token
    app = Flask(
        "nbreview.web",
        static_folder=str(ASSETS / "static"),
        static_url_path="/static",
        template_folder=str(ASSETS / "templates"),
    )
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    security.install(app, token, config.get("ALLOWED_HOSTS", ()))
    pr_session = config.get("PR_SESSION")  # a change opened by `nbreview review`: threads and writing
    app.extensions["nbreview"] = {
        "review": ReviewSet(config.get("SOURCES", []), config.get("DIFF_OPTIONS"), base),
        "lifecycle": config.get("LIFECYCLE") or Lifecycle(),
        "base": base,
        "difftool": bool(config.get("DIFFTOOL")),
        "pr_session": pr_session,
        "write_lock": threading.Lock(),
    }
    app.after_request(_security_headers)
    for blueprint in (pages.bp, images.bp, lifecycle.bp):
        app.register_blueprint(blueprint)
    if pr_session is not None:
        app.register_blueprint(conversations.bp)
    return app


def new_token() -> str:
    return secrets.token_urlsafe(24)


__all__ = ["create_app", "new_token", "Lifecycle", "ReviewSet", "ServerLinks", "PairLike", "CSP"]
