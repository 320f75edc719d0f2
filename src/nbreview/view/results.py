"""What a reviewer is shown of the results, decided once for every renderer.

The terminal, the review page, the HTML report and the PR comment all call this module:
the order (metrics, then table cells, then other values; biggest relative change first within
each; a few per cell before the next cell's), how many (top N per surface), the wording of
numbers, deltas and signals, and which rows and columns of a table are drawn. Renderers only
draw what it returns, so they can never disagree.
"""

from __future__ import annotations

import math

from nbreview.records import dataclass
from nbreview.results.model import SIGNAL_KINDS, NumberChange, Results, Signal, TableDiff
from nbreview.results.rank import PER_CELL as PER_CELL  # the order every surface reads (results/rank.py)
from nbreview.results.rank import RANK_CLASSES, rank_class, ranked

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff
    from nbreview.results.model import SignalKind

TOP_TERMINAL = 10  # changed numbers listed in the terminal's Results section
TOP_PAGE = 50  # ... on the review page and in the HTML report
TOP_COMMENT = 8  # ... per notebook in a PR comment
TABLES_TERMINAL = 3  # tables drawn as grids in the terminal
TABLES_COMMENT = 2  # tables drawn in a PR comment, per notebook
TABLE_ROWS = 12  # rows of one table drawn (changed, added and removed rows only)
TABLE_COLUMNS = 8  # columns of one table drawn (those with a change first)
SIGNAL_CELLS = 6  # cells named in one signal's line

SIGNAL_ORDER = SIGNAL_KINDS  # checklist order: what can hurt first (results/model.py)
SIGNAL_TITLES: dict[SignalKind, str] = {  # one title per kind (tests/test_results.py checks none is missing)
    "secret": "Possible secret",
    "new_error": "New error",
    "new_warning": "New warning",
    "stale_output": "Stale output",
    "out_of_order": "Run out of order",
    "kernel_changed": "Kernel changed",
    "output_growth": "Output grew",
}


def results_of(d: NotebookDiff) -> Results:
    """The diff's results review; empty when it was not run (an engine-only diff)."""
    return d.results if d.results is not None else Results()


def where(cell: int | None, output: int | None = None) -> str:
    """``cell [5]`` / ``cell [5] output 1`` (new-notebook indices, as in the cell headers)."""
    if cell is None:
        return "notebook"
    return f"cell [{cell}]" + (f" output {output}" if output else "")


