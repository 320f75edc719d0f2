"""The review page's Results panel: top changes linking to their cells, highlighted tables, the checklist.

Drawn from :mod:`nbreview.view.results`; used by the review server and the HTML report alike
(both render a notebook body with :func:`nbreview.render.html.render_notebook`). All notebook
text is escaped; links point only at cell anchors of the same page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nbreview.render.escape import esc
from nbreview.view import results as view

if TYPE_CHECKING:
    from nbreview.results.model import Results


def _cell_href(prefix: str, cell: int) -> str:
    return f"#{prefix}n{cell}"


def _changes(results: Results, prefix: str) -> str:
    changes, more = view.top_changes(results, view.TOP_PAGE)
    if not changes:
        return ""
    rows = []
    for change in changes:
        arrow = {"up": "▲", "down": "▼"}.get(change.direction, "≠")
        rows.append(
            f'<tr class="rr {change.direction}"><td><a class="rlink" href="{_cell_href(prefix, change.cell)}">'
            f'{esc(change.where)}</a></td><td class="rl">{esc(change.label)}</td><td class="ro">{esc(change.old)}</td>'
            f'<td class="rn">{esc(change.new)}</td><td class="rd"><span class="arrow">{arrow}</span> '
            f'{esc(change.delta)}</td><td class="rp">{esc(change.relative)}</td></tr>'
        )
    left = view.more_kinds(results, view.TOP_PAGE)
    tail = f'<p class="rmore">{more} more not listed: {esc(left)}.</p>' if more else ""
    return (
        '<table class="rchanges"><thead><tr><th>where</th><th>value</th><th>before</th><th>after</th><th>change</th>'
        f"<th>relative</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{tail}"
    )


def _table(table: view.TableView, prefix: str) -> str:
    head = "".join(
        f'<th class="c-{column.state}">{esc(column.text)}{" (added)" if column.state == "added" else ""}'
        f"{' (removed)' if column.state == 'removed' else ''}</th>"
        for column in table.columns
    )
    body = []
    for label, cells in table.rows:
        tds = []
        for cell in cells:
            if cell.state == "changed":
                tds.append(f'<td class="c-changed"><del>{esc(cell.old)}</del> <ins>{esc(cell.text)}</ins></td>')
            else:
                tds.append(f'<td class="c-{cell.state}">{esc(cell.text)}</td>')
        body.append(f'<tr class="r-{label.state}"><th>{esc(label.text)}</th>{"".join(tds)}</tr>')
    left = table.left_out()
    note = f'<p class="rmore">Not shown: {esc(", ".join(left))}.</p>' if left else ""
    where = f'<a class="rlink" href="{_cell_href(prefix, table.cell)}">{esc(table.where)}</a>'
    return (
        f'<figure class="rtable"><figcaption>{where}'
        f' · {esc(table.title)}</figcaption><div class="rscroll"><table><thead><tr><th>{esc(table.index_label)}</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{note}</figure>"
    )


def _signals(results: Results, prefix: str) -> str:
    items = view.signal_items(results)
    if not items:
        return ""
    lis = []
    for signal in items:
        where = (
            f'<a class="rlink" href="{_cell_href(prefix, signal.cell)}">{esc(signal.where)}</a>'
            if signal.cell is not None
            else "notebook"
        )
        lis.append(
            f'<li class="sig sig-{esc(signal.kind)}"><span class="sigt">{esc(signal.title)}</span> · {where}: '
            f"{esc(signal.detail)}</li>"
        )
    return f'<ul class="signals" aria-label="review checklist">{"".join(lis)}</ul>'


def render_results_panel(results: Results, prefix: str = "") -> str:
    """The panel above the cells (the view's :attr:`~nbreview.view.NotebookView.results`), or nothing when empty."""
    if not results:
        return ""
    parts = [
        f'<section class="results" aria-label="results"><h3>Results <span class="rhead">{esc(view.headline(results))}'
        "</span></h3>",
        _signals(results, prefix),
        _changes(results, prefix),
    ]
    parts += [_table(view.table_view(table), prefix) for table in results.tables]
    notes = view.notes(results)
    if notes:
        parts.append(f'<ul class="rnotes">{"".join(f"<li>{esc(note)}</li>" for note in notes)}</ul>')
    parts.append("</section>")
    return "".join(parts)
