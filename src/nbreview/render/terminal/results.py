"""The terminal's Results section: top changes, table grids and the signal checklist.

Drawn from :mod:`nbreview.view.results` (which decides order, counts and wording); this
module only lays it out in columns with the terminal renderer's colours and escaping.
"""

from __future__ import annotations

from collections.abc import Iterator

from nbreview.render.terminal.style import BOLD, CYAN, DIM, GREEN, RED, YELLOW, TerminalStyle, clean
from nbreview.view import results as view

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.results.model import Results

_MAX_CELL = 24  # characters of one table cell or label in a grid


def _cut(text: str, limit: int = _MAX_CELL) -> str:
    """Escaped and cut to ``limit`` characters."""
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pad(text: str, width: int, right: bool = False) -> str:
    """Padded to ``width`` (on the left for right-aligned numbers)."""
    gap = " " * max(0, width - len(text))
    return gap + text if right else text + gap


def render_results(res: Results, st: TerminalStyle, limit: int = view.TOP_TERMINAL) -> Iterator[str]:
    """The section's lines (the view's results, :attr:`nbreview.view.NotebookView.results`); nothing when empty."""
    if not res:
        return
    label = "── results "
    yield st.paint(CYAN + BOLD if st.color else "", label + "─" * max(3, st.width - len(label)))
    head = view.headline(res)
    if head:
        yield "  " + st.paint(DIM, head)
    changes, more = view.top_changes(res, limit)
    if changes:
        w_where = max(len(c.where) for c in changes)
        w_label = min(_MAX_CELL, max(len(_cut(c.label)) for c in changes))
        w_old = min(_MAX_CELL, max(len(_cut(c.old)) for c in changes))
        w_new = min(_MAX_CELL, max(len(_cut(c.new)) for c in changes))
        for c in changes:
            arrow = {"up": "▲", "down": "▼"}.get(c.direction, "≠")
            colour = {"up": GREEN, "down": RED}.get(c.direction, YELLOW)
            delta = f"{c.delta} ({c.relative})" if c.delta else ""
            yield (
                f"  {st.paint(DIM, _pad(c.where, w_where))}  {_pad(_cut(c.label), w_label)}  "
                f"{_pad(_cut(c.old), w_old, True)} → {st.paint(BOLD, _pad(_cut(c.new), w_new, True))}  "
                f"{st.paint(colour, arrow + ' ' + delta if delta else arrow)}"
            ).rstrip()
        if more:
            yield "  " + st.paint(DIM, f"⋯ {more} more: {view.more_kinds(res, limit)} (--results lists all)")
    for t in res.tables[: view.TABLES_TERMINAL if limit <= view.TOP_TERMINAL else len(res.tables)]:
        yield from _grid(view.table_view(t), st)
    items = view.signal_items(res)
    if items:
        yield "  " + st.paint(BOLD, "checklist")
        for s in items:
            yield f"  ☐ {st.paint(YELLOW, s.title)} · {s.where}: {clean(s.detail)}"
    for note in view.notes(res):
        yield "  " + st.paint(DIM, f"! {clean(note)}")


def _grid(table: view.TableView, st: TerminalStyle) -> Iterator[str]:
    """A compact grid: the row label, then each column; a changed cell reads ``old → new``."""
    yield f"  {st.paint(DIM, table.where)} table: {table.title}"
    header = [_cut(table.index_label)] + [
        _cut(c.text) + {"added": " (+)", "removed": " (−)"}.get(c.state, "") for c in table.columns
    ]
    body: list[list[tuple[str, str]]] = []
    for label, cells in table.rows:
        mark = {"added": "+ ", "removed": "- "}.get(label.state, "")
        row = [(mark + _cut(label.text), label.state)]
        for c in cells:
            text = f"{_cut(c.old, 12)} → {_cut(c.text, 12)}" if c.state == "changed" else _cut(c.text)
            row.append((text, c.state))
        body.append(row)
    widths = [max([len(header[k])] + [len(row[k][0]) for row in body]) for k in range(len(header))]
    yield "    " + " │ ".join(_pad(title, widths[k]) for k, title in enumerate(header)).rstrip()
    yield "    " + "─┼─".join("─" * width for width in widths)
    colours = {"changed": YELLOW + BOLD, "added": GREEN, "removed": RED}
    for row in body:
        parts = []
        for k, (text, state) in enumerate(row):
            cell = _pad(text, widths[k], right=k > 0)
            parts.append(st.paint(colours[state], cell) if state in colours else cell)
        yield "    " + " │ ".join(parts)
    left = table.left_out()
    if left:
        yield "    " + st.paint(DIM, "⋯ " + ", ".join(left))


def results_only(res: Results, st: TerminalStyle) -> Iterator[str]:
    """``--results``: the section with every change listed, or one line saying there is none."""
    if not res:
        yield st.paint(DIM, "no changed results (numbers, tables or signals)")
        return
    yield from render_results(res, st, limit=view.TOP_PAGE * 20)
