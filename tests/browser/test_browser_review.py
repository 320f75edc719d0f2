"""The review page in real headless chromium: rendering, view toggle, image modes, keys, safety."""

from __future__ import annotations

import re
import time
from typing import Any

from support.browser import TOKEN, Server, largest_pair
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD, FIXTURES


def test_example_renders_with_images(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0"))
    assert page.locator(".nbhead .summary").inner_text().startswith("4 modified · 1 added · 1 moved")
    assert page.locator(".cell.moved .movedfrom").inner_text() == "moved from #6"
    assert page.locator("#n7 .num").inner_text() == "[5] → [7]"
    widget = page.locator("#n7 .imgdiff")
    widget.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#n7 figure.new img').naturalWidth === 240")
    assert "2.2% of pixels changed" in widget.locator(".frac").inner_text()
    assert page.errors == []


def test_corpus_pair_with_images(page: Any, server: Server, corpus_image_pair: Any) -> None:
    index = next(i for i, n in enumerate(_file_names(page, server)) if n == corpus_image_pair.name)
    page.goto(server.url(f"/f/{index}"))
    page.keyboard.press("u")  # re-executed cells (outputs only) are folded
    widget = page.locator(".imgdiff").first
    widget.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => Array.from(document.querySelector('.imgdiff').querySelectorAll('figure.old img, figure.new img'))"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    frac = widget.locator(".frac").inner_text()
    assert re.search(r"% of pixels changed|resized ", frac), frac
    # Lazy: images far below the fold have not been fetched yet.
    pending = page.evaluate(
        "Array.from(document.images).filter(i => i.loading === 'lazy' && !i.complete).length"
    )
    total = page.evaluate("document.images.length")
    assert total > 0 and pending >= 0
    assert page.errors == []


def _file_names(page: Any, server: Server) -> list[str]:
    page.goto(server.url("/f/0"))
    return [t.strip() for t in page.locator("nav.files .path").all_inner_texts()]


def test_view_toggle_is_remembered(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0"))
    page.evaluate("localStorage.clear()")
    page.reload()
    split = page.locator("#n2 .cb > table.split")
    assert split.is_visible()
    page.click("[data-view=unified]")
    unified = page.locator("#n2 .cb > table.unified")
    assert unified.is_visible() and not split.is_visible()
    assert unified.locator("tr.del").count() == 1 and unified.locator("tr.ins").count() == 1
    signs = unified.locator("td.s").all_inner_texts()
    assert [x.strip() for x in signs] == ["-", "+", ""], "removed line first, then added, then context"
    assert "parse_dates" in "".join(unified.locator("tr.ins mark").all_inner_texts())
    page.reload()
    assert page.locator("#n2 .cb > table.unified").is_visible(), "the choice survives a reload"
    assert page.locator("[data-view=unified]").get_attribute("aria-pressed") == "true"
    page.keyboard.press("t")
    assert page.locator("#n2 .cb > table.split").is_visible()
    assert not page.locator("#n2 .cb > table.unified").is_visible()


def test_image_modes(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0"))
    w = page.locator("#n7 .imgdiff")
    w.scroll_into_view_if_needed()
    new_img = w.locator("figure.new img")
    old_img = w.locator("figure.old img")
    assert old_img.is_visible() and new_img.is_visible()
    ob, nb = old_img.bounding_box(), new_img.bounding_box()
    assert nb["x"] > ob["x"] + ob["width"] - 1, "2-up: side by side"
    w.locator("button[data-mode=swipe]").click()
    ob, nb = old_img.bounding_box(), new_img.bounding_box()
    assert abs(ob["x"] - nb["x"]) < 1 and abs(ob["y"] - nb["y"]) < 1, "swipe: stacked"
    assert new_img.evaluate("e => e.style.clipPath") == "inset(0px 0px 0px 50%)"
    w.locator(".slider").fill("20")
    assert new_img.evaluate("e => e.style.clipPath") == "inset(0px 0px 0px 20%)"
    w.locator("button[data-mode=onion]").click()
    assert new_img.evaluate("e => getComputedStyle(e).opacity") == "0.2"
    assert new_img.evaluate("e => e.style.clipPath") == ""
    w.locator("button[data-mode=diff]").click()
    diff_img = w.locator("figure.diffimg img")
    page.wait_for_function("() => document.querySelector('#n7 figure.diffimg img').naturalWidth === 240")
    assert diff_img.is_visible() and not new_img.is_visible() and not old_img.is_visible()
    assert w.locator("button.on").inner_text() == "Difference"
    w.locator("button[data-mode='2up']").click()
    assert new_img.evaluate("e => getComputedStyle(e).opacity") == "1"


def test_keyboard_moves_between_changes(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0"))
    changes = page.evaluate("Array.from(document.querySelectorAll('.cell.chg')).map(e => e.id)")
    assert changes == ["n0", "n2", "n3", "n5", "n6", "n7"]
    page.keyboard.press("j")
    assert page.evaluate("location.hash") == "#n0"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("location.hash") == "#n3"
    assert page.locator("#n3").get_attribute("class").endswith("cur")
    top = page.evaluate("document.getElementById('n3').getBoundingClientRect().top")
    assert 0 <= top < 200, "the change is scrolled into view"
    page.keyboard.press("k")
    assert page.evaluate("location.hash") == "#n2"
    for _ in range(10):
        page.keyboard.press("j")
    assert page.evaluate("location.hash") == "#n7", "stops at the last change"
    # u opens and closes the folds of unchanged cells
    assert page.locator("details.fold[open]").count() == 0
    page.keyboard.press("u")
    assert page.locator("details.fold:not([open])").count() == 0
    assert page.locator("#show-unchanged").is_checked()
    page.keyboard.press("u")
    assert page.locator("details.fold[open]").count() == 0
    page.keyboard.press("?")
    assert page.locator("dialog#help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("dialog#help").is_visible()
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/f/1$"))
    page.keyboard.press("p")
    page.wait_for_url(re.compile(r"/f/0$"))


def test_permalink_opens_a_folded_cell(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0") + "#n1")
    assert page.evaluate("document.getElementById('n1').closest('details').open")
    assert page.locator("#n1").is_visible()
    assert page.locator("#n1").get_attribute("class").endswith("cur")
    page.click("#n5 .num")
    assert page.evaluate("location.hash") == "#n5"


def test_markdown_source_switch_and_math(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0"))
    cell = page.locator("#n0")
    assert cell.locator(".rendered .md.new h1").inner_text() == "Sales analysis"
    assert not cell.locator(".srcview").is_visible()
    cell.locator(".mdswitch").click()
    assert cell.locator(".srcview").is_visible() and not cell.locator(".rendered").is_visible()
    assert "forecast" in "".join(cell.locator(".srcview mark").all_inner_texts())
    page.keyboard.press("u")
    math = page.locator("#n4 math")
    assert math.count() == 1 and math.evaluate("e => e.namespaceURI") == "http://www.w3.org/1998/Math/MathML"


def test_outputs_and_metadata_toggles(page: Any, server: Server) -> None:
    page.goto(server.url("/f/0"))
    assert page.locator("#n6 .outs").is_visible()
    page.uncheck("#show-outputs")
    assert not page.locator("#n6 .outs").is_visible()
    page.check("#show-outputs")
    assert page.locator("#n6 .outs").is_visible()


def test_largest_pair_is_interactive_fast(page: Any, server: Server) -> None:
    big = largest_pair()
    if big is None:
        import pytest

        pytest.skip("../shared/corpus is not present")
    names = _file_names(page, server)
    index = names.index(big.name)
    page.goto(server.url(f"/f/{index}"))  # warm: the first request pays for the diff
    start = time.perf_counter()
    page.goto(server.url(f"/f/{index}"))
    timing = page.evaluate(
        "(() => { const t = performance.getEntriesByType('navigation')[0];"
        " return {ttfb: t.responseStart, interactive: t.domInteractive, loaded: t.domContentLoadedEventEnd}; })()"
    )
    page.keyboard.press("j")
    assert page.evaluate("location.hash").startswith("#")
    elapsed = time.perf_counter() - start
    print(f"\nlargest pair {big.name}: {timing}, j answered after {elapsed:.2f}s")
    assert timing["loaded"] < 2000, timing


def test_hostile_notebook_runs_nothing(page: Any, server: Server) -> None:
    dialogs: list[str] = []
    logs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: logs.append(m.text))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url("/f/1"))
    page.keyboard.press("u")
    page.click("[data-view=unified]")
    for sw in page.locator(".mdswitch").all():
        sw.click()
        sw.click()
    for link in page.locator(".out.html a, .md a").all():
        link.click()
    page.hover(".out.html div")
    page.mouse.wheel(0, 4000)
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert not [m for m in logs if "PWNED" in m]
    assert all(u.startswith(server.base) or u.startswith("data:") for u in requests), requests
    assert page.url.startswith(server.url("/f/1"))
    # Nothing covers the page: the top bar is still what sits at the top.
    assert page.evaluate("document.elementFromPoint(640, 10).closest('header.top') !== null")
    assert page.evaluate("getComputedStyle(document.body).display") == "block"
    scripts = page.evaluate("Array.from(document.scripts).map(s => s.src.replace(location.origin, ''))")
    assert scripts == [f"/{TOKEN}/static/boot.js", f"/{TOKEN}/static/api.js", f"/{TOKEN}/static/review.js"]
    assert page.errors == []


def test_hostile_report_runs_nothing(browser: Any, tmp_path: Any) -> None:
    import nbreview
    from nbreview.render.html import write_report

    d = nbreview.diff(FIXTURES / "hostile" / "old.ipynb", FIXTURES / "hostile" / "new.ipynb",
                      old_label="<img src=x onerror=alert(1)>")
    out = tmp_path / "hostile.html"
    write_report([d], out)
    context = browser.new_context()
    pg = context.new_page()
    dialogs: list[str] = []
    requests: list[str] = []
    pg.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss()))
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(out.as_uri())
    pg.wait_for_selector("html.ready")
    assert pg.locator(".cell").count() == 4, "the packed cells were unpacked"
    pg.keyboard.press("u")
    pg.keyboard.press("t")
    pg.wait_for_timeout(300)
    assert pg.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert "onerror" in pg.locator(".nbhead .side.old").inner_text()  # shown as text
    context.close()


def test_report_works_offline(browser: Any, tmp_path: Any) -> None:
    import nbreview
    from nbreview.render.html import write_report

    out = tmp_path / "report.html"
    write_report([nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)], out)
    context = browser.new_context(offline=True)
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(out.as_uri())
    pg.wait_for_selector("html.ready")
    pg.keyboard.press("j")
    assert pg.evaluate("location.hash") == "#f0-n0"
    w = pg.locator(".imgdiff").first
    w.scroll_into_view_if_needed()
    w.locator("button[data-mode=diff]").click()
    pg.wait_for_function("() => document.querySelector('figure.diffimg img').naturalWidth === 240")
    pg.keyboard.press("t")
    assert pg.locator("#f0-n2 .cb > table.unified").is_visible()
    assert not pg.locator("#f0-n2 .cb > table.split").is_visible()
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    context.close()


def test_token_is_required_in_the_browser(page: Any, server: Server) -> None:
    resp = page.goto(server.base + "/f/0")
    assert resp.status == 403
    resp = page.goto(f"{server.base}/?token={TOKEN}")
    assert resp.status == 403, "the token is a path prefix, not a query parameter"
    resp = page.goto(server.url("/"))
    assert resp.status == 200 and page.url == server.url("/")
    assert page.context.cookies() == [], "no cookie: nothing other local ports could be sent"


def test_difftool_page_closing_ends_the_process(browser: Any) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, BROWSER="true")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbreview", "difftool", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("Serving on ")
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(url)
        pg.wait_for_selector("html.ready")
        pg.wait_for_timeout(500)
        assert proc.poll() is None, "serving while the page is open"
        pg.close()
        assert proc.wait(15) == 0, "git moves on to the next file"
        context.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_report_with_several_notebooks_n_and_p(browser: Any, tmp_path: Any) -> None:
    import nbreview
    from nbreview.render.html import write_report

    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    out = tmp_path / "three.html"
    write_report([d, d, d], out, names=["one.ipynb", "two.ipynb", "three.ipynb"])
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.goto(out.as_uri())
    pg.wait_for_selector("html.ready")
    assert pg.locator("nav.files .path").all_inner_texts() == ["one.ipynb", "two.ipynb", "three.ipynb"]
    pg.keyboard.press("n")
    assert pg.evaluate("location.hash") == "#f1"
    pg.keyboard.press("n")
    assert pg.evaluate("location.hash") == "#f2"
    pg.keyboard.press("n")
    assert pg.evaluate("location.hash") == "#f2", "stays on the last notebook"
    pg.keyboard.press("p")
    assert pg.evaluate("location.hash") == "#f1"
    pg.keyboard.press("j")
    assert pg.evaluate("location.hash") == "#f1-n0", "j goes on from the notebook in view"
    pg.click("nav.files a[href='#f0']")
    assert pg.locator("#f0").is_visible()
    context.close()


def test_folded_context_lines_expand(page: Any, server: Server, tmp_path: Any) -> None:
    import nbreview
    from nbreview.render.html import write_report

    src = "".join(f"value_{i} = {i}\n" for i in range(40))
    nb = lambda s: {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,  # noqa: E731
                               "source": s}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    out = tmp_path / "long.html"
    write_report([nbreview.diff(nb(src), nb(src.replace("value_20 = 20", "value_20 = -20")))], out)
    page.goto(out.as_uri())
    page.wait_for_selector("html.ready")
    table = page.locator("#f0-n0 table.split")
    assert table.locator("tr:visible").count() == 2 + 7  # two fold bars, 3 + change + 3
    table.locator("tr.skip .more").first.click()
    assert table.locator("tr:visible").count() == 1 + 7 + 17
    page.keyboard.press("t")
    unified = page.locator("#f0-n0 table.unified")
    assert unified.locator("tr.skip").count() == 1
    unified.locator("tr.skip .more").click()
    assert unified.locator("tr:visible").count() == 41  # 39 equal lines, one removed, one added
