"""Cell alignment: which cell of the old notebook became which cell of the new one.

In the manner of git's patience/histogram diff, with a bounded fuzzy stage:

1. nbformat 4.5 cell ids, where both sides carry the same unique id (unless the ids
   look positional: many id-matched cells with nothing in common);
2. exact anchors: cells identical on both sides and unique in their segment, kept
   in order by a longest increasing subsequence, recursing into the gaps; identical
   cells out of order become moves;
3. inside each gap, an order-preserving dynamic programme over a similarity score
   (source first, outputs as a tie-breaker); a large gap is first split at near-identical
   cells sharing rare lines, and what stays large is paired by a linear walk with a
   small look-ahead, so the cost stays bounded;
4. cells still unmatched are compared through an index of shared lines to find
   cells that were moved and edited;
5. a longest increasing subsequence over all matched pairs decides which are moves.

Every cell of both notebooks appears exactly once in the result.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from nbreview.engine.content import cell_source
from nbreview.engine.options import DiffOptions

GAP_THRESHOLD = 0.5  # in-order match inside a gap
MOVE_THRESHOLD = 0.6  # out-of-order match (moved and edited)
ID_MIN_SIMILARITY = 0.4  # id-matched cells below this share (almost) nothing
GAP_BUDGET = 2_500  # similarity evaluations for an exact in-order matching of a gap
WALK_WINDOW = 8  # look-ahead of the linear walk through gaps too large for that
STOP_LINE_CELLS = 20  # lines found in more cells than this do not suggest moves
# Scoring, in ``similarity``: a cell whose type changed is discounted (a code cell turned into
# markdown is less likely "the same cell"); identical outputs nudge a near-tie towards the
# cell that produced them, never past a real source match.
TYPE_CHANGE_FACTOR = 0.8
SAME_OUTPUTS_BONUS = 0.05
SHORT_EXACT_BELOW = 0.9  # short cells below this line/token score are re-scored by characters
# Anchors in big gaps (``soft_anchors``): a line shared by at most this many old cells is
# distinctive enough to suggest a pair, and the pair must be at least this alike.
RARE_LINE_CELLS = 3
ANCHOR_MIN_SIMILARITY = 0.7
# Moves: compare every leftover old cell with every leftover new one up to this many pairs,
# beyond it only cells sharing a distinctive line.
MOVE_ALL_PAIRS = 400
# In the gap programme a match is worth its score above the threshold plus this epsilon, so a
# match scoring exactly GAP_THRESHOLD still beats skipping both cells.
MATCH_EPSILON = 1e-3

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_WS = re.compile(r"\s+")


@dataclass
class CellMatch:
    """One row of the alignment: a matched pair, or a cell on one side only."""

    old: int | None
    new: int | None
    moved: bool = False
    similarity: float | None = None


class _Bag:
    """A multiset with its size, for Dice coefficients without re-counting."""

    __slots__ = ("counts", "size")

    def __init__(self, items: Any) -> None:
        self.counts: Counter[str] = Counter(items)
        self.size = sum(self.counts.values())


def _dice(a: _Bag, b: _Bag) -> float:
    total = a.size + b.size
    if not total:
        return 0.0
    x, y = (a.counts, b.counts) if len(a.counts) <= len(b.counts) else (b.counts, a.counts)
    common = sum(min(n, y[k]) for k, n in x.items() if k in y)
    return 2.0 * common / total


@dataclass(slots=True)
class _Info:
    """What alignment needs of a cell, each part computed on first use."""

    cell_type: str
    source: str
    key: tuple[str, str]
    outputs: Any = None
    cell_id: str | None = None
    _lines: _Bag | None = field(default=None, repr=False)
    _tokens: _Bag | None = field(default=None, repr=False)
    _seq_bag: _Bag | None = field(default=None, repr=False)
    _seq: list[str] | None = field(default=None, repr=False)
    _matcher: SequenceMatcher[str] | None = field(default=None, repr=False)
    _out_key: str | None = field(default=None, repr=False)

    @property
    def lines(self) -> _Bag:
        if self._lines is None:
            self._lines = _Bag(x.strip() for x in self.source.splitlines() if x.strip())
        return self._lines

    @property
    def tokens(self) -> _Bag:
        if self._tokens is None:
            self._tokens = _Bag(_WORD.findall(self.source))
        return self._tokens

    @property
    def seq_bag(self) -> _Bag:
        if self._seq_bag is None:
            self._seq_bag = _Bag(self.seq)
        return self._seq_bag

    @property
    def short(self) -> bool:
        """A cell of a few short lines, where line multisets say too little."""
        return len(self.source) <= 300 and self.source.count("\n") < 5

    @property
    def seq(self) -> list[str]:
        """The source as a token sequence (words, punctuation), for edit similarity."""
        if self._seq is None:
            self._seq = _TOKEN.findall(self.source)
        return self._seq

    def matcher(self) -> SequenceMatcher[str]:
        """A matcher with this cell's tokens as its second sequence, indexed once and reused."""
        if self._matcher is None:
            self._matcher = SequenceMatcher(None, [], self.seq, autojunk=False)
        return self._matcher

    @property
    def out_key(self) -> str:
        if self._out_key is None:
            self._out_key = json.dumps(self.outputs, sort_keys=True) if self.outputs else ""
        return self._out_key


