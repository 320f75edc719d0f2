"""The review page inside Jupyter Server: tornado handlers under ``{base_url}nbreview/``.

Every handler is a :class:`~jupyter_server.base.handlers.JupyterHandler`: Jupyter Server's own
login decides who may read (``@authenticated``, then ``@authorized`` on the ``contents``
resource), and its XSRF check guards every write (a pull request's comments and reviews). No
second token scheme: the page is the one ``nbreview web`` serves (:meth:`ReviewSet.page`), with
its images and assets under the view's own unguessable path instead of the standalone secret prefix.

- ``nbreview/diff/<path>?old=checkpoint&new=saved``: diff two sides (see :mod:`.sources`) and
  show the page; the diff is kept as a *view* (a small LRU) so its images can be served.
- ``nbreview/pr/<owner>/<name>/<n>``: a pull request's review, threads and writing (:mod:`.review`);
  ``nbreview/mr/<group>/<project>/<iid>`` a GitLab merge request's.
- ``nbreview/view/<id>/f/<n>`` and its ``img``, ``att`` and ``imgdiff`` pictures; ``.../api/...``
  a pull request's conversation API.
- ``nbreview/static/<name>``: the page's CSS and scripts.

The page's Content-Security-Policy is the standalone page's, framed only where the server's own
policy allows (``frame-ancestors``, ``'self'`` by default: JupyterLab's tab is an iframe).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from nbreview.errors import NbreviewError
from nbreview.jupyter.base import NbreviewHandler, PullView, Views
from nbreview.jupyter.review import ConversationHandler, MergeRequestHandler, PullRequestHandler, send_pull_page
from nbreview.jupyter.sources import SAVED, SideError, load_pair
from nbreview.render.html import ASSETS, pygments_css
from nbreview.web.images import IMAGE_CSP
from nbreview.web.review import ReviewSet

STATIC_NAMES = frozenset(p.name for p in (ASSETS / "static").iterdir() if p.suffix in (".css", ".js"))


class DiffHandler(NbreviewHandler):
    """``nbreview/diff/<path>?old=checkpoint&new=saved``: diff the two sides, show the page."""

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        old = self.get_query_argument("old", "checkpoint")
        new = self.get_query_argument("new", SAVED)
        try:
            pair = await load_pair(self.contents_manager, path.strip("/"), old, new)
        except SideError as err:
            raise web.HTTPError(err.status, str(err)) from None
        except NbreviewError as err:
            raise web.HTTPError(400, str(err)) from None
        view_id = secrets.token_urlsafe(16)
        review = ReviewSet([pair], None, self.url("view", view_id))
        try:
            html = await asyncio.get_running_loop().run_in_executor(None, review.page, 0, self.static_url_for)
        except NbreviewError as err:
            raise web.HTTPError(400, str(err)) from None
        self.views.add(review, view_id)
        self.send_page(html)


class ViewPageHandler(NbreviewHandler):
    """``nbreview/view/<id>/f/<n>``: a page of a review already diffed."""

    @web.authenticated
    @authorized
    async def get(self, view_id: str, index: str) -> None:
        view = self.views.find(view_id)
        if isinstance(view, PullView):
            await send_pull_page(self, view, view_id, int(index))
            return
        review = self.views.get(view_id)
        if int(index) >= len(review.sources):
            raise web.HTTPError(404, "no such notebook")
        html = await asyncio.get_running_loop().run_in_executor(None, review.page, int(index), self.static_url_for)
        self.send_page(html)


class ImageHandler(NbreviewHandler):
    """The page's pictures: an output image, a cell attachment, or the pixel difference of a pair."""

    @property
    def content_security_policy(self) -> str:
        return IMAGE_CSP

    @web.authenticated
    @authorized
    def get(self, view_id: str, index: str, kind: str, rest: str) -> None:
        from nbreview.jupyter.pictures import picture

        diffs = self.views.get(view_id).diffs()
        if int(index) >= len(diffs):
            raise web.HTTPError(404, "no such notebook")
        found = picture(diffs[int(index)], kind, rest)
        if found is None:
            raise web.HTTPError(404, "no such image")
        data, mime = found
        self.set_header("Content-Type", mime)
        self.set_header("Cache-Control", "private, max-age=3600")
        self.set_header("Content-Disposition", "inline")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(data)


class StaticHandler(NbreviewHandler):
    """The page's stylesheets and scripts (and the syntax colours), behind the same login."""

    @web.authenticated
    @authorized
    def get(self, name: str) -> None:
        if name == "pygments.css":
            text = pygments_css()
        elif name in STATIC_NAMES:
            text = (ASSETS / "static" / name).read_text(encoding="utf-8")
        else:
            raise web.HTTPError(404, "no such file")
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        self.set_header("Content-Type", f"{kind}; charset=utf-8")
        self.set_header("Cache-Control", "private, max-age=3600")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(text)


def setup_handlers(web_app: Any) -> None:
    """Register the handlers under the server's ``base_url``."""
    base = url_path_join(web_app.settings.get("base_url", "/"), "nbreview")
    web_app.settings["nbreview_views"] = Views()
    web_app.settings["nbreview_pulls"] = {}
    view = r"/view/([A-Za-z0-9_-]{16,64})"
    web_app.add_handlers(".*$", [
        (base + r"/diff/(.+\.ipynb)", DiffHandler),
        (base + view + r"/f/(\d{1,6})", ViewPageHandler),
        (base + r"/pr/([\w.-]{1,100}/[\w.-]{1,100})/(\d{1,9})", PullRequestHandler),
        (base + r"/mr/([\w.-]{1,100}(?:/[\w.-]{1,100}){1,20})/(\d{1,9})", MergeRequestHandler),
        (base + view + ConversationHandler.ROUTES, ConversationHandler),
        (base + view + r"/f/(\d{1,6})/(img|att|imgdiff)/(.+)", ImageHandler),
        (base + r"/static/([A-Za-z0-9_.-]+)", StaticHandler),
    ])
