"""Turn a :class:`MergeResult` into a notebook: apply choices, mark what is left, pick outputs."""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nbreview.engine.content import cell_source
from nbreview.engine.model import MISSING
from nbreview.merge.text import TextConflict, join_both, markers
from nbreview.merge.values import ValueConflict, set_path

if TYPE_CHECKING:  # the model's types, for annotations; MergeResult.render calls render() below
    from nbreview.merge.model import Choice, Conflict, MergedCell, MergeResult

_ID_OK = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass
class Rendered:
    """A merged notebook and the conflicts still marked in it."""

    notebook: dict[str, Any]
    unresolved: list[Conflict]

    @property
    def clean(self) -> bool:
        return not self.unresolved


class _Renderer:
    def __init__(self, result: MergeResult, choices: dict[int, Choice], strategy: str | None) -> None:
        self.result = result
        self.choices = choices
        self.strategy = strategy
        self.unresolved: list[Conflict] = []
        self.where: dict[int, int] = {}  # conflict id -> merged cell index

    def choice(self, c: Conflict) -> Choice | None:
        return self.choices.get(c.id, self.strategy)

    def text_choice(self, c: Conflict, t: TextConflict) -> str | None:
        ch = self.choice(c)
        if isinstance(ch, tuple):
            return ch[1]
        return {"local": t.local, "remote": t.remote, "base": t.base,
                "both": join_both(t.local, t.remote)}.get(ch) if ch else None

    def value(self, target: dict[str, Any], c: Conflict) -> bool:
        """Apply the choice for a value conflict to ``target`` (which holds local's value); False if unresolved."""
        assert isinstance(c.detail, ValueConflict)
        ch = self.choice(c)
        if ch == "remote":
            set_path(target, c.detail.path, c.detail.remote)
        elif ch == "base":
            set_path(target, c.detail.path, c.detail.base)
        elif ch is None:
            self.unresolved.append(c)
            return False
        return True

    # -- cells --------------------------------------------------------------------
    def source(self, mc: MergedCell) -> str:
        parts: list[str] = []
        conflicts = iter(c for c in mc.conflicts if c.kind == "source")
        for piece in mc.pieces:
            if isinstance(piece, str):
                parts.append(piece)
                continue
            c = next(conflicts)
            chosen = self.text_choice(c, piece)
            if chosen is None:
                self.unresolved.append(c)
                parts.append(markers(piece.local, piece.remote, style=self.result.style, base=piece.base))
            else:
                parts.append(chosen)
        for k in range(len(parts) - 1):
            if parts[k] and not parts[k].endswith("\n"):
                parts[k] += "\n"
        text = "".join(parts)
        if text.endswith("\n") and not any(_src(c).endswith("\n") for c in (mc.local, mc.remote) if c is not None):
            text = text[:-1]
        return text

    def cell(self, mc: MergedCell) -> dict[str, Any] | None:
        if mc.deleted is not None:
            return self.deleted_cell(mc)
        fields = copy.deepcopy(mc.fields)
        for c in mc.conflicts:
            if c.kind == "value":
                self.value(fields, c)
        cell = fields
        cell["source"] = self.source(mc)
        self.outputs(mc, cell)
        return cell

    def deleted_cell(self, mc: MergedCell) -> dict[str, Any] | None:
        c = next(c for c in mc.conflicts if c.kind == "delete")
        ch = self.choice(c)
        if ch == mc.deleted:
            return None
        if ch == "base" and mc.base is not None:
            return copy.deepcopy(mc.base)
        kept = mc.local if mc.local is not None else mc.remote
        assert kept is not None
        cell = copy.deepcopy(kept)
        if isinstance(ch, tuple):
            cell["source"] = ch[1]
        elif ch is None:
            self.unresolved.append(c)
            src = _src(kept)
            style, base = self.result.style, _src(mc.base) if mc.base is not None else None
            note = "(deleted the cell)" if mc.base is not None else "(no such cell)"  # no base: add/add
            if mc.deleted == "local":
                cell["source"] = markers("", src, local_note=note, style=style, base=base)
            else:
                cell["source"] = markers(src, "", remote_note=note, style=style, base=base)
            if not src.endswith("\n"):
                cell["source"] = cell["source"][:-1]
        if self.result.outputs == "clear" and cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        return cell

    def outputs(self, mc: MergedCell, cell: dict[str, Any]) -> None:
        if cell.get("cell_type") != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            return
        lo, re_, base = _run(mc.local), _run(mc.remote), _run(mc.base)
        mode = self.result.outputs
        if mc.local is None or mc.remote is None:
            chosen = lo if mc.local is not None else re_
        elif mode == "local":
            chosen = lo
        elif mode == "remote":
            chosen = re_
        elif mode == "clear":
            chosen = lo if lo == re_ else ([], None)
        elif mode == "union":
            outs = lo[0] + [o for o in re_[0] if o not in lo[0]]
            chosen = (outs, lo[1] if lo[1] == re_[1] else None)
        else:
            chosen = self.auto_outputs(mc, cell["source"], lo, re_, base)
        cell["outputs"] = copy.deepcopy(chosen[0])
        cell["execution_count"] = chosen[1]

    @staticmethod
    def auto_outputs(mc: MergedCell, src: str, lo: _Run, re_: _Run, base: _Run) -> _Run:
        """The outputs of the side whose source won; where neither did, a one-sided output change."""
        if mc.base is None:
            base = re_
        sl, sr = _src(mc.local), _src(mc.remote)
        if sl == src and sr == src:
            return re_ if lo == base else lo
        if src == sl:
            return lo
        if src == sr:
            return re_
        # The source is a combination of both sides (or still conflicted): no run matches it.
        if lo[0] == base[0]:
            return re_[0], None
        if re_[0] == base[0] or lo[0] == re_[0]:
            return lo[0], None
        return [], None