def _info(cell: dict[str, Any], options: DiffOptions) -> _Info:
    ctype = str(cell.get("cell_type", ""))
    src = cell_source(cell)
    keysrc = _WS.sub(" ", src).strip() if options.ignore_whitespace else src
    cid = cell.get("id") if not options.ignore_ids and isinstance(cell.get("id"), str) else None
    return _Info(ctype, src, (ctype, keysrc), outputs=cell.get("outputs"), cell_id=cid)


def similarity(a: _Info, b: _Info, floor: float = 0.0) -> float:
    """How alike two cells are, 0..1: sources first, outputs as a tie-breaker.

    Line and word multisets give the score of long cells; short cells (a few short
    lines) use the edit similarity of their token sequences, computed only when its upper bound (the
    Dice coefficient of the token multisets) reaches ``floor`` or the gap threshold.
    """
    if a.key == b.key:
        score = 1.0
    elif not a.source.strip() or not b.source.strip():
        score = 0.0
    else:
        lines = _dice(a.lines, b.lines)
        score = max(lines, _dice(a.tokens, b.tokens))
        if score < SHORT_EXACT_BELOW and a.short and b.short:
            if _dice(a.seq_bag, b.seq_bag) >= max(floor, GAP_THRESHOLD):
                matcher = b.matcher()
                matcher.set_seq1(a.seq)
                score = max(lines, matcher.ratio())
    if a.cell_type != b.cell_type:
        score *= TYPE_CHANGE_FACTOR
    if score < 1.0 and a.outputs and a.out_key == b.out_key:
        score = min(1.0, score + SAME_OUTPUTS_BONUS)
    return score


def _lis(seq: list[int]) -> list[int]:
    """Positions in ``seq`` of one longest strictly increasing subsequence."""
    tails: list[int] = []
    tails_pos: list[int] = []
    prev = [-1] * len(seq)
    for i, v in enumerate(seq):
        k = bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
            tails_pos.append(i)
        else:
            tails[k] = v
            tails_pos[k] = i
        prev[i] = tails_pos[k - 1] if k else -1
    out: list[int] = []
    i = tails_pos[-1] if tails_pos else -1
    while i >= 0:
        out.append(i)
        i = prev[i]
    return out[::-1]


