"""The review page's Results panel: top changes linking to their cells, highlighted tables, the checklist.

Drawn from :mod:`nbreview.view.results`; used by the review server and the HTML report alike
(both render a notebook body with :func:`nbreview.render.html.render_notebook`). All notebook
text is escaped; links point only at cell anchors of the same page.
"""

from __future__ import annotations

from nbreview.engine.model import NotebookDiff
from nbreview.render.escape import esc
from nbreview.view import results as view


def _cell_href(prefix: str, cell: int) -> str:
    return f"#{prefix}n{cell}"


def _changes(d: NotebookDiff, prefix: str) -> str:
    changes, more = view.top_changes(d.results, view.TOP_PAGE)
    if not changes:
        return ""
    rows = []
    for c in changes:
        arrow = {"up": "▲", "down": "▼"}.get(c.direction, "≠")
        rows.append(
            f'<tr class="rr {c.direction}"><td><a class="rlink" href="{_cell_href(prefix, c.cell)}">'
            f'{esc(c.where)}</a></td><td class="rl">{esc(c.label)}</td><td class="ro">{esc(c.old)}</td>'
            f'<td class="rn">{esc(c.new)}</td><td class="rd"><span class="arrow">{arrow}</span> {esc(c.delta)}</td>'
            f'<td class="rp">{esc(c.relative)}</td></tr>'
        )
    tail = f'<p class="rmore">{more} more changed values not listed.</p>' if more else ""
    return (
        '<table class="rchanges"><thead><tr><th>where</th><th>value</th><th>old</th><th>new</th><th>change</th>'
        f"<th>relative</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{tail}"
    )


def _table(tv: view.TableView, prefix: str) -> str:
    head = "".join(
        f'<th class="c-{c.state}">{esc(c.text)}{" (added)" if c.state == "added" else ""}'
        f"{' (removed)' if c.state == 'removed' else ''}</th>"
        for c in tv.columns
    )
    body = []
    for label, cells in tv.rows:
        tds = []
        for c in cells:
            if c.state == "changed":
                tds.append(f'<td class="c-changed"><del>{esc(c.old)}</del> <ins>{esc(c.text)}</ins></td>')
            else:
                tds.append(f'<td class="c-{c.state}">{esc(c.text)}</td>')
        body.append(f'<tr class="r-{label.state}"><th>{esc(label.text)}</th>{"".join(tds)}</tr>')
    left = tv.left_out()
    note = f'<p class="rmore">Not shown: {esc(", ".join(left))}.</p>' if left else ""
    return (
        f'<figure class="rtable"><figcaption><a class="rlink" href="{_cell_href(prefix, tv.cell)}">{esc(tv.where)}</a>'
        f' · {esc(tv.title)}</figcaption><div class="rscroll"><table><thead><tr><th>{esc(tv.index_label)}</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{note}</figure>"
    )


def _signals(d: NotebookDiff, prefix: str) -> str:
    items = view.signal_items(d.results)
    if not items:
        return ""
    lis = []
    for s in items:
        where = (
            f'<a class="rlink" href="{_cell_href(prefix, s.cell)}">{esc(s.where)}</a>'
            if s.cell is not None
            else "notebook"
        )
        lis.append(
            f'<li class="sig sig-{esc(s.kind)}"><span class="sigt">{esc(s.title)}</span> · {where}: '
            f"{esc(s.detail)}</li>"
        )
    return f'<ul class="signals" aria-label="review checklist">{"".join(lis)}</ul>'


def render_results_panel(d: NotebookDiff, prefix: str = "") -> str:
    """The panel above the cells, or nothing when the diff has no results."""
    res = d.results
    if not res:
        return ""
    parts = [
        f'<section class="results" aria-label="results"><h3>Results <span class="rhead">{esc(view.headline(res))}'
        "</span></h3>",
        _signals(d, prefix),
        _changes(d, prefix),
    ]
    parts += [_table(view.table_view(t), prefix) for t in res.tables]
    notes = view.notes(res)
    if notes:
        parts.append(f'<ul class="rnotes">{"".join(f"<li>{esc(n)}</li>" for n in notes)}</ul>')
    parts.append("</section>")
    return "".join(parts)
