"""What a merge left unresolved in a notebook: conflict markers in cells and nbreview's bookkeeping.

``nbreview merge`` marks a conflict twice: ``<<<<<<<`` blocks inside the cell's source, and a
record in ``metadata.nbreview.conflicts`` (notebook and cell). A person who resolves the markers
in an editor leaves the records behind; :func:`findings` reports both (what ``nbreview check``
prints) and :func:`drop_resolved` removes the records whose conflict is gone (``check --fix``,
and the mergetool when it saves a hand-edited file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nbreview.engine.content import cell_source
from nbreview.merge.text import has_markers, marker_lines

# Conflicts resolved inside a cell's text: gone once the cell has no markers left. Metadata
# values and moves leave no text to edit; their records stay until a person decides.
_TEXT_KINDS = ("source", "delete")


@dataclass(frozen=True)
class Finding:
    """One unresolved thing: ``cell`` is its index (None for the notebook's metadata)."""

    cell: int | None
    message: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.message}" if self.cell is not None else self.message


def _records(meta: Any) -> Any:
    nbr = meta.get("nbreview") if isinstance(meta, dict) else None
    return nbr.get("conflicts") if isinstance(nbr, dict) else None


def findings(nb: dict[str, Any]) -> list[Finding]:
    """Every cell with conflict markers or a conflict record, then the notebook's records."""
    out: list[Finding] = []
    for k, cell in enumerate(nb.get("cells", [])):
        lines = marker_lines(cell_source(cell))
        if lines:
            where = ", ".join(map(str, lines))
            out.append(Finding(k, f"conflict markers (line{'s' if len(lines) > 1 else ''} {where})"))
        elif _records(cell.get("metadata") if isinstance(cell, dict) else None):
            out.append(Finding(k, "conflict metadata left (metadata.nbreview.conflicts); "
                                  "'nbreview check --fix' removes it"))
    records = _records(nb.get("metadata"))
    if records:
        listed = records if isinstance(records, list) else [records]
        n = len(listed)
        kinds = sorted({str(r.get("kind")) for r in listed if isinstance(r, dict)})
        out.append(Finding(None, f"{n} conflict record{'s' if n != 1 else ''} in the notebook metadata "
                                 f"(metadata.nbreview.conflicts{': ' + ', '.join(kinds) if kinds else ''})"))
    return out


def _drop(meta: Any) -> bool:
    nbr = meta.get("nbreview") if isinstance(meta, dict) else None
    if not isinstance(nbr, dict) or "conflicts" not in nbr:
        return False
    del nbr["conflicts"]
    if not nbr:
        del meta["nbreview"]
    return True


def drop_resolved(nb: dict[str, Any]) -> bool:
    """Remove the conflict records whose conflict no longer shows (in place); True if any went.

    A cell's record goes when the cell has no markers left; a notebook record of a text
    conflict goes when its cell (found by id, else by index) has none either. Records of
    metadata-value and move conflicts stay: nothing in the file says how they were decided.
    """
    cells = [c for c in nb.get("cells", []) if isinstance(c, dict)]
    changed = False
    for cell in cells:
        if not has_markers(cell_source(cell)):
            changed |= _drop(cell.get("metadata"))
    meta = nb.get("metadata")
    records = _records(meta)
    if not isinstance(records, list):
        return changed
    by_id = {c.get("id"): c for c in cells if isinstance(c.get("id"), str)}

    def open_(rec: Any) -> bool:
        if not isinstance(rec, dict) or rec.get("kind") not in _TEXT_KINDS:
            return True
        cell = by_id.get(rec.get("cell_id"))
        if cell is None and isinstance(rec.get("cell"), int) and 0 <= rec["cell"] < len(cells):
            cell = cells[rec["cell"]]
        return cell is not None and has_markers(cell_source(cell))

    kept = [r for r in records if open_(r)]
    if len(kept) == len(records):
        return changed
    if kept and isinstance(meta, dict):
        meta["nbreview"]["conflicts"] = kept
    else:
        _drop(meta)
    return True
