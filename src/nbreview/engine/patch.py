"""``patch(old, diff)``: apply a diff to the notebook it was made from."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from nbreview.engine.model import CellDiff, NotebookDiff
from nbreview.engine.values import apply_changes
from nbreview.errors import PatchError
from nbreview.io.load import load

if TYPE_CHECKING:
    from nbreview.io.load import NotebookSource

Notebook = dict[str, Any]


def patch(old: NotebookSource, diff: NotebookDiff | dict[str, Any]) -> Notebook:
    """The new notebook, rebuilt from ``old`` and a diff made without ignore options."""
    notebook_diff = diff if isinstance(diff, NotebookDiff) else NotebookDiff.from_dict(diff)
    if not notebook_diff.options.lossless:
        raise PatchError(
            "this diff was made with ignore options, so it does not hold every change; "
            "make it again without --ignore to patch with it"
        )
    base = load(old).nb
    old_cells: list[Any] = base.get("cells", [])
    rest = {k: v for k, v in base.items() if k not in ("cells", "metadata")}
    result: Notebook = apply_changes(rest, notebook_diff.fields, "notebook")
    result["metadata"] = apply_changes(base.get("metadata", {}), notebook_diff.metadata, "notebook metadata")
    entries = sorted((c for c in notebook_diff.cells if c.new_index is not None), key=lambda c: c.new_index or 0)
    for k, c in enumerate(entries):
        if c.new_index != k:
            raise PatchError(f"diff has no cell for new index {k}")
    result["cells"] = [_patch_cell(c, old_cells) for c in entries]
    return result


def _patch_cell(c: CellDiff, old_cells: list[Any]) -> dict[str, Any]:
    if c.old_index is None:
        if c.cell is None:
            raise PatchError(f"added cell {c.new_index} carries no content")
        return copy.deepcopy(c.cell)
    if not 0 <= c.old_index < len(old_cells):
        raise PatchError(f"cell {c.old_index} does not exist in the notebook being patched")
    old = old_cells[c.old_index]
    where = f"cell {c.old_index}"
    if c.status == "unchanged":
        return dict(copy.deepcopy(old))
    cell = {k: v for k, v in old.items() if k not in ("metadata", "outputs")}
    cell = apply_changes(cell, [f for f in c.fields if f.path and f.path[0] not in ("metadata", "outputs")], where)
    if "metadata" in old:
        cell["metadata"] = apply_changes(old["metadata"], c.metadata, f"{where} metadata")
    if "outputs" in old:
        cell["outputs"] = copy.deepcopy(old["outputs"])
    for f in c.fields:
        if f.path in (["metadata"], ["outputs"]):
            if f.op == "remove":
                cell.pop(str(f.path[0]), None)
            else:
                cell[str(f.path[0])] = copy.deepcopy(f.new)
    if c.source is not None:
        if c.source.old_text() != old.get("source", ""):
            raise PatchError(f"{where}: its source is not the one the diff was made from")
        cell["source"] = c.source.new_text()
    if c.outputs is not None and "outputs" in cell:
        old_outs = old.get("outputs", []) if isinstance(old.get("outputs"), list) else []
        outs = []
        for o in sorted((o for o in c.outputs if o.new_index is not None), key=lambda o: o.new_index or 0):
            if o.value is not None:
                outs.append(copy.deepcopy(o.value))
            elif o.old_index is not None and 0 <= o.old_index < len(old_outs):
                outs.append(copy.deepcopy(old_outs[o.old_index]))
            else:
                raise PatchError(f"{where}: output {o.old_index} does not exist")
        cell["outputs"] = outs
    return cell
