"""Every renderer shows the same thing: the cross-renderer agreement test.

The agreement is decided by the view (``nbreview.view``): for each fixture pair and a sample of
the shared corpus, under each ``--ignore`` option, the views every surface builds (the
terminal's, the page's and the report's, the PR comment's, ``--json``'s) are compared as
objects. Then each renderer's text is read back only to prove it draws the view it is given:
the shown cells in order with the view's status words, the view's summary and hidden totals
and fold labels, word for word. Every renderer is driven through the renderer protocol
(``nbreview.render.protocol``): the same view object in, text out; the comment is also rendered
whole (detail levels, length budget).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import nbreview
from nbreview.engine.model import NotebookDiff
from nbreview.engine.options import DiffOptions
from nbreview.render.html import render_notebook
from nbreview.render.markdown import NotebookChange, render_comment
from nbreview.render.protocol import RENDERERS, Renderer, renderer
from nbreview.render.terminal import TerminalStyle, render
from nbreview.view import IMAGE_MIMES, CellView, NotebookView, build, json_document
from nbreview.view.summary import fold_label, summary_text
from nbreview.web.app import ServerLinks
from support.notebooks import code_cell, md_cell, notebook
from support.paths import FIXTURES, corpus_pairs, needs_corpus

IGNORES = ["", "outputs", "metadata", "execution-count", "ids", "whitespace"]
FIXTURE_PAIRS = [p for p in sorted(FIXTURES.iterdir()) if (p / "old.ipynb").exists() and (p / "new.ipynb").exists()]

Key = tuple[int | None, int | None]


def _index(i: int | None) -> str:
    return f"[{i}]" if i is not None else "[ ]"


def _numbers(cv: CellView) -> str:
    """``[3] → [4]``: how the terminal and the comment name a cell (``[ ]`` for a side it is not on)."""
    return f"{_index(cv.key[0])} → {_index(cv.key[1])}"


# -- the views every surface builds ------------------------------------------------------------------


def surface_views(d: NotebookDiff) -> dict[str, object]:
    """The decisions of the view each surface draws, by surface (compared as objects, not as text):
    the review server's (which diffs the two notebooks itself, under the same options)."""
    from nbreview.io.git import NotebookPair
    from nbreview.io.load import load
    from nbreview.web.review import ReviewSet

    st = TerminalStyle()
    pair = NotebookPair("nb.ipynb", load(d.old_nb or {"cells": []}), load(d.new_nb or {"cells": []}), "modified")
    return {
        "terminal": build(d, st.show_unchanged, st.show_transient).to_dict(),  # what iter_render draws
        "page": ReviewSet([pair], d.options).views()[0].to_dict(),
        "comment": NotebookChange("nb.ipynb", "modified", diff=d).view().to_dict(),
        "json": json_document(d)["view"],
    }


# -- each renderer draws the view it is given --------------------------------------------------------


def terminal_draws(view: NotebookView, out: str) -> None:
    """The terminal's rules name the shown cells in order with their status words; its second line is the
    view's summary and its last says what the view hid."""
    lines = out.splitlines()
    rules = [ln for ln in lines if ln.startswith("── cell ")]
    assert len(rules) == len(view.shown), "terminal"
    for line, cv in zip(rules, view.shown, strict=True):
        assert line.startswith(f"── cell {_numbers(cv)} · {cv.diff.cell_type} · {cv.status}"), (line, cv.key)
    assert lines[1] == summary_text(view), "terminal"
    hidden = view.hidden_parts()
    last = f"⋯ hidden: {', '.join(hidden)}; -a shows everything"
    assert (last in lines) == bool(hidden) and sum(ln.startswith("⋯ hidden: ") for ln in lines) == bool(hidden)


def markdown_draws(view: NotebookView, body: str, cut: bool = False) -> None:
    """The comment's cell titles are the shown cells in order (the first ones when ``cut`` for length),
    its ``<summary>`` holds the view's summary and its closing line what the view hid."""
    titles = [ln for ln in body.splitlines() if ln.startswith("**Cell ")]
    shown = view.shown
    assert len(titles) <= len(shown) if cut else len(titles) == len(shown), "markdown"
    for line, cv in zip(titles, shown[: len(titles)], strict=True):
        assert line.startswith(f"**Cell {_numbers(cv)}** · {cv.diff.cell_type} · {cv.status}"), (line, cv.key)
    if view.diff.has_changes or not cut:
        assert f" · {summary_text(view, ', ')}</summary>" in body, "markdown"
    hidden = view.hidden_parts()
    left = len(shown) - len(titles)
    if left:
        hidden.insert(0, f"{left} more changed cells left out for length")
    closing = f"<sub>Not shown: {', '.join(hidden)}.</sub>\n"
    assert (closing in body) == bool(hidden), ("markdown", closing)