class _Aligner:
    def __init__(self, old: list[_Info], new: list[_Info]) -> None:
        self.old = old
        self.new = new
        self.pairs: dict[int, tuple[int, float]] = {}  # old index -> (new index, similarity)
        self.matched_new: set[int] = set()
        self._sim: dict[tuple[int, int], float] = {}
        self.trust_ids = False  # set when ids are stable identities (see _match_ids)

    def sim(self, i: int, j: int, floor: float = 0.0) -> float:
        """Similarity of old cell i and new cell j; below ``floor`` it may be underestimated."""
        key = (i, j)
        s = self._sim.get(key)
        if s is None:
            a, b = self.old[i], self.new[j]
            if self.trust_ids and a.cell_id and b.cell_id and a.cell_id != b.cell_id and a.key != b.key:
                s = 0.0  # two different cells by their ids; only an identical copy (cut and paste) may match
            else:
                s = similarity(a, b, floor)
            if not floor or s >= floor:
                self._sim[key] = s
        return s

    def pair(self, i: int, j: int, s: float) -> None:
        self.pairs[i] = (j, s)
        self.matched_new.add(j)

    # -- stage 2: exact anchors, patience style -------------------------------------
    def exact(self, old_cells: list[int], new_cells: list[int]) -> None:
        """Patience alignment on identical cells; gaps go back on the work list."""
        work = [(old_cells, new_cells)]
        while work:
            a, b = work.pop()
            head = 0
            while head < len(a) and head < len(b) and self.old[a[head]].key == self.new[b[head]].key:
                self.pair(a[head], b[head], 1.0)
                head += 1
            end_a, end_b = len(a), len(b)
            while end_a > head and end_b > head and self.old[a[end_a - 1]].key == self.new[b[end_b - 1]].key:
                self.pair(a[end_a - 1], b[end_b - 1], 1.0)
                end_a -= 1
                end_b -= 1
            a, b = a[head:end_a], b[head:end_b]
            if not a or not b:
                continue
            old_counts = Counter(self.old[i].key for i in a)
            new_counts = Counter(self.new[j].key for j in b)
            pos_b = {self.new[j].key: j for j in b if new_counts[self.new[j].key] == 1}
            uniq = [(i, pos_b[self.old[i].key]) for i in a
                    if old_counts[self.old[i].key] == 1 and self.old[i].key in pos_b]
            if not uniq:
                anchors = self.soft_anchors(a, b)
                if not anchors:
                    self.fuzzy(a, b)
                    continue
            else:
                keep = set(_lis([j for _, j in uniq]))
                anchors = [p for k, p in enumerate(uniq) if k in keep]
                for k, (i, j) in enumerate(uniq):
                    if k not in keep:  # identical but out of order: a move, settled in stage 5
                        self.pair(i, j, 1.0)
            for i, j in anchors:
                if i not in self.pairs:
                    self.pair(i, j, self.sim(i, j))
            work.extend(_gaps(a, b, anchors, self.pairs, self.matched_new))

    def soft_anchors(self, a: list[int], b: list[int]) -> list[tuple[int, int]]:
        """For a large gap, near-identical cells sharing rare lines, kept in order."""
        if len(a) * len(b) <= GAP_BUDGET:
            return []
        index: dict[str, list[int]] = {}
        for i in a:
            for line in self.old[i].lines.counts:
                index.setdefault(line, []).append(i)
        best_for_old: dict[int, tuple[float, int]] = {}
        for j in b:
            lines = self.new[j].lines.counts
            cands = {i for line in lines for i in index.get(line, ()) if len(index[line]) <= RARE_LINE_CELLS}
            for i in cands:
                s = self.sim(i, j)
                if s >= ANCHOR_MIN_SIMILARITY and s > best_for_old.get(i, (0.0, -1))[0]:
                    best_for_old[i] = (s, j)
        best_for_new: dict[int, tuple[float, int]] = {}
        for i, (s, j) in best_for_old.items():
            if s > best_for_new.get(j, (0.0, -1))[0]:
                best_for_new[j] = (s, i)
        mutual = sorted((i, j) for j, (s, i) in best_for_new.items())
        keep = _lis([j for _, j in mutual])
        return [mutual[k] for k in keep]

    # -- stage 3: order-preserving fuzzy matching inside a gap ------------------------
    def fuzzy(self, a: list[int], b: list[int]) -> None:
        """Best in-order matching by similarity: exact for small gaps, a windowed walk for large ones."""
        n, m = len(a), len(b)
        if n * m > GAP_BUDGET:
            self.walk(a, b)
            return
        prev = [0.0] * (m + 1)
        steps: list[bytearray] = [bytearray([2]) * (m + 1)]  # 1: skip old, 2: skip new, 3: match
        for i in range(1, n + 1):
            row = [0.0] * (m + 1)
            step = bytearray([1]) * (m + 1)
            old_cell = a[i - 1]
            for j in range(1, m + 1):
                best, how = prev[j], 1
                if row[j - 1] > best:
                    best, how = row[j - 1], 2
                s = self.sim(old_cell, b[j - 1])
                if s >= GAP_THRESHOLD:
                    cand = prev[j - 1] + s - GAP_THRESHOLD + MATCH_EPSILON
                    if cand > best:
                        best, how = cand, 3
                row[j] = best
                step[j] = how
            steps.append(step)
            prev = row
        i, j = n, m
        while i > 0 and j > 0:
            how = steps[i][j]
            if how == 3:
                self.pair(a[i - 1], b[j - 1], self.sim(a[i - 1], b[j - 1]))
                i, j = i - 1, j - 1
            elif how == 1:
                i -= 1
            else:
                j -= 1

    def walk(self, a: list[int], b: list[int]) -> None:
        """Pair a large gap in order, looking at most WALK_WINDOW cells ahead on either side.

        At most about ``2 * WALK_WINDOW`` similarities per cell, so a gap of thousands of
        cells costs linear time; the nearest good match wins, as in a line diff's pairing.
        """
        i = j = 0
        n, m = len(a), len(b)
        while i < n and j < m:
            s = self.sim(a[i], b[j])
            if s >= GAP_THRESHOLD:
                self.pair(a[i], b[j], s)
                i, j = i + 1, j + 1
                continue
            found: tuple[int, int] | None = None
            for d in range(1, WALK_WINDOW + 1):
                if j + d < m and self.sim(a[i], b[j + d]) >= GAP_THRESHOLD:
                    found = (i, j + d)
                elif i + d < n and self.sim(a[i + d], b[j]) >= GAP_THRESHOLD:
                    found = (i + d, j)
                if found:
                    break
            if found is None:
                i, j = i + 1, j + 1  # no partner nearby: both stay unmatched
                continue
            i, j = found
            self.pair(a[i], b[j], self.sim(a[i], b[j]))
            i, j = i + 1, j + 1

    # -- stage 4: moved and edited ---------------------------------------------------
    def moves(self) -> None:
        unpaired_old = [i for i in range(len(self.old)) if i not in self.pairs]
        unpaired_new = [j for j in range(len(self.new)) if j not in self.matched_new]
        if not unpaired_old or not unpaired_new:
            return
        cands: set[tuple[int, int]] = set()
        if len(unpaired_old) * len(unpaired_new) <= MOVE_ALL_PAIRS:
            cands = {(i, j) for i in unpaired_old for j in unpaired_new}
        else:
            index: dict[str, list[int]] = {}
            for i in unpaired_old:
                for line in self.old[i].lines.counts:
                    index.setdefault(line, []).append(i)
                index.setdefault("\0" + self.old[i].source, []).append(i)
            for j in unpaired_new:
                keys = list(self.new[j].lines.counts) + ["\0" + self.new[j].source]
                for line in keys:
                    hits = index.get(line, ())
                    if len(hits) <= STOP_LINE_CELLS:
                        cands.update((i, j) for i in hits)
        scored = sorted(((self.sim(i, j, MOVE_THRESHOLD), i, j) for i, j in cands), key=lambda t: (-t[0], t[1], t[2]))
        for s, i, j in scored:
            if s < MOVE_THRESHOLD:
                break
            if i in self.pairs or j in self.matched_new:
                continue
            self.pair(i, j, s)


