"""A whole notebook diff in the terminal: title, summary, problems, results, notebook changes, cells.

:class:`TerminalRenderer` draws a :class:`~nbreview.view.NotebookView` (the renderer protocol);
:func:`iter_render` builds the view from the style's options and yields line by line, so a
pager shows the first screen while the rest is drawn. Every line passes :func:`terminal_safe`.
"""

from __future__ import annotations

from collections.abc import Iterator

from nbreview.records import replace
from nbreview.render.terminal.cells import render_cell, rule
from nbreview.render.terminal.style import BOLD, CYAN, DIM, YELLOW, TerminalStyle, clean, terminal_safe
from nbreview.render.terminal.values import change_lines
from nbreview.view import NotebookView
from nbreview.view import build as build_view
from nbreview.view.summary import summary_text

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff


class TerminalRenderer:
    """The terminal renderer of the renderer protocol: a view in, the terminal text out."""

    def __init__(self, style: TerminalStyle | None = None, title: str | None = None) -> None:
        self.style = style or TerminalStyle()
        self.title = title

    def render(self, view: NotebookView) -> str:
        """The whole diff as terminal text; the view decides which cells and transient changes show."""
        return "\n".join(self.lines(view)) + "\n"

    def lines(self, view: NotebookView) -> Iterator[str]:
        """The terminal lines one at a time (so a pager sees the first screen at once)."""
        st = replace(self.style, show_transient=view.show_transient)
        for line in _lines(view, st, self.title):
            yield terminal_safe(line)


def iter_render(diff: NotebookDiff, st: TerminalStyle | None = None, title: str | None = None) -> Iterator[str]:
    """The diff as terminal lines, one at a time, drawn through the registry (:mod:`nbreview.render.protocol`)."""
    from nbreview.render.protocol import draw_lines

    st = st or TerminalStyle()
    yield from draw_lines("terminal", build_view(diff, st.show_unchanged, st.show_transient), st, title)


def render(diff: NotebookDiff, st: TerminalStyle | None = None, title: str | None = None) -> str:
    """The whole diff as terminal text (ANSI colours when ``st.color``)."""
    return "\n".join(iter_render(diff, st, title)) + "\n"


def _lines(view: NotebookView, st: TerminalStyle, title: str | None) -> Iterator[str]:
    """The drawn lines, before the terminal guard: title, summary, problems, results, changes, hidden."""
    if title is None:
        title = f"nbreview {view.old.label} → {view.new.label}"
    yield st.paint(BOLD, clean(title))
    yield st.paint(DIM, summary_text(view))
    for side in (view.old, view.new):
        for problem in side.problems:
            yield st.paint(YELLOW, f"! {clean(side.label)}: {clean(problem)}")
        if side.upgraded_from:
            yield st.paint(YELLOW, f"! {clean(side.label)}: upgraded from nbformat {side.upgraded_from}")
    # Results review (nbreview.results): what the numbers, tables and signals did, first
    # (its view and renderer imported only when there is something to show: git runs one driver per file).
    results = view.results
    if st.results_only or results:
        from nbreview.render.terminal.results import render_results, results_only

        if st.results_only:
            yield from results_only(results, st)
            return
        yield from render_results(results, st)
    notebook_changes = change_lines(view.fields, view.metadata, st, "  ")
    if notebook_changes:
        yield rule("notebook", st, CYAN)
        yield from notebook_changes
    for cell_view in view.cells:
        if cell_view.shown:
            yield from render_cell(cell_view, st)
    hidden = view.hidden_parts()  # "no changes" is said once, in the summary line above
    if hidden:
        yield st.paint(DIM, f"⋯ hidden: {', '.join(hidden)}; -a shows everything")
