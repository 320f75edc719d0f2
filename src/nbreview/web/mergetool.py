"""The three-way mergetool page: base, local, remote and the result for every conflict.

``nbreview mergetool BASE LOCAL REMOTE MERGED`` (what ``git mergetool -t nbreview`` runs)
merges the three notebooks again, serves one page on 127.0.0.1 inside the review app
(its secret URL prefix and write guard from :mod:`nbreview.web.security`, its
Content-Security-Policy and page heartbeat), lets a person choose per conflict one of the
choices that conflict offers (:func:`offered`), and writes MERGED on Save. A save whose body is
malformed or names a conflict or choice that does not exist is refused (400) and writes
nothing. When the page is closed the server stops; the exit status tells git whether the merge
is done: 0 when the last save left no conflicts, 1 otherwise.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template

from nbreview.engine.content import cell_source

if TYPE_CHECKING:
    from nbreview.merge import Choice, Conflict, MergedCell, MergeResult
    from nbreview.web.app import Lifecycle


@dataclass
class MergeSession:
    """One mergetool run: the structured merge, where it is saved, and what the last save left.

    ``hand`` is MERGED as it was on disk when the tool started, when it differs from the
    automatic merge (someone edited the conflicted file before running the tool); saving then
    keeps those edits: see :meth:`save`. ``hand_resolved`` holds the conflicts whose markers
    the hand edits already removed.
    """

    result: MergeResult
    merged_path: str
    saved: bool = False
    unresolved_after_save: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)
    hand: dict[str, Any] | None = None
    hand_resolved: set[int] = field(default_factory=set)

    @property
    def exit_status(self) -> int:
        return 0 if self.saved and self.unresolved_after_save == 0 else 1

    def save(self, choices: dict[int, Choice]) -> int:
        """Render with ``choices``, validate and write MERGED atomically; returns conflicts left.

        With hand edits, the page's result and the file on disk are merged three-way over the
        automatic merge: each keeps what only it changed, and where both changed the same lines
        differently the cell is marked (``file on disk`` / ``mergetool``). The conflict records
        of whatever is resolved in the end are dropped, so a resolved file carries none.
        """
        from nbreview.io.write import dumps_notebook, write_atomic
        from nbreview.merge import resolve_merge, validate

        with self.lock:
            resolved = resolve_merge(self.result, choices)
            notebook, left = resolved.notebook, len(resolved.unresolved)
            if self.hand is not None:
                notebook, left = self._keep_hand_edits(notebook)
            validate(notebook, f"{self.merged_path}: the merged notebook")
            write_atomic(self.merged_path, dumps_notebook(notebook).encode("utf-8"))
            self.saved = True
            self.unresolved_after_save = left
            return self.unresolved_after_save

    def _keep_hand_edits(self, chosen: dict[str, Any]) -> tuple[dict[str, Any], int]:
        from nbreview.merge import merge_structured, resolve_merge
        from nbreview.merge.check import drop_resolved
        from nbreview.merge.labels import MarkerStyle
        from nbreview.merge.text import has_markers

        assert self.hand is not None
        records = (chosen.get("metadata", {}).get("nbreview") or {}).get("conflicts", [])
        again = merge_structured(resolve_merge(self.result).notebook, self.hand, chosen)
        again.style = MarkerStyle(local="file on disk", remote="mergetool", base="automatic merge")
        nb = resolve_merge(again).notebook
        # Records of the page's unresolved conflicts the hand edits did not resolve, then the new ones.
        meta = nb.setdefault("metadata", {})
        fresh = (meta.get("nbreview") or {}).get("conflicts", []) if isinstance(meta.get("nbreview"), dict) else []
        kept = [r for r in records if r.get("id") not in self.hand_resolved]
        if kept or fresh:
            meta.setdefault("nbreview", {})["conflicts"] = kept + [dict(r, id=f"disk-{r['id']}") for r in fresh]
        for cell in nb["cells"]:
            if has_markers(cell_source(cell)):
                cell.setdefault("metadata", {}).setdefault("nbreview", {}).setdefault("conflicts", ["source"])
        drop_resolved(nb)
        left = (meta.get("nbreview") or {}).get("conflicts", []) if isinstance(meta.get("nbreview"), dict) else []
        marked = sum(1 for cell in nb["cells"] if has_markers(cell_source(cell)))
        texts = sum(1 for r in left if r.get("kind") in ("source", "delete"))
        return nb, len(left) + max(0, marked - texts)


def _canonical_source(cell: Any) -> str:
    """A cell's source with marker labels and diff3 base sections left out: the driver may have
    written git's labels and conflict style, the tool writes its own."""
    out: list[str] = []
    skip = False
    for line in cell_source(cell).splitlines(keepends=True):
        bare = line.rstrip("\n")
        if skip and bare == "=======":
            skip = False
        if skip:
            continue
        if bare.startswith("|||||||"):
            skip = True
            continue
        for mark in ("<<<<<<<", ">>>>>>>"):
            if bare.startswith(mark):
                line = mark + ("\n" if line.endswith("\n") else "")
        out.append(line)
    return "".join(out)


