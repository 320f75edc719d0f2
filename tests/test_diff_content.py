"""Diffs inside matched cells: source intraline, outputs, images, metadata, options."""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image

import nbreview
from nbreview.engine.images import difference_png
from nbreview.engine.text import diff_text
from support.notebooks import code_cell, md_cell, notebook


def png_b64(colour: tuple[int, int, int], size: tuple[int, int] = (20, 10), fmt: str = "PNG",
            patch: int = 0, **save: Any) -> str:
    img = Image.new("RGB", size, colour)
    for x in range(patch):
        img.putpixel((x, 0), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, fmt, **save)
    return base64.b64encode(buf.getvalue()).decode()


def image_output(b64: str) -> dict[str, Any]:
    return {"output_type": "display_data", "data": {"image/png": b64, "text/plain": "<Figure>"}, "metadata": {}}


def one_cell_diff(old: dict[str, Any], new: dict[str, Any], **opts: bool) -> Any:
    return nbreview.diff(notebook([old]), notebook([new]), **opts).cells[0]


def test_intraline_spans_mark_only_the_changed_token() -> None:
    td = diff_text("x = compute(a, b)\nprint(x)\n", "x = compute(a, c)\nprint(x)\n")
    rep = [op for op in td.lines if op.op == "replace"]
    assert len(rep) == 1
    op = rep[0]
    assert op.old_text and op.new_text
    assert [op.old_text[a:b] for a, b in op.old_spans] == ["b"]
    assert [op.new_text[a:b] for a, b in op.new_spans] == ["c"]
    assert td.added == 1 and td.removed == 1


def test_thousand_line_cell_every_line_edited() -> None:
    old = "".join(f"row_{i} = value({i}) + offset\n" for i in range(1000))
    new = "".join(f"row_{i} = value({i}) - offset\n" for i in range(1000))
    td = diff_text(old, new)
    assert td.added == 1000 and td.removed == 1000
    assert sum(1 for op in td.lines if op.op == "replace") == 1000
    assert td.new_text() == new and td.old_text() == old


def test_source_change_and_reexecution_are_told_apart() -> None:
    c = one_cell_diff(code_cell("x = 1", count=1), code_cell("x = 1", count=2))
    assert c.status == "modified" and c.changed == ["execution_count"] and c.transient_only
    out1 = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    out2 = [{"output_type": "stream", "name": "stdout", "text": "2\n"}]
    c = one_cell_diff(code_cell("print(x)", out1, 1), code_cell("print(x)", out2, 2))
    assert c.reexecuted and c.changed == ["outputs", "execution_count"]
    c = one_cell_diff(code_cell("print(x)", out1, 1), code_cell("print(y)", out2, 2))
    assert not c.reexecuted and "source" in c.changed


def test_memory_addresses_are_volatile() -> None:
    a = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
          "data": {"text/plain": "<Model object at 0x7f3a2c1b9d30>"}}]
    b = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
          "data": {"text/plain": "<Model object at 0x7f11aa00cc88>"}}]
    c = one_cell_diff(code_cell("m", a, 1), code_cell("m", b, 1))
    assert c.outputs[0].status == "modified" and c.outputs[0].transient
    assert c.transient_only


def test_reencoded_image_with_same_pixels_is_unchanged() -> None:
    a = png_b64((10, 120, 200))
    b = png_b64((10, 120, 200), compress_level=0)
    assert a != b
    c = one_cell_diff(code_cell("plot()", [image_output(a)], 1), code_cell("plot()", [image_output(b)], 1))
    mime = c.outputs[0].mimes[0]
    assert mime.kind == "image" and mime.status == "unchanged" and not mime.identical
    assert c.outputs[0].status == "unchanged" and c.transient_only
    assert nbreview.diff(notebook([code_cell("plot()", [image_output(a)], 1)]),
                         notebook([code_cell("plot()", [image_output(b)], 1)])).summary().images_changed == 0


