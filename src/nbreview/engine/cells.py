"""Diff of one matched cell: source, outputs, metadata and the remaining fields."""

from __future__ import annotations

from nbreview.engine.align import CellMatch
from nbreview.engine.content import cell_source
from nbreview.engine.model import MISSING, CellDiff, LineOp, TextDiff
from nbreview.engine.options import DiffOptions
from nbreview.engine.outputs import diff_outputs
from nbreview.engine.text import diff_text, split_lines
from nbreview.engine.values import cell_metadata_transient, diff_values

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    Cell = dict[str, Any]
_OWN_KEYS = {"source", "outputs", "metadata"}




def whole_text(text: str, side: str) -> TextDiff:
    """A text diff in which every line was added (``side='new'``) or removed."""
    lines = split_lines(text)
    if side == "new":
        return TextDiff([LineOp("insert", None, k + 1, None, t) for k, t in enumerate(lines)], added=len(lines))
    return TextDiff([LineOp("delete", k + 1, None, t, None) for k, t in enumerate(lines)], removed=len(lines))


def _field_transient(path: list[str | int]) -> bool:
    return bool(path) and path[0] in ("execution_count",)


def diff_cell(m: CellMatch, old: Cell | None, new: Cell | None, options: DiffOptions) -> CellDiff:
    if old is None:
        assert new is not None and m.new is not None
        return CellDiff(
            "added", None, m.new, str(new.get("cell_type", "")), source=whole_text(cell_source(new), "new"), cell=new
        )
    if new is None:
        assert m.old is not None
        return CellDiff(
            "removed", m.old, None, str(old.get("cell_type", "")), source=whole_text(cell_source(old), "old")
        )
    result = CellDiff("unchanged", m.old, m.new, str(new.get("cell_type", "")), moved=m.moved, similarity=m.similarity)
    if old == new:
        return result
    changed: list[str] = []
    old_source, new_source = cell_source(old), cell_source(new)
    if old_source != new_source:
        src = diff_text(old_source, new_source, options.ignore_whitespace)
        if not options.ignore_whitespace or src.changed:
            result.source = src
        if src.changed:
            changed.append("source")
    if not options.ignore_outputs:
        old_outputs, new_outputs = old.get("outputs", MISSING), new.get("outputs", MISSING)
        if old_outputs != new_outputs:
            outs = diff_outputs(old_outputs if isinstance(old_outputs, list) else [],
                                new_outputs if isinstance(new_outputs, list) else [], options)
            if not isinstance(old_outputs, list) or not isinstance(new_outputs, list):  # also MISSING
                result.fields.append(_presence_change("outputs", old_outputs, new_outputs))
            result.outputs = outs
            if any(o.status != "unchanged" or o.transient for o in outs):
                changed.append("outputs")
    if not options.ignore_metadata:
        old_meta, new_meta = old.get("metadata", MISSING), new.get("metadata", MISSING)
        if isinstance(old_meta, dict) and isinstance(new_meta, dict):
            result.metadata = diff_values(old_meta, new_meta, [], cell_metadata_transient)
        elif old_meta != new_meta:
            result.fields.append(_presence_change("metadata", old_meta, new_meta))
        if result.metadata:
            changed.append("metadata")
    rest_old = {k: v for k, v in old.items() if k not in _OWN_KEYS}
    rest_new = {k: v for k, v in new.items() if k not in _OWN_KEYS}
    for ch in diff_values(rest_old, rest_new, [], _field_transient):
        key = ch.path[0] if ch.path else ""
        if key == "execution_count" and options.ignore_execution_count:
            continue
        if key == "id":
            if options.ignore_ids:
                continue
            # An id appearing where there was none is the nbformat 4.5 upgrade, not an edit.
            ch.transient = ch.op == "add" or ch.transient
        result.fields.append(ch)
        name = str(key) if key in ("execution_count", "cell_type", "id", "attachments") else "other"
        if name not in changed:
            changed.append(name)
    if any(ch.path == ["metadata"] or ch.path == ["outputs"] for ch in result.fields) and "other" not in changed:
        changed.append("other")
    result.changed = changed
    result.status = "modified" if changed or result.fields or result.metadata else "unchanged"
    return result


def _presence_change(key: str, old: Any, new: Any) -> Any:
    from nbreview.engine.model import ValueChange

    if old is MISSING:
        return ValueChange([key], "add", new=new)
    if new is MISSING:
        return ValueChange([key], "remove", old=old)
    return ValueChange([key], "replace", old=old, new=new)
