"""One cell in the terminal: a coloured rule naming it, then its source, outputs and field changes.

An added or removed cell is shown whole (source as ``+``/``-`` lines, outputs as one line
each); a changed one as source hunks, the outputs that changed and its metadata changes.
"""

from __future__ import annotations

from nbreview.render.terminal.outputs import output_label, render_output, summarise_whole_output
from nbreview.render.terminal.style import BLUE, BOLD, DIM, GREEN, MAGENTA, RED, YELLOW, TerminalStyle, clean
from nbreview.render.terminal.syntax import lexer_for
from nbreview.render.terminal.text import render_text_diff, whole_lines
from nbreview.render.terminal.values import change_lines
from nbreview.view import CellView, cell_source

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.engine.model import CellDiff


def cell_header(cell_view: CellView) -> str:
    """``cell [4] → [5] · code · modified · moved from #4 · In [3] → [7]``."""
    c = cell_view.diff
    old = f"[{c.old_index}]" if c.old_index is not None else "[ ]"
    new = f"[{c.new_index}]" if c.new_index is not None else "[ ]"
    bits = [f"cell {old} → {new}", c.cell_type, cell_view.status]
    if c.moved:
        bits.append(f"moved from #{c.old_index}")
    if c.cell_type == "code":
        old_count, new_count = cell_view.old_count, cell_view.new_count
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


def render_cell(cell_view: CellView, st: TerminalStyle) -> list[str]:
    """The cell's lines: its rule, then source, outputs and field changes as far as they changed.

    Everything comes from the view: the cell on each side, the language, which outputs are drawn
    and whether the result changed (a re-executed cell whose result changed is a change)."""
    c = cell_view.diff
    out = [rule(cell_header(cell_view), st, _cell_colour(c, cell_view.result))]
    lexer_name = lexer_for(c.cell_type, cell_view.language, cell_source(cell_view.cell))  # %%bash reads as bash
    if c.status in ("added", "removed"):
        return out + _whole_cell(cell_view, st, lexer_name)
    if c.source is not None and c.source.changed:
        out += render_text_diff(c.source, st, "  ", lexer_name)
    else:  # outputs or metadata only: name the cell by its first line, so a reader knows which it is
        lines = cell_source(cell_view.new_cell).splitlines()
        first = next((x for x in lines if x.strip()), "")
        if first:
            limit = max(20, st.width - 20)
            first = first if len(first) <= limit else first[: limit - 1] + "…"
            out.append("  " + st.paint(DIM, f"source unchanged: {clean(first.strip())}"))
    for output in cell_view.outputs:
        if output.drawn(st.show_transient):
            out += render_output(output, st, "  ")
    return out + change_lines(c.fields, c.metadata, st, "  ")


def _whole_cell(cell_view: CellView, st: TerminalStyle, lexer_name: str) -> list[str]:
    """An added or removed cell: every source line, and one summary line per output."""
    c = cell_view.diff
    cell = c.cell or (cell_view.new_cell if c.status == "added" else cell_view.old_cell)
    source = cell_source(cell) if cell else (c.source.new_text() if c.source else "")
    if not cell and c.source is not None:
        source = c.source.new_text() if c.status == "added" else c.source.old_text()
    out = whole_lines(source, "+" if c.status == "added" else "-", st, "  ", lexer_name, None)
    for k, o in cell_view.whole_outputs:
        if isinstance(o, dict):
            summary = summarise_whole_output(o)
            line = f"output {k} · {output_label(o)}" + (f" · {summary}" if summary else "")
            out.append("  " + st.paint(DIM, line))
    return out
