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
the new head. The app registers this blueprint only when it was given a
``PR_SESSION``. The answers themselves (:func:`read_threads`, :func:`read_head`, :func:`write`,
:func:`refreshed`) know no web framework: Jupyter Server's handlers (:mod:`nbreview.jupyter.review`)
answer the same page with them, behind Jupyter's own login and XSRF check.
"""

from __future__ import annotations

from collections.abc import Callable
from threading import Lock
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


# ------------------------------------------------------------ the API, for any server
# Flask's blueprint below and the Jupyter Server extension (nbreview.jupyter.review) answer with these.


def refreshed(review: ReviewSet, session: ReviewSession, lock: Lock) -> ReviewSet:
    """The notebooks a page load shows: re-read the change first; after a push, the new head's."""
    try:
        with lock:
            pairs = session.refresh()
    except NbreviewError as err:
        session.log(f"nbreview: warning: {err}; showing the head read before")
        return review
    return review if pairs is None else ReviewSet(pairs, review.options, review.base)


def answer(lock: Lock, call: Callable[[], Any]) -> tuple[int, Any]:
    """(status, JSON) of ``call()`` made under ``lock``: bad input 400, the host's failures 502 as ``{"error"}``."""
    from nbreview.hosts.protocol import ReviewInputError

    try:
        with lock:  # one write to the host at a time: no interleaved half-reviews
            return 200, call()
    except ReviewInputError as err:
        return 400, failure(err)
    except NbreviewError as err:
        return 502, failure(err)


def failure(err: Exception) -> dict[str, str]:
    """An error as the page shows it: ``{"error": one line}``."""
    return {"error": " ".join(str(err).split())}


def read_threads(review: ReviewSet, session: ReviewSession, lock: Lock, file: int | None) -> tuple[int, Any]:
    """``GET /api/threads?file=N``: the change, its threads, the pending review, notebook N's lines."""

    def load() -> dict[str, Any]:
        placed, remote = session.threads(render_markdown)
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

    return answer(lock, load)


def read_head(session: ReviewSession, lock: Lock) -> tuple[int, Any]:
    """``GET /api/head``: the change's head now, and the one the page shows."""
    return answer(lock, lambda: {"head": session.current_head(), "shown": session.head_sha})


def _object(data: Any, keys: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """``data`` as a JSON object, each of ``keys`` of its type (``bool`` is no number), else 400."""
    from nbreview.hosts.protocol import ReviewInputError

    if not isinstance(data, dict):
        raise ReviewInputError("send a JSON object")
    for key, kind in keys.items():
        value = data.get(key)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ReviewInputError(f"{key!r} is missing or of the wrong type")
    return data


def _add_draft(review: ReviewSet, session: ReviewSession, data: Any) -> Callable[[], Any]:
    from nbreview.hosts.review import Draft

    draft = Draft.from_json(data)
    return lambda: _draft_json(review, session, session.add_draft(draft))


def _edit_draft(review: ReviewSet, session: ReviewSession, data: Any) -> Callable[[], Any]:
    from nbreview.hosts.review import text_field

    obj = _object(data, {"id": (str, int)})
    body = text_field(obj, "body", "a comment")
    return lambda: session.edit_draft(obj["id"], body)


def _delete_draft(review: ReviewSet, session: ReviewSession, data: Any) -> Callable[[], Any]:
    obj = _object(data, {"id": (str, int)})
    return lambda: session.delete_draft(obj["id"])


def _submit(review: ReviewSet, session: ReviewSession, data: Any) -> Callable[[], Any]:
    obj = _object(data, {"event": str, "body": str})
    return lambda: session.submit(obj["event"], obj["body"])


def _comment(review: ReviewSet, session: ReviewSession, data: Any) -> Callable[[], Any]:
    from nbreview.hosts.review import Draft

    draft = Draft.from_json(data)
    return lambda: {"id": session.single(draft).get("id")}


def _reply(review: ReviewSet, session: ReviewSession, data: Any) -> Callable[[], Any]:
    from nbreview.hosts.review import text_field

    obj = _object(data, {"to": int})
    body = text_field(obj, "body", "a reply")
    return lambda: {"id": session.reply(obj["to"], body).get("id")}


def _resolve(review: ReviewSet, session: ReviewSession, data: Any) -> Callable[[], Any]:
    obj = _object(data, {"to": int, "resolved": bool})
    return lambda: session.resolve(obj["to"], obj["resolved"])


# ``POST /api/<route>``: each checks its body (400 before anything is sent), then makes the call
WRITES: dict[str, Callable[[ReviewSet, ReviewSession, Any], Callable[[], Any]]] = {
    "drafts": _add_draft, "drafts/edit": _edit_draft, "drafts/delete": _delete_draft, "review": _submit,
    "comment": _comment, "reply": _reply, "resolve": _resolve,
}


def write(route: str, data: Any, review: ReviewSet, session: ReviewSession, lock: Lock) -> tuple[int, Any]:
    """(status, JSON) of the write ``route`` (a key of :data:`WRITES`) with the body ``data``."""
    from nbreview.hosts.protocol import ReviewInputError

    try:
        call = WRITES[route](review, session, data)
    except ReviewInputError as err:
        return 400, failure(err)
    return answer(lock, call)


# ------------------------------------------------------------ Flask
bp = Blueprint("conversations", __name__)


def _session() -> ReviewSession:
    """The change the app serving this request was opened on."""
    session: ReviewSession = review_state()["pr_session"]
    return session


def _json(result: tuple[int, Any]) -> tuple[Response, int]:
    return jsonify(result[1]), result[0]


@bp.before_app_request
def _current_head() -> None:
    """A page load re-reads the change first; after a push the new head is served."""
    if request.method != "GET" or request.endpoint not in ("pages.index", "pages.notebook"):
        return
    state = review_state()
    state["review"] = refreshed(current_review(), _session(), state["write_lock"])


@bp.get("/api/threads")
def threads() -> tuple[Response, int]:
    file = request.args.get("file", type=int)
    return _json(read_threads(current_review(), _session(), review_state()["write_lock"], file))


@bp.get("/api/head")
def head() -> tuple[Response, int]:
    return _json(read_head(_session(), review_state()["write_lock"]))


def _write(route: str) -> Callable[[], tuple[Response, int]]:
    def view() -> tuple[Response, int]:
        return _json(write(route, read_json(), current_review(), _session(), review_state()["write_lock"]))

    view.__name__ = "write_" + route.replace("/", "_")
    return view


for _route in WRITES:
    bp.add_url_rule(f"/api/{_route}", view_func=_write(_route), methods=["POST"])
