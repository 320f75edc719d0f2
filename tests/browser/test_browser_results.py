"""The Results panel in real headless chromium: visible first, links that reach folded cells, highlights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.browser import Server
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD


def test_results_panel_links_to_cells(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0"))
    panel = page.locator("section.results")
    assert panel.is_visible()
    box = panel.bounding_box()
    first_cell = page.locator("section.cell").first.bounding_box()
    assert box is not None and first_cell is not None and box["y"] < first_cell["y"]
    rows = panel.locator("table.rchanges tbody tr")
    assert rows.count() == 5 and "loss" in rows.first.inner_text()  # the biggest relative change first
    assert "Polyfit may be poorly conditioned" in panel.locator(".signals").inner_text()
    # a changed table cell: old struck through, new marked, the cell outlined
    changed = panel.locator(".rtable td.c-changed").first
    assert changed.locator("del").inner_text() == "120" and changed.locator("ins").inner_text() == "125"
    outline = changed.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    # each row links to its cell: clicking scrolls to it and marks it current
    panel.locator("a.rlink", has_text="cell [5]").first.click()
    page.wait_for_function("() => document.querySelector('#n5').classList.contains('cur')")
    top = page.locator("#n5").bounding_box()
    assert top is not None and 0 <= top["y"] < 300
    assert page.url.endswith("#n5")
    assert page.errors == []


def test_results_panel_in_the_report(page: Any, tmp_path: Path) -> None:
    import nbreview
    from nbreview.render.html import write_report

    out = tmp_path / "report.html"
    write_report([nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)], out)
    page.goto(out.as_uri())
    page.wait_for_selector("section.results")
    assert "accuracy" in page.locator("section.results table.rchanges").inner_text()
    page.locator("section.results a.rlink", has_text="cell [2]").first.click()
    page.wait_for_function("() => document.querySelector('#f0-n2').classList.contains('cur')")
    assert page.errors == []
