"""Which cells the merged notebook holds, in what order, and each one's merged content.

Base is the spine. Each side's :class:`~nbreview.merge.layout.Layout` against base tells, for
every base cell, whether that side kept it in order, moved it or deleted it, and which cells it
inserted, filed under the gap after the last base cell it kept in order. Walking the base
cells, the result takes at each gap both sides' insertions and moved-in cells (identical ones
once, otherwise local's first), then the base cell itself if it stays there.

The slot rules, per base cell (:meth:`CellMerger.place`):

- deleted on both sides, or deleted on one and unchanged on the other: gone;
- deleted on one side and changed on the other: a ``delete`` conflict, placed where the
  changing side has it;
- kept on both: the two versions merged (source line by line, fields key by key), placed at
  the base position, or where the one side that moved it put it, or where both put it when
  they agree; moved to different places on both sides: a ``move`` conflict whose cell gets a
  slot at each of the three places, shown only if the conflict resolves that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from nbreview.engine.content import cell_source
from nbreview.engine.model import MISSING
from nbreview.engine.options import DiffOptions
from nbreview.engine.values import cell_metadata_transient
from nbreview.merge.layout import GapEntry, Layout, content_key, layout, pair_rivals, touched
from nbreview.merge.model import Conflict, ConflictKind, MergedCell, Side, Slot
from nbreview.merge.text import TextConflict, merge_text
from nbreview.merge.values import ValueConflict, merge_values


def _field_transient(path: list[str | int]) -> bool:
    if path and path[0] == "id":
        return True
    return bool(path) and path[0] == "metadata" and cell_metadata_transient(path[1:])


@dataclass
class _Places:
    """Where merged cells go: slots at a base position, and moved cells' slots by base index per side."""

    at_base: dict[int, list[Slot]] = field(default_factory=dict)
    local: dict[int, Slot] = field(default_factory=dict)
    remote: dict[int, Slot] = field(default_factory=dict)


class _NoBase(dict[str, Any]):
    """The base of a cell both sides added: equal to nothing, and so is each of its keys."""

    def get(self, key: Any, default: Any = None) -> Any:
        return self


_NO_BASE = _NoBase()


