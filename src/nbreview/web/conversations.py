"""The review page's conversation API, for a page opened on a pull request (``nbreview review``).

``GET /api/threads`` lists the pull request's review threads placed on this page's cells;
``POST /api/review`` submits a review (one request to GitHub), ``POST /api/comment`` posts one
comment, ``POST /api/reply`` answers a thread. Writes pass :mod:`nbreview.web.security`'s guard
(token header and this server's Origin), go only to the pull request the page was opened for,
with the user's own token; GitHub's failures come back as ``{"error": one line}``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify

from nbreview.errors import NbreviewError
from nbreview.render.html import cell_anchor, render_markdown
from nbreview.web.security import read_json

if TYPE_CHECKING:
    from nbreview.threads.place import Thread
    from nbreview.threads.session import PullRequestSession
    from nbreview.web.app import ReviewSet


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


def register(app: Flask, review: ReviewSet, session: PullRequestSession) -> None:
    """Add the conversation routes for ``session``'s pull request to the review app."""
    lock = threading.Lock()  # one write to GitHub at a time: no interleaved half-reviews

    def fail(err: NbreviewError, status: int = 502) -> tuple[Response, int]:
        return jsonify(error=" ".join(str(err).split())), status

    def answer(call: Any) -> Response | tuple[Response, int]:
        from nbreview.threads.session import ReviewInputError

        try:
            with lock:
                result = call()
            return jsonify(result)
        except ReviewInputError as err:
            return fail(err, 400)
        except NbreviewError as err:
            return fail(err)

    @app.get("/api/threads")
    def threads() -> Response | tuple[Response, int]:
        def load() -> dict[str, Any]:
            placed = session.threads(render_markdown)
            return {
                "pr": {"repo": session.repo_name, "number": session.number, "url": session.html_url,
                       "head": session.head_sha},
                "threads": threads_json(review, session, placed),
            }

        return answer(load)

    @app.post("/api/review")
    def submit() -> Response | tuple[Response, int]:
        from nbreview.threads.session import Draft, ReviewInputError

        data = read_json()
        try:
            if not isinstance(data, dict) or not isinstance(data.get("comments", []), list):
                raise ReviewInputError("send {event, body, comments: [...]}")
            drafts = [Draft.from_json(d) for d in data.get("comments", [])]
            event, body = str(data.get("event", "")), data.get("body", "")
            if not isinstance(body, str):
                raise ReviewInputError("the review text must be text")
        except ReviewInputError as err:
            return fail(err, 400)
        return answer(lambda: session.submit(event, body, drafts))

    @app.post("/api/comment")
    def comment() -> Response | tuple[Response, int]:
        from nbreview.threads.session import Draft, ReviewInputError

        try:
            draft = Draft.from_json(read_json())
        except ReviewInputError as err:
            return fail(err, 400)
        return answer(lambda: {"id": session.single(draft).get("id")})

    @app.post("/api/reply")
    def reply() -> Response | tuple[Response, int]:
        data = read_json()
        if not isinstance(data, dict) or not isinstance(data.get("to"), int) or not isinstance(data.get("body"), str):
            return jsonify(error="send {to: comment id, body: text}"), 400
        return answer(lambda: {"id": session.reply(data["to"], data["body"]).get("id")})
