"""The review page's conversation API, for a page opened on a pull request (``nbreview review``).

``GET /api/threads`` lists the pull request's review threads placed on this page's cells;
``POST /api/review`` submits a review (one request to GitHub), ``POST /api/comment`` posts one
comment, ``POST /api/reply`` answers a thread. Writes pass :mod:`nbreview.web.security`'s guard
(token header and this server's Origin), go only to the pull request the page was opened for,
with the user's own token; GitHub's failures come back as ``{"error": one line}``. The app
registers this blueprint only when it was given a ``PR_SESSION``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify

from nbreview.errors import NbreviewError
from nbreview.render.html import cell_anchor, render_markdown
from nbreview.web.review import current_review, review_state
from nbreview.web.security import read_json

if TYPE_CHECKING:
    from nbreview.bot.session import PullRequestSession
    from nbreview.threads.place import Thread
    from nbreview.web.review import ReviewSet


def _page_anchor(review: ReviewSet, file: int, side: str, cell: int | None) -> str | None:
    """The id of the cell's section on the page (``n12``/``o3``), for a cell of one side."""
    if cell is None:
        return None
    for cd in review.diffs()[file].cells:
        if (cd.new_index if side == "new" else cd.old_index) == cell:
            return cell_anchor(cd)
    return None


def threads_json(review: ReviewSet, session: PullRequestSession, threads: list[Thread]) -> list[dict[str, Any]]:
    index = {f.path: i for i, f in enumerate(session.files)}
    out = []
    for t in threads:
        file = index.get(t.path)
        if file is None:
            continue
        out.append(
            {
                "file": file,
                "path": t.path,
                "anchor": _page_anchor(review, file, t.side, t.cell),
                "side": t.side,
                "cell": t.cell,
                "lines": list(t.lines) if t.lines else None,
                "output": t.output,
                "outdated": t.outdated,
                "file_level": t.file_level,
                "comments": t.comments,
            }
        )
    return out


bp = Blueprint("conversations", __name__)


def _session() -> PullRequestSession:
    """The pull request the app serving this request was opened on."""
    session: PullRequestSession = review_state()["pr_session"]
    return session


def _fail(err: NbreviewError, status: int = 502) -> tuple[Response, int]:
    return jsonify(error=" ".join(str(err).split())), status


def _answer(call: Callable[[], Any]) -> Response | tuple[Response, int]:
    """``call()``'s result as JSON, made under the app's write lock; GitHub's failures as one line."""
    from nbreview.bot.session import ReviewInputError

    try:
        with review_state()["write_lock"]:  # one write to GitHub at a time: no interleaved half-reviews
            result = call()
        return jsonify(result)
    except ReviewInputError as err:
        return _fail(err, 400)
    except NbreviewError as err:
        return _fail(err)


@bp.get("/api/threads")
def threads() -> Response | tuple[Response, int]:
    session = _session()

    def load() -> dict[str, Any]:
        placed = session.threads(render_markdown)
        return {
            "pr": {"repo": session.repo_name, "number": session.number, "url": session.html_url,
                   "head": session.head_sha},
            "threads": threads_json(current_review(), session, placed),
        }

    return _answer(load)


@bp.post("/api/review")
def submit() -> Response | tuple[Response, int]:
    from nbreview.bot.session import Draft, ReviewInputError

    session = _session()
    data = read_json()
    try:
        if not isinstance(data, dict) or not isinstance(data.get("comments", []), list):
            raise ReviewInputError("send {event, body, comments: [...]}")
        drafts = [Draft.from_json(d) for d in data.get("comments", [])]
        event, body = str(data.get("event", "")), data.get("body", "")
        if not isinstance(body, str):
            raise ReviewInputError("the review text must be text")
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: session.submit(event, body, drafts))


@bp.post("/api/comment")
def comment() -> Response | tuple[Response, int]:
    from nbreview.bot.session import Draft, ReviewInputError

    session = _session()
    try:
        draft = Draft.from_json(read_json())
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: {"id": session.single(draft).get("id")})


@bp.post("/api/reply")
def reply() -> Response | tuple[Response, int]:
    session = _session()
    data = read_json()
    if not isinstance(data, dict) or not isinstance(data.get("to"), int) or not isinstance(data.get("body"), str):
        return jsonify(error="send {to: comment id, body: text}"), 400
    return _answer(lambda: {"id": session.reply(data["to"], data["body"]).get("id")})