def _gaps(
    a: list[int], b: list[int], anchors: list[tuple[int, int]], pairs: dict[int, Any], matched_new: set[int]
) -> list[tuple[list[int], list[int]]]:
    """The unmatched runs of ``a`` and ``b`` between consecutive anchors."""
    out = []
    pos_a = pos_b = 0
    for i, j in anchors + [(1 << 62, 1 << 62)]:
        gap_a, gap_b = [], []
        while pos_a < len(a) and a[pos_a] < i:
            if a[pos_a] not in pairs:
                gap_a.append(a[pos_a])
            pos_a += 1
        while pos_b < len(b) and b[pos_b] < j:
            if b[pos_b] not in matched_new:
                gap_b.append(b[pos_b])
            pos_b += 1
        pos_a += 1
        pos_b += 1
        if gap_a and gap_b:
            out.append((gap_a, gap_b))
    return out


def align_cells(
    old_cells: list[dict[str, Any]], new_cells: list[dict[str, Any]], options: DiffOptions | None = None
) -> list[CellMatch]:
    """Align two cell lists; the result lists every cell once, in new order with removals in place."""
    options = options or DiffOptions()
    old = [_info(c, options) for c in old_cells]
    new = [_info(c, options) for c in new_cells]
    al = _Aligner(old, new)

    # Stage 1: cell ids.
    if not options.ignore_ids:
        _match_ids(al, old_cells, new_cells)

    # Stages 2-3: exact anchors and fuzzy gaps over what ids left.
    rest_a = [i for i in range(len(old)) if i not in al.pairs]
    rest_b = [j for j in range(len(new)) if j not in al.matched_new]
    if rest_a and rest_b:
        if al.pairs:
            _align_between_fixed(al, rest_a, rest_b)
        else:
            al.exact(rest_a, rest_b)
    # Stage 4.
    al.moves()
    # Stage 5: moves are matched pairs outside the longest in-order chain.
    by_old = sorted(al.pairs.items())
    chain = set(_lis([j for _, (j, _) in by_old]))
    moved_old = {i for k, (i, _) in enumerate(by_old) if k not in chain}
    return _order(al, len(old), len(new), moved_old)