def test_changed_image_reports_size_and_share_of_pixels() -> None:
    a = png_b64((255, 255, 255))
    b = png_b64((255, 255, 255), patch=10)  # 10 of 200 pixels differ
    c = one_cell_diff(code_cell("plot()", [image_output(a)], 1), code_cell("plot()", [image_output(b)], 1))
    img = c.outputs[0].mimes[0].image
    assert img is not None and img.old_size == (20, 10) and not img.pixels_equal
    assert abs(img.changed_fraction - 0.05) < 1e-9
    picture = Image.open(io.BytesIO(difference_png(a, b)))
    assert picture.size == (20, 10)
    assert picture.getpixel((0, 0))[:3] == (255, 0, 170) and picture.getpixel((15, 5))[:3] != (255, 0, 170)
    resized = png_b64((255, 255, 255), size=(30, 10))
    c = one_cell_diff(code_cell("p", [image_output(a)]), code_cell("p", [image_output(resized)]))
    img = c.outputs[0].mimes[0].image
    assert img is not None and img.new_size == (30, 10) and img.changed_fraction == 1.0


def test_html_is_diffed_as_text_and_unknown_mimes_by_value() -> None:
    def rich(data: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"output_type": "display_data", "metadata": {}, "data": data}]

    c = one_cell_diff(code_cell("t", rich({"text/html": "<b>1</b>\n<i>x</i>\n", "application/x-thing": {"k": 1}})),
                      code_cell("t", rich({"text/html": "<b>2</b>\n<i>x</i>\n", "application/x-thing": {"k": 2}})))
    mimes = {m.mime: m for m in c.outputs[0].mimes}
    assert mimes["text/html"].kind == "text" and mimes["text/html"].text.added == 1
    assert mimes["application/x-thing"].kind == "value" and mimes["application/x-thing"].status == "modified"


def test_outputs_are_aligned_one_by_one() -> None:
    s = {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    e = {"output_type": "stream", "name": "stderr", "text": "warn\n"}
    r = {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": "3"}}
    c = one_cell_diff(code_cell("f()", [s, r]), code_cell("f()", [s, e, r]))
    assert [(o.status, o.old_index, o.new_index) for o in c.outputs] == [
        ("unchanged", 0, 0), ("added", None, 1), ("unchanged", 1, 2)]


def test_error_tracebacks_with_ansi_are_text() -> None:
    def err(line: int) -> list[dict[str, Any]]:
        return [{"output_type": "error", "ename": "ValueError", "evalue": "bad",
                 "traceback": ["\x1b[0;31mValueError\x1b[0m", f"line {line}"]}]

    c = one_cell_diff(code_cell("f()", err(1)), code_cell("f()", err(2)))
    assert c.outputs[0].text is not None and c.outputs[0].text.added == 1


def test_metadata_transient_keys_are_flagged() -> None:
    old = code_cell("x", ExecuteTime={"end_time": "1"}, tags=["a"])
    new = code_cell("x", ExecuteTime={"end_time": "2"}, tags=["b"], collapsed=True)
    c = one_cell_diff(old, new)
    flags = {tuple(ch.path): ch.transient for ch in c.metadata}
    assert flags == {("ExecuteTime", "end_time"): True, ("tags",): False, ("collapsed",): True}
    d = nbreview.diff(notebook([old], widgets={"state": 1}), notebook([new], widgets={"state": 2}))
    assert d.metadata[0].transient and d.summary().hidden_transient >= 3


def test_nbformat_upgrade_to_cell_ids_is_quiet() -> None:
    old = notebook([code_cell("a"), md_cell("b")], minor=4)
    new = notebook([code_cell("a", cell_id="i1"), md_cell("b", cell_id="i2")], minor=5)
    d = nbreview.diff(old, new)
    assert all(c.transient_only for c in d.cells)
    assert [ch.path for ch in d.fields] == [["nbformat_minor"]]


def test_ignore_options() -> None:
    old = notebook([code_cell("x  =  1", [{"output_type": "stream", "name": "stdout", "text": "a"}], 1, cell_id="a",
                              tags=["t"])])
    new = notebook([code_cell("x = 1", [{"output_type": "stream", "name": "stdout", "text": "b"}], 2, cell_id="b")])
    assert nbreview.diff(old, new).cells[0].status == "modified"
    d = nbreview.diff(old, new, ignore_outputs=True, ignore_metadata=True, ignore_execution_count=True,
                      ignore_ids=True, ignore_whitespace=True)
    assert [c.status for c in d.cells] == ["unchanged"] and not d.has_changes
    only = nbreview.diff(old, new, sources_only=True)
    assert only.cells[0].changed == ["source"]
