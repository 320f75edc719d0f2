"""Where one side put the base cells: kept in order, moved, deleted, and what it inserted where.

The engine's alignment (``align_cells``) of base against one side gives, for every base cell,
the side's cell it matched (in order or moved) or none (deleted), and the side's cells that
match nothing (inserted). A :class:`Layout` files each one under its base index, and every
inserted or moved-in cell under a *gap*: gap ``g`` is the place just before base cell ``g``
(gap ``len(base)`` is the end), the gap after the last base cell the side kept in order.
Two repairs follow, because a merge needs "this cell was edited" where the alignment, tuned
for showing a diff, may say "deleted one cell and inserted another" (:func:`pair_replacements`,
:func:`pair_rivals`).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from nbreview.engine.align import align_cells
from nbreview.engine.content import cell_source
from nbreview.engine.options import DiffOptions
from nbreview.engine.values import CELL_TRANSIENT_KEYS

# A cell filed under a gap: ("base", base index) for a base cell the side moved there,
# ("ins", side index) for a cell the side inserted there.
GapEntry = tuple[str, int]

CONTENT_SKIP = ("source", "outputs", "execution_count", "id", "metadata")  # not what a person edits
PAIR_WINDOW = 3  # deleted cells an inserted one is compared with, so pairing stays linear
# Cells longer than this (both together, in characters) are compared by their shared lines,
# not character by character, so comparing two huge cells stays linear.
CHAR_COMPARE_MAX = 20_000


@dataclass
class Layout:
    """One side against base: kept-in-order, moved and deleted base cells, and insertions per gap."""

    kept: dict[int, int] = field(default_factory=dict)  # base index -> side index
    moved: dict[int, tuple[int, int]] = field(default_factory=dict)  # base index -> (side index, gap)
    deleted: set[int] = field(default_factory=set)
    gaps: dict[int, list[GapEntry]] = field(default_factory=dict)  # gap -> its entries, in the side's order

    def side_index(self, i: int) -> int | None:
        """Where this side has base cell ``i`` (None: deleted)."""
        if i in self.kept:
            return self.kept[i]
        return self.moved[i][0] if i in self.moved else None


def layout(base: list[dict[str, Any]], side: list[dict[str, Any]], options: DiffOptions) -> Layout:
    """File one side's cells against base (then pair edited cells the alignment left apart)."""
    found = Layout()
    last_kept = -1
    for match in align_cells(base, side, options):
        if match.new is None:
            if match.old is not None:
                found.deleted.add(match.old)
            continue
        if match.old is not None and not match.moved:
            found.kept[match.old] = match.new
            last_kept = match.old
            continue
        gap = last_kept + 1
        if match.old is not None:
            found.moved[match.old] = (match.new, gap)
            found.gaps.setdefault(gap, []).append(("base", match.old))
        else:
            found.gaps.setdefault(gap, []).append(("ins", match.new))
    pair_replacements(found, base, side)
    return found


def pair_replacements(found: Layout, base: list[dict[str, Any]], side: list[dict[str, Any]]) -> None:
    """Take a deleted base cell and a cell inserted in its place as one edited cell.

    The alignment leaves a heavily edited short cell unmatched (``x = 1`` → ``x = 1  # note``);
    for a merge that would turn an edit on both sides into two silent insertions. Within the
    stretch between two kept cells, deleted and inserted cells of the same type that share a
    run of text at least half as long as the shorter one (and do not carry different ids)
    are paired in order, each inserted cell looking at most a few deleted cells ahead.
    """
    kept_in_order = sorted(found.kept)
    all_deleted = sorted(found.deleted)  # bisected per gap (a scan per gap is quadratic on big notebooks)
    for gap in sorted(found.gaps):
        entries = found.gaps[gap]
        next_kept = _first_at_or_after(kept_in_order, gap, len(base))
        deleted = [d for d in _within(all_deleted, gap, next_kept) if d in found.deleted]
        if not deleted or not any(kind == "ins" for kind, _ in entries):
            continue
        # Entries after a paired cell now follow it: they move to the gap after it.
        regrouped: dict[int, list[GapEntry]] = {}
        current, first_unpaired = gap, 0
        for entry in entries:
            if entry[0] == "ins":
                # A replacement sits where the deleted cell was: look a few deleted cells ahead, no more.
                for pos in range(first_unpaired, min(len(deleted), first_unpaired + PAIR_WINDOW)):
                    if _looks_edited(base[deleted[pos]], side[entry[1]]):
                        found.kept[deleted[pos]] = entry[1]
                        found.deleted.discard(deleted[pos])
                        current, first_unpaired = deleted[pos] + 1, pos + 1
                        break
                else:
                    regrouped.setdefault(current, []).append(entry)
                continue
            regrouped.setdefault(current, []).append(entry)
        del found.gaps[gap]
        for new_gap, moved in regrouped.items():
            _file_under(found, new_gap, moved)


def _first_at_or_after(ordered: list[int], value: int, default: int) -> int:
    """The first item of the sorted list ``ordered`` at or after ``value`` (``default`` if none)."""
    k = bisect.bisect_left(ordered, value)
    return ordered[k] if k < len(ordered) else default


