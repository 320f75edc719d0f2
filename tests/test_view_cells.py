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


def _png(shade: int) -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (6, 4), (shade, 40, 40)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _table(value: int) -> str:
    rows = "".join(f"<tr><th>{k}</th><td>{value if k == 1 else k}</td></tr>" for k in range(3))
    return f"<table class='dataframe'><thead><tr><th></th><th>v</th></tr></thead><tbody>{rows}</tbody></table>"


def _rich(data: dict[str, object]) -> dict[str, object]:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": data}


def test_an_output_view_decides_the_drawn_mime_the_text_shown_its_pictures_and_tables() -> None:
    """One decision per output for every renderer: the entry a page draws, the MIME parts listed, the
    text changes (text/plain first, markup left out), image pairs carrying both pictures, its tables."""
    from nbreview.render.html import InlineImages
    from nbreview.render.markdown import NotebookChange, render_comment
    from nbreview.render.protocol import draw

    plot = {"image/png": _png(10), "text/plain": "<Figure size 6x4>", "text/html": "<b>old</b>"}
    plot2 = {"image/png": _png(200), "text/plain": "<Figure size 6x4 with 1 Axes>", "text/html": "<b>new</b>"}
    old = notebook([code_cell("plot()", [_rich(plot)], 1), code_cell("df", [_rich({"text/html": _table(1)})], 2)])
    new = notebook([code_cell("plot()", [_rich(plot2)], 1), code_cell("df", [_rich({"text/html": _table(9)})], 2)])
    view = build(nbreview.diff(old, new))
    picture, frame = view.cells[0].outputs[0], view.cells[1].outputs[0]

    assert picture.shown_mime == "image/png" and frame.shown_mime == "text/html"
    assert {p.diff.mime: p.visibility for p in picture.parts} == {
        "image/png": "shown", "text/plain": "shown", "text/html": "shown"}
    assert [mime for mime, _ in picture.texts()] == ["text/plain"]  # the HTML says the same, as markup
    [pair] = picture.images
    assert (pair.old, pair.new, pair.verdict) == ((0, 0), (0, 0), "100.0% of pixels changed")
    assert pair.old_bytes() and pair.new_bytes() and pair.old_bytes() != pair.new_bytes()
    assert picture.tables == [] and [(t.cell, t.output) for t in frame.tables] == [(1, 0)]

    # The renderers draw those decisions: the page the picture compared, the terminal the text/plain
    # diff, the comment the picture pair and the table (not the HTML's lines).
    page = draw("html", view, InlineImages(view))
    assert page.count('class="imgdiff') == 1 and "data:image/png;base64," in page
    term = render(nbreview.diff(old, new), TerminalStyle(width=100))
    assert "    - <Figure size 6x4>\n    + <Figure size 6x4 with 1 Axes>\n" in term and "<b>new</b>" not in term
    comment = render_comment([NotebookChange("nb.ipynb", "modified", diff=view.diff)], image_base_url="https://h/a")
    assert comment.body.count("![after](") == 1 and "<b>new</b>" not in comment.body
    assert "table: 1 cell changed" in comment.body
