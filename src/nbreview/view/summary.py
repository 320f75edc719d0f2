"""The one wording of a notebook's summary: every renderer prints these items, joined its own way.

``summary_items`` is what a reader is told first about a notebook (the change counts, then what
the view hides); the terminal joins them with `` · ``, the page gives each a CSS class by its
``kind``, the PR comment puts them in the notebook's ``<summary>``, ``--stat`` prints
``stat_items``. A change of wording is made here, once.
"""

from __future__ import annotations

from nbreview.engine.model import NotebookDiff
from nbreview.records import dataclass
from nbreview.view.cells import plural

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.engine.model import Summary
    from nbreview.view.cells import CellView, NotebookView

NO_CHANGES = "no changes"


@dataclass(frozen=True, slots=True)
class SummaryItem:
    """One counted phrase: ``kind`` names it for styling (``modified``, ``hidden-unchanged``...)."""

    kind: str
    count: int
    text: str


def stat_items(s: Summary) -> list[SummaryItem]:
    """The change counts of a notebook, in reading order (also the words of ``--stat``)."""
    counted = (
        ("modified", s.modified, f"{s.modified} modified"),
        ("added", s.added, f"{s.added} added"),
        ("removed", s.removed, f"{s.removed} removed"),
        ("moved", s.moved, f"{s.moved} moved"),
        ("reexecuted", s.reexecuted, f"{s.reexecuted} re-executed"),
        ("outputs", s.outputs_changed, f"{s.outputs_changed} with outputs changed"),
        ("images", s.images_changed, plural(s.images_changed, "image") + " changed"),
        ("metadata", s.metadata_changed, plural(s.metadata_changed, "notebook metadata change")),
    )
    return [SummaryItem(kind, n, text) for kind, n, text in counted if n]


def summary_items(view: NotebookView) -> list[SummaryItem]:
    """What a reader is told first: the change counts (or "no changes"), then what is hidden."""
    items = stat_items(view.summary) or [SummaryItem("none", 0, NO_CHANGES)]
    unchanged = view.hidden_unchanged
    if unchanged:
        items.append(SummaryItem("hidden-unchanged", unchanged, f"{unchanged} unchanged hidden"))
    transient = view.hidden_transient_cells + view.hidden_transient_changes
    if transient:
        items.append(SummaryItem("hidden-transient", transient, f"{transient} transient hidden"))
    return items


def summary_text(view: NotebookView, sep: str = " · ") -> str:
    """``2 modified · 1 added · 1 image changed · 3 unchanged hidden``."""
    return sep.join(item.text for item in summary_items(view))


def fold_label(view: NotebookView, cells: list[CellView]) -> str:
    """What a fold of quiet cells holds: ``3 unchanged cells, 1 re-executed (outputs only)``...

    The counts are the engine's summary of the fold's cells, so a fold counts images and
    re-executed cells by the same rule as the notebook's summary line.
    """
    d = view.diff
    counts = NotebookDiff(d.old, d.new, [c.diff for c in cells]).summary()
    parts = []
    if counts.unchanged:
        parts.append(plural(counts.unchanged, "unchanged cell"))
    if counts.reexecuted:
        images = counts.images_changed
        note = f", {plural(images, 'image')} changed" if images else ""
        parts.append(f"{counts.reexecuted} re-executed (outputs only{note})")
    if counts.transient_only:
        parts.append(plural(counts.transient_only, "cell") + " with only transient changes")
    return ", ".join(parts)
