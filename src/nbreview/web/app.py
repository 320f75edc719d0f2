"""Flask app factory: the review pages, their images, and the guards around them.

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
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from flask import Flask, Response, abort

from nbreview.engine.content import IMAGE_MIMES
from nbreview.render.html import ASSETS, FileEntry, Side, file_note, pygments_css, render_notebook, render_page
from nbreview.web import security

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff
    from nbreview.engine.options import DiffOptions
    from nbreview.io.load import LoadedNotebook

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# An image opened on its own (an SVG could hold a script) gets no script at all.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


class PairLike(Protocol):
    """One notebook to review: ``nbreview.io.git.NotebookPair`` or anything shaped like it."""

    @property
    def path(self) -> str: ...

    @property
    def old(self) -> LoadedNotebook: ...

    @property
    def new(self) -> LoadedNotebook: ...


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


class ReviewSet:
    """The notebooks this server was started for, diffed once, pages rendered once."""

    def __init__(self, sources: Sequence[PairLike], options: DiffOptions | None, base: str = "") -> None:
        self.sources = list(sources)
        self.options = options
        self.base = base  # the secret path prefix every URL starts with
        self._diffs: list[NotebookDiff] | None = None
        self._bodies: dict[int, str] = {}
        self._lock = threading.Lock()

    def diffs(self) -> list[NotebookDiff]:
        with self._lock:
            if self._diffs is None:
                from nbreview.engine.pipeline import diff

                self._diffs = [diff(s.old, s.new, options=self.options) for s in self.sources]
            return self._diffs

    def entries(self) -> list[FileEntry]:
        diffs = self.diffs()
        return [
            FileEntry(str(s.path), diffs[i], f"{self.base}/f/{i}", f"f{i}", file_note(str(getattr(s, "status", ""))))
            for i, s in enumerate(self.sources)
        ]

    def body(self, index: int) -> str:
        if index not in self._bodies:
            self._bodies[index] = render_notebook(self.diffs()[index], ServerLinks(index, self.base))
        return self._bodies[index]


@dataclass
class ServerLinks:
    """Image URLs served by this app (loaded lazily by the browser), under the secret prefix ``base``."""

    file: int
    base: str = ""

    def image(self, side: Side, cell: int, output: int, mime: str) -> str:
        return f"{self.base}/f/{self.file}/img/{side}/{cell}/{output}/{mime}"

    def difference(self, old: tuple[int, int], new: tuple[int, int], mime: str) -> str:
        return f"{self.base}/f/{self.file}/imgdiff/{old[0]}/{old[1]}/{new[0]}/{new[1]}/{mime}"

    def attachment(self, side: Side, cell: int, name: str, mime: str) -> str:
        from urllib.parse import quote

        return f"{self.base}/f/{self.file}/att/{side}/{cell}/{mime}/{quote(name, safe='')}"


def create_app(config: Mapping[str, Any]) -> Flask:
    """The review app. Config keys:

    ``SOURCES`` (list of notebook pairs: ``.path``, ``.old``, ``.new``), ``TOKEN`` (required, at
    least 16 URL-safe characters: every URL is ``/<TOKEN>/...``), ``DIFF_OPTIONS``,
    ``ALLOWED_HOSTS`` (host names besides 127.0.0.1/localhost/::1), ``DIFFTOOL`` (the page
    reports when it closes), ``LIFECYCLE``, ``PR_SESSION`` (a
    :class:`nbreview.threads.session.PullRequestSession`: review threads and writing them).
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
    review = ReviewSet(config.get("SOURCES", []), config.get("DIFF_OPTIONS"), base)
    life: Lifecycle = config.get("LIFECYCLE") or Lifecycle()
    security.install(app, token, config.get("ALLOWED_HOSTS", ()))
    difftool = bool(config.get("DIFFTOOL"))
    app.extensions["nbreview"] = {"review": review, "lifecycle": life, "base": base}
    pr_session = config.get("PR_SESSION")  # a pull request opened by `nbreview review`: threads and writing
    if pr_session is not None:
        from nbreview.web.conversations import register

        register(app, review, pr_session)

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        return resp

    def page(index: int) -> Response:
        entries = review.entries()
        if not 0 <= index < len(entries):
            abort(404, "no such notebook")
        life.alive()
        text = render_page(
            entries,
            [(index, review.body(index))],
            mode="server",
            current=index,
            difftool=difftool,
            static_url=lambda name: f"{base}/pygments.css" if name == "pygments.css" else f"{base}/static/{name}",
            scripts=["threads.js"] if pr_session is not None else [],
        )
        resp = Response(text, mimetype="text/html")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.get("/")
    def index() -> Response:
        if not review.sources:
            return Response("nothing to review: no notebooks changed\n", mimetype="text/plain")
        return page(0)

    @app.get("/f/<int:index>")
    def notebook(index: int) -> Response:
        return page(index)

    @app.get("/pygments.css")
    def pygments() -> Response:
        resp = Response(pygments_css(), mimetype="text/css")
        resp.headers["Cache-Control"] = "private, max-age=3600"
        return resp

    def _image_response(data: bytes | None, mime: str) -> Response:
        if data is None:
            abort(404, "no such image")
        resp = Response(data, mimetype=mime)
        resp.headers["Cache-Control"] = "private, max-age=3600"
        resp.headers["Content-Security-Policy"] = IMAGE_CSP
        resp.headers["Content-Disposition"] = "inline"
        return resp

    def _diff(index: int) -> NotebookDiff:
        diffs = review.diffs()
        if not 0 <= index < len(diffs):
            abort(404, "no such notebook")
        return diffs[index]

    def _check(side: str, mime: str) -> None:
        if side not in ("old", "new") or mime not in IMAGE_MIMES:
            abort(404, "no such image")

    @app.get("/f/<int:index>/img/<side>/<int:cell>/<int:output>/<path:mime>")
    def image(index: int, side: str, cell: int, output: int, mime: str) -> Response:
        from nbreview.render.html import image_bytes, output_data

        _check(side, mime)
        d = _diff(index)
        nb = d.old_nb if side == "old" else d.new_nb
        return _image_response(image_bytes(output_data(nb, cell, output, mime), mime), mime)

    @app.get("/f/<int:index>/att/<side>/<int:cell>/<path:rest>")
    def attachment(index: int, side: str, cell: int, rest: str) -> Response:
        from nbreview.render.html import attachment_data, image_bytes

        mime = next((m for m in IMAGE_MIMES if rest.startswith(m + "/")), "")
        _check(side, mime)
        name = rest[len(mime) + 1 :]  # already unquoted by the router; only a key in the cell's dict
        d = _diff(index)
        nb = d.old_nb if side == "old" else d.new_nb
        return _image_response(image_bytes(attachment_data(nb, cell, name, mime), mime), mime)

    @app.get("/f/<int:index>/imgdiff/<int:oc>/<int:oo>/<int:nc>/<int:no>/<path:mime>")
    def image_difference(index: int, oc: int, oo: int, nc: int, no: int, mime: str) -> Response:
        from nbreview.render.html import difference_image

        _check("old", mime)
        if mime == "image/svg+xml":
            abort(404, "no pixel difference for SVG")
        return _image_response(difference_image(_diff(index), (oc, oo), (nc, no), mime), "image/png")

    @app.post("/api/heartbeat")
    def heartbeat() -> Response:
        life.alive()
        return Response(status=204)

    @app.post("/api/closed")
    def closed() -> Response:
        life.closed()
        return Response(status=204)

    return app


def new_token() -> str:
    return secrets.token_urlsafe(24)


__all__ = ["create_app", "new_token", "Lifecycle", "ReviewSet", "PairLike", "CSP"]
