"""Rendered markdown cells show their changed words (issue 21), in real headless chromium: the
word is marked in the rendered cell, in light and dark, without switching to the source."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import Pair, Server
from support.browser import serve_pairs as _serve
from support.notebooks import code_cell, md_cell, notebook

OLD = "## Margins\n\nThe *hyper-plane* with the widest margin wins; see `svm.fit`.\n"
NEW = "## Margins\n\nThe *hyperplane* with the widest margin wins; see `svm.fit`.\n"


@pytest.fixture(scope="module")
def words() -> Iterator[Server]:
    old = notebook([md_cell(OLD), code_cell("x = 1")])
    new = notebook([md_cell(NEW), code_cell("x = 1")])
    yield from _serve([Pair("svm.ipynb", old, new)])


def _mark_colour(page: Any, side: str) -> str:
    return str(page.evaluate(f"getComputedStyle(document.querySelector('#n0 .md.{side} mark.mdw')).backgroundColor"))


def test_the_changed_word_is_marked_in_the_rendered_cell(page: Any, words: Server) -> None:
    page.goto(words.url("/f/0"))
    cell = page.locator("#n0")
    assert cell.locator(".rendered").is_visible() and not cell.locator(".srcview").is_visible()
    assert cell.locator(".md.old mark.mdw").all_inner_texts() == ["hyper-plane"]
    assert cell.locator(".md.new mark.mdw").all_inner_texts() == ["hyperplane"]
    new_mark = cell.locator(".md.new mark.mdw")
    assert new_mark.is_visible()
    assert page.evaluate("document.querySelector('#n0 .md.new mark.mdw').parentElement.tagName") == "EM"
    assert cell.locator(".md.new code").inner_text() == "svm.fit"  # untouched text is not marked
    light_new, light_old = _mark_colour(page, "new"), _mark_colour(page, "old")
    assert light_new != light_old and "0, 0, 0, 0" not in light_new
    page.emulate_media(color_scheme="dark")
    dark_new = _mark_colour(page, "new")
    assert dark_new != light_new and "0, 0, 0, 0" not in dark_new
    assert page.errors == []
