"""Resolve a :class:`MergeResult` into a notebook: apply the choices, mark what is left, pick outputs.

The structured merge (:mod:`nbreview.merge.model`) decides nothing; this module turns it into
a notebook for one set of choices (the CLI: none, or one ``--strategy``; the mergetool page:
one per conflict). A conflict without a choice stays in the notebook: git-style markers in the
cell's source and a record in ``metadata.nbreview.conflicts``.
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

from nbreview.engine.content import cell_source
from nbreview.engine.model import MISSING
from nbreview.merge.model import Choice, Conflict, MergedCell, MergedNotebook, MergeResult
from nbreview.merge.text import TextConflict, join_both, markers
from nbreview.merge.values import ValueConflict, set_path

_ID_OK = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class _Resolver:
    """One resolution in progress: the choices to apply, and the conflicts left unresolved so far."""

    def __init__(self, result: MergeResult, choices: dict[int, Choice], strategy: str | None) -> None:
        self.result = result
        self.choices = choices
        self.strategy = strategy
        self.unresolved: list[Conflict] = []

    def choice_for(self, c: Conflict) -> Choice | None:
        return self.choices.get(c.id, self.strategy)

    def text_choice(self, c: Conflict, t: TextConflict) -> str | None:
        choice = self.choice_for(c)
        if isinstance(choice, tuple):
            return choice[1]
        return {"local": t.local, "remote": t.remote, "base": t.base,
                "both": join_both(t.local, t.remote)}.get(choice) if choice else None

    def value(self, target: dict[str, Any], c: Conflict) -> bool:
        """Apply the choice for a value conflict to ``target`` (which holds local's value); False if unresolved."""
        assert isinstance(c.detail, ValueConflict)
        choice = self.choice_for(c)
        if choice == "remote":
            set_path(target, c.detail.path, c.detail.remote)
        elif choice == "base":
            set_path(target, c.detail.path, c.detail.base)
        elif choice is None:
            self.unresolved.append(c)
            return False
        return True

    # -- cells --------------------------------------------------------------------
    def source(self, merged: MergedCell) -> str:
        parts: list[str] = []
        conflicts = iter(c for c in merged.conflicts if c.kind == "source")
        for piece in merged.pieces:
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
        sides = [cell for cell in (merged.local, merged.remote) if cell is not None]
        if text.endswith("\n") and not any(cell_source(cell).endswith("\n") for cell in sides):
            text = text[:-1]
        return text

    def cell(self, merged: MergedCell) -> dict[str, Any] | None:
        if merged.deleted is not None:
            return self.deleted_cell(merged)
        fields = copy.deepcopy(merged.fields)
        for c in merged.conflicts:
            if c.kind == "value":
                self.value(fields, c)
        cell = fields
        cell["source"] = self.source(merged)
        self.outputs(merged, cell)
        return cell

    def deleted_cell(self, merged: MergedCell) -> dict[str, Any] | None:
        c = next(c for c in merged.conflicts if c.kind == "delete")
        choice = self.choice_for(c)
        if choice == merged.deleted:
            return None
        if choice == "base" and merged.base is not None:
            return copy.deepcopy(merged.base)
        kept = merged.local if merged.local is not None else merged.remote
        assert kept is not None
        cell = copy.deepcopy(kept)
        if isinstance(choice, tuple):
            cell["source"] = choice[1]
        elif choice is None:
            self.unresolved.append(c)
            src = cell_source(kept)
            style, base = self.result.style, cell_source(merged.base) if merged.base is not None else None
            note = "(deleted the cell)" if merged.base is not None else "(no such cell)"  # no base: add/add
            if merged.deleted == "local":
                cell["source"] = markers("", src, local_note=note, style=style, base=base)
            else:
                cell["source"] = markers(src, "", remote_note=note, style=style, base=base)
            if not src.endswith("\n"):
                cell["source"] = cell["source"][:-1]
        if self.result.outputs == "clear" and cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        return cell

    def outputs(self, merged: MergedCell, cell: dict[str, Any]) -> None:
        if cell.get("cell_type") != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            return
        local_run, remote_run, base_run = _run(merged.local), _run(merged.remote), _run(merged.base)
        mode = self.result.outputs
        if merged.local is None or merged.remote is None:
            chosen = local_run if merged.local is not None else remote_run
        elif mode == "local":
            chosen = local_run
        elif mode == "remote":
            chosen = remote_run
        elif mode == "clear":
            chosen = local_run if local_run == remote_run else ([], None)
        elif mode == "union":
            outs = local_run[0] + [o for o in remote_run[0] if o not in local_run[0]]
            chosen = (outs, local_run[1] if local_run[1] == remote_run[1] else None)
        else:
            chosen = self.auto_outputs(merged, cell["source"], local_run, remote_run, base_run)
        cell["outputs"] = copy.deepcopy(chosen[0])
        cell["execution_count"] = chosen[1]

    @staticmethod
    def auto_outputs(merged: MergedCell, src: str, local_run: _Run, remote_run: _Run, base_run: _Run) -> _Run:
        """The outputs of the side whose source won; where neither did, a one-sided output change."""
        if merged.base is None:
            base_run = remote_run
        local_source, remote_source = cell_source(merged.local), cell_source(merged.remote)
        if local_source == src and remote_source == src:
            return remote_run if local_run == base_run else local_run
        if src == local_source:
            return local_run
        if src == remote_source:
            return remote_run
        # The source is a combination of both sides (or still conflicted): no run matches it.
        if local_run[0] == base_run[0]:
            return remote_run[0], None
        if remote_run[0] == base_run[0] or local_run[0] == remote_run[0]:
            return local_run[0], None
        return [], None


_Run = tuple[list[Any], Any]


def _run(cell: dict[str, Any] | None) -> _Run:
    if cell is None or cell.get("cell_type") != "code":
        return [], None
    outs = cell.get("outputs")
    return (outs if isinstance(outs, list) else []), cell.get("execution_count")


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
                cid = hashlib.sha1(f"{k}:{n}:{cell_source(cell)}".encode()).hexdigest()[:8]
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


def resolve_merge(result: MergeResult, choices: dict[int, Choice] | None = None, strategy: str | None = None
            ) -> MergedNotebook:
    """The merged notebook with ``choices`` applied (conflict id -> choice); ``strategy`` (local,
    remote or base) decides every conflict without a choice; whatever is left stays marked."""
    resolver = _Resolver(result, choices or {}, strategy)
    cells: list[dict[str, Any]] = []
    owner: list[tuple[Conflict, int | None]] = []  # each unresolved conflict and its cell's index
    for slot in result.slots:
        before = len(resolver.unresolved)
        if slot.when is not None and not _shows(resolver, slot.when):
            continue
        cell = resolver.cell(slot.cell)
        if cell is None:
            continue
        meta = cell.setdefault("metadata", {})
        _drop_conflict_records(meta)
        new = resolver.unresolved[before:]
        if new:
            meta["nbreview"] = {"conflicts": sorted({c.kind for c in new})}
        owner += [(c, len(cells)) for c in new]
        cells.append(cell)
    metadata = copy.deepcopy(result.metadata)
    for c in result.conflicts:
        if c.cell is None and isinstance(c.detail, ValueConflict) and not resolver.value(metadata, c):
            owner.append((c, None))
    _drop_conflict_records(metadata)
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
    return MergedNotebook(ordered, [c for c, _ in owner])


def _shows(resolver: _Resolver, when: tuple[int, str]) -> bool:
    """Whether a slot of a cell both sides moved to different places is part of the result.

    Such a cell has three slots, where local, remote and base put it; the move conflict's
    choice shows one of them. Unresolved, it stays where local put it, and the conflict is
    counted there once.
    """
    conflict_id, side = when
    c = resolver.result.conflicts[conflict_id]
    choice = resolver.choice_for(c)
    if choice is None and side == "local":
        resolver.unresolved.append(c)
    return (choice if choice in ("local", "remote", "base") else "local") == side


def _drop_conflict_records(meta: dict[str, Any]) -> None:
    """Remove conflict records a side carried in (from an earlier merge): the result writes its own."""
    if isinstance(meta.get("nbreview"), dict):
        meta["nbreview"].pop("conflicts", None)
        if not meta["nbreview"]:
            del meta["nbreview"]
