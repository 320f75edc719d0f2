"""One notebook's body: problems, results, notebook metadata, then its cells, quiet runs folded.

:class:`HtmlRenderer` is the :class:`~nbreview.render.protocol.Renderer` for the page;
:func:`render_notebook` is the same as a function. Which cells are shown is the view's
decision (:func:`nbreview.view.build`); the page keeps the others, folded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nbreview.render.escape import esc
from nbreview.render.html.cells import render_cell, render_changes
from nbreview.render.html.context import MAX_QUIET_CELLS, ImageLinks, RenderContext
from nbreview.render.html.syntax import lexer_for
from nbreview.view import CellView, NotebookView
from nbreview.view import build as build_view
from nbreview.view.summary import fold_label, summary_items
from nbreview.view.summary import summary_text as view_summary_text

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff


def summary_parts(view: NotebookView) -> list[tuple[str, str]]:
    """(css class, text) pieces of the one-line summary, in reading order: the view's wording
    (:func:`nbreview.view.summary.summary_items`), each styled by its kind."""
    return [(item.kind, item.text) for item in summary_items(view)]


def summary_text(view: NotebookView) -> str:
    """The one-line summary of a notebook's changes, as the page's notebook header shows it."""
    return view_summary_text(view)


def _fold(ctx: RenderContext, view: NotebookView, run: list[CellView]) -> str:
    """A run of cells the view does not show (or shows quietly), in one closed fold with its label.

    Past :data:`MAX_QUIET_CELLS` per page the cells are only counted, so a huge notebook stays a page.
    """
    included = run[: max(0, ctx.quiet_left)]
    ctx.quiet_left -= len(included)
    inner = "".join(render_cell(ctx, cell_view) for cell_view in included)
    if len(included) < len(run):
        inner += (
            f'<p class="empty">⋯ {len(run) - len(included)} more cells not included: this notebook has '
            f"more than {MAX_QUIET_CELLS:,} unchanged cells</p>"
        )
    label = fold_label(view, run)
    return f'<details class="fold"><summary><span class="fl">{esc(label)}</span></summary>{inner}</details>'


def _notebook_parts(view: NotebookView, prefix: str) -> list[str]:
    """What comes before the cells: problems reading either side, the results panel, notebook metadata."""
    from nbreview.render.html.results import render_results_panel  # results review (nbreview.results)

    out: list[str] = []
    problems = [f"{side}: {p}" for side, info in (("old", view.old), ("new", view.new)) for p in info.problems]
    if problems:
        out.append(f'<div class="problems"><ul>{"".join(f"<li>{esc(p)}</li>" for p in problems)}</ul></div>')
    out.append(render_results_panel(view.results, prefix))
    notebook_meta = render_changes(view.metadata + view.fields, "notebook metadata")
    if notebook_meta:
        out.append(f'<section class="nbmeta"><h3>Notebook metadata</h3>{notebook_meta}</section>')
    return out


class HtmlRenderer:
    """The page's body for one notebook (a :class:`~nbreview.render.protocol.Renderer`).

    ``links`` says where the page finds images (server URLs or inline data); ``prefix`` keeps
    cell anchors unique when a page holds several notebooks.
    """

    def __init__(self, links: ImageLinks, prefix: str = "") -> None:
        self.links = links
        self.prefix = prefix

    def render(self, view: NotebookView) -> str:
        """Notebook-level changes, then the cells in order; what the view does not show is folded."""
        ctx = RenderContext(view, self.links, lexer_for(view.language), self.prefix)
        out = _notebook_parts(view, self.prefix)
        run: list[CellView] = []
        for cell_view in view.cells:
            if cell_view.visibility == "shown":
                if run:
                    out.append(_fold(ctx, view, run))
                    run = []
                out.append(render_cell(ctx, cell_view))
            else:
                run.append(cell_view)
        if run:
            out.append(_fold(ctx, view, run))
        if not view.cells:
            out.append('<p class="empty">Both notebooks have no cells.</p>')
        return "".join(out)


def render_notebook(d: NotebookDiff, links: ImageLinks, *, prefix: str = "") -> str:
    """The body for one notebook: notebook-level changes, then the cells in order, quiet runs folded."""
    from nbreview.render.protocol import draw

    return draw("html", build_view(d), links, prefix=prefix)
