"""What a reviewer is shown of a notebook diff, decided once for every renderer.

:func:`build` turns a :class:`~nbreview.engine.model.NotebookDiff` into a :class:`NotebookView`: per
cell a status word and whether it is shown, quiet (shown but second-rank: re-executed, outputs
only) or hidden (unchanged in place, or only transient changes), and the totals every renderer
prints in its closing line (hidden unchanged cells, hidden transient-only cells, transient
changes hidden inside shown cells). Each cell carries its outputs (:mod:`nbreview.view.outputs`:
visibility, drawn MIME type, text changes, image pairs, diffed tables) and the view carries what
is drawn above the cells (the sides, the notebook's own changes, the results review). The
terminal, the HTML page, the PR comment and the JSON read these and nothing else; none of them
decides visibility or wording on its own.

A re-executed cell whose *result* changed (a picture with other pixels, a diffed table, a counted
number) is never quiet: it is shown like any change, so no surface folds it away and the page's
``j`` key visits it (:func:`result_cells`).
"""

from __future__ import annotations

from nbreview.engine.content import cell_at, cell_output, notebook_language
from nbreview.engine.model import CellDiff, NotebookDiff, OutputDiff, Summary
from nbreview.records import dataclass, field
from nbreview.view.outputs import OutputView, output_visibility

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    from nbreview.engine.model import Side, ValueChange
    from nbreview.results.model import Results, TableDiff
    from nbreview.view.outputs import Visibility

# The one vocabulary for a cell's status.
TRANSIENT_WORD = "transient changes"
REEXECUTED_WORD = "re-executed"


