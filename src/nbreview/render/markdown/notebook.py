"""One notebook in a comment: its row of the summary table and its collapsible ``<details>`` section.

:class:`MarkdownRenderer` is the comment's renderer in the sense of :mod:`nbreview.render.protocol`:
it draws a :class:`~nbreview.view.NotebookView` (the cells the view shows, in order, the summary in
the view's words, what the view hides) at one :class:`~nbreview.render.markdown.cells.Detail` level.
"""

from __future__ import annotations

from typing import cast

from nbreview.render.markdown.cells import LEVELS, Detail, cell_block, changed_names
from nbreview.render.markdown.changes import NotebookChange
from nbreview.render.markdown.images import ImageAllowance, PictureLinks
from nbreview.render.markdown.inert import html_text, inline
from nbreview.view import CellView, NotebookView, plural
from nbreview.view.summary import summary_text

TABLE_HEAD = (
    "| Notebook | Added | Removed | Modified | Moved | Outputs | Images |\n| :-- | --: | --: | --: | --: | --: | --: |"
)
STATUS_MARK = {"added": " 🆕", "removed": " 🗑️", "renamed": " ↪️", "copied": " ⧉"}
PROBLEMS_SHOWN = 3  # load problems (repaired JSON, upgraded format) quoted per side


def picked(view: NotebookView, limit: int | None) -> list[CellView]:
    """The shown cells a section lists, in notebook order: all, or ``limit`` of them taken by rank:
    cells whose result changed (a picture, a table, a counted number), then other changes, then
    quiet (re-executed only) cells."""
    shown = view.shown
    if limit is None or len(shown) <= limit:
        return shown

    def rank(k: int) -> tuple[int, int]:
        cv = shown[k]
        return (0 if cv.result else 1 if cv.visibility == "shown" else 2, k)

    order = sorted(range(len(shown)), key=rank)[:limit]
    return [shown[k] for k in sorted(order)]


class MarkdownRenderer:
    """A notebook's ``<details>`` section, at one detail level; ``cells_left`` counts what length cut.

    ``allowance`` is shared by the notebooks of one comment (pictures are limited per comment);
    without a ``linker`` pictures are counted as left out, never inlined.
    """

    def __init__(
        self,
        detail: Detail = LEVELS[0],
        linker: PictureLinks | None = None,
        *,
        name: str = "notebook.ipynb",
        status: str = "modified",
        allowance: ImageAllowance | None = None,
        open_: bool = True,
    ) -> None:
        self.detail = detail
        self.linker = linker
        self.name = name
        self.status = status
        self.allowance = allowance if allowance is not None else ImageAllowance(detail.images)
        self.open = open_
        self.cells_left = 0

    def render(self, view: NotebookView) -> str:
        """The section: the view's summary, load problems, the shown cells in order, what is hidden."""
        parts = [f"{self._tag()}<summary><b>{html_text(self.name)}</b> · {html_text(self.status)} · "
                 f"{html_text(summary_text(view, ', '))}</summary>\n"]
        for side in (view.old, view.new):
            parts += [f"> ⚠️ {inline(p)}\n" for p in side.problems[:PROBLEMS_SHOWN]]
        nb_changes = [x for x in view.fields + view.metadata if not x.transient]
        if nb_changes:
            parts.append(f"<sub>notebook metadata changed: {changed_names(nb_changes)}</sub>\n")
        shown = picked(view, self.detail.max_cells)
        for cell_view in shown:
            parts += cell_block(cell_view, self.detail, self.linker, self.allowance)
        self.cells_left = len(view.shown) - len(shown)
        quiet = view.hidden_parts()
        if self.cells_left:
            quiet.insert(0, f"{self.cells_left} more changed cells left out for length")
        if quiet:
            parts.append(f"<sub>Not shown: {', '.join(quiet)}.</sub>\n")
        parts.append("</details>\n")
        return "\n".join(parts)

    def _tag(self) -> str:
        return "<details open>" if self.open else "<details>"

    def render_unreadable(self, error: str | None) -> str:
        """The section of a notebook that could not be diffed: why, in one line."""
        why = inline(error or "could not be read")
        head = f"{self._tag()}<summary><b>{html_text(self.name)}</b> · could not be diffed</summary>"
        return f"{head}\n\n⚠️ {why}\n\n</details>\n"


def section(
    ch: NotebookChange, detail: Detail, linker: PictureLinks | None, allowance: ImageAllowance, open_: bool
) -> tuple[str, int]:
    """The ``<details>`` block of one notebook and how many changed cells it left out."""
    from nbreview.render.protocol import renderer as registered

    renderer = cast("MarkdownRenderer", registered(
        "markdown", detail, linker, name=ch.display_name, status=ch.status, allowance=allowance, open_=open_
    ))  # built through the registry, kept for what it counts while drawing (cells_left)
    if ch.diff is None:
        return renderer.render_unreadable(ch.error), 0
    return renderer.render(ch.view()), renderer.cells_left


def table_row(ch: NotebookChange) -> str:
    """The notebook's row of the summary table: its name and status mark, then the counts."""
    if ch.diff is None:
        return f"| {inline(ch.display_name)} | ⚠️ not diffed | | | | | |"
    summary = ch.summary()
    counts = [summary.added, summary.removed, ch.view().modified_cells(), summary.moved, summary.outputs_changed,
              summary.images_changed]
    return (f"| {inline(ch.display_name)}{STATUS_MARK.get(ch.status, '')} | "
            + " | ".join(str(n) if n else "·" for n in counts) + " |")


def is_whole(ch: NotebookChange) -> bool:
    """An added or deleted notebook: every cell is new or gone, so its cells are news only if room is left."""
    return ch.diff is not None and ch.status in ("added", "removed")


def whole_line(ch: NotebookChange) -> str:
    """An added or deleted notebook in one line: ``🗑️ **nb/old.ipynb** · deleted · 307 cells``."""
    summary = ch.summary()
    count = summary.added if ch.status == "added" else summary.removed
    word = "added" if ch.status == "added" else "deleted"
    mark = STATUS_MARK.get(ch.status, "").strip()
    return f"{mark} **{inline(ch.display_name)}** · {word} · {plural(count, 'cell')}\n"
