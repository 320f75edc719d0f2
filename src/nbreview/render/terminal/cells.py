"""One cell in the terminal: a coloured rule naming it, then its source, outputs and field changes.

An added or removed cell is shown whole (source as ``+``/``-`` lines, outputs as one line
each); a changed one as source hunks, the outputs that changed and its metadata changes.
"""

from __future__ import annotations

from nbreview.engine.content import cell_at, cell_source
from nbreview.engine.model import CellDiff, NotebookDiff
from nbreview.render.terminal.outputs import output_label, render_output, summarise_whole_output
from nbreview.render.terminal.style import BLUE, BOLD, DIM, GREEN, MAGENTA, RED, YELLOW, TerminalStyle, clean
from nbreview.render.terminal.syntax import lexer_for
from nbreview.render.terminal.text import render_text_diff, whole_lines
from nbreview.render.terminal.values import change_lines
from nbreview.view import status_word


def cell_header(c: CellDiff, diff: NotebookDiff | None = None) -> str:
    """``cell [4] → [5] · code · modified · moved from #4 · In [3] → [7]``."""
    old = f"[{c.old_index}]" if c.old_index is not None else "[ ]"
    new = f"[{c.new_index}]" if c.new_index is not None else "[ ]"
    bits = [f"cell {old} → {new}", c.cell_type, status_word(c)]
    if c.moved:
        bits.append(f"moved from #{c.old_index}")
    if diff is not None and c.cell_type == "code":
        old_count = cell_at(diff.old_nb, c.old_index).get("execution_count") if c.old_index is not None else None
        new_count = cell_at(diff.new_nb, c.new_index).get("execution_count") if c.new_index is not None else None
        if c.old_index is not None and c.new_index is not None and old_count != new_count:
            old_shown = old_count if old_count is not None else " "
            new_shown = new_count if new_count is not None else " "
            bits.append(f"In [{old_shown}] → [{new_shown}]")
        elif c.status == "removed" and old_count is not None:
            bits.append(f"In [{old_count}]")
        elif new_count is not None:
            bits.append(f"In [{new_count}]")
    return " · ".join(bits)


def rule(text: str, st: TerminalStyle, colour: str) -> str:
    """``── text ─────`` across the width: the line that opens a cell or the notebook's changes."""
    label = f"── {clean(text)} "
    return st.paint(colour + BOLD if st.color else "", label + "─" * max(3, st.width - len(label)))


def _cell_colour(c: CellDiff, result: bool = False) -> str:
    """Green added, red removed, magenta re-executed (yellow when its result changed: a change like
    any other, :func:`nbreview.view.cells.result_cells`), blue moved, dim unchanged, else yellow."""
    colour = {"added": GREEN, "removed": RED}.get(c.status, YELLOW)
    if c.status == "modified" and c.reexecuted and not result:
        colour = MAGENTA
    if c.status == "unchanged" or (c.transient_only and c.moved):
        colour = BLUE if c.moved else DIM
    return colour


def _cell_lexer(c: CellDiff, diff: NotebookDiff, language: str) -> str:
    """The lexer for the cell's source (a ``%%bash`` cell is coloured as bash, whatever the notebook)."""
    cell = cell_at(diff.new_nb, c.new_index) or cell_at(diff.old_nb, c.old_index) or (c.cell or {})
    return lexer_for(c.cell_type, language, cell_source(cell))


def render_cell(
    c: CellDiff, diff: NotebookDiff, st: TerminalStyle, language: str = "python", result: bool = False
) -> list[str]:
    """The cell's lines: its rule, then source, outputs and field changes as far as they changed;
    ``result``: the view says the cell's result changed."""
    out = [rule(cell_header(c, diff), st, _cell_colour(c, result))]
    lexer_name = _cell_lexer(c, diff, language)
    if c.status in ("added", "removed"):
        return out + _whole_cell(c, diff, st, lexer_name)
    if c.source is not None and c.source.changed:
        out += render_text_diff(c.source, st, "  ", lexer_name)
    else:  # outputs or metadata only: name the cell by its first line, so a reader knows which it is
        lines = cell_source(cell_at(diff.new_nb, c.new_index)).splitlines()
        first = next((x for x in lines if x.strip()), "")
        if first:
            limit = max(20, st.width - 20)
            first = first if len(first) <= limit else first[: limit - 1] + "…"
            out.append("  " + st.paint(DIM, f"source unchanged: {clean(first.strip())}"))
    for o in c.outputs or []:
        if o.status == "unchanged" and not (st.show_transient and o.transient):
            continue
        if o.transient and not st.show_transient:
            continue
        out += render_output(o, c, diff, st, "  ")
    return out + change_lines(c.fields, c.metadata, st, "  ")


def _whole_cell(c: CellDiff, diff: NotebookDiff, st: TerminalStyle, lexer_name: str) -> list[str]:
    """An added or removed cell: every source line, and one summary line per output."""
    side = diff.new_nb if c.status == "added" else diff.old_nb
    cell = c.cell or cell_at(side, c.new_index if c.status == "added" else c.old_index)
    source = cell_source(cell) if cell else (c.source.new_text() if c.source else "")
    if not cell and c.source is not None:
        source = c.source.new_text() if c.status == "added" else c.source.old_text()
    out = whole_lines(source, "+" if c.status == "added" else "-", st, "  ", lexer_name, None)
    outs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
    for k, o in enumerate(outs or []):
        if isinstance(o, dict):
            summary = summarise_whole_output(o)
            line = f"output {k} · {output_label(o)}" + (f" · {summary}" if summary else "")
            out.append("  " + st.paint(DIM, line))
    return out