def _canonical(nb: dict[str, Any]) -> str:
    cells = [dict(cell, source=_canonical_source(cell)) for cell in nb.get("cells", [])]
    return json.dumps([nb.get("metadata"), cells], sort_keys=True, default=str)


def hand_edits(result: MergeResult, merged_path: str) -> tuple[dict[str, Any] | None, set[int]]:
    """MERGED as it is on disk if it differs from the automatic merge (else None), and the
    conflicts whose markers are gone from it. An unreadable file counts as not hand-edited."""
    from nbreview.errors import NotebookError
    from nbreview.io.load import read_path
    from nbreview.merge import resolve_merge
    from nbreview.merge.text import has_markers

    try:
        disk = read_path(merged_path)
    except NotebookError:
        return None, set()
    auto = resolve_merge(result).notebook
    if disk.empty or _canonical(disk.nb) == _canonical(auto):
        return None, set()
    cells = disk.nb.get("cells", [])
    # Cells still marked as the driver marked them read as the tool marks them, so that a choice
    # made on the page does not collide with a mere difference of labels.
    as_rendered = {_canonical_source(cell): cell_source(cell) for cell in auto.get("cells", [])}
    for cell in cells:
        if has_markers(cell_source(cell)):
            cell["source"] = as_rendered.get(_canonical_source(cell), cell_source(cell))
    by_id = {c.get("id"): c for c in cells if isinstance(c.get("id"), str)}
    open_values = {r.get("id") for r in (disk.nb.get("metadata", {}).get("nbreview") or {}).get("conflicts", [])
                   if isinstance(r, dict)} if isinstance(disk.nb.get("metadata", {}).get("nbreview"), dict) else set()
    resolved: set[int] = set()
    for rec in auto.get("metadata", {}).get("nbreview", {}).get("conflicts", []):
        if rec.get("kind") in ("source", "delete"):
            cell = by_id.get(rec.get("cell_id"))
            if cell is None and isinstance(rec.get("cell"), int) and rec["cell"] < len(cells):
                cell = cells[rec["cell"]]
            if cell is None or not has_markers(cell_source(cell)):
                resolved.add(rec["id"])
        elif rec.get("id") not in open_values:
            resolved.add(rec["id"])
    return disk.nb, resolved


def offered(c: Conflict) -> tuple[str, ...]:
    """The choices the page offers for conflict ``c`` (its buttons), the only ones a save may use.

    ``"edit"`` stands for ``{"edit": text}``. Source conflicts: local, remote, both, edit;
    deleted-vs-edited cells: delete (the deleting side), keep (the editing side), edit; value
    and move conflicts: local, remote, base (no text to edit, nothing to join).
    """
    if c.kind == "source":
        return ("local", "remote", "both", "edit")
    if c.kind == "delete":
        return ("local", "remote", "edit")
    return ("local", "remote", "base")


def parse_choices(data: Any, result: MergeResult) -> dict[int, Choice]:
    """``{"3": "remote", "4": {"edit": "text"}}`` from the page, checked against the conflicts.

    Raises ValueError (shown to the user) for anything else: an id that is not a conflict of
    this merge, a choice that conflict does not offer, a value of the wrong type. ``null``
    leaves a conflict unresolved.
    """
    if not isinstance(data, dict):
        raise ValueError("choices must be an object mapping conflict ids to choices")
    out: dict[int, Choice] = {}
    for key, value in data.items():
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 9):
            raise ValueError(f"bad conflict id {key[:40]!r}: ids are the numbers 0 to {len(result.conflicts) - 1}")
        cid = int(key)
        if cid >= len(result.conflicts):
            raise ValueError(f"no conflict {cid}: this merge has {len(result.conflicts)}")
        choices = offered(result.conflicts[cid])
        if value is None:
            continue
        if isinstance(value, dict):
            if set(value) != {"edit"} or not isinstance(value["edit"], str):
                raise ValueError(f"conflict {cid}: an edit is {{\"edit\": \"text\"}}")
            if "edit" not in choices:
                raise ValueError(f"conflict {cid} cannot be edited; choose one of {', '.join(choices)}")
            out[cid] = ("edit", value["edit"])
        elif isinstance(value, str) and value != "edit" and value in choices:
            out[cid] = value
        else:
            shown = json.dumps(value)[:40]
            raise ValueError(f"conflict {cid} does not offer {shown}; choose one of {', '.join(choices)}")
    return out