def _match_ids(al: _Aligner, old_cells: list[dict[str, Any]], new_cells: list[dict[str, Any]]) -> None:
    """Pair cells by unique shared ids, unless the ids look positional rather than stable.

    Ids are trusted when most cells kept theirs and few id-matched cells share nothing:
    then every id match stands, and cells with different ids are different cells. When
    many id-matched cells share nothing (ids numbered by position, say), only the matches
    whose contents agree are kept and the rest is left to content.
    """
    ids_old = Counter(c.get("id") for c in old_cells if isinstance(c.get("id"), str))
    ids_new = Counter(c.get("id") for c in new_cells if isinstance(c.get("id"), str))
    new_by_id = {c.get("id"): j for j, c in enumerate(new_cells) if ids_new.get(c.get("id")) == 1}
    candidates = [(i, new_by_id[c["id"]]) for i, c in enumerate(old_cells)
                  if isinstance(c.get("id"), str) and ids_old[c["id"]] == 1 and c["id"] in new_by_id]
    if not candidates:
        return
    strangers = [(i, j) for i, j in candidates
                 if al.old[i].source.strip() and al.new[j].source.strip()
                 and similarity(al.old[i], al.new[j]) < ID_MIN_SIMILARITY]
    stable = len(candidates) >= 0.5 * min(len(ids_old), len(ids_new)) and len(strangers) <= max(
        1, 0.1 * len(candidates))
    al.trust_ids = stable
    rejected = set() if stable else set(strangers)
    for i, j in candidates:
        if (i, j) not in rejected:
            al.pair(i, j, similarity(al.old[i], al.new[j]))


def _align_between_fixed(al: _Aligner, rest_a: list[int], rest_b: list[int]) -> None:
    """Content-align the cells ids left, gap by gap between id-matched cells kept in order."""
    by_old = sorted(al.pairs.items())
    chain = [by_old[k] for k in _lis([j for _, (j, _) in by_old])]
    anchors = [(i, j) for i, (j, _) in chain]
    pos_a = pos_b = 0
    leftover_a: list[int] = []
    leftover_b: list[int] = []
    for i, j in anchors + [(len(al.old), len(al.new))]:
        gap_a, gap_b = [], []
        while pos_a < len(rest_a) and rest_a[pos_a] < i:
            gap_a.append(rest_a[pos_a])
            pos_a += 1
        while pos_b < len(rest_b) and rest_b[pos_b] < j:
            gap_b.append(rest_b[pos_b])
            pos_b += 1
        if gap_a and gap_b:
            al.exact(gap_a, gap_b)
        leftover_a += gap_a
        leftover_b += gap_b
    # Identical cells separated by id anchors (ids regenerated and the cell moved).
    unpaired_old = [i for i in leftover_a if i not in al.pairs]
    unpaired_new = [j for j in leftover_b if j not in al.matched_new]
    by_key: dict[tuple[str, str], list[int]] = {}
    for j in unpaired_new:
        by_key.setdefault(al.new[j].key, []).append(j)
    for i in unpaired_old:
        js = by_key.get(al.old[i].key)
        if js:
            al.pair(i, js.pop(0), 1.0)


def _order(al: _Aligner, n_old: int, n_new: int, moved_old: set[int]) -> list[CellMatch]:
    new_to_old = {j: i for i, (j, _) in al.pairs.items()}
    out: list[CellMatch] = []
    next_old = 0
    emitted_old: set[int] = set()

    def flush(upto: int) -> None:
        nonlocal next_old
        while next_old < upto:
            if next_old not in al.pairs and next_old not in emitted_old:
                out.append(CellMatch(next_old, None))
                emitted_old.add(next_old)
            next_old += 1

    for j in range(n_new):
        i = new_to_old.get(j)
        if i is None:
            out.append(CellMatch(None, j))
            continue
        if i not in moved_old:
            flush(i)
        out.append(CellMatch(i, j, i in moved_old, al.pairs[i][1]))
    flush(n_old)
    return out
