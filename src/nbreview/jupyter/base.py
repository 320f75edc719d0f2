"""What every nbreview handler inside Jupyter Server shares: the views kept for their images and
API, and the handler base (Jupyter's login, nbreview's CSP framed as the server allows, plain-text errors)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from nbreview.web.app import CSP
from nbreview.web.review import ReviewSet

if TYPE_CHECKING:
    from nbreview.hosts.review import ReviewSession

MAX_VIEWS = 8  # pages kept for their images (a diff of big notebooks is big); an older tab reloads its diff
AUTH_RESOURCE = "contents"  # reading a review is reading notebooks


@dataclass
class PullView:
    """A pull request opened in a tab: its session, the notebooks shown (replaced after a push), one write lock."""

    session: ReviewSession
    review: ReviewSet
    lock: threading.Lock


class Views:
    """The diffs of recent pages (a :class:`ReviewSet`, or a pull request's :class:`PullView`), by unguessable id."""

    def __init__(self, limit: int = MAX_VIEWS) -> None:
        self.limit = limit
        self._views: OrderedDict[str, ReviewSet | PullView] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, view: ReviewSet | PullView, view_id: str) -> None:
        with self._lock:
            self._views[view_id] = view
            while len(self._views) > self.limit:
                self._views.popitem(last=False)

    def find(self, view_id: str) -> ReviewSet | PullView | None:
        with self._lock:
            view = self._views.get(view_id)
            if view is not None:
                self._views.move_to_end(view_id)
            return view

    def get(self, view_id: str) -> ReviewSet:
        """The notebooks of view ``view_id`` (a pull request's as shown now), or 404."""
        view = self.find(view_id)
        if view is None:
            raise web.HTTPError(404, "this review expired: reload the tab")
        return view.review if isinstance(view, PullView) else view

    def pull(self, view_id: str) -> PullView:
        """The pull request of view ``view_id``, or 404."""
        view = self.find(view_id)
        if not isinstance(view, PullView):
            raise web.HTTPError(404, "this review expired: reload the tab")
        return view


class NbreviewHandler(JupyterHandler):
    """Common ground: authentication, the nbreview CSP framed as the server allows, plain-text errors."""

    auth_resource = AUTH_RESOURCE

    @property
    def content_security_policy(self) -> str:
        server = str(super().content_security_policy)
        ancestors = next((d.strip() for d in server.split(";") if d.strip().startswith("frame-ancestors")),
                         "frame-ancestors 'self'")
        return CSP.replace("frame-ancestors 'none'", ancestors)

    @property
    def views(self) -> Views:
        views: Views = self.settings["nbreview_views"]
        return views

    def url(self, *parts: str) -> str:
        return str(url_path_join(self.base_url, "nbreview", *parts))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """One line of text, as the standalone page answers (never Jupyter's HTML error page)."""
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}: {self.error_message(kwargs)}\n")

    def error_message(self, kwargs: dict[str, Any]) -> str:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        return " ".join(str(getattr(exc, "log_message", None) or self._reason).split())

    def send_page(self, html: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.finish(html)

    def static_url_for(self, name: str) -> str:
        return self.url("static", name)