def _within(ordered: list[int], low: int, high: int) -> list[int]:
    """The items of the sorted list ``ordered`` in ``low <= x < high``."""
    return ordered[bisect.bisect_left(ordered, low):bisect.bisect_left(ordered, high)]


def _file_under(found: Layout, gap: int, entries: list[GapEntry], front: bool = False) -> None:
    """Put ``entries`` under ``gap`` (before what is there with ``front``), keeping moved cells' gaps in step."""
    filed = found.gaps.setdefault(gap, [])
    filed[:0 if front else len(filed)] = entries
    for kind, i in entries:
        if kind == "base":
            found.moved[i] = (found.moved[i][0], gap)


def _shared_lines(a: str, b: str) -> float:
    """The share of the smaller cell's distinct lines the other cell has too (0..1): a linear likeness."""
    lines_a, lines_b = set(a.splitlines()), set(b.splitlines())
    return len(lines_a & lines_b) / max(1, min(len(lines_a), len(lines_b)))


def _looks_edited(old: dict[str, Any], new: dict[str, Any]) -> bool:
    if old.get("cell_type") != new.get("cell_type"):
        return False
    if isinstance(old.get("id"), str) and isinstance(new.get("id"), str) and old["id"] != new["id"]:
        return False  # nbformat 4.5 ids say these are different cells
    a, b = cell_source(old), cell_source(new)
    if not a.strip() or not b.strip():
        return False
    if len(a) + len(b) > CHAR_COMPARE_MAX:
        return _shared_lines(a, b) >= 0.5
    shorter = min(len(a), len(b))
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= max(4, shorter // 2)


def _likeness(a: str, b: str) -> float:
    """How alike two cell sources are (0..1), by characters, or by shared lines for huge cells."""
    if len(a) + len(b) > CHAR_COMPARE_MAX:
        return _shared_lines(a, b)
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def content_key(cell: dict[str, Any]) -> str:
    """What a person edits in a cell: type, source, attachments and lasting metadata."""
    meta = cell.get("metadata")
    meta = {k: v for k, v in meta.items() if k not in CELL_TRANSIENT_KEYS} if isinstance(meta, dict) else meta
    rest = {k: v for k, v in cell.items() if k not in CONTENT_SKIP}
    return json.dumps([cell.get("source", ""), meta, rest], sort_keys=True, default=str)


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """``content_key(a) == content_key(b)`` without serialising either (sources can be large)."""
    if a.get("source", "") != b.get("source", ""):
        return False
    if any(a.get(k) != b.get(k) for k in set(a) | set(b) if k not in CONTENT_SKIP):
        return False
    if a.get("metadata") == b.get("metadata"):
        return True
    return content_key(a) == content_key(b)


def touched(found: Layout, base: list[dict[str, Any]], side: list[dict[str, Any]]) -> set[int]:
    """Base cells a side deleted or changed (moved-only cells with the same content are untouched)."""
    out = set(found.deleted)
    for i in range(len(base)):
        j = found.side_index(i)
        if j is not None and not same_content(side[j], base[i]):
            out.add(i)
    return out


def pair_rivals(found: Layout, base: list[dict[str, Any]], side: list[dict[str, Any]], rivals: set[int]) -> None:
    """Take a cell this side inserted where it deleted a base cell as that cell's rewrite, when the
    other side also touched that base cell (``rivals``).

    A complete rewrite of a cell aligns as "deleted, and a new cell inserted in its place". Merged
    that way, a rewrite on both sides (or a rewrite against a deletion) would keep both new cells
    and report nothing. Pairing the deleted base cell with the inserted cell in its stretch (the
    cells between two kept ones) makes the rewrite an edit of that cell, so the merge of the two
    sides' versions conflicts like any other edit of one cell on both sides. Deleted and inserted
    cells of a stretch are paired in order when their counts match, otherwise by likeness.
    """
    kept_in_order = sorted(found.kept)
    all_deleted = sorted(found.deleted)  # both kept sorted as they change, and bisected: linear work per cell
    for d in sorted(found.deleted & rivals):
        if d not in found.deleted:
            continue
        below = bisect.bisect_left(kept_in_order, d)  # kept cells before d
        gap = kept_in_order[below - 1] + 1 if below else 0
        entries = found.gaps.get(gap, [])
        inserted = [j for kind, j in entries if kind == "ins"]
        if not inserted:
            continue
        next_kept = _first_at_or_after(kept_in_order, d + 1, len(base))
        deleted = _within(all_deleted, gap, next_kept)
        if len(deleted) == len(inserted):
            j = inserted[deleted.index(d)]
        else:
            source = cell_source(base[d])
            j = max(inserted, key=lambda n: _likeness(source, cell_source(side[n])))
        found.kept[d] = j
        found.deleted.discard(d)
        del all_deleted[bisect.bisect_left(all_deleted, d)]
        bisect.insort(kept_in_order, d)
        # What the side put before the rewrite stays in this gap; what came after it now follows d.
        k = entries.index(("ins", j))
        before, after = entries[:k], entries[k + 1:]
        if before:
            found.gaps[gap] = before
        else:
            found.gaps.pop(gap, None)
        if after:
            _file_under(found, d + 1, after, front=True)
