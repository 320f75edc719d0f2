"""Real headless chromium (Debian's package) driven by Playwright, against a live review server.

Playwright never downloads a browser here: it launches the system ``chromium``. Without one,
the browser tests skip locally but fail under CI (``CI`` set), where ``make test`` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import (
    CHROMIUM_ARGS,
    SCREENSHOTS,
    Pair,
    Server,
    chromium_path,
    image_pair,
    largest_pair,
    load_images,
    save_screenshot,
    serve_pairs,
)
from support.paths import CORPUS, EXAMPLE_NEW, EXAMPLE_OLD, FIXTURES

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
HOSTILE = FIXTURES / "hostile"


@pytest.fixture(scope="package")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make test installs it)")
        pytest.skip("chromium not found; make test installs it")
    return path


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Package scope: Playwright's sync API allows one instance at a time, and other test
    # modules (the mergetool's) start their own after this package is done.
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="package")
def corpus_image_pair() -> Path:
    p = image_pair() if CORPUS.is_dir() else None
    if p is None:
        pytest.skip("../shared/corpus is not present")
    return p


@pytest.fixture(scope="package")
def server() -> Iterator[Server]:
    """Example, hostile fixture and (when present) corpus pairs, served on 127.0.0.1."""
    from nbreview.io.load import load

    pairs = [
        Pair("fixtures/example.ipynb", _example("old"), _example("new")),
        Pair("fixtures/hostile.ipynb", load(HOSTILE / "old.ipynb"), load(HOSTILE / "new.ipynb")),
    ]
    for p in (image_pair(), largest_pair()) if CORPUS.is_dir() else ():
        if p is not None:
            pairs.append(Pair(p.name, load(p / "old.ipynb"), load(p / "new.ipynb")))
    yield from serve_pairs(pairs)


def _example(side: str) -> Any:
    from nbreview.io.load import load

    return load(EXAMPLE_OLD if side == "old" else EXAMPLE_NEW, f"fixtures/example/{side}.ipynb")


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda err: pg.errors.append(str(err)))  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture(scope="package", autouse=True)
def screenshots(request: pytest.FixtureRequest) -> None:
    """The README's screenshots, taken from the bundled example (only when chromium is here)."""
    if chromium_path() is None:
        return
    browser = request.getfixturevalue("browser")
    serving = serve_pairs([Pair("fixtures/example", _example("old"), _example("new"))])
    server = next(serving)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1200, "height": 860}, color_scheme="light")
    pg = context.new_page()
    pg.goto(server.url("/f/0"))
    pg.evaluate("localStorage.clear()")
    pg.reload()
    load_images(pg)
    save_screenshot(pg.screenshot(), "side-by-side.png")
    pg.click("[data-view=unified]")
    save_screenshot(pg.screenshot(), "unified.png")
    pg.click("[data-view=split]")
    widget = pg.locator(".imgdiff").first
    widget.scroll_into_view_if_needed()
    widget.locator("button[data-mode=swipe]").click()
    widget.locator(".slider").fill("45")
    save_screenshot(widget.screenshot(), "image-swipe.png")
    widget.locator("button[data-mode=diff]").click()
    pg.wait_for_function("() => document.querySelector('.imgdiff figure.diffimg img').naturalWidth > 0")
    save_screenshot(widget.screenshot(), "image-difference.png")
    panel = pg.locator("section.results")  # the results review panel (tests/browser/test_browser_results.py)
    panel.scroll_into_view_if_needed()
    save_screenshot(panel.screenshot(), "results-panel.png")
    dark = browser.new_context(viewport={"width": 1200, "height": 860}, color_scheme="dark")
    dpg = dark.new_page()
    dpg.goto(server.url("/f/0"))
    load_images(dpg)
    save_screenshot(dpg.screenshot(), "dark.png")
    dark.close()
    context.close()
    serving.close()
