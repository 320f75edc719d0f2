"""What a CellView hands a renderer: both sides' cells, execution counts, the language, and each
output with its own shown / quiet / hidden decision (renderers draw these, they do not decide)."""

from __future__ import annotations

import nbreview
from nbreview.render.terminal import TerminalStyle, render
from nbreview.view import build, cell_at, output_at
from support.notebooks import code_cell, md_cell, notebook


def stream(text: str) -> dict[str, object]:
    return {"output_type": "stream", "name": "stdout", "text": text}


OLD = notebook([
    md_cell("# Title"),
    code_cell("print(1)\nprint(2)", [stream("1\n"), stream("2\n"), stream("<object at 0x7f3a2b1c4d50>\n")], count=1),
])
NEW = notebook([
    md_cell("# Title"),
    code_cell("print(1)\nprint(2)", [stream("1\n"), stream("3\n"), stream("<object at 0x7f99aa0b1c20>\n")], count=2),
], kernelspec={"name": "ir", "language": "R"})


def test_a_cell_view_carries_both_sides_counts_and_language() -> None:
    d = nbreview.diff(OLD, NEW)
    view = build(d)
    code = view.cells[1]
    assert code.old_cell is cell_at(d.old_nb, 1) and code.new_cell is cell_at(d.new_nb, 1)
    assert (code.old_count, code.new_count) == (1, 2)
    assert code.language == view.language == "r"
    added = build(nbreview.diff(notebook([]), notebook([code_cell("x = 1")]))).cells[0]
    assert added.old_cell == {} and added.new_cell["source"] and added.old_count is None


def test_each_output_has_its_own_decision_and_renderers_follow_it() -> None:
    d = nbreview.diff(OLD, NEW)
    code = build(d).cells[1]
    decisions = [o.visibility for o in code.outputs]
    assert decisions == ["hidden", "shown", "quiet"]  # unchanged, changed, only an address changed
    assert code.outputs[1].old == output_at(d.old_nb, 1, 1) and code.outputs[1].new["text"] == "3\n"
    st = TerminalStyle(color=False, width=100)
    shown = [line for line in render(d, st).splitlines() if line.strip().startswith("output ")]
    assert [line.split(" · ")[0].strip() for line in shown] == ["output 1"]  # the shown one only
    with_transient = render(d, TerminalStyle(color=False, width=100, show_transient=True)).splitlines()
    assert [x.split(" · ")[0].strip() for x in with_transient if x.strip().startswith("output ")] == [
        "output 1", "output 2"]  # a quiet output is drawn when transient changes are asked for
