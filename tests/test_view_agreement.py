"""Every renderer shows the same thing: the cross-renderer agreement test.

For each fixture pair and a sample of the shared corpus, under each ``--ignore`` option, the
terminal, the HTML page, the PR comment (markdown) and ``--json`` are rendered, then *parsed*
back: the set of shown cells with their status words, the change counts and the hidden totals
must agree with each other and with the view (``nbreview.view``) they were drawn from. Every
renderer is driven through the renderer protocol (``nbreview.render.protocol``): the same view
object in, text out; the comment is also rendered whole (detail levels, length budget).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import nbreview
from nbreview.engine.model import NotebookDiff
from nbreview.engine.options import DiffOptions
from nbreview.render.html import render_notebook, summary_text
from nbreview.render.markdown import NotebookChange, render_comment
from nbreview.render.protocol import RENDERERS, Renderer, renderer
from nbreview.render.terminal import TerminalStyle, render
from nbreview.view import IMAGE_MIMES, NotebookView, build, json_document
from nbreview.web.app import ServerLinks
from support.notebooks import code_cell, md_cell, notebook
from support.paths import FIXTURES, corpus_pairs, needs_corpus

IGNORES = ["", "outputs", "metadata", "execution-count", "ids", "whitespace"]
FIXTURE_PAIRS = [p for p in sorted(FIXTURES.iterdir()) if (p / "old.ipynb").exists() and (p / "new.ipynb").exists()]

Key = tuple[int | None, int | None]


@dataclass
class Printed:
    """What one renderer printed, read back: shown cells (with status word), counts, hidden totals."""

    shown: dict[Key, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    hidden: dict[str, int] = field(default_factory=dict)


def _idx(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _count(pattern: str, text: str) -> int:
    """The sum of every number the pattern finds (a page has several folds, each with a label)."""
    return sum(int(m.group(1)) for m in re.finditer(pattern, text))


def _hidden_totals(text: str) -> dict[str, int]:
    return {
        "unchanged": _count(r"(\d+) unchanged cells?\b", text),
        "transient_cells": _count(r"(\d+) cells? with only transient changes", text),
        "transient_changes": _count(r"(\d+) transient changes?\b(?! hidden)", text),
    }


# -- terminal ------------------------------------------------------------------------------------

_TERM_HEAD = re.compile(r"^── cell \[(\d*| )\] → \[(\d*| )\] · [^·]+ · ([^·]+?)(?: · .*| ─+)$")
_TERM_COUNTS = {"modified": r"(\d+) modified", "added": r"(\d+) added", "removed": r"(\d+) removed",
                "moved": r"(\d+) moved"}


def parse_terminal(out: str) -> Printed:
    p = Printed()
    lines = out.splitlines()
    for line in lines:
        m = _TERM_HEAD.match(line)
        if m:
            p.shown[(_idx(m.group(1)), _idx(m.group(2)))] = m.group(3).strip()
    p.counts = {k: _count(rx, lines[1]) for k, rx in _TERM_COUNTS.items()}
    hidden = next((x for x in lines if x.startswith("⋯ hidden: ")), "")
    p.hidden = _hidden_totals(hidden)
    return p


# -- HTML ------------------------------------------------------------------------------------------


class _CellParser(HTMLParser):
    """Cells of a page: (old, new) from the section's data-old / data-new (what the page's scripts
    read), the status word, inside a fold or not."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[Key, str, bool]] = []
        self.fold_labels: list[str] = []
        self._details: list[bool] = []  # per open <details>: is it a fold of cells
        self._grab: str | None = None
        self._buf = ""
        self._num: Key = (None, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "details":
            self._details.append("fold" in cls)
        elif tag == "section" and "cell" in cls:
            old, new = a.get("data-old"), a.get("data-new")
            self._num = (int(old) if old is not None else None, int(new) if new is not None else None)
        elif tag == "span" and ("status" in cls or "fl" in cls):
            self._grab, self._buf = ("status" if "status" in cls else "fl"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self._details:
            self._details.pop()
        elif self._grab in ("status", "fl") and tag == "span":
            if self._grab == "status":
                self.cells.append((self._num, self._buf.strip(), any(self._details)))
            else:
                self.fold_labels.append(self._buf)
            self._grab = None

    def handle_data(self, data: str) -> None:
        if self._grab:
            self._buf += data


def parse_html(page: str, summary: str) -> Printed:
    parser = _CellParser()
    parser.feed(page)
    p = Printed()
    for key, status, folded in parser.cells:
        # The page keeps every cell: hidden ones folded away, and re-executed ones folded as quiet.
        if not folded or status == "re-executed":
            p.shown[key] = status
    p.counts = {k: _count(rx, summary) for k, rx in _TERM_COUNTS.items()}  # one wording (view.summary)
    labels = " ; ".join(parser.fold_labels)
    folded = _hidden_totals(labels)
    p.hidden = {
        "unchanged": _count(r"(\d+) unchanged hidden", summary),
        "transient_cells": folded["transient_cells"],
        "transient": _count(r"(\d+) transient hidden", summary),
    }
    assert folded["unchanged"] == p.hidden["unchanged"], (labels, summary)
    return p


# -- markdown ----------------------------------------------------------------------------------------

_MD_HEAD = re.compile(r"^\*\*Cell \[(\d*| )\] → \[(\d*| )\]\*\* · [^·]+ · ([^·\n]+?)(?: · .*)?$", re.M)


def parse_markdown(body: str) -> tuple[Printed, int]:
    p = Printed()
    for m in _MD_HEAD.finditer(body):
        p.shown[(_idx(m.group(1)), _idx(m.group(2)))] = m.group(3).strip()
    summary = re.search(r"<summary><b>.*?</b> · \w+ · (.*?)</summary>", body)
    text = summary.group(1) if summary else ""
    p.counts = {k: _count(rx, text) for k, rx in _TERM_COUNTS.items()}
    # The notebook's closing line (the results table above may have its own "Not shown").
    not_shown = (re.findall(r"<sub>Not shown: (.*?)\.</sub>\n+</details>", body) or [""])[-1]
    p.hidden = _hidden_totals(not_shown)
    left = _count(r"(\d+) more changed cells left out for length", not_shown)
    return p, left


# -- JSON ------------------------------------------------------------------------------------------------


def parse_json(text: str) -> Printed:
    doc = json.loads(text)
    p = Printed()
    cells = {(c["old_index"], c["new_index"]): c for c in doc["cells"]}
    for old, new, word in doc["view"]["shown"]:
        assert (old, new) in cells  # the view names cells the JSON lists
        p.shown[(old, new)] = word
    s = doc["summary"]
    p.counts = {k: s[k] for k in _TERM_COUNTS}
    v = doc["view"]
    p.hidden = {"unchanged": v["hidden_unchanged"], "transient_cells": v["hidden_transient_cells"],
                "transient_changes": v["hidden_transient_changes"]}
    return p


# -- the agreement -------------------------------------------------------------------------------------


def check_agreement(d: NotebookDiff) -> None:
    view = build(d)
    expected_shown = {cv.key: cv.status for cv in view.cells if cv.shown}
    s = view.summary
    expected_counts = {"modified": s.modified, "added": s.added, "removed": s.removed, "moved": s.moved}
    expected_hidden = {"unchanged": view.hidden_unchanged, "transient_cells": view.hidden_transient_cells,
                       "transient_changes": view.hidden_transient_changes}

    term = parse_terminal(draw("terminal", view))
    page = parse_html(draw("html", view), summary_text(view))
    md, left = parse_markdown(render_comment([NotebookChange("nb.ipynb", "modified", diff=d)]).body)
    section, section_left = parse_markdown(draw("markdown", view))
    js = parse_json(draw("json", view))

    assert section_left == 0, "markdown section"  # the protocol's renderer draws a notebook in full
    for name, p in (("terminal", term), ("json", js), ("markdown section", section)):
        assert p.shown == expected_shown, name
        assert p.counts == expected_counts, name
        assert p.hidden == expected_hidden, name
    assert page.shown == expected_shown, "html"
    assert page.counts == expected_counts, "html"
    assert page.hidden == {"unchanged": expected_hidden["unchanged"],
                           "transient_cells": expected_hidden["transient_cells"],
                           "transient": expected_hidden["transient_cells"] + expected_hidden["transient_changes"]}
    # The comment may leave cells out for length: those it shows come first, the rest are counted.
    shown_md = list(md.shown.items())
    assert shown_md == list(expected_shown.items())[: len(shown_md)], "markdown"
    assert len(shown_md) + left == len(expected_shown), "markdown"
    if d.has_changes:
        assert md.counts == expected_counts, "markdown"
    assert {k: v for k, v in md.hidden.items() if k != "transient_changes"} == {
        "unchanged": expected_hidden["unchanged"], "transient_cells": expected_hidden["transient_cells"]}
    assert md.hidden["transient_changes"] == expected_hidden["transient_changes"], "markdown"


# -- the renderer protocol --------------------------------------------------------------------------

# The options each renderer is built with here (the protocol passes options to the constructor).
OPTIONS: dict[str, tuple[object, ...]] = {"terminal": (TerminalStyle(width=100),), "html": (ServerLinks(0),),
                                         "markdown": (), "json": ()}


def draw(name: str, view: NotebookView) -> str:
    """What renderer ``name`` prints for ``view``, through the protocol."""
    r = renderer(name, *OPTIONS[name])
    assert isinstance(r, Renderer), name
    return r.render(view)


def test_every_registered_renderer_is_drawn_here() -> None:
    assert set(RENDERERS) == set(OPTIONS) == {"terminal", "html", "markdown", "json"}
    with pytest.raises(ValueError, match="no renderer named 'gitlab'"):
        renderer("gitlab")


def test_renderers_draw_the_view_they_are_given() -> None:
    """The view is the renderers' input: a view that shows unchanged cells shows them everywhere."""
    d = _diff(FIXTURES / "example", "")
    everything = build(d, show_unchanged=True, show_transient=True)
    assert parse_json(draw("json", everything)).shown == {cv.key: cv.status for cv in everything.cells}
    section, _ = parse_markdown(draw("markdown", everything))
    assert section.shown == {cv.key: cv.status for cv in everything.cells}
    assert parse_terminal(draw("terminal", everything)).shown == {cv.key: cv.status for cv in everything.cells}
    assert draw("json", build(d)) == json.dumps(json_document(d), ensure_ascii=False, indent=1)


def _diff(pair: Path, ignore: str) -> NotebookDiff:
    return nbreview.diff(pair / "old.ipynb", pair / "new.ipynb", options=DiffOptions.from_ignore_list(ignore))


@pytest.mark.parametrize("ignore", IGNORES)
@pytest.mark.parametrize("pair", FIXTURE_PAIRS, ids=lambda p: p.name)
def test_renderers_agree_on_fixtures(pair: Path, ignore: str) -> None:
    check_agreement(_diff(pair, ignore))


def _sample() -> list[Path]:
    pairs = corpus_pairs()
    return pairs[:: max(1, len(pairs) // 8)][:8]


@needs_corpus
@pytest.mark.parametrize("ignore", IGNORES)
def test_renderers_agree_on_corpus_sample(ignore: str) -> None:
    sample = _sample()
    assert sample
    for pair in sample:
        check_agreement(_diff(pair, ignore))


def test_example_view_has_shown_and_hidden_cells() -> None:
    view = build(_diff(FIXTURES / "example", ""))
    assert {cv.visibility for cv in view.cells} == {"shown", "hidden"}
    assert view.hidden_unchanged == 2 and view.hidden_transient_cells == 1


def test_reexecuted_cells_are_quiet_and_every_renderer_shows_them() -> None:
    out = [{"output_type": "stream", "name": "stdout", "text": "loaded\n"}]
    out2 = [{"output_type": "stream", "name": "stdout", "text": "loaded from cache\n"}]
    old, new = notebook([code_cell("x", out, 1), md_cell("a")]), notebook([code_cell("x", out2, 2), md_cell("a")])
    d = nbreview.diff(old, new)
    view = build(d)
    assert [cv.visibility for cv in view.cells] == ["quiet", "hidden"]
    assert view.cells[0].status == "re-executed"
    check_agreement(d)


def test_ignore_outputs_hides_an_added_cells_outputs_everywhere() -> None:
    """The disagreement issue 11 found: the page and the comment showed outputs the diff ignored."""
    out = [{"output_type": "stream", "name": "stdout", "text": "SECRET-OUTPUT\n"}]
    before = [{"output_type": "stream", "name": "stdout", "text": "old\n"}]
    old = notebook([code_cell("a = 1", before, 1)])
    new = notebook([code_cell("a = 2", out, 1), code_cell("print(b)", out, 2)])  # modified and added
    d = nbreview.diff(old, new, ignore_outputs=True)
    # The engine compared (and aligned) the notebooks without outputs: nothing left to re-check.
    assert d.new_nb is not None and all(c.get("outputs") in (None, []) for c in d.new_nb["cells"])
    assert "SECRET-OUTPUT" not in render(d, TerminalStyle())
    assert "SECRET-OUTPUT" not in render_notebook(d, ServerLinks(0))
    assert "SECRET-OUTPUT" not in render_comment([NotebookChange("nb.ipynb", "modified", diff=d)]).body
    assert "SECRET-OUTPUT" not in json.dumps(json_document(d))
    shown = nbreview.diff(old, new)
    assert "SECRET-OUTPUT" in render_notebook(shown, ServerLinks(0))  # without the option it is there
    assert old["cells"][0]["outputs"] == before and new["cells"][1]["outputs"] == out  # inputs untouched


def test_webp_is_one_image_class_for_engine_and_page() -> None:
    from nbreview.engine.images import is_raster
    from nbreview.render.html import MIME_ORDER

    for mime in ("image/webp", "image/bmp"):
        assert is_raster(mime) and mime in MIME_ORDER and mime in IMAGE_MIMES


def test_parsers_notice_a_disagreement() -> None:
    """The check fails when one renderer shows a cell the others hide (it can fail)."""
    d = _diff(FIXTURES / "example", "")
    term = parse_terminal(render(d, TerminalStyle(width=100, show_unchanged=True)))
    assert term.shown != {cv.key: cv.status for cv in build(d).cells if cv.shown}


def test_ignore_outputs_leaves_outputs_out_of_the_alignment() -> None:
    """Two edits equally like the old cell: identical outputs break the tie, unless outputs are ignored."""
    same = [{"output_type": "stream", "name": "stdout", "text": "same\n"}]
    other = [{"output_type": "stream", "name": "stdout", "text": "other\n"}]
    old = notebook([code_cell("total = compute(a)\nprint(total)\n", same, 1)])
    new = notebook([code_cell("total = compute(b)\nprint(total)\n", other, 1),
                    code_cell("total = compute(c)\nprint(total)\n", same, 2)])
    pairs = [(c.old_index, c.new_index) for c in nbreview.diff(old, new).cells if c.status == "modified"]
    assert pairs == [(0, 1)]  # the outputs decided
    pairs = [(c.old_index, c.new_index) for c in nbreview.diff(old, new, ignore_outputs=True).cells
             if c.status == "modified"]
    assert pairs == [(0, 0)]  # in order, as if the notebooks had no outputs


def test_a_reexecuted_cell_whose_plot_changed_is_shown_on_every_surface() -> None:
    """Issue 20: nothing that changed a result is folded away: terminal, page, comment and JSON."""
    import base64
    import io

    from PIL import Image

    def png(shade: int) -> str:
        buf = io.BytesIO()
        Image.new("RGB", (6, 4), (shade, 40, 40)).save(buf, "PNG")
        return base64.b64encode(buf.getvalue()).decode()

    def plot(shade: int, count: int) -> dict[str, Any]:
        out = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": png(shade)}}]
        return code_cell("plt.plot(x)", out, count)

    quiet = [{"output_type": "stream", "name": "stdout", "text": "loaded\n"}]
    quiet2 = [{"output_type": "stream", "name": "stdout", "text": "loaded from cache\n"}]
    old = notebook([code_cell("load()", quiet, 1), plot(10, 2), md_cell("a")])
    new = notebook([code_cell("load()", quiet2, 3), plot(200, 4), md_cell("a")])
    d = nbreview.diff(old, new)
    view = build(d)
    assert [(cv.status, cv.visibility, cv.result) for cv in view.cells] == [
        ("re-executed", "quiet", False), ("re-executed", "shown", True), ("unchanged", "hidden", False)]
    check_agreement(d)
    page = render_notebook(d, ServerLinks(0))
    fold = re.search(r'<details class="fold">.*?</details>', page, re.S)
    assert fold and 'id="n0"' in fold.group() and 'id="n1"' not in fold.group()
    assert re.search(r'<section class="[^"]*\bchg\b[^"]*" id="n1"', page)
    assert "[1] → [1]" in render(d, TerminalStyle())
    from nbreview.render.terminal.style import MAGENTA, YELLOW

    coloured = render(d, TerminalStyle(color=True)).splitlines()
    rules = {ln.split("cell ")[1][:9]: ln for ln in coloured if "── cell" in ln}
    assert rules["[1] → [1]"].startswith(YELLOW) and rules["[0] → [0]"].startswith(MAGENTA)  # a change, not quiet
    comment = render_comment([NotebookChange("nb.ipynb", "modified", diff=d)], image_base_url="https://h/a").body
    assert "**Cell [1] → [1]** · code · re-executed" in comment and "![after](" in comment
    assert "| nb.ipynb | · | · | 1 | · | 2 | 1 |" in comment
    v = json_document(d)["view"]
    assert isinstance(v, dict) and v["results_changed"] == [[1, 1]] and v["quiet"] == [[0, 0]]
