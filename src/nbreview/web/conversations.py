"""The review page's conversation API, for a page opened on a change (``nbreview review``): a GitHub
pull request or a GitLab merge request, through a :class:`~nbreview.hosts.review.ReviewSession`
and its host adapter (this module knows no host).

``GET /api/threads?file=N`` gives the change (title, author, head, who you are, the host, the
review events it takes, the rate limit), its review threads placed on the cells, the pending
review (kept on disk by the session, so it outlives the page and the server) and which lines
of notebook N take a line comment; ``GET /api/head`` says whether a push moved the head (a conditional request). ``POST
/api/drafts`` adds to the pending review, ``/api/drafts/edit`` and ``/api/drafts/delete`` change
it, ``POST /api/review`` submits it, ``POST /api/comment`` posts one comment, ``POST /api/reply``
answers a thread, ``POST /api/resolve`` resolves or unresolves one (where the host says which
are resolved). Writes pass :mod:`nbreview.web.security`'s guard (token header and this server's
Origin), go only to the change the page was opened for, with the user's own token; bad input is
400 and the host's failures 502, as ``{"error": one line}``. Every page load first re-reads the
change's head (a 304 while nothing was pushed, where the host has them) and, after a push, serves
the new head. The app registers this blueprint only when it was given a ``PR_SESSION``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, request

from nbreview.errors import NbreviewError
from nbreview.render.html import cell_anchor, render_markdown
from nbreview.web.review import ReviewSet, current_review, review_state
from nbreview.web.security import read_json

if TYPE_CHECKING:
    from nbreview.hosts.review import ReviewSession
    from nbreview.threads.drafts import StoredDraft
    from nbreview.threads.place import Thread


def _page_anchor(review: ReviewSet, file: int, side: str, cell: int | None) -> str | None:
    """The id of the cell's section on the page (``n12``/``o3``), for a cell of one side."""
    if cell is None:
        return None
    for cd in review.diffs()[file].cells:
        if (cd.new_index if side == "new" else cd.old_index) == cell:
            return cell_anchor((cd.old_index, cd.new_index))
    return None


def threads_json(review: ReviewSet, session: ReviewSession, threads: list[Thread]) -> list[dict[str, Any]]:
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
                "row": t.row,
                "outdated": t.outdated,
                "file_level": t.file_level,
                "resolved": t.resolved,
                "comments": t.comments,
            }
        )
    return out


def _draft_json(review: ReviewSet, session: ReviewSession, d: StoredDraft) -> dict[str, Any]:
    """A pending comment kept by the session, as the page shows it."""
    from nbreview.threads.anchor import Anchor

    file = next((i for i, f in enumerate(session.files) if f.path == d.path), None)
    return {
        "id": d.id, "file": file, "path": d.path, "side": d.side, "cell": d.cell,
        "lines": list(d.lines) if d.lines else None, "output": d.output, "mime": d.mime, "body": d.body,
        "flag": d.flag, "remote": False, "where": Anchor(d.side, d.cell, None, d.lines, d.output).label(),
        "anchor": None if file is None or d.flag else _page_anchor(review, file, d.side, d.cell),
    }


def pending_json(review: ReviewSet, session: ReviewSession, remote: list[Thread]) -> list[dict[str, Any]]:
    """The pending review: comments kept here, then the user's pending ones on the host."""
    from nbreview.threads.anchor import reader_text

    out = [_draft_json(review, session, d) for d in (session.store.drafts if session.store else [])]
    texts = {t.notes[0].id: reader_text(t.notes[0].body) for t in session.pending_remote if t.notes}
    for t in threads_json(review, session, remote):
        first = t["comments"][0]
        out.append({**t, "id": first["id"], "body": texts.get(first["id"], ""), "flag": "", "remote": True,
                    "where": ""})
    return out


bp = Blueprint("conversations", __name__)


def _session() -> ReviewSession:
    """The change the app serving this request was opened on."""
    session: ReviewSession = review_state()["pr_session"]
    return session


def _fail(err: NbreviewError, status: int = 502) -> tuple[Response, int]:
    return jsonify(error=" ".join(str(err).split())), status


def _answer(call: Callable[[], Any]) -> Response | tuple[Response, int]:
    """``call()``'s result as JSON, made under the app's write lock; bad input 400, the host's failures 502."""
    from nbreview.hosts.protocol import ReviewInputError

    try:
        with review_state()["write_lock"]:  # one write to the host at a time: no interleaved half-reviews
            result = call()
        return jsonify(result)
    except ReviewInputError as err:
        return _fail(err, 400)
    except NbreviewError as err:
        return _fail(err)