# -- what the template shows -------------------------------------------------------------------
def _origin(merged: MergedCell) -> str:
    base, local, remote = merged.base, merged.local, merged.remote
    if base is None:
        if local is not None and remote is not None:
            return "added on both sides"
        return "added on local" if local is not None else "added on remote"
    changed_local = local is not None and cell_source(local) != cell_source(base)
    changed_remote = remote is not None and cell_source(remote) != cell_source(base)
    if changed_local and changed_remote:
        return "changed on both sides"
    if changed_local:
        return "changed on local"
    if changed_remote:
        return "changed on remote"
    return "unchanged source"


def _json(value: Any) -> str:
    from nbreview.engine.model import MISSING

    return "(not set)" if value is MISSING else json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


def _conflict_view(c: Conflict, merged: MergedCell | None, hand_resolved: set[int]) -> dict[str, Any]:
    """One conflict as the page shows it: title, the three versions, its buttons; ``hand``: the
    file's hand edits already resolved it."""
    from nbreview.merge.text import TextConflict, join_both
    from nbreview.merge.values import ValueConflict

    view: dict[str, Any] = {"id": c.id, "kind": c.kind, "hand": c.id in hand_resolved}
    if isinstance(c.detail, TextConflict):
        view.update(title="both sides changed these lines", base=c.detail.base, local=c.detail.local,
                    remote=c.detail.remote, buttons=[(choice, choice) for choice in offered(c)])
    elif c.kind == "delete" and merged is not None:
        kept = "remote" if c.deleted == "local" else "local"
        added = merged.base is None  # add/add: the cell is in one side's notebook only
        gone = "(no such cell)" if added else "(cell deleted)"
        title = f"added on {kept} only (no common base)" if added else f"deleted on {c.deleted}, edited on {kept}"
        view.update(title=title, base=cell_source(merged.base),
                    local=cell_source(merged.local) if kept == "local" else gone,
                    remote=cell_source(merged.remote) if kept == "remote" else gone,
                    buttons=[(c.deleted, f"{c.deleted}: {'leave it out' if added else 'delete the cell'}"),
                             (kept, f"{kept}: keep the {'cell' if added else 'edited cell'}"), ("edit", "edit")])
        view["deleted"] = c.deleted
    elif isinstance(c.detail, ValueConflict):
        where = "notebook metadata" if merged is None else "cell"
        view.update(title=f"{where}: {'/'.join(map(str, c.detail.path))} set differently", base=_json(c.detail.base),
                    local=_json(c.detail.local), remote=_json(c.detail.remote),
                    buttons=[(choice, choice) for choice in offered(c)])
    else:  # move
        view.update(title="moved to different places on both sides", base="where it was", local="where local put it",
                    remote="where remote put it", buttons=[(choice, choice) for choice in offered(c)])
    view["both"] = join_both(view["local"], view["remote"])  # what "both" (and a first edit) starts from
    return view


def _cell_view(merged: MergedCell, n: int, hand_resolved: set[int]) -> dict[str, Any]:
    """One merged cell as the page shows it: its source as clean text and conflicts, its other conflicts."""
    pieces: list[dict[str, Any]] = []
    conflicts = iter(c for c in merged.conflicts if c.kind == "source")
    for piece in merged.pieces:
        if isinstance(piece, str):
            pieces.append({"text": piece})
        else:
            pieces.append({"conflict": _conflict_view(next(conflicts), merged, hand_resolved)})
    cell_type = merged.fields.get("cell_type") or (merged.local or merged.remote or {}).get("cell_type") or "code"
    return {
        "n": n,
        "type": cell_type,
        "origin": "conflict" if merged.conflicts else _origin(merged),
        "pieces": pieces if merged.deleted is None else [],
        "other": [_conflict_view(c, merged, hand_resolved) for c in merged.conflicts if c.kind != "source"],
        "has_conflict": bool(merged.conflicts),
    }


