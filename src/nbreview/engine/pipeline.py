"""``diff(old, new)``: load both notebooks, align their cells, diff each matched cell.

The engine's diff alone: the results review is attached above it, by
:func:`nbreview.results.pipeline.diff` (what every command, page and comment calls).
"""

from __future__ import annotations

from nbreview.engine.align import align_cells
from nbreview.engine.cells import diff_cell
from nbreview.engine.model import NotebookDiff, Side
from nbreview.engine.options import DiffOptions
from nbreview.engine.values import diff_values, notebook_metadata_transient
from nbreview.io.gcpause import gc_paused
from nbreview.io.load import LoadedNotebook, load

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    from nbreview.io.load import NotebookSource


def _side(nb: LoadedNotebook) -> Side:
    return Side(nb.label, list(nb.problems), nb.upgraded_from, nb.empty)


def _without_outputs(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook as ``--ignore outputs`` compares it: code cells with no outputs.

    Done once here, before alignment, so outputs break no ties between cells and no renderer
    finds outputs to show (an added cell's, a modified cell's) that the diff was told to ignore.
    Cells are copied shallowly; the caller's notebook is not changed.
    """
    cells = [
        {**c, "outputs": []} if isinstance(c, dict) and isinstance(c.get("outputs"), list) else c
        for c in nb.get("cells", [])
    ]
    return {**nb, "cells": cells}


def diff(
    old: NotebookSource,
    new: NotebookSource,
    *,
    options: DiffOptions | None = None,
    old_label: str | None = None,
    new_label: str | None = None,
    **option_flags: Any,
) -> NotebookDiff:
    """Compare two notebooks (paths, bytes, notebook dicts or loaded notebooks).

    Keyword flags are :class:`DiffOptions` fields: ``ignore_outputs``, ``ignore_metadata``,
    ``ignore_execution_count``, ``ignore_ids``, ``ignore_whitespace``, ``sources_only``.
    """
    if options is None:
        options = DiffOptions.from_kwargs(**option_flags)
    elif option_flags:
        raise TypeError("pass either options= or option flags, not both")
    with gc_paused():  # millions of long-lived allocations, no cycles: see io/gcpause.py
        return _diff_loaded(load(old, old_label), load(new, new_label), options)


def _diff_loaded(a: LoadedNotebook, b: LoadedNotebook, options: DiffOptions) -> NotebookDiff:
    """Align the cells of two loaded notebooks and diff each matched pair, then the notebook fields."""
    old_nb, new_nb = a.nb, b.nb
    if options.ignore_outputs:
        old_nb, new_nb = _without_outputs(old_nb), _without_outputs(new_nb)
    old_cells = old_nb.get("cells", [])
    new_cells = new_nb.get("cells", [])
    matches = align_cells(old_cells, new_cells, options)
    cells = [
        diff_cell(
            m, old_cells[m.old] if m.old is not None else None, new_cells[m.new] if m.new is not None else None, options
        )
        for m in matches
    ]
    meta = []
    if not options.ignore_metadata:
        meta = diff_values(old_nb.get("metadata", {}), new_nb.get("metadata", {}), [], notebook_metadata_transient)
    rest_a = {k: v for k, v in old_nb.items() if k not in ("cells", "metadata")}
    rest_b = {k: v for k, v in new_nb.items() if k not in ("cells", "metadata")}
    fields = diff_values(rest_a, rest_b)
    if a.empty or b.empty:  # an added or deleted notebook: its format and metadata are not news
        for ch in fields + meta:
            ch.transient = True
    return NotebookDiff(_side(a), _side(b), cells, meta, fields, options, old_nb=old_nb, new_nb=new_nb)
