"""A pending review kept on disk, so it outlives the page, a reload and the server.

One JSON file per host, repository, pull request and user (under ``$XDG_STATE_HOME/nbreview/
reviews``, else ``~/.local/state/nbreview/reviews``), rewritten whole and atomically on every
change. Each draft records the head it was written at, its cell's id and the text of its lines,
so that after a push it is carried to the same lines (:func:`reanchor`) or flagged, never dropped.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from nbreview.threads.jsonmap import CellSpan, NotebookMap

VERSION = 1


@dataclass
class StoredDraft:
    """A pending comment as kept: where (notebook path, side, cell, lines or output), what, and at which head."""

    id: str
    path: str
    side: str
    cell: int
    body: str
    head: str
    lines: tuple[int, int] | None = None
    output: int | None = None
    mime: str | None = None
    cell_id: str | None = None
    quote: str = ""  # the commented lines' text (the cell's whole source for a whole-cell comment)
    flag: str = ""  # why it could not be carried to the new head; it then goes as a file comment

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredDraft:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in known}
        if isinstance(kw.get("lines"), list):
            kw["lines"] = tuple(kw["lines"])
        return cls(**kw)


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "nbreview" / "reviews"


def _part(text: str) -> str:
    return re.sub(r"[^\w.-]", "_", text)[:100] or "_"


class DraftStore:
    """The pending comments of one user on one pull request, on disk."""

    def __init__(self, host: str, repo: str, number: int, user: str, root: Path | None = None) -> None:
        owner, _, name = repo.partition("/")
        self.path = (root or state_dir()) / _part(host) / _part(owner) / _part(name) / f"{number}-{_part(user)}.json"
        self.drafts: list[StoredDraft] = self._read()

    def _read(self) -> list[StoredDraft]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            return []  # unreadable: start afresh (the file is replaced only on the next change)
        items = data.get("drafts") if isinstance(data, dict) else None
        out = []
        for item in items if isinstance(items, list) else []:
            try:
                out.append(StoredDraft.from_json(item))
            except TypeError:
                continue
        return out

    def save(self) -> None:
        from nbreview.io.write import write_atomic

        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": VERSION, "drafts": [asdict(d) for d in self.drafts]}
        write_atomic(self.path, json.dumps(payload, indent=1, ensure_ascii=False).encode("utf-8"))

    def add(self, draft: StoredDraft) -> StoredDraft:
        draft.id = draft.id or secrets.token_hex(6)
        self.drafts.append(draft)
        self.save()
        return draft

    def find(self, draft_id: str) -> StoredDraft | None:
        return next((d for d in self.drafts if d.id == draft_id), None)

    def edit(self, draft_id: str, body: str) -> StoredDraft | None:
        d = self.find(draft_id)
        if d is not None:
            d.body = body
            self.save()
        return d

    def delete(self, draft_id: str) -> bool:
        before = len(self.drafts)
        self.drafts = [d for d in self.drafts if d.id != draft_id]
        if len(self.drafts) != before:
            self.save()
        return len(self.drafts) != before

    def clear(self, ids: set[str] | None = None) -> None:
        self.drafts = [d for d in self.drafts if ids is not None and d.id not in ids]
        self.save()


def _find_cell(cells: list[CellSpan], draft: StoredDraft) -> CellSpan | None:
    """The draft's cell now: by id, else the cell at the same index whose text still holds the quote."""
    if draft.cell_id:
        return next((c for c in cells if c.cell_id == draft.cell_id), None)
    if 0 <= draft.cell < len(cells) and draft.quote and draft.quote in cells[draft.cell].source:
        return cells[draft.cell]
    return next((c for c in cells if draft.quote and draft.quote in c.source), None)


def _find_lines(source: str, draft: StoredDraft) -> tuple[int, int] | None:
    """The draft's lines in ``source``: where they were if unchanged there, else their nearest copy."""
    assert draft.lines is not None
    lines, want = source.splitlines(), draft.quote.splitlines()
    n = len(want)
    if not n:
        return None
    starts = [i for i in range(len(lines) - n + 1) if lines[i : i + n] == want]
    if not starts:
        return None
    best = min(starts, key=lambda i: abs(i + 1 - draft.lines[0]))  # type: ignore[index]
    return best + 1, best + n


def reanchor(draft: StoredDraft, side_map: NotebookMap, head: str) -> bool:
    """Carry a draft written at an older head to ``head``'s notebook; False (and a flag) when lost."""
    if draft.head == head or draft.flag:
        return not draft.flag
    cell = _find_cell(side_map.cells, draft)
    lines = _find_lines(cell.source, draft) if cell is not None and draft.lines else None
    if cell is None:
        draft.flag = "its cell is gone in the new push"
    elif draft.lines and lines is None:
        draft.flag = "the lines it was written on changed in the new push"
    elif draft.output is not None and draft.output >= len(cell.outputs):
        draft.flag = "its output is gone in the new push"
    if draft.flag:
        return False
    assert cell is not None
    draft.cell, draft.lines, draft.head = cell.index, lines or draft.lines, head
    return True