def page_context(session: MergeSession) -> dict[str, Any]:
    """What the mergetool template shows: the merged cells (runs of clean ones folded) and every conflict."""
    result = session.result
    # A cell moved differently on both sides is shown once, where local put it.
    shown = [slot.cell for slot in result.slots if slot.when is None or slot.when[1] == "local"]
    cells = [_cell_view(merged, n, session.hand_resolved) for n, merged in enumerate(shown)]
    # Runs of cleanly merged cells fold into one bar that opens in place.
    items: list[dict[str, Any]] = []
    for cell in cells:
        if cell["has_conflict"]:
            items.append({"cell": cell})
        elif items and "run" in items[-1]:
            items[-1]["run"].append(cell)
        else:
            items.append({"run": [cell]})
    notebook_conflicts = [_conflict_view(c, None, session.hand_resolved) for c in result.conflicts if c.cell is None]
    return {"items": items, "notebook_conflicts": notebook_conflicts, "total": len(result.conflicts),
            "merged_path": session.merged_path, "labels": result.labels, "hand_edited": session.hand is not None,
            "hand_resolved": len(session.hand_resolved), "base": current_app.extensions["nbreview"]["base"]}


def blueprint(session: MergeSession) -> Blueprint:
    bp = Blueprint("mergetool", __name__)

    @bp.get("/merge")
    def page() -> Response:
        current_app.extensions["nbreview"]["lifecycle"].alive()
        resp = Response(render_template("mergetool.html", **page_context(session)), mimetype="text/html")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @bp.post("/merge/api/save")
    def save() -> Response | tuple[Response, int]:
        """Body ``{"choices": {...}}`` (see :func:`parse_choices`); the write guard already ran."""
        from nbreview.errors import NbreviewError
        from nbreview.web.security import read_json

        body = read_json()
        if not isinstance(body, dict) or set(body) - {"choices"}:
            return jsonify(error='the body must be {"choices": {...}}'), 400
        try:
            choices = parse_choices(body.get("choices", {}), session.result)
        except ValueError as err:
            return jsonify(error=str(err)), 400
        try:
            left = session.save(choices)
        except NbreviewError as err:
            return jsonify(error=str(err)), 422
        return jsonify(saved=session.merged_path, unresolved=left)

    return bp


def create_mergetool_app(session: MergeSession, token: str, lifecycle: Lifecycle | None = None,
                         allowed_hosts: list[str] | None = None) -> Flask:
    """The review app (secret prefix and write guard, CSP, heartbeat) with the mergetool page added at ``/merge``."""
    from nbreview.web.app import Lifecycle, create_app

    app = create_app({"SOURCES": [], "TOKEN": token, "LIFECYCLE": lifecycle or Lifecycle(),
                      "ALLOWED_HOSTS": allowed_hosts or []})
    app.register_blueprint(blueprint(session))
    return app


def serve_mergetool(base: str, local: str, remote: str, merged: str, *, port: int = 0, ip: str = "127.0.0.1",
                    open_browser: bool = True, outputs: str = "auto") -> int:
    """Serve the mergetool page until it is closed; 0 if saved with no conflicts left, else 1.

    Prints ``Serving on http://IP:PORT/<token>/merge`` as the first line of stdout.
    """
    from nbreview.merge import merge_structured
    from nbreview.web.app import Lifecycle, new_token
    from nbreview.web.server import run_app

    result = merge_structured(base, local, remote, outputs=outputs)
    hand, resolved = hand_edits(result, merged)
    session = MergeSession(result, merged, hand=hand, hand_resolved=resolved)
    token = new_token()
    life = Lifecycle()
    app = create_mergetool_app(session, token, life, [ip])
    n = len(result.conflicts)
    run_app(app, life, ip=ip, port=port, path="/merge", token=token, open_browser=open_browser, until_closed=True,
            notes=[f"{n} conflict{'s' if n != 1 else ''} in {merged}; choose, Save, then close the page"]
            + ([f"{merged} was edited by hand after the automatic merge: the page starts from it and keeps "
                "those edits"] if hand is not None else []))
    status = session.exit_status
    from nbreview.render.terminal import terminal_line

    merged = terminal_line(merged)
    if not session.saved:
        sys.stderr.write(f"nbreview: {merged}: not saved; the merge is not resolved\n")
    elif status:
        sys.stderr.write(f"nbreview: {merged}: saved with {session.unresolved_after_save} conflict(s) left\n")
    return status