_Run = tuple[list[Any], Any]


def _run(cell: dict[str, Any] | None) -> _Run:
    if cell is None or cell.get("cell_type") != "code":
        return [], None
    outs = cell.get("outputs")
    return (outs if isinstance(outs, list) else []), cell.get("execution_count")


_src = cell_source  # nbcontent: one way to join a cell's source


def _fix_ids(nb: dict[str, Any]) -> None:
    """nbformat 4.5 wants every cell to carry a unique id; merging two sides can duplicate one."""
    cells = nb["cells"]
    if not any("id" in c for c in cells):
        return
    nb["nbformat_minor"] = max(5, int(nb.get("nbformat_minor", 5)))
    seen: set[str] = set()
    for k, cell in enumerate(cells):
        cid = cell.get("id")
        if not isinstance(cid, str) or not _ID_OK.match(cid) or cid in seen:
            n = 0
            while True:
                cid = hashlib.sha1(f"{k}:{n}:{_src(cell)}".encode()).hexdigest()[:8]
                if cid not in seen:
                    break
                n += 1
            cell["id"] = cid
        seen.add(cid)


def conflict_record(c: Conflict, cell_index: int | None, cell: dict[str, Any] | None) -> dict[str, Any]:
    """A conflict as tools read it from ``metadata.nbreview.conflicts``."""
    rec: dict[str, Any] = {"id": c.id, "kind": c.kind, "cell": cell_index}
    if cell is not None and isinstance(cell.get("id"), str):
        rec["cell_id"] = cell["id"]
    if isinstance(c.detail, TextConflict):
        rec.update(base=c.detail.base, local=c.detail.local, remote=c.detail.remote)
    elif isinstance(c.detail, ValueConflict):
        rec["path"] = list(c.detail.path)
        for name in ("base", "local", "remote"):
            value = getattr(c.detail, name)
            if value is not MISSING:
                rec[name] = value
    if c.deleted:
        rec["deleted"] = c.deleted
    return rec


def render(result: MergeResult, choices: dict[int, Choice], strategy: str | None) -> Rendered:
    r = _Renderer(result, choices, strategy)
    cells: list[dict[str, Any]] = []
    owner: list[tuple[Conflict, int | None]] = []
    for slot in result.slots:
        before = len(r.unresolved)
        if slot.when is not None:
            cid, side = slot.when
            c = result.conflicts[cid]
            ch = r.choice(c)
            if ch is None and side == "local":
                r.unresolved.append(c)
            if (ch if ch in ("local", "remote", "base") else "local") != side:
                continue
        cell = r.cell(slot.cell)
        if cell is None:
            continue
        meta = cell.setdefault("metadata", {})
        if isinstance(meta.get("nbreview"), dict):
            meta["nbreview"].pop("conflicts", None)
            if not meta["nbreview"]:
                del meta["nbreview"]
        new = r.unresolved[before:]
        if new:
            meta["nbreview"] = {"conflicts": sorted({c.kind for c in new})}
        owner += [(c, len(cells)) for c in new]
        cells.append(cell)
    metadata = copy.deepcopy(result.metadata)
    for c in result.conflicts:
        if c.cell is None and isinstance(c.detail, ValueConflict) and not r.value(metadata, c):
            owner.append((c, None))
    if isinstance(metadata.get("nbreview"), dict):
        metadata["nbreview"].pop("conflicts", None)
        if not metadata["nbreview"]:
            del metadata["nbreview"]
    nb: dict[str, Any] = dict(copy.deepcopy(result.fields))
    nb["metadata"] = metadata
    nb["cells"] = cells
    _fix_ids(nb)
    if owner:
        owner.sort(key=lambda t: t[0].id)
        records = [conflict_record(c, k, cells[k] if k is not None else None) for c, k in owner]
        metadata.setdefault("nbreview", {})["conflicts"] = records
    ordered: dict[str, Any] = {k: nb[k] for k in ("cells", "metadata", "nbformat", "nbformat_minor") if k in nb}
    ordered.update({k: v for k, v in nb.items() if k not in ordered})
    return Rendered(ordered, [c for c, _ in owner])
