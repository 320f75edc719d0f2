"""Text diffs as a reviewer reads them: changes grouped, context kept, the rest folded.

One rule for every renderer (the terminal's hunks, the PR comment's ``diff`` blocks, the
page's "⋯ n unchanged lines" folds): a line is kept when it is within ``context`` lines of a
change; a run of other lines is folded away when it is at least ``min_fold`` long (shorter
runs cost less to show than the fold that hides them).
"""

from __future__ import annotations

from collections.abc import Sequence

from nbreview.engine.model import LineOp, TextDiff
from nbreview.records import dataclass

Row = tuple[str, LineOp]  # ("-" | "+" | " ", the line op it came from)


def grouped_rows(td: TextDiff) -> list[Row]:
    """Diff rows with each run of changes regrouped: its removed lines first, then its added ones.

    A ``replace`` op gives a ``-`` and a ``+`` row, so intraline spans stay with their line.
    """
    rows: list[Row] = []
    run: list[Row] = []

    def flush() -> None:
        rows.extend(x for x in run if x[0] == "-")
        rows.extend(x for x in run if x[0] == "+")
        run.clear()

    for op in td.lines:
        if op.op == "equal":
            flush()
            rows.append((" ", op))
        elif op.op == "replace":
            run.extend((("-", op), ("+", op)))
        else:
            run.append(("-" if op.op == "delete" else "+", op))
    flush()
    return rows


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of rows ``[start, end)``: shown, or folded away (unchanged lines far from changes)."""

    start: int
    end: int
    folded: bool

    def __len__(self) -> int:
        return self.end - self.start


def segments(changed: Sequence[bool], context: int, min_fold: int = 1) -> list[Segment]:
    """Split rows into shown and folded runs; ``changed[k]`` says row ``k`` is a change."""
    n = len(changed)
    keep = [False] * n
    for k, is_change in enumerate(changed):
        if is_change:
            for m in range(max(0, k - context), min(n, k + context + 1)):
                keep[m] = True
    out: list[Segment] = []
    k = 0
    while k < n:
        end = k
        while end < n and keep[end] == keep[k]:
            end += 1
        folded = not keep[k] and end - k >= min_fold
        if out and out[-1].folded == folded:  # a short unfolded gap joins its neighbours
            out[-1] = Segment(out[-1].start, end, folded)
        else:
            out.append(Segment(k, end, folded))
        k = end
    return out


def skipped(listed: int | None, after: LineOp) -> bool:
    """Old lines between the last listed (``listed``, the highest so far) and ``after`` were left
    out (a huge output lists only its changes' context). The highest, not the previous row's: a
    regrouped run lists its removed lines before its added ones, so the old numbers of the added
    rows (from ``replace`` ops) go back and jump over the removed ones without skipping any line."""
    return listed is not None and after.old is not None and after.old > listed + 1


def hunks(rows: list[Row], context: int) -> list[list[Row]]:
    """The rows worth showing, in hunks separated where unchanged lines were folded or never listed."""
    out: list[list[Row]] = []
    for seg in segments([sign != " " for sign, _ in rows], context):
        if seg.folded:
            continue
        out.append([])
        listed: int | None = None
        for k in range(seg.start, seg.end):
            op = rows[k][1]
            if out[-1] and skipped(listed, op):
                out.append([])
            out[-1].append(rows[k])
            if op.old is not None:
                listed = op.old if listed is None else max(listed, op.old)
    return out


def hunk_header(hunk: list[Row]) -> str:
    """``@@ -old_start,old_count +new_start,new_count @@`` of one hunk, as ``git diff`` writes it."""
    olds = [op.old for s, op in hunk if s != "+" and op.old is not None]
    news = [op.new for s, op in hunk if s != "-" and op.new is not None]
    o = f"-{olds[0]},{len(olds)}" if olds else "-0,0"
    n = f"+{news[0]},{len(news)}" if news else "+0,0"
    return f"@@ {o} {n} @@"