class _PageCells(HTMLParser):
    """A page body's cells in order: (old, new) from the section's data-old / data-new (what the page's
    scripts read), its status word, and whether it is inside a fold; and the folds' labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[Key, str, bool]] = []
        self.fold_labels: list[str] = []
        self.classes: dict[Key, list[str]] = {}
        self._details: list[bool] = []  # per open <details>: is it a fold of cells
        self._grab: str | None = None
        self._buf = ""
        self._key: Key = (None, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "details":
            self._details.append("fold" in cls)
        elif tag == "section" and "cell" in cls:
            old, new = a.get("data-old"), a.get("data-new")
            self._key = (int(old) if old is not None else None, int(new) if new is not None else None)
            self.classes[self._key] = cls
        elif tag == "span" and ("status" in cls or "fl" in cls):
            self._grab, self._buf = ("status" if "status" in cls else "fl"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self._details:
            self._details.pop()
        elif self._grab and tag == "span":
            if self._grab == "status":
                self.cells.append((self._key, self._buf.strip(), any(self._details)))
            else:
                self.fold_labels.append(self._buf)
            self._grab = None

    def handle_data(self, data: str) -> None:
        if self._grab:
            self._buf += data


def html_draws(view: NotebookView, body: str) -> None:
    """The page keeps every cell in order: shown cells open, the others in folds labelled by the view."""
    parser = _PageCells()
    parser.feed(body)
    expected = [(cv.key, cv.status, cv.visibility != "shown") for cv in view.cells]
    assert parser.cells == expected, "html"
    runs: list[list[CellView]] = [[]]
    for cv in view.cells:
        if cv.visibility == "shown":
            runs.append([])
        else:
            runs[-1].append(cv)
    assert parser.fold_labels == [fold_label(view, run) for run in runs if run], "html"


def json_draws(view: NotebookView, text: str) -> None:
    doc = json.loads(text)
    assert doc["view"] == json.loads(json.dumps(view.to_dict())), "json"
    assert doc["summary"] == view.summary.to_dict(), "json"


# -- the agreement -------------------------------------------------------------------------------------


def check_agreement(d: NotebookDiff) -> None:
    view = build(d)
    expected = json.loads(json.dumps(view.to_dict()))
    for surface, decided in surface_views(d).items():
        assert json.loads(json.dumps(decided)) == expected, surface
    terminal_draws(view, draw("terminal", view))
    html_draws(view, draw("html", view))
    markdown_draws(view, draw("markdown", view))  # the protocol's renderer draws a notebook in full
    json_draws(view, draw("json", view))
    comment = render_comment([NotebookChange("nb.ipynb", "modified", diff=d)]).body
    markdown_draws(view, comment, cut=True)  # may leave cells out for length: those it shows come first


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
    assert len(everything.shown) == len(everything.cells) > len(build(d).shown)
    terminal_draws(everything, draw("terminal", everything))
    html_draws(everything, draw("html", everything))
    markdown_draws(everything, draw("markdown", everything))
    json_draws(everything, draw("json", everything))
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


def test_the_checks_notice_a_disagreement() -> None:
    """Each check fails when a renderer draws another view than the one it is checked against (it can fail)."""
    d = _diff(FIXTURES / "example", "")
    view, everything = build(d), build(d, show_unchanged=True, show_transient=True)
    for check, name in ((terminal_draws, "terminal"), (html_draws, "html"), (markdown_draws, "markdown"),
                        (json_draws, "json")):
        with pytest.raises(AssertionError):
            check(view, draw(name, everything))
    with pytest.raises(AssertionError):
        terminal_draws(view, render(d, TerminalStyle(width=100, show_unchanged=True)))


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
    cells = _PageCells()
    cells.feed(page)
    assert [(key, folded) for key, _, folded in cells.cells] == [((0, 0), True), ((1, 1), False), ((2, 2), True)]
    assert "chg" in cells.classes[(1, 1)] and "chg" not in cells.classes[(0, 0)]  # a stop of the j key
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
