"""Nothing that changed a result is folded away (issue 20), in real headless chromium: a re-executed
cell whose plot changed is on the page without opening a fold, `j` stops at it, and the file list
counts a notebook whose only change is such a cell."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import Pair, Server
from support.browser import serve_pairs as _serve
from support.paths import CORPUS

# A real revision: cell [41] -> [40] was re-executed (same source) and its plot changed by pixels.
PLOT_CHANGED = CORPUS / "rasbt_LLMs-from-scratch__ch04_01_main-chapter-code_ch04.ipynb__87a4340c__f550bd5b"
PLOT_CELL = "n40"
# Its only change: a re-executed cell that gained a plot.
PLOT_ONLY = CORPUS / "ageron_handson-ml3__extra_gradient_descent_comparison.ipynb__bbc11139__0a28fab5"


@pytest.fixture(scope="module")
def plots() -> Iterator[Server]:
    from nbreview.io.load import load

    if not PLOT_CHANGED.is_dir() or not PLOT_ONLY.is_dir():
        pytest.skip("../shared/corpus is not present")
    yield from _serve([Pair(p.name, load(p / "old.ipynb"), load(p / "new.ipynb")) for p in (PLOT_CHANGED, PLOT_ONLY)])


def test_j_visits_a_reexecuted_cell_whose_plot_changed(page: Any, plots: Server) -> None:
    page.goto(plots.url("/f/0"))
    cell = page.locator(f"#{PLOT_CELL}")
    assert cell.locator(".status").inner_text() == "re-executed"
    assert cell.locator(".imgdiff").count() == 1
    # not in a fold: no <details> holds it, and it is on the page before anything is opened
    assert page.evaluate(f"document.getElementById('{PLOT_CELL}').closest('details') === null")
    assert "chg" in (cell.get_attribute("class") or "").split()
    assert page.locator("details.fold[open]").count() == 0
    visited = []
    for _ in range(200):
        page.keyboard.press("j")
        visited.append(page.evaluate("location.hash"))
        if visited[-1] == f"#{PLOT_CELL}" or (len(visited) > 1 and visited[-1] == visited[-2]):
            break
    assert visited[-1] == f"#{PLOT_CELL}", f"j never stopped at the changed plot: {visited[-5:]}"
    assert cell.is_visible()
    top = page.evaluate(f"document.getElementById('{PLOT_CELL}').getBoundingClientRect().top")
    assert 0 <= top < 200, "the cell is scrolled into view"
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll('#{PLOT_CELL} figure.new img'))"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("details.fold[open]").count() == 0, "nothing had to be unfolded to get there"
    assert page.errors == []


def test_the_file_list_counts_a_notebook_whose_only_change_is_a_plot(page: Any, plots: Server) -> None:
    page.goto(plots.url("/f/1"))
    counts = [re.sub(r"\s+", " ", t).strip() for t in page.locator("nav.files .counts").all_inner_texts()]
    assert counts[1] == "+0 ~1 −0", counts
    assert page.evaluate("document.querySelectorAll('details.fold .cell.chg').length") == 0
    page.keyboard.press("j")
    assert page.evaluate("location.hash") == "#n13"
    assert page.locator("#n13 img").first.is_visible()
    page.keyboard.press("p")
    page.wait_for_url(re.compile(r"/f/0$"))
    assert page.errors == []


def test_the_report_file_steps_to_the_changed_plot_too(browser: Any, tmp_path: Any) -> None:
    """The self-contained HTML report (``nbreview diff --html``) draws the same view: same stop for ``j``."""
    import nbreview
    from nbreview.render.html import write_report

    if not PLOT_CHANGED.is_dir():
        pytest.skip("../shared/corpus is not present")
    out = tmp_path / "report.html"
    write_report([nbreview.diff(PLOT_CHANGED / "old.ipynb", PLOT_CHANGED / "new.ipynb")], out)
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(out.as_uri())
    pg.wait_for_selector("html.ready")
    target = f"#f0-{PLOT_CELL}"
    assert pg.evaluate(f"document.querySelector('{target}').closest('details') === null")
    seen = []
    for _ in range(200):
        pg.keyboard.press("j")
        seen.append(pg.evaluate("location.hash"))
        if seen[-1] == target or (len(seen) > 1 and seen[-1] == seen[-2]):
            break
    assert seen[-1] == target, seen[-5:]
    assert pg.locator(f"{target} .imgdiff").is_visible()
    context.close()