def fmt_number(value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return f"{value:.6g}"


def fmt_delta(n: NumberChange) -> str:
    d = n.delta
    if d is None:
        return ""
    return ("+" if d > 0 else "−" if d < 0 else "±") + fmt_number(abs(d) if not float(d).is_integer() else int(abs(d)))


def fmt_relative(n: NumberChange) -> str:
    r = n.relative
    if r is None:
        return ""
    if math.isinf(r):
        return "new" if r > 0 else "−∞"
    pct = r * 100
    sign = "+" if pct > 0 else "−" if pct < 0 else ""
    return f"{sign}{abs(pct):.3g}%" if abs(pct) < 1000 else f"{sign}{abs(pct):,.0f}%"


def direction(n: NumberChange) -> str:
    """``up``, ``down`` or ``changed`` (a text cell): the renderers' arrow and colour."""
    d = n.delta
    return "changed" if d is None else ("up" if d > 0 else "down")


def more_kinds(results: Results, limit: int) -> str:
    """What the changes left out of a list of ``limit`` are: ``12 metrics, 3 table cells, 20 other values``."""
    left = ranked(results)[limit:]
    counts = [sum(1 for n in left if rank_class(n) == k) for k in range(len(RANK_CLASSES))]
    words = (("metric", "metrics"), ("table cell", "table cells"), ("other value", "other values"))
    return ", ".join(f"{c} {words[k][c != 1]}" for k, c in enumerate(counts) if c)


@dataclass(frozen=True)
class ShownChange:
    """One line of the Results list, already worded."""

    cell: int
    output: int
    where: str
    label: str
    old: str
    new: str
    delta: str
    relative: str
    direction: str
    in_table: bool


def top_changes(results: Results, limit: int) -> tuple[list[ShownChange], int]:
    """The ``limit`` biggest changes, worded, and how many more there are."""
    rows = ranked(results)
    shown = [
        ShownChange(
            n.cell,
            n.output,
            where(n.cell, n.output),
            n.label or (f"line {n.line}" if n.line else "value"),
            n.old_text,
            n.new_text,
            fmt_delta(n),
            fmt_relative(n),
            direction(n),
            n.row is not None,
        )
        for n in rows[:limit]
    ]
    return shown, max(0, len(rows) - limit)


@dataclass(frozen=True)
class ShownSignal:
    """One checklist line: ``where`` names every cell of the kind (``cells [3], [5], [9]``), ``cell`` the first."""

    kind: str
    title: str
    cell: int | None
    where: str
    detail: str
    cells: tuple[int, ...] = ()


def where_cells(cells: list[int] | tuple[int, ...], cell: int | None) -> str:
    """``cell [5]``, ``cells [3], [5], [9]``, ``cells [3], [5], [9] and 4 more``, or ``notebook``."""
    if len(cells) <= 1:
        return where(cells[0] if cells else cell)
    shown = ", ".join(f"[{c}]" for c in cells[:SIGNAL_CELLS])
    more = len(cells) - SIGNAL_CELLS
    return f"cells {shown}" + (f" and {more} more" if more > 0 else "")


def signal_items(results: Results) -> list[ShownSignal]:
    """The checklist: most serious kind first, then notebook order."""

    def key(s: Signal) -> tuple[int, int]:
        return (SIGNAL_ORDER.index(s.kind) if s.kind in SIGNAL_ORDER else 99, -1 if s.cell is None else s.cell)

    return [
        ShownSignal(
            s.kind, SIGNAL_TITLES.get(s.kind, s.kind), s.cell, where_cells(s.cells, s.cell), s.detail, tuple(s.cells)
        )
        for s in sorted(results.signals, key=key)
    ]


@dataclass(frozen=True)
class GridCell:
    text: str
    state: str  # same | changed | added | removed
    old: str = ""  # the old text of a changed cell


@dataclass(frozen=True)
class TableView:
    """A table diff cut down for drawing: header, rows, and what was left out."""

    cell: int
    output: int
    where: str
    title: str
    index_label: str
    columns: list[GridCell]
    rows: list[tuple[GridCell, list[GridCell]]]
    more_rows: int
    more_columns: int
    unchanged_rows: int
    truncated: bool
    changed_cells: int

    def left_out(self) -> list[str]:
        """What the drawn table leaves out, in words every renderer uses ("3 more changed rows", ...)."""
        left = []
        if self.more_rows:
            left.append(f"{self.more_rows} more changed rows")
        if self.more_columns:
            left.append(f"{self.more_columns} more columns")
        if self.unchanged_rows:
            left.append(f"{self.unchanged_rows} unchanged row{'s' if self.unchanged_rows != 1 else ''}")
        if self.truncated:
            left.append("the frame was truncated (...)")
        return left


def table_view(t: TableDiff, max_rows: int = TABLE_ROWS, max_columns: int = TABLE_COLUMNS) -> TableView:
    """Changed, added and removed rows; columns with a change first (in table order), at most ``max_columns``."""
    ncols = len(t.columns)
    busy = [
        j
        for j in range(ncols)
        if t.columns[j].status != "same"
        or any(r.status == "changed" and r.cells[j][0] != r.cells[j][1] for r in t.rows if j < len(r.cells))
    ]
    rest = [j for j in range(ncols) if j not in busy]
    keep = sorted((busy + rest)[:max_columns])
    columns = [GridCell(t.columns[j].label, t.columns[j].status) for j in keep]
    rows: list[tuple[GridCell, list[GridCell]]] = []
    for r in t.rows[:max_rows]:
        cells: list[GridCell] = []
        for j in keep:
            a, b = r.cells[j] if j < len(r.cells) else (None, None)
            if r.status == "removed" or b is None:
                cells.append(GridCell(a or "", "removed" if a is not None else "same"))
            elif r.status == "added" or a is None:
                cells.append(GridCell(b, "added"))
            elif a != b:
                cells.append(GridCell(b, "changed", a))
            else:
                cells.append(GridCell(b, "same"))
        rows.append((GridCell(r.label, r.status), cells))
    changed = t.changed_cells
    added = sum(1 for r in t.rows if r.status == "added")
    removed = sum(1 for r in t.rows if r.status == "removed")
    bits = [f"{changed} cell{'s' if changed != 1 else ''} changed"] if changed else []
    if added:
        bits.append(f"{added} row{'s' if added != 1 else ''} added")
    if removed:
        bits.append(f"{removed} row{'s' if removed != 1 else ''} removed")
    cadded = sum(1 for c in t.columns if c.status == "added")
    cremoved = sum(1 for c in t.columns if c.status == "removed")
    if cadded:
        bits.append(f"{cadded} column{'s' if cadded != 1 else ''} added")
    if cremoved:
        bits.append(f"{cremoved} column{'s' if cremoved != 1 else ''} removed")
    return TableView(
        t.cell,
        t.output,
        where(t.cell, t.output),
        ", ".join(bits) or "table changed",
        t.index_name,
        columns,
        rows,
        max(0, len(t.rows) - max_rows),
        max(0, ncols - len(keep)),
        t.unchanged_rows,
        t.truncated,
        changed,
    )


def headline(results: Results) -> str:
    """``3 numbers changed · 1 table changed · 2 signals`` (empty when there is nothing)."""
    bits = []
    n = len(results.numbers)
    if n:
        bits.append(f"{n} value{'s' if n != 1 else ''} changed")
    if results.tables:
        k = len(results.tables)
        bits.append(f"{k} table{'s' if k != 1 else ''} changed")
    if results.signals:
        k = len(results.signals)
        bits.append(f"{k} signal{'s' if k != 1 else ''}")
    return " · ".join(bits)


def notes(results: Results) -> list[str]:
    """``cell [4] output 1: table not compared: ...`` for outputs shown as text instead."""
    return [f"{where(n.cell, n.output)}: {n.text}" for n in results.notes]
