"""What the results did, as data: changed numbers, diffed tables and review signals.

Computed once by :func:`nbreview.results.compute.compute_results` from a
:class:`~nbreview.engine.model.NotebookDiff` and attached to it as ``diff.results``; every renderer
reads it through :mod:`nbreview.view.results`. JSON keys are described in ``nbreview.engine.model``.
"""

from __future__ import annotations

import math

from nbreview.records import dataclass, field

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any, Literal

    JSONDict = dict[str, Any]
    SignalKind = Literal[
        "secret", "new_error", "new_warning", "stale_output", "out_of_order", "kernel_changed", "output_growth"
    ]
    RowStatus = Literal["same", "changed", "added", "removed"]

Number = int | float
# The one list of signal kinds, in checklist order (what can hurt first): every surface lists them so.
# SignalKind's values in this order (tests/test_results.py checks that the two agree).
SIGNAL_KINDS: tuple[SignalKind, ...] = (
    "secret", "new_error", "new_warning", "stale_output", "out_of_order", "kernel_changed", "output_growth"
)


def _json_number(x: Number | None) -> Number | None:
    """NaN and infinities have no JSON form: they become null."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return x


@dataclass(slots=True)
class NumberChange:
    """One number that changed in an output (in text, or in a table cell when ``row`` is set).

    ``old``/``new`` are the parsed values (a table cell that is not a number keeps its text);
    ``old_text``/``new_text`` are as printed. ``line`` is the 1-based line of the new output.
    """

    cell: int
    output: int
    label: str
    old: Number | str
    new: Number | str
    old_text: str
    new_text: str
    source: str  # where in the output: "stdout", "stderr", "text/plain", "text/html"...
    line: int | None = None
    row: str | None = None
    column: str | None = None
    table: int | None = None  # index into Results.tables

    @property
    def numeric(self) -> bool:
        return not isinstance(self.old, str) and not isinstance(self.new, str)

    @property
    def delta(self) -> float | None:
        if isinstance(self.old, str) or isinstance(self.new, str):
            return None
        # 12 significant digits: 9.731 - 9.5 is 0.231, not 0.23099999999999987
        return float(f"{float(self.new) - float(self.old):.12g}")

    @property
    def relative(self) -> float | None:
        """(new − old) / |old|; infinite when old is zero and new is not, None for text."""
        d = self.delta
        if d is None or isinstance(self.old, str):
            return None
        if self.old == 0:
            return 0.0 if d == 0 else math.copysign(math.inf, d)
        return d / abs(float(self.old))

    def to_dict(self) -> JSONDict:
        d: JSONDict = {
            "cell": self.cell,
            "output": self.output,
            "label": self.label,
            "old": _json_number(self.old) if not isinstance(self.old, str) else self.old,
            "new": _json_number(self.new) if not isinstance(self.new, str) else self.new,
            "delta": _json_number(self.delta),
            "relative": _json_number(self.relative),
            "old_text": self.old_text,
            "new_text": self.new_text,
            "source": self.source,
        }
        if self.line is not None:
            d["line"] = self.line
        if self.row is not None or self.column is not None:
            d.update(row=self.row, column=self.column, table=self.table)
        return d


@dataclass(slots=True)
class TableColumn:
    label: str
    status: RowStatus = "same"


@dataclass(slots=True)
class TableRow:
    """A row of an aligned table; ``cells`` holds (old, new) text per aligned column (None: absent)."""

    label: str
    status: RowStatus
    cells: list[tuple[str | None, str | None]]


@dataclass(slots=True)
class TableDiff:
    """Two tables of one output aligned by row and column labels.

    Only rows that are not ``same`` are kept (``unchanged_rows`` counts the rest), so a
    100-row frame with one changed cell stays small in memory and in JSON.
    """

    cell: int
    output: int
    source: str
    columns: list[TableColumn]
    rows: list[TableRow]
    unchanged_rows: int = 0
    truncated: bool = False  # either side was a truncated frame (rows or columns shown as "...")
    index_name: str = ""

    @property
    def changed_cells(self) -> int:
        n = 0
        for r in self.rows:
            if r.status == "changed":
                n += sum(1 for a, b in r.cells if a is not None and b is not None and a != b)
        return n

    def to_dict(self) -> JSONDict:
        return {
            "cell": self.cell,
            "output": self.output,
            "source": self.source,
            "columns": [{"label": c.label, "status": c.status} for c in self.columns],
            "rows": [{"label": r.label, "status": r.status, "cells": [list(p) for p in r.cells]} for r in self.rows],
            "unchanged_rows": self.unchanged_rows,
            "truncated": self.truncated,
        }


@dataclass(slots=True)
class Signal:
    """A point for the reviewer's checklist, one per kind and notebook.

    ``cells`` lists every new cell index it is true of (empty: the whole notebook); ``cell`` is the
    first of them (None: the whole notebook).
    """

    kind: SignalKind
    cell: int | None
    detail: str
    cells: list[int] = field(default_factory=list)

    def to_dict(self) -> JSONDict:
        return {"kind": self.kind, "cell": self.cell, "cells": list(self.cells), "detail": self.detail}


@dataclass(slots=True)
class ResultNote:
    """An output whose results were not compared (a limit, a malformed table), shown as text instead."""

    cell: int
    output: int
    text: str

    def to_dict(self) -> JSONDict:
        return {"cell": self.cell, "output": self.output, "note": self.text}


@dataclass(slots=True)
class Results:
    numbers: list[NumberChange] = field(default_factory=list)
    tables: list[TableDiff] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    notes: list[ResultNote] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.numbers or self.tables or self.signals or self.notes)
