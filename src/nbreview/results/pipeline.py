"""``diff(old, new)`` with its results review: the engine's diff, then the results attached to it.

The results sit above the engine (they read a finished :class:`~nbreview.engine.model.NotebookDiff`
and the engine never imports them), so this is where the two meet: every command, page and
comment diffs through here; ``results=False`` gives the engine's diff with an empty review.
"""

from __future__ import annotations

from nbreview.engine import pipeline as engine
from nbreview.io.gcpause import gc_paused
from nbreview.results.compute import compute_results
from nbreview.results.model import Results

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    from nbreview.engine.model import NotebookDiff
    from nbreview.engine.options import DiffOptions
    from nbreview.io.load import NotebookSource


def diff(
    old: NotebookSource,
    new: NotebookSource,
    *,
    options: DiffOptions | None = None,
    old_label: str | None = None,
    new_label: str | None = None,
    results: bool = True,
    **option_flags: Any,
) -> NotebookDiff:
    """Compare two notebooks (paths, bytes, notebook dicts or loaded notebooks) and review their results.

    Keyword flags are :class:`~nbreview.engine.options.DiffOptions` fields (see
    :func:`nbreview.engine.pipeline.diff`). ``results=False`` skips the results review (changed
    numbers, tables, signals): ``diff.results`` is then empty.
    """
    with gc_paused():  # the results read the same long-lived diff: no cycles to collect
        d = engine.diff(old, new, options=options, old_label=old_label, new_label=new_label, **option_flags)
        d.results = compute_results(d) if results else Results()
    return d