def status_word(c: CellDiff) -> str:
    """``added`` / ``removed`` / ``modified`` / ``unchanged`` / ``re-executed`` / ``transient changes``."""
    if c.status == "modified" and c.transient_only:
        return TRANSIENT_WORD
    if c.status == "modified" and c.reexecuted:
        return REEXECUTED_WORD
    return c.status


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 cell`` / ``2 cells`` (``words`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _image_changed(o: OutputDiff) -> bool:
    """An output whose picture came, went or has other pixels (a re-encoding is not a change)."""
    if o.transient or o.status == "unchanged":
        return False
    return any(
        m.kind == "image" and m.status != "unchanged" and not (m.image is not None and m.image.pixels_equal)
        for m in o.mimes
    )


def result_cells(d: NotebookDiff) -> set[tuple[int | None, int | None]]:
    """The cells (old, new index) whose result changed: a picture, a table or a counted number.

    These are never folded away as "re-executed" or "transient": a reviewer judges the change by them.
    """
    res = d.results
    tables = {t.cell for t in res.tables if t.rows or any(col.status != "same" for col in t.columns)} if res else set()
    counted = tables | ({n.cell for n in res.numbers} if res else set())  # a table changed only in format has no rows
    out: set[tuple[int | None, int | None]] = set()
    for c in d.cells:
        if c.status != "modified":
            continue
        if c.new_index in counted or any(_image_changed(o) for o in c.outputs or []):
            out.add((c.old_index, c.new_index))
    return out


@dataclass(slots=True)
class CellView:
    """One cell as shown: its diff, status word and visibility; ``result`` when its result changed.

    It also carries what a renderer draws beside the diff: the cell on each side as the notebooks
    hold it (``{}`` on a side it is not on), the notebook's language and each output's visibility.
    """

    diff: CellDiff
    status: str
    visibility: Visibility
    result: bool = False
    old_cell: dict[str, Any] = field(default_factory=dict)
    new_cell: dict[str, Any] = field(default_factory=dict)
    language: str = "python"
    outputs: list[OutputView] = field(default_factory=list)

    @property
    def old_count(self) -> Any:
        """The old side's execution count (None when not run, or no old side)."""
        return self.old_cell.get("execution_count")

    @property
    def new_count(self) -> Any:
        """The new side's execution count (None when not run, or no new side)."""
        return self.new_cell.get("execution_count")

    @property
    def cell(self) -> dict[str, Any]:
        """The cell as a reader sees it now: the new side, else the old, else the diff's whole cell."""
        return self.new_cell or self.old_cell or (self.diff.cell or {})

    @property
    def whole_outputs(self) -> list[tuple[int, Any]]:
        """The outputs drawn whole, as (index, output) of the side a reader sees: every output of an
        added or removed cell, or of a cell whose outputs did not change (its diff lists none)."""
        c = self.diff
        if c.status not in ("added", "removed") and c.outputs is not None:
            return []
        cell = self.old_cell if c.status == "removed" else self.new_cell
        outs = (cell or c.cell or {}).get("outputs")
        return list(enumerate(outs)) if isinstance(outs, list) else []

    @property
    def change(self) -> bool:
        """A change a reader steps to (``j`` on the page): not unchanged, re-executed only or transient."""
        c = self.diff
        return self.visibility == "shown" and (c.status != "unchanged" or c.moved)

    @property
    def shown(self) -> bool:
        """Shown to a reader by default (quiet cells are shown too, perhaps collapsed)."""
        return self.visibility != "hidden"

    @property
    def key(self) -> tuple[int | None, int | None]:
        """(old index, new index): names the cell across renderers."""
        return (self.diff.old_index, self.diff.new_index)


def cell_visibility(
    c: CellDiff, show_unchanged: bool = False, show_transient: bool = False, result: bool = False
) -> Visibility:
    """Hidden: unchanged in place, or only transient changes (unless asked); quiet: re-executed.

    ``result``: the cell's result changed (:func:`result_cells`), so it is shown whatever else is true.
    """
    if c.moved or result:
        return "shown"
    if c.status == "unchanged":
        return "shown" if show_unchanged else "hidden"
    if c.transient_only:
        return "shown" if show_transient else "hidden"
    if c.reexecuted:
        return "quiet"
    return "shown"


@dataclass
class NotebookView:
    """The cells with their visibility and the totals of what was left out."""

    diff: NotebookDiff
    cells: list[CellView]
    summary: Summary
    hidden_unchanged: int = 0
    hidden_transient_cells: int = 0
    hidden_transient_changes: int = 0
    show_transient: bool = False
    notes: list[str] = field(default_factory=list)
    language: str = "python"  # the notebook's language (:func:`~nbreview.engine.content.notebook_language`)

    @property
    def shown(self) -> list[CellView]:
        return [c for c in self.cells if c.shown]

    # What a renderer draws above the cells, read through the view (never from the diff directly).
    @property
    def old(self) -> Side:
        """Where the old side came from: its label, load problems, upgrade."""
        return self.diff.old

    @property
    def new(self) -> Side:
        """Where the new side came from."""
        return self.diff.new

    @property
    def fields(self) -> list[ValueChange]:
        """Changes of the notebook's format fields (``nbformat_minor``...), transient ones marked."""
        return self.diff.fields

    @property
    def metadata(self) -> list[ValueChange]:
        """Changes of the notebook's metadata, transient ones marked."""
        return self.diff.metadata

    @property
    def results(self) -> Results:
        """The results review (empty when it was not run): what :mod:`nbreview.view.results` words."""
        if self.diff.results is not None:
            return self.diff.results
        from nbreview.results.model import Results

        return Results()

    def side_cell(self, side: str, index: int | None) -> dict[str, Any]:
        """The cell at ``index`` of one side (``"old"``/``"new"``) as that notebook holds it, ``{}`` if none."""
        nb = self.diff.old_nb if side == "old" else self.diff.new_nb
        return cell_at(nb, index)

    def document(self) -> dict[str, object]:
        """The ``--json`` document of this view (:func:`json_document`)."""
        return json_document(self.diff, self)

    def modified_cells(self) -> int:
        """Modified cells a reader is shown as changes: re-executed ones count when their result changed."""
        return sum(1 for c in self.cells if c.change and c.diff.status == "modified")

    def changed_cells(self) -> int:
        """Cells a file list counts as modified: modified or moved, and re-executed ones whose result changed."""
        return sum(1 for c in self.cells if (c.change and c.diff.status == "modified") or c.diff.moved)

    def hidden_parts(self) -> list[str]:
        """``2 unchanged cells``, ``1 cell with only transient changes``, ``3 transient changes``."""
        parts: list[str] = []
        if self.hidden_unchanged:
            parts.append(plural(self.hidden_unchanged, "unchanged cell"))
        if self.hidden_transient_cells:
            parts.append(plural(self.hidden_transient_cells, "cell") + " with only transient changes")
        if self.hidden_transient_changes:
            parts.append(plural(self.hidden_transient_changes, "transient change"))
        return parts

    def to_dict(self) -> dict[str, object]:
        """The view's decisions in JSON form (``nbreview diff --json`` carries them as ``view``)."""
        return {
            "shown": [[c.diff.old_index, c.diff.new_index, c.status] for c in self.cells if c.shown],
            "quiet": [[c.diff.old_index, c.diff.new_index] for c in self.cells if c.visibility == "quiet"],
            "results_changed": [[c.diff.old_index, c.diff.new_index] for c in self.cells if c.result],
            "hidden_unchanged": self.hidden_unchanged,
            "hidden_transient_cells": self.hidden_transient_cells,
            "hidden_transient_changes": self.hidden_transient_changes,
        }


def hidden_transient_changes(d: NotebookDiff, cells: list[CellView]) -> int:
    """Transient changes inside shown cells and the notebook (cells hidden whole are counted apart).

    An added or deleted notebook's format and metadata are not news, so they are not counted.
    """
    if d.old.empty or d.new.empty:
        return 0
    n = sum(1 for ch in d.fields + d.metadata if ch.transient)
    for cell_view in cells:
        c = cell_view.diff
        if c.status != "modified" or not cell_view.shown:
            continue
        n += sum(1 for ch in c.fields + c.metadata if ch.transient)
        n += sum(1 for o in c.outputs or [] if o.transient)
    return n


def _tables_by_output(d: NotebookDiff) -> dict[tuple[int | None, int | None], list[TableDiff]]:
    """The results review's diffed tables by the (new cell, new output) they were read from."""
    out: dict[tuple[int | None, int | None], list[TableDiff]] = {}
    for t in d.results.tables if d.results else []:
        out.setdefault((t.cell, t.output), []).append(t)
    return out


def build(d: NotebookDiff, show_unchanged: bool = False, show_transient: bool = False) -> NotebookView:
    """Decide, once, what of ``d`` a reviewer is shown."""
    results = result_cells(d)
    language = notebook_language(d.new_nb, d.old_nb)
    tables = _tables_by_output(d)
    cells = []
    for c in d.cells:
        result = (c.old_index, c.new_index) in results
        visibility = cell_visibility(c, show_unchanged, show_transient, result)
        old, new = cell_at(d.old_nb, c.old_index), cell_at(d.new_nb, c.new_index)
        where = (c.old_index, c.new_index)
        outputs = [
            OutputView(
                o, output_visibility(o),
                cell_output(old, o.old_index), cell_output(new, o.new_index), where,
                tables.get((c.new_index, o.new_index), []) if tables else [],
            )
            for o in c.outputs or []
        ]
        cells.append(CellView(c, status_word(c), visibility, result, old, new, language, outputs))
    view = NotebookView(d, cells, d.summary(), show_transient=show_transient, language=language)
    for cell_view in cells:
        if cell_view.shown:
            continue
        if cell_view.diff.status == "unchanged":
            view.hidden_unchanged += 1
        else:
            view.hidden_transient_cells += 1
    if not show_transient:
        view.hidden_transient_changes = hidden_transient_changes(d, cells)
    return view


def json_document(d: NotebookDiff, view: NotebookView | None = None) -> dict[str, object]:
    """``d.to_dict()`` with the view's decisions added under ``"view"`` (what ``--json`` prints).

    ``view`` is read-only, like the results lists: ``patch`` ignores it. It lists the shown cells
    as ``[old index, new index, status word]`` and the hidden totals the other renderers print.
    ``view`` defaults to the view with default options.
    """
    doc = d.to_dict()
    doc["view"] = (view if view is not None else build(d)).to_dict()
    return doc
