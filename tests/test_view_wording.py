"""The view's shared wording: one summary line and one image verdict, whatever the renderer."""

from __future__ import annotations

import base64
import io

from PIL import Image

import nbreview
from nbreview.engine.model import ImageDiff
from nbreview.view import build, output_at
from nbreview.view.images import SAME_PIXELS, TOO_LARGE, verdict
from nbreview.view.summary import stat_items, summary_items, summary_text
from support.notebooks import code_cell, md_cell, notebook
from support.paths import FIXTURES


def _png(size: tuple[int, int], colour: tuple[int, int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _image_output(data: str) -> dict[str, object]:
    return {"output_type": "display_data", "metadata": {}, "data": {"image/png": data, "text/plain": "<Figure>"}}


def test_summary_of_the_example_names_changes_then_what_is_hidden() -> None:
    d = nbreview.diff(FIXTURES / "example" / "old.ipynb", FIXTURES / "example" / "new.ipynb")
    items = summary_items(build(d))
    kinds = [i.kind for i in items]
    assert kinds.index("modified") < kinds.index("hidden-unchanged") < kinds.index("hidden-transient")
    assert summary_text(build(d)).startswith("4 modified · 1 added · 1 moved")
    assert "1 image changed" in summary_text(build(d), sep=", ")


def test_summary_of_no_change_says_so_and_plurals_agree() -> None:
    nb = notebook([md_cell("a"), md_cell("b")])
    d = nbreview.diff(nb, nb)
    assert summary_text(build(d)) == "no changes · 2 unchanged hidden"
    assert stat_items(d.summary()) == []
    d2 = nbreview.diff(notebook([md_cell("a")], x=1), notebook([md_cell("a")], x=2))
    assert [i.text for i in stat_items(d2.summary())] == ["1 notebook metadata change"]


def test_image_pairs_carry_places_sizes_and_one_verdict() -> None:
    red, blue = _png((4, 3), (255, 0, 0)), _png((4, 3), (0, 0, 255))
    old = notebook([code_cell("plot()", [_image_output(red)], 1)])
    new = notebook([code_cell("plot()", [_image_output(blue), _image_output(red)], 1)])
    d = nbreview.diff(old, new)
    [cell] = build(d).cells
    pairs = [pair for o in cell.outputs if o.diff.status != "unchanged" for pair in o.images]
    by_status = {pair.status: pair for pair in pairs}
    assert set(by_status) == {"modified", "added"}, pairs
    pair, new_pair = by_status["modified"], by_status["added"]
    assert (pair.old, pair.new) == ((0, 0), (0, 0))  # outputs align by position: red became blue
    assert pair.old_size == pair.new_size == (4, 3)
    assert pair.verdict == "100.0% of pixels changed"
    assert pair.old_bytes() == base64.b64decode(red) and pair.new_bytes() == base64.b64decode(blue)
    assert (new_pair.old, new_pair.new, new_pair.verdict) == (None, (0, 1), "added")
    assert new_pair.old_bytes() is None and new_pair.new_size == (4, 3)
    assert output_at(d.new_nb, 0, 1)["output_type"] == "display_data" and output_at(d.new_nb, 9, 0) == {}


def test_verdict_words() -> None:
    assert verdict(ImageDiff((2, 2), (2, 2), True, 0.0)) == SAME_PIXELS
    assert verdict(ImageDiff((2, 2), (4, 4), False, 1.0)) == "resized 2×2 → 4×4"
    assert verdict(ImageDiff((2, 2), (2, 2), False, 0.0004)) == "<0.1% of pixels changed"
    huge = ImageDiff(None, None, False, 1.0, "too large to compare pixels: 30 MP; compared by bytes")
    assert verdict(huge) == TOO_LARGE
    assert verdict(ImageDiff(None, None, False, 1.0, "cannot decode image: junk")).startswith("could not decode")