def _object(keys: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """The request's JSON object, each of ``keys`` of its type (``bool`` is no number), else 400."""
    from nbreview.hosts.protocol import ReviewInputError

    data = read_json()
    if not isinstance(data, dict):
        raise ReviewInputError("send a JSON object")
    for key, kind in keys.items():
        value = data.get(key)
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in (kind if isinstance(
                kind, tuple) else (kind,))):
            raise ReviewInputError(f"{key!r} is missing or of the wrong type")
    return data


@bp.before_app_request
def _current_head() -> None:
    """A page load re-reads the change's head first; after a push the new head is served."""
    if request.method != "GET" or request.endpoint not in ("pages.index", "pages.notebook"):
        return
    state = review_state()
    session = _session()
    try:
        with state["write_lock"]:
            pairs = session.refresh()
            if pairs is not None:
                old = current_review()
                state["review"] = ReviewSet(pairs, old.options, old.base)
    except NbreviewError as err:
        session.log(f"nbreview: warning: {err}; showing the head read before")


@bp.get("/api/threads")
def threads() -> Response | tuple[Response, int]:
    session = _session()
    file = request.args.get("file", type=int)

    def load() -> dict[str, Any]:
        placed, remote = session.threads(render_markdown)
        review = current_review()
        ok = file is not None and 0 <= file < len(session.files)
        return {
            "pr": {**session.info, "user": session.user, "rate": session.host.rate,
                   "host": session.host.name, "change_name": session.host.change_name,
                   "events": list(session.host.events), "pending_on_host": bool(session.pending_remote),
                   "resolvable": session.resolvable()},
            "threads": threads_json(review, session, placed),
            "pending": pending_json(review, session, remote),
            "commentable": session.commentable(file) if ok and file is not None else {},
            "last_review": session.last_review,
        }

    return _answer(load)


@bp.get("/api/head")
def head() -> Response | tuple[Response, int]:
    session = _session()
    return _answer(lambda: {"head": session.current_head(), "shown": session.head_sha})


@bp.post("/api/drafts")
def add_draft() -> Response | tuple[Response, int]:
    from nbreview.hosts.protocol import ReviewInputError
    from nbreview.hosts.review import Draft

    session = _session()
    try:
        draft = Draft.from_json(read_json())
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: _draft_json(current_review(), session, session.add_draft(draft)))


@bp.post("/api/drafts/edit")
def edit_draft() -> Response | tuple[Response, int]:
    from nbreview.hosts.protocol import ReviewInputError
    from nbreview.hosts.review import text_field

    session = _session()
    try:
        data = _object({"id": (str, int)})
        body = text_field(data, "body", "a comment")
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: session.edit_draft(data["id"], body))


@bp.post("/api/drafts/delete")
def delete_draft() -> Response | tuple[Response, int]:
    from nbreview.hosts.protocol import ReviewInputError

    session = _session()
    try:
        data = _object({"id": (str, int)})
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: session.delete_draft(data["id"]))


@bp.post("/api/review")
def submit() -> Response | tuple[Response, int]:
    from nbreview.hosts.protocol import ReviewInputError

    session = _session()
    try:
        data = _object({"event": str, "body": str})
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: session.submit(data["event"], data["body"]))


@bp.post("/api/comment")
def comment() -> Response | tuple[Response, int]:
    from nbreview.hosts.protocol import ReviewInputError
    from nbreview.hosts.review import Draft

    session = _session()
    try:
        draft = Draft.from_json(read_json())
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: {"id": session.single(draft).get("id")})


@bp.post("/api/reply")
def reply() -> Response | tuple[Response, int]:
    from nbreview.hosts.protocol import ReviewInputError
    from nbreview.hosts.review import text_field

    session = _session()
    try:
        data = _object({"to": int})
        body = text_field(data, "body", "a reply")
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: {"id": session.reply(data["to"], body).get("id")})


@bp.post("/api/resolve")
def resolve() -> Response | tuple[Response, int]:
    from nbreview.hosts.protocol import ReviewInputError

    session = _session()
    try:
        data = _object({"to": int, "resolved": bool})
    except ReviewInputError as err:
        return _fail(err, 400)
    return _answer(lambda: session.resolve(data["to"], data["resolved"]))
