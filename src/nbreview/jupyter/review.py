"""A pull request's (or GitLab merge request's) review inside Jupyter Server: the page with its
threads, and writing them.

``nbreview/pr/<owner>/<name>/<n>`` opens the pull request, ``nbreview/mr/<project path>/<iid>`` the
merge request (:mod:`.pulls`: the server's token) once per server and keeps it as a
:class:`~.base.PullView`; every page load re-reads its head.
The page is ``nbreview review``'s, with ``jupyter.js`` in front of ``threads.js``: the API sits
under the view, ``nbreview/view/<id>/api/<route>``, and answers with
:mod:`nbreview.web.conversations`'s own functions. Reads need Jupyter's login; writes also pass
Jupyter Server's XSRF check (the ``_xsrf`` cookie sent back as ``X-XSRFToken``), made in
:meth:`JupyterHandler.prepare` before any handler runs. Errors are ``{"error": one line}``.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from nbreview.errors import NbreviewError
from nbreview.jupyter.base import NbreviewHandler, PullView
from nbreview.web.conversations import WRITES, failure, read_head, read_threads, refreshed, write
from nbreview.web.review import ReviewSet
from nbreview.web.security import MAX_BODY, BadBody, parse_json

if TYPE_CHECKING:
    from nbreview.jupyter.pulls import Nbreview

MAX_PULLS = 8  # pull requests kept open per server (each a session); an older one is opened again


async def _blocking(call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)`` in a worker thread: GitHub's answers never hold up the server."""
    return await asyncio.get_running_loop().run_in_executor(None, call, *args)


async def send_pull_page(handler: NbreviewHandler, view: PullView, view_id: str, index: int,
                         *, fresh: bool = False) -> None:
    """Notebook ``index`` of the pull request, its threads loaded by the page (after a push: the new head)."""
    if not fresh:
        view.review = await _blocking(refreshed, view.review, view.session, view.lock)
    if index >= len(view.review.sources):
        raise web.HTTPError(404, "no such notebook")
    _ = handler.xsrf_token  # sets the _xsrf cookie the page's writes send back (JupyterLab has set it too)

    def static_url(name: str) -> str:
        return handler.static_url_for(name) + (f"?view={view_id}" if name == "jupyter.js" else "")

    html = await _blocking(lambda: view.review.page(index, static_url, scripts=["jupyter.js", "threads.js"]))
    handler.send_page(html)


class ChangeHandler(NbreviewHandler):
    """A change's review page: opened once per server (then re-read), kept as a :class:`PullView`."""

    async def serve(self, key: tuple[str, int], opener: Callable[[], Any], empty: str) -> None:
        """Show the change ``key`` (``opener`` opens it: a session and its notebook pairs; ``empty``: the
        404's words for a change of no notebook)."""
        pulls: dict[tuple[str, int], str] = self.settings["nbreview_pulls"]
        view_id = pulls.get(key, "")
        view = self.views.find(view_id) if view_id else None
        fresh = not isinstance(view, PullView)
        if not isinstance(view, PullView):
            try:
                session, pairs = await _blocking(opener)
            except NbreviewError as err:
                raise web.HTTPError(502 if getattr(err, "transient", False) else 400, str(err)) from None
            if not pairs:
                raise web.HTTPError(404, empty)
            view_id = secrets.token_urlsafe(16)
            view = PullView(session, ReviewSet(pairs, None, self.url("view", view_id)), threading.Lock())
            self.views.add(view, view_id)
            pulls[key] = view_id
            while len(pulls) > MAX_PULLS:
                pulls.pop(next(iter(pulls)))
        await send_pull_page(self, view, view_id, 0, fresh=fresh)

    def check(self, checker: Callable[[Nbreview, str], None]) -> Nbreview:
        """The server's ``c.Nbreview``, once ``checker`` accepted the ``host`` a change's URL named."""
        settings: Nbreview = self.settings["nbreview_config"]
        try:
            checker(settings, self.get_query_argument("host", ""))
        except NbreviewError as err:
            raise web.HTTPError(400, str(err)) from None
        return settings


class PullRequestHandler(ChangeHandler):
    """``nbreview/pr/<owner>/<name>/<n>[?host=<web host>]``: the pull request's review page (opened once, then
    re-read); ``host``, from a pull request's URL, must be the GitHub the server reads."""

    @web.authenticated
    @authorized
    async def get(self, repo: str, number: str) -> None:
        from nbreview.jupyter.pulls import check_host, open_pull_request

        settings = self.check(check_host)
        await self.serve((repo, int(number)), lambda: open_pull_request(repo, int(number), settings),
                         f"pull request #{number} of {repo} changes no notebook")


class MergeRequestHandler(ChangeHandler):
    """``nbreview/mr/<group>/<project>/<iid>[?host=<web host>]``: a GitLab merge request's review page
    (``hosts.gitlab``); ``host``, from a merge request's URL, must be the GitLab the server reads."""

    @web.authenticated
    @authorized
    async def get(self, project: str, iid: str) -> None:
        from nbreview.jupyter.pulls import check_gitlab_host, open_merge_request

        settings = self.check(check_gitlab_host)
        await self.serve((f"gitlab:{project}", int(iid)), lambda: open_merge_request(project, int(iid), settings),
                         f"merge request !{iid} of {project} changes no notebook")


class ConversationHandler(NbreviewHandler):
    """``nbreview/view/<id>/api/<route>``: the review page's threads (GET) and writes (POST)."""

    READS = ("threads", "head")
    ROUTES = "/api/(" + "|".join(re.escape(r) for r in (*READS, *WRITES)) + ")"

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """``{"error": one line}``, which the page shows beside the box (a refused XSRF check too)."""
        self.send_json(status_code, {"error": self.error_message(kwargs)})

    def send_json(self, status: int, data: Any) -> None:
        """``data`` as JSON with ``status``, never cached."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(data)

    @web.authenticated
    @authorized
    async def get(self, view_id: str, route: str) -> None:
        view = self.views.pull(view_id)
        if route == "threads":
            file = self.get_query_argument("file", "")
            index = int(file) if file.isdigit() else None
            self.send_json(*await _blocking(read_threads, view.review, view.session, view.lock, index))
        elif route == "head":
            self.send_json(*await _blocking(read_head, view.session, view.lock))
        else:
            raise web.HTTPError(405, f"POST to {route}")

    @web.authenticated
    @authorized
    async def post(self, view_id: str, route: str) -> None:
        view = self.views.pull(view_id)
        if route not in WRITES:
            raise web.HTTPError(405, f"{route} is read with GET")
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise web.HTTPError(415, "send the body as application/json")
        if len(self.request.body) > MAX_BODY:
            raise web.HTTPError(413, f"the body is larger than {MAX_BODY:,} bytes")
        try:
            data = parse_json(self.request.body)
        except BadBody as err:
            self.send_json(err.status, failure(err))
            return
        self.send_json(*await _blocking(write, route, data, view.review, view.session, view.lock))