class CellMerger:
    """Builds the merged cells and their order; numbers conflicts as it finds them."""

    def __init__(self, base: list[dict[str, Any]], local: list[dict[str, Any]], remote: list[dict[str, Any]],
                 options: DiffOptions | None = None) -> None:
        self.base, self.local, self.remote = base, local, remote
        self.options = options or DiffOptions()
        self.conflicts: list[Conflict] = []

    def conflict(self, kind: ConflictKind, cell: MergedCell | None, detail: TextConflict | ValueConflict | None = None,
                 deleted: Side | None = None) -> Conflict:
        c = Conflict(len(self.conflicts), kind, cell, detail, deleted)
        self.conflicts.append(c)
        if cell is not None:
            cell.conflicts.append(c)
        return c

    # -- one cell ---------------------------------------------------------------------
    def merge_cell(self, base: dict[str, Any] | None, local: dict[str, Any] | None, remote: dict[str, Any] | None,
                   index: tuple[int | None, int | None, int | None], added_both: bool = False) -> MergedCell:
        """Merge one cell's versions; ``added_both``: two different cells added at one place with no
        common base, merged against an empty cell (so they conflict unless equal)."""
        merged = MergedCell(base, local, remote, index)
        if local is None or remote is None:
            kept = local if local is not None else remote
            assert kept is not None
            merged.pieces = [cell_source(kept)] if cell_source(kept) else []
            merged.fields = _rest(kept)
            return merged
        # Identical insertions: local's version wins; rival additions: against an empty cell.
        against = base if base is not None else {"source": ""} if added_both else remote
        if added_both and cell_source(local) != cell_source(remote):  # no base: different texts are rivals
            merged.pieces = [TextConflict("", cell_source(local), cell_source(remote))]  # even an empty one
        else:
            merged.pieces = merge_text(cell_source(against), cell_source(local), cell_source(remote))
        for piece in merged.pieces:
            if isinstance(piece, TextConflict):
                self.conflict("source", merged, piece)
        if added_both:  # no base: every field the two differ on is a conflict, even one side's extra key
            fields, value_conflicts = merge_values(_NO_BASE, _rest(local), _rest(remote), _field_transient)
            for value_conflict in value_conflicts:
                value_conflict.base = MISSING if value_conflict.base is _NO_BASE else value_conflict.base
        else:
            fields, value_conflicts = merge_values(_rest(against), _rest(local), _rest(remote), _field_transient)
        merged.fields = fields
        for value_conflict in value_conflicts:
            self.conflict("value", merged, value_conflict)
        return merged

    # -- the order ----------------------------------------------------------------------
    def merge(self) -> list[Slot]:
        """Every slot of the merged notebook in order (a cell in a move conflict has several)."""
        local_layout = layout(self.base, self.local, self.options)
        remote_layout = layout(self.base, self.remote, self.options)
        local_touched = touched(local_layout, self.base, self.local)
        remote_touched = touched(remote_layout, self.base, self.remote)
        pair_rivals(local_layout, self.base, self.local, remote_touched)
        pair_rivals(remote_layout, self.base, self.remote, local_touched)
        places = _Places()
        for i in range(len(self.base)):
            self.place(i, local_layout, remote_layout, places)
        out: list[Slot] = []
        for gap in range(len(self.base) + 1):
            out.extend(self._gap(local_layout.gaps.get(gap, []), remote_layout.gaps.get(gap, []), places))
            out.extend(places.at_base.get(gap, []))
        seen: set[int] = set()  # a cell both sides moved into one gap in different orders comes once
        unique = []
        for slot in out:
            if id(slot) not in seen:
                seen.add(id(slot))
                unique.append(slot)
        return unique

    def place(self, i: int, local_layout: Layout, remote_layout: Layout, places: _Places) -> None:
        """Merge base cell ``i`` and file its slot(s) in ``places`` by the slot rules (module docstring)."""
        base = self.base[i]
        local_index, remote_index = local_layout.side_index(i), remote_layout.side_index(i)
        local = self.local[local_index] if local_index is not None else None
        remote = self.remote[remote_index] if remote_index is not None else None
        if local is None and remote is None:
            return
        if local is None or remote is None:
            kept = local if local is not None else remote
            assert kept is not None
            if content_key(kept) == content_key(base):
                return  # deleted on one side, unchanged on the other
            merged = self.merge_cell(base, local, remote, (i, local_index, remote_index))
            merged.deleted = "local" if local is None else "remote"
            self.conflict("delete", merged, deleted=merged.deleted)
            keeper_layout, keeper_places = (remote_layout, places.remote) if local is None else \
                (local_layout, places.local)
            if i in keeper_layout.moved:
                keeper_places[i] = Slot(merged)
            else:
                places.at_base[i] = [Slot(merged)]
            return
        merged = self.merge_cell(base, local, remote, (i, local_index, remote_index))
        moved_local, moved_remote = i in local_layout.moved, i in remote_layout.moved
        if not moved_local and not moved_remote:
            places.at_base[i] = [Slot(merged)]
        elif moved_local and not moved_remote:
            places.local[i] = Slot(merged)
        elif moved_remote and not moved_local:
            places.remote[i] = Slot(merged)
        elif local_layout.moved[i][1] == remote_layout.moved[i][1]:  # both moved it to the same gap
            places.local[i] = places.remote[i] = Slot(merged)
        else:
            c = self.conflict("move", merged)
            places.local[i] = Slot(merged, (c.id, "local"))
            places.remote[i] = Slot(merged, (c.id, "remote"))
            places.at_base[i] = [Slot(merged, (c.id, "base"))]

    def _gap(self, local_entries: list[GapEntry], remote_entries: list[GapEntry], places: _Places) -> Iterator[Slot]:
        """Both sides' insertions at one gap: identical runs once, otherwise local's then remote's."""
        # A moved base cell with no slot on that side (deleted on the other, unchanged) is gone.
        local_shown = [e for e in local_entries if e[0] == "ins" or e[1] in places.local]
        remote_shown = [e for e in remote_entries if e[0] == "ins" or e[1] in places.remote]
        if not local_shown and not remote_shown:
            return

        def key(entry: GapEntry, side: list[dict[str, Any]], side_places: dict[int, Slot]) -> str:
            if entry[0] == "base":
                slot = side_places[entry[1]]
                return f"base:{entry[1]}" if slot.when is None else f"base:{entry[1]}:{slot.when}"
            return content_key(side[entry[1]])

        local_keys = [key(e, self.local, places.local) for e in local_shown]
        remote_keys = [key(e, self.remote, places.remote) for e in remote_shown]
        local_pos = remote_pos = 0
        matcher = SequenceMatcher(None, local_keys, remote_keys, autojunk=False)
        for local_start, remote_start, size in matcher.get_matching_blocks():
            local_only, remote_only = local_shown[local_pos:local_start], remote_shown[remote_pos:remote_start]
            if not self.base:  # added on both sides: no difference is provably independent
                yield from self._rival_slots(local_only, remote_only)
            else:
                yield from self._side_slots(local_only, "local", places.local)
                yield from self._side_slots(remote_only, "remote", places.remote)
            for k in range(size):  # the same entry on both sides: once
                local_entry, remote_entry = local_shown[local_start + k], remote_shown[remote_start + k]
                if local_entry[0] == "base":
                    yield places.local[local_entry[1]]
                else:
                    yield Slot(self.merge_cell(None, self.local[local_entry[1]], self.remote[remote_entry[1]],
                                               (None, local_entry[1], remote_entry[1])))
            local_pos, remote_pos = local_start + size, remote_start + size

    def _rival_slots(self, local_entries: list[GapEntry], remote_entries: list[GapEntry]) -> Iterator[Slot]:
        """Both sides added a notebook with different cells here (no common base): nothing is
        provably independent. The cells are paired in order and each pair is merged against an
        empty cell, which conflicts unless both are the same; a cell only one side has is a
        conflict too (kept, marked, the other side "has no such cell")."""
        for k in range(max(len(local_entries), len(remote_entries))):
            local = self.local[local_entries[k][1]] if k < len(local_entries) else None
            remote = self.remote[remote_entries[k][1]] if k < len(remote_entries) else None
            index = (None, local_entries[k][1] if local is not None else None,
                     remote_entries[k][1] if remote is not None else None)
            merged = self.merge_cell(None, local, remote, index, added_both=True)
            if local is None or remote is None:
                merged.deleted = "local" if local is None else "remote"
                self.conflict("delete", merged, deleted=merged.deleted)
            yield Slot(merged)

    def _side_slots(self, entries: list[GapEntry], side: Side, side_places: dict[int, Slot]) -> Iterator[Slot]:
        """One side's own entries at a gap: its moved-in cells' slots and its insertions."""
        cells = self.local if side == "local" else self.remote
        for kind, i in entries:
            if kind == "base":
                yield side_places[i]
            else:
                index = (None, i, None) if side == "local" else (None, None, i)
                yield Slot(self.merge_cell(None, cells[i] if side == "local" else None,
                                           cells[i] if side == "remote" else None, index))


def _rest(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell without what is merged separately: its source, outputs and execution count."""
    return {k: v for k, v in cell.items() if k not in ("source", "outputs", "execution_count")}
