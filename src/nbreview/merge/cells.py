"""Which cells the merged notebook holds, in what order, and each one's merged content.

Base is the spine. Each side's alignment against base (the engine's ``align_cells``)
tells, for every base cell, whether that side kept it in order, moved it or deleted
it, and which cells it inserted, anchored after the last base cell it kept in order.
Walking the base cells, the result takes each side's insertions at each gap (identical
ones once, local's first), then the base cell where it stays.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from nbreview.engine.align import align_cells
from nbreview.engine.content import cell_source
from nbreview.engine.model import MISSING
from nbreview.engine.options import DiffOptions
from nbreview.engine.values import CELL_TRANSIENT_KEYS, cell_metadata_transient
from nbreview.merge.model import Conflict, ConflictKind, MergedCell, Side, Slot
from nbreview.merge.text import Piece, TextConflict, merge_text
from nbreview.merge.values import ValueConflict, merge_values

_CONTENT_SKIP = ("source", "outputs", "execution_count", "id", "metadata")
_PAIR_WINDOW = 3  # deleted cells an inserted one is compared with, so pairing stays linear


def content_key(cell: dict[str, Any]) -> str:
    """What a person edits in a cell: type, source, attachments and lasting metadata."""
    meta = cell.get("metadata")
    meta = {k: v for k, v in meta.items() if k not in CELL_TRANSIENT_KEYS} if isinstance(meta, dict) else meta
    rest = {k: v for k, v in cell.items() if k not in _CONTENT_SKIP}
    return json.dumps([cell.get("source", ""), meta, rest], sort_keys=True, default=str)


def _field_transient(path: list[str | int]) -> bool:
    if path and path[0] == "id":
        return True
    return bool(path) and path[0] == "metadata" and cell_metadata_transient(path[1:])


@dataclass
class _Layout:
    """One side against base: kept-in-order, moved and deleted base cells, and insertions per gap."""

    kept: dict[int, int] = field(default_factory=dict)
    moved: dict[int, tuple[int, int]] = field(default_factory=dict)  # base -> (side index, gap)
    deleted: set[int] = field(default_factory=set)
    gaps: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # gap -> ("base", i) | ("ins", j)

    def side_index(self, i: int) -> int | None:
        if i in self.kept:
            return self.kept[i]
        return self.moved[i][0] if i in self.moved else None


def _layout(base: list[dict[str, Any]], side: list[dict[str, Any]], options: DiffOptions) -> _Layout:
    lay = _Layout()
    last = -1
    for m in align_cells(base, side, options):
        if m.new is None:
            if m.old is not None:
                lay.deleted.add(m.old)
            continue
        if m.old is not None and not m.moved:
            lay.kept[m.old] = m.new
            last = m.old
            continue
        gap = last + 1
        if m.old is not None:
            lay.moved[m.old] = (m.new, gap)
            lay.gaps.setdefault(gap, []).append(("base", m.old))
        else:
            lay.gaps.setdefault(gap, []).append(("ins", m.new))
    _pair_replacements(lay, base, side)
    return lay


def _pair_replacements(lay: _Layout, base: list[dict[str, Any]], side: list[dict[str, Any]]) -> None:
    """Take a deleted base cell and a cell inserted in its place as one edited cell.

    The alignment leaves a heavily edited short cell unmatched (``x = 1`` → ``x = 1  # note``);
    for a merge that would turn an edit on both sides into two silent insertions. Within the
    stretch between two kept cells, deleted and inserted cells of the same type that share a
    run of text at least half as long as the shorter one (and do not carry different ids)
    are paired in order, each inserted cell looking at most a few deleted cells ahead.
    """
    chain = sorted(lay.kept)
    for g in sorted(lay.gaps):
        toks = lay.gaps[g]
        nxt = next((c for c in chain if c >= g), len(base))
        dels = sorted(d for d in lay.deleted if g <= d < nxt)
        if not dels or not any(kind == "ins" for kind, _ in toks):
            continue
        regrouped: dict[int, list[tuple[str, int]]] = {}
        current, k = g, 0
        for tok in toks:
            if tok[0] == "ins":
                # A replacement sits where the deleted cell was: look a few deleted cells ahead, no more.
                for pos in range(k, min(len(dels), k + _PAIR_WINDOW)):
                    d = dels[pos]
                    if _looks_edited(base[d], side[tok[1]]):
                        lay.kept[d] = tok[1]
                        lay.deleted.discard(d)
                        current, k = d + 1, pos + 1
                        break
                else:
                    regrouped.setdefault(current, []).append(tok)
                continue
            regrouped.setdefault(current, []).append(tok)
        del lay.gaps[g]
        for gap, moved in regrouped.items():
            lay.gaps.setdefault(gap, []).extend(moved)
            for kind, i in moved:
                if kind == "base":
                    lay.moved[i] = (lay.moved[i][0], gap)


def _looks_edited(old: dict[str, Any], new: dict[str, Any]) -> bool:
    if old.get("cell_type") != new.get("cell_type"):
        return False
    if isinstance(old.get("id"), str) and isinstance(new.get("id"), str) and old["id"] != new["id"]:
        return False  # nbformat 4.5 ids say these are different cells
    a, b = _source(old), _source(new)
    if not a.strip() or not b.strip():
        return False
    if len(a) + len(b) > 20_000:  # big cells: shared lines, to keep the cost linear
        la, lb = set(a.splitlines()), set(b.splitlines())
        return len(la & lb) * 2 >= min(len(la), len(lb))
    shorter = min(len(a), len(b))
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= max(4, shorter // 2)


def _touched(lay: _Layout, base: list[dict[str, Any]], side: list[dict[str, Any]]) -> set[int]:
    """Base cells a side deleted or changed (moved-only cells with the same content are untouched)."""
    out = set(lay.deleted)
    for i in range(len(base)):
        j = lay.side_index(i)
        if j is not None and not _same_content(side[j], base[i]):
            out.add(i)
    return out


def _same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """``content_key(a) == content_key(b)`` without serialising either (sources can be large)."""
    if a.get("source", "") != b.get("source", ""):
        return False
    if any(a.get(k) != b.get(k) for k in set(a) | set(b) if k not in _CONTENT_SKIP):
        return False
    ma, mb = a.get("metadata"), b.get("metadata")
    if ma == mb:
        return True
    return content_key(a) == content_key(b)


def _pair_rivals(lay: _Layout, base: list[dict[str, Any]], side: list[dict[str, Any]], rivals: set[int]) -> None:
    """Take a cell this side inserted where it deleted a base cell as that cell's rewrite, when the
    other side also touched that base cell.

    A complete rewrite of a cell aligns as "deleted, and a new cell inserted in its place". Merged
    that way, a rewrite on both sides (or a rewrite against a deletion) would keep both new cells
    and report nothing. Pairing the deleted base cell with the inserted cell in its stretch (the
    cells between two kept ones) makes the rewrite an edit of that cell, so the merge of the two
    sides' versions conflicts like any other edit of one cell on both sides. Deleted and inserted
    cells of a stretch are paired in order when their counts match, otherwise by similarity.
    """
    chain = sorted(lay.kept)
    for d in sorted(lay.deleted & rivals):
        if d not in lay.deleted:
            continue
        prev = max((k for k in chain if k < d), default=-1)
        g = prev + 1
        toks = lay.gaps.get(g, [])
        ins = [j for kind, j in toks if kind == "ins"]
        if not ins:
            continue
        nxt = min((k for k in chain if k > d), default=len(base))
        dels = sorted(x for x in lay.deleted if g <= x < nxt)
        if len(dels) == len(ins):
            j = ins[dels.index(d)]
        else:
            a = _source(base[d])
            j = max(ins, key=lambda n: SequenceMatcher(None, a, _source(side[n]), autojunk=False).ratio())
        lay.kept[d] = j
        lay.deleted.discard(d)
        bisect.insort(chain, d)
        k = toks.index(("ins", j))
        before, after = toks[:k], toks[k + 1:]
        if before:
            lay.gaps[g] = before
        else:
            lay.gaps.pop(g, None)
        if after:
            lay.gaps.setdefault(d + 1, [])[:0] = after
            for kind, i in after:
                if kind == "base":
                    lay.moved[i] = (lay.moved[i][0], d + 1)


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
    def merge_cell(self, b: dict[str, Any] | None, lo: dict[str, Any] | None, re: dict[str, Any] | None,
                   index: tuple[int | None, int | None, int | None], added_both: bool = False) -> MergedCell:
        """Merge one cell's versions; ``added_both``: two different cells added at one place with no
        common base, merged against an empty cell (so they conflict unless equal)."""
        mc = MergedCell(b, lo, re, index)
        if lo is not None and re is not None:
            # Identical insertions: local's version wins; rival additions: against an empty cell.
            base = b if b is not None else {"source": ""} if added_both else re
            if added_both and _source(lo) != _source(re):  # no base: different texts are rivals, even an empty one
                src: list[Piece] = [TextConflict("", _source(lo), _source(re))]
            else:
                src = merge_text(_source(base), _source(lo), _source(re))
            mc.pieces = src
            for piece in src:
                if isinstance(piece, TextConflict):
                    self.conflict("source", mc, piece)
            if added_both:  # no base: every field the two differ on is a conflict, even one side's extra key
                fields, vconf = merge_values(_NO_BASE, _rest(lo), _rest(re), _field_transient)
                for vc in vconf:
                    vc.base = MISSING if vc.base is _NO_BASE else vc.base
            else:
                fields, vconf = merge_values(_rest(base), _rest(lo), _rest(re), _field_transient)
            mc.fields = fields
            for vc in vconf:
                self.conflict("value", mc, vc)
        else:
            kept = lo if lo is not None else re
            assert kept is not None
            mc.pieces = [_source(kept)] if _source(kept) else []
            mc.fields = _rest(kept)
        return mc

    # -- the order ----------------------------------------------------------------------
    def merge(self) -> list[Slot]:
        lay_l = _layout(self.base, self.local, self.options)
        lay_r = _layout(self.base, self.remote, self.options)
        touched_l = _touched(lay_l, self.base, self.local)
        touched_r = _touched(lay_r, self.base, self.remote)
        _pair_rivals(lay_l, self.base, self.local, touched_r)
        _pair_rivals(lay_r, self.base, self.remote, touched_l)
        slots_at_base: dict[int, list[Slot]] = {}
        place_l: dict[int, Slot] = {}
        place_r: dict[int, Slot] = {}
        for i, b in enumerate(self.base):
            li, ri = lay_l.side_index(i), lay_r.side_index(i)
            lo = self.local[li] if li is not None else None
            re = self.remote[ri] if ri is not None else None
            if lo is None and re is None:
                continue
            if lo is None or re is None:
                kept = lo if lo is not None else re
                assert kept is not None
                if content_key(kept) == content_key(b):
                    continue  # deleted on one side, unchanged on the other
                mc = self.merge_cell(b, lo, re, (i, li, ri))
                mc.deleted = "local" if lo is None else "remote"
                self.conflict("delete", mc, deleted=mc.deleted)
                lay = lay_r if lo is None else lay_l
                slot = Slot(mc)
                if i in lay.moved:
                    (place_r if lo is None else place_l)[i] = slot
                else:
                    slots_at_base[i] = [slot]
                continue
            mc = self.merge_cell(b, lo, re, (i, li, ri))
            moved_l, moved_r = i in lay_l.moved, i in lay_r.moved
            if not moved_l and not moved_r:
                slots_at_base[i] = [Slot(mc)]
            elif moved_l and not moved_r:
                place_l[i] = Slot(mc)
            elif moved_r and not moved_l:
                place_r[i] = Slot(mc)
            elif lay_l.moved[i][1] == lay_r.moved[i][1]:  # both moved it to the same place
                place_l[i] = Slot(mc)
                place_r[i] = place_l[i]
            else:
                c = self.conflict("move", mc)
                place_l[i] = Slot(mc, (c.id, "local"))
                place_r[i] = Slot(mc, (c.id, "remote"))
                slots_at_base[i] = [Slot(mc, (c.id, "base"))]
        out: list[Slot] = []
        n = len(self.base)
        for g in range(n + 1):
            out.extend(self._gap(g, lay_l.gaps.get(g, []), lay_r.gaps.get(g, []), place_l, place_r))
            if g < n:
                out.extend(slots_at_base.get(g, []))
        seen: set[int] = set()  # a cell both sides moved into one gap in different orders comes once
        unique = []
        for slot in out:
            if id(slot) not in seen:
                seen.add(id(slot))
                unique.append(slot)
        return unique

    def _gap(self, g: int, ltoks: list[tuple[str, int]], rtoks: list[tuple[str, int]],
             place_l: dict[int, Slot], place_r: dict[int, Slot]) -> Iterator[Slot]:
        """Both sides' insertions at one gap: identical runs once, otherwise local's then remote's."""
        lt = [t for t in ltoks if t[0] == "ins" or t[1] in place_l]
        rt = [t for t in rtoks if t[0] == "ins" or t[1] in place_r]
        if not lt and not rt:
            return

        def key(tok: tuple[str, int], side: list[dict[str, Any]], place: dict[int, Slot]) -> str:
            if tok[0] == "base":
                slot = place[tok[1]]
                return f"base:{tok[1]}" if slot.when is None else f"base:{tok[1]}:{slot.when}"
            return content_key(side[tok[1]])

        lk = [key(t, self.local, place_l) for t in lt]
        rk = [key(t, self.remote, place_r) for t in rt]
        li = ri = 0
        sm = SequenceMatcher(None, lk, rk, autojunk=False)
        for a, bb, size in sm.get_matching_blocks():
            if not self.base:  # added on both sides: no difference is provably independent
                yield from self._rival_slots(lt[li:a], rt[ri:bb])
            else:
                yield from self._side_slots(lt[li:a], "local", place_l)
                yield from self._side_slots(rt[ri:bb], "remote", place_r)
            for k in range(size):
                lt_tok, rt_tok = lt[a + k], rt[bb + k]
                if lt_tok[0] == "base":
                    yield place_l[lt_tok[1]]
                else:
                    yield Slot(self.merge_cell(None, self.local[lt_tok[1]], self.remote[rt_tok[1]],
                                               (None, lt_tok[1], rt_tok[1])))
            li, ri = a + size, bb + size

    def _rival_slots(self, ltoks: list[tuple[str, int]], rtoks: list[tuple[str, int]]) -> Iterator[Slot]:
        """Both sides added a notebook with different cells here (no common base): nothing is
        provably independent. The cells are paired in order and each pair is merged against an
        empty cell, which conflicts unless both are the same; a cell only one side has is a
        conflict too (kept, marked, the other side "has no such cell")."""
        for k in range(max(len(ltoks), len(rtoks))):
            lo = self.local[ltoks[k][1]] if k < len(ltoks) else None
            re = self.remote[rtoks[k][1]] if k < len(rtoks) else None
            index = (None, ltoks[k][1] if lo is not None else None, rtoks[k][1] if re is not None else None)
            mc = self.merge_cell(None, lo, re, index, added_both=True)
            if lo is None or re is None:
                mc.deleted = "local" if lo is None else "remote"
                self.conflict("delete", mc, deleted=mc.deleted)
            yield Slot(mc)

    def _side_slots(self, toks: list[tuple[str, int]], side: Side, place: dict[int, Slot]) -> Iterator[Slot]:
        cells = self.local if side == "local" else self.remote
        for kind, idx in toks:
            if kind == "base":
                yield place[idx]
            else:
                index = (None, idx, None) if side == "local" else (None, None, idx)
                yield Slot(self.merge_cell(None, cells[idx] if side == "local" else None,
                                           cells[idx] if side == "remote" else None, index))


_source = cell_source  # nbcontent: one way to join a cell's source


def _rest(cell: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cell.items() if k not in ("source", "outputs", "execution_count")}
