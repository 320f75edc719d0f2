"""The review pages: one page per notebook (``/`` is the first), and the syntax colours they use."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from nbreview.render.html import pygments_css, render_page
from nbreview.web.lifecycle import current_lifecycle
from nbreview.web.review import current_review, review_state

bp = Blueprint("pages", __name__)


def _page(index: int) -> Response:
    """Notebook ``index``'s page, with the list of every notebook of the review around it."""
    state = review_state()
    review, base = current_review(), state["base"]
    entries = review.entries()
    if not 0 <= index < len(entries):
        abort(404, "no such notebook")
    current_lifecycle().alive()
    text = render_page(
        entries,
        [(index, review.body(index))],
        mode="server",
        current=index,
        difftool=state["difftool"],
        static_url=lambda name: f"{base}/pygments.css" if name == "pygments.css" else f"{base}/static/{name}",
        scripts=["threads.js"] if state["pr_session"] is not None else [],
    )
    resp = Response(text, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/")
def index() -> Response:
    if not current_review().sources:
        return Response("nothing to review: no notebooks changed\n", mimetype="text/plain")
    return _page(0)


@bp.get("/f/<int:index>")
def notebook(index: int) -> Response:
    return _page(index)


@bp.get("/pygments.css")
def pygments() -> Response:
    resp = Response(pygments_css(), mimetype="text/css")
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp
