"""Review comments sit on JSON lines of the .ipynb; the page shows cells. Every source line of every
cell (changed or not) maps to the JSON line holding it and back, for real notebooks in several layouts."""

from __future__ import annotations

import json

import pytest

from nbreview.threads.jsonmap import Location, NotebookMap
from support.paths import corpus_pairs, needs_corpus

LAYOUTS = ("as stored", "compact", "nbformat")


def layout(text: str, name: str) -> str:
    """The file as stored (various writers), compact (one line), or nbformat's own writing (indent 1)."""
    from nbformat import from_dict
    from nbformat.v4.nbjson import writes  # nbformat's own writer (split lines, indent 1), without validation

    if name == "as stored":
        return text
    data = json.loads(text)
    return json.dumps(data) if name == "compact" else writes(from_dict(data))


def check_round_trip(text: str, cells: set[int]) -> int:
    """Every source line of ``cells`` -> JSON line -> the same cell and a range holding the line."""
    m = NotebookMap(text)
    lines = text.split("\n")
    data = json.loads(text)
    checked = 0
    located: dict[int, dict[int, Location]] = {}  # JSON line -> cell -> what the line holds, asked once a line
    for i in cells:
        c = m.cell(i)
        assert c is not None, i
        src = data["cells"][i]["source"]
        joined = src if isinstance(src, str) else "".join(src)
        assert c.source == joined
        for k, line_text in enumerate(joined.splitlines(keepends=True), 1):
            jl = m.json_line(i, k)
            assert jl is not None and c.start <= jl <= c.end
            if jl not in located:  # compact files: several cells a line
                located[jl] = {x.cell: x for x in reversed(m.locate_all(jl))}
            loc = located[jl].get(i)
            assert loc is not None and loc.lines is not None, (i, k, jl)
            assert loc.lines[0] <= k <= loc.lines[1], (i, k, loc)
            if isinstance(src, list) and src and jl != c.start:
                # one string per JSON line (any indent): that line holds this source line's text
                piece = json.loads(lines[jl - 1].strip().rstrip(","))
                assert line_text.startswith(piece) or piece.startswith(line_text) or piece in joined
            checked += 1
    return checked


@needs_corpus
@pytest.mark.parametrize("name", LAYOUTS)  # three tests, so parallel workers share the work
def test_every_source_line_maps_to_json_and_back(name: str) -> None:
    total = 0
    pairs = corpus_pairs()
    assert len(pairs) >= 100
    for pair in pairs:
        for side in ("old", "new"):
            text = (pair / f"{side}.ipynb").read_text(encoding="utf-8")
            data = json.loads(text)
            if data.get("nbformat") != 4:
                continue
            cells = set(range(len(data["cells"])))  # every cell: the changed ones and more
            try:
                total += check_round_trip(layout(text, name), cells)
            except AssertionError as err:
                raise AssertionError(f"{pair.name} {side} ({name}): {err}") from None
    assert total > 10_000


def test_lines_of_one_string_source_and_outputs() -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Title\nsecond line\n"},
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": ["a = 1\n", "plt.plot(a)"],
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["x\n"]},
                    {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR", "text/plain": "f"}},
                ],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(nb, indent=1)
    m = NotebookMap(text)
    lines = text.split("\n")
    assert m.json_line(0, 1) == m.json_line(0, 2)  # one string: both lines on one JSON line
    assert m.locate(m.json_line(0, 2) or 0).lines == (1, 2)  # type: ignore[union-attr]
    assert '"plt.plot(a)"' in lines[(m.json_line(1, 2) or 0) - 1]
    img = m.output_line(1, 1, "image/png") or 0
    assert '"image/png"' in lines[img - 1]
    loc = m.locate(img)
    assert loc is not None and (loc.cell, loc.output, loc.mime) == (1, 1, "image/png")
    assert m.locate(1) is None  # the opening brace is no cell's
    compact = NotebookMap(json.dumps(nb))
    assert compact.json_line(1, 2) == 1 and compact.json_line(0, 1) == 1  # one line holds everything


@pytest.mark.parametrize("bad", ["", "{", '{"cells": [1,]}', "[" * 1000 + "]" * 1000])
def test_unreadable_text_is_one_clear_error(bad: str) -> None:
    from nbreview.errors import NbreviewError

    with pytest.raises(NbreviewError, match="not JSON"):
        NotebookMap(bad, "nb.ipynb")
