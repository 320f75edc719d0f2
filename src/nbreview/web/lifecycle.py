"""Whether the page is still open: its heartbeat and "closed" calls, which stop the difftool's server.

The page posts ``/api/heartbeat`` while it is open and ``/api/closed`` when it is closed; the
server's watcher (:func:`nbreview.web.server.run_app`) reads :class:`Lifecycle` to decide when
to stop. Both are writes, so they pass the token-and-Origin guard of :mod:`nbreview.web.security`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import Blueprint, Response

from nbreview.web.review import review_state

bp = Blueprint("lifecycle", __name__)


@dataclass
class Lifecycle:
    """When the page was last seen alive, and whether it said it was closed (for the difftool)."""

    last_seen: float = 0.0
    closed_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def alive(self) -> None:
        with self.lock:
            self.last_seen = time.monotonic()
            self.closed_at = 0.0

    def closed(self) -> None:
        with self.lock:
            self.closed_at = time.monotonic()


def current_lifecycle() -> Lifecycle:
    """The lifecycle of the app serving this request."""
    life: Lifecycle = review_state()["lifecycle"]
    return life


@bp.post("/api/heartbeat")
def heartbeat() -> Response:
    current_lifecycle().alive()
    return Response(status=204)


@bp.post("/api/closed")
def closed() -> Response:
    current_lifecycle().closed()
    return Response(status=204)
