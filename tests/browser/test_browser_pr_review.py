"""Review conversations end to end: `nbreview review`'s page in chromium against the fake GitHub.

An existing thread shows under its line; a line comment, a multi-line comment, an image comment
and a comment outside the diff (file-level on GitHub) go into a pending review, a reply goes to
the thread, the review is submitted as "Request changes" in one request, and the fake holds
exactly those comments, anchored on the JSON lines that hold the selected code. Reloading shows
them in place; after another push the first comment is outdated and stays on its cell.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakegithub import SHARED_API, serve
from support.browser import SCREENSHOTS, TOKEN, line_number
from support.browser import save_screenshot as _save
from support.review_world import OTHER, PATH, REPO, REVIEWER, World, api, build, json_line
from support.wsgi import serve_wsgi

pytestmark = pytest.mark.skipif(
    not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present"
)


def start_page(url: str, number: int) -> Iterator[str]:
    """The review server for the pull request (as `nbreview review` starts it); yields its root URL."""
    from github import Auth

    from nbreview.hosts.github.client import connect
    from nbreview.hosts.github.review import GitHubReview
    from nbreview.hosts.review import ReviewSession
    from nbreview.web.app import Lifecycle, create_app

    gh = connect(url, Auth.Token(REVIEWER), retries=1, max_rate_wait=0)
    session = ReviewSession(GitHubReview(gh, REPO, number))
    pairs = session.open()
    app = create_app({"SOURCES": pairs, "TOKEN": TOKEN, "LIFECYCLE": Lifecycle(), "PR_SESSION": session})
    with serve_wsgi(app) as root:
        yield f"{root}/{TOKEN}"


def seed_thread(w: World) -> int:
    """Someone's comment on the new side's `df = pd.read_csv(...)` (cell [2], line 1), as GitHub holds it."""
    body = "Why parse the dates here? <script>alert(1)</script> [docs](https://example.com/x) @someone"
    status, c = api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/comments", {
        "body": body, "path": PATH, "line": json_line(w.head_text(), 2, 1), "side": "RIGHT",
        "commit_id": w.fake.refs[REPO]["refs/heads/feature"]}, token=OTHER)
    assert status == 201, c
    return int(c["id"])


def open_page(page: Any, root: str) -> None:
    page.goto(f"{root}/f/0")
    page.wait_for_selector("body[data-threads-loaded]")


def write(page: Any, text: str, button: str) -> None:
    box = page.locator(".thread.draft").last
    box.locator("textarea").fill(text)
    box.get_by_role("button", name=button).click()


def test_review_on_the_page_lands_on_the_pull_request(page: Any, world: World) -> None:
    w = world
    existing = seed_thread(w)
    head = w.head_text()
    pages = start_page(w.url, w.number)
    root = next(pages)
    open_page(page, root)

    # the existing thread sits right under the line it points at, its markdown made safe
    thread = page.locator(f"#n2 tr.thr .thread[data-thread='{existing}']")
    assert thread.is_visible()
    row_above = thread.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]")
    assert "read_csv" in row_above.inner_text()
    assert "Why parse the dates here?" in thread.inner_text()
    assert thread.locator("script").count() == 0
    rel = thread.locator("a[href='https://example.com/x']").get_attribute("rel") or ""
    assert "noopener" in rel and "nofollow" in rel

    # a line comment, a multi-line comment, an image comment, and one outside the diff
    line_number(page, "n5", "new", 2).click()
    write(page, "Three digits are enough?", "Start a review")
    line_number(page, "n7", "new", 2).click()
    line_number(page, "n7", "new", 3).click(modifiers=["Shift"])
    assert page.locator("#n7 .thread.draft").count() == 1, "the range's box replaces the first click's"
    write(page, "These two lines plot the **forecast**.", "Add review comment")
    pending = page.locator("#n7 tr.thr .thread.pending")
    assert "plt.plot(future" in pending.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]").inner_text()
    page.locator("#n7 .imgdiff figure.new button.imgcomment").click()
    write(page, "The dashed line needs a legend.", "Add review comment")
    page.check("#show-unchanged")
    line_number(page, "n15", "new", 2).click()
    note = page.locator(".thread.draft .where-note")
    assert "becomes a file-level comment" in note.inner_text()  # said before it is written
    write(page, "Far from the diff: still worth a look.", "Add review comment")
    page.locator("#n15 button.cellcomment").click()  # the whole cell, outside the diff: said too
    assert "This cell is outside the pull request's diff" in page.locator("#n15 .thread.draft .where-note").inner_text()
    page.locator("#n15 .thread.draft").get_by_role("button", name="Cancel").click()
    page.wait_for_function("() => document.querySelector('.reviewbtn').textContent === 'Review changes (4)'")

    # the hover "+" takes the click (it no longer re-attaches on every mouseover)
    row = line_number(page, "n7", "new", 1)
    row.hover()
    page.locator("#n7 button.addc").hover()
    page.locator("#n7 button.addc").click()
    typing = page.locator("#n7 .thread.draft textarea")
    typing.fill("still typing this one")

    # a reply goes to the thread at once, and the box being typed in stays with its text
    assert thread.locator("textarea").count() == 0  # replies open on demand
    thread.get_by_role("button", name="Reply…").click()
    thread.locator("textarea").fill("Because `month` is a date column.")
    thread.get_by_role("button", name="Reply").click()
    page.wait_for_function(
        f"() => document.querySelectorAll(\"[data-thread='{existing}'] .comment\").length === 2"
    )
    assert typing.input_value() == "still typing this one"
    page.locator("#n7 .thread.draft").get_by_role("button", name="Cancel").click()
    if SCREENSHOTS.is_dir():
        page.locator("#n2").scroll_into_view_if_needed()
        _save(page.screenshot(), "review-threads.png")

    # submit as "Request changes": one POST /pulls/{n}/reviews with the three line comments
    page.locator(".reviewbtn").click()
    panel = page.locator("dialog.reviewpanel")
    panel.locator("textarea").fill("A few things before this goes in.")
    panel.get_by_label("Request changes").check()
    if SCREENSHOTS.is_dir():
        _save(page.screenshot(), "review-submit.png")
    panel.get_by_role("button", name="Submit review").click()
    page.wait_for_function("() => !document.querySelector('dialog.reviewpanel').open")
    page.wait_for_function("() => document.querySelectorAll('.thread.pending').length === 0")

    fake = w.fake
    assert fake.schema_errors == []
    reviews = list(fake.reviews.values())
    assert len(reviews) == 1 and reviews[0].state == "CHANGES_REQUESTED" and reviews[0].login == "reviewer"
    assert [m for m, p, _ in fake.log if m == "POST" and p.endswith("/reviews")] == ["POST"]
    mine = sorted((c for c in fake.review_comments.values() if c.login == "reviewer"), key=lambda c: c.id)
    assert len(mine) == 5
    reply = next(c for c in mine if c.in_reply_to is not None)
    assert reply.in_reply_to == existing and reply.body == "Because `month` is a date column."
    inline = {c.body.split("<!-- nbreview:text -->")[1].split("<!--")[0].strip(): c for c in mine if not c.in_reply_to}
    one = inline["Three digits are enough?"]
    assert (one.line, one.side, one.start_line) == (json_line(head, 5, 2), "RIGHT", None)
    multi = inline["These two lines plot the **forecast**."]
    assert (multi.start_line, multi.line) == (json_line(head, 7, 2), json_line(head, 7, 3))
    assert "plt.plot(df.month, df.sales)\nplt.plot(future, forecast, '--')" in multi.body  # the quoted code
    img = inline["The dashed line needs a legend."]
    assert '"image/png"' in head.split("\n")[img.line - 1]
    far = inline["Far from the diff: still worth a look."]
    assert far.subject_type == "file" and far.line is None and far.review_id == 0
    assert "**cell [15], line 2**" in far.body and "step_6 = 6 * 2" in far.body
    assert all(c.review_id == reviews[0].id for c in (one, multi, img))

    # reloading shows every thread in place
    open_page(page, root)
    assert page.locator(".thread").count() == 5
    for cell, text in (("n5", "Three digits"), ("n7", "forecast"), ("n15", "Far from the diff")):
        assert text in page.locator(f"#{cell}").inner_text()
    assert "The dashed line" in page.locator("#n7 .outs").inner_text()
    under = page.locator("#n5 tr.thr").locator("xpath=preceding-sibling::tr[1]")
    assert "slope" in under.inner_text()
    page.click("[data-view=unified]")  # the threads move to the unified table, under the same lines
    moved = page.locator("#n5 table.unified tr.thr")
    assert moved.count() == 1 and "slope {a:.3f}" in moved.locator("xpath=preceding-sibling::tr[1]").inner_text()
    page.click("[data-view=split]")
    assert page.errors == []
    pages.close()

    # another push changes the commented line: that thread is outdated and keeps its cell
    nb = json.loads(head)
    nb["cells"][5]["source"][1] = "print(f'slope {a:.4f}')"
    w.push(nb, "four digits")
    pages = start_page(w.url, w.number)
    open_page(page, next(pages))
    outdated = page.locator("#n5 .thread.outdated")
    assert outdated.count() == 1 and outdated.locator(".outdated-label").inner_text() == "Outdated"
    assert not outdated.get_by_text("Three digits are enough?").is_visible()  # collapsed, as on GitHub
    outdated.locator("summary").click()
    assert outdated.get_by_text("Three digits are enough?").is_visible()
    assert "slope {a:.3f}" in outdated.locator("pre.snippet").inner_text()  # the code it was written on
    assert page.errors == []
    pages.close()


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (401, {}, "Bad credentials", "GitHub rejected the token (401)"),
        (403, {}, "Resource not accessible by integration", "GitHub refused submitting the review"),
        (404, {}, "Not Found", "GitHub found nothing while submitting the review"),
        (422, {}, "Unprocessable Entity: Can not request changes on your own pull request", "could not process"),
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)},
         "API rate limit exceeded", "rate limit"),
    ],
)
def test_failures_are_one_message_and_nothing_half_submitted(
    page: Any, world: World, status: int, headers: dict[str, str], message: str, expected: str
) -> None:
    pages = start_page(world.url, world.number)
    open_page(page, next(pages))
    line_number(page, "n5", "new", 2).click()
    write(page, "Kept when GitHub refuses.", "Start a review")
    world.fake.fail("POST", r"/pulls/\d+/reviews$", status, times=5, headers=headers, message=message)
    page.locator(".reviewbtn").click()
    page.get_by_role("button", name="Submit review").click()
    err = page.locator("dialog.reviewpanel .err")
    err.wait_for(state="visible")
    text = err.inner_text()
    assert expected in text and "\n" not in text.strip(), text
    assert world.fake.reviews == {} and world.fake.review_comments == {}
    assert page.locator(".thread.pending").count() == 1  # the typed comment is still there
    world.fake.faults.clear()
    page.get_by_role("button", name="Submit review").click()
    page.wait_for_function("() => !document.querySelector('dialog.reviewpanel').open")
    assert len(world.fake.reviews) == 1 and len(world.fake.review_comments) == 1
    pages.close()


def test_keyboard_cell_comment_with_chosen_lines(page: Any, world: World) -> None:
    """From the keyboard: a cell's Comment button, the lines typed in, Add single comment."""
    pages = start_page(world.url, world.number)
    open_page(page, next(pages))
    page.locator("#n5 button.cellcomment").focus()
    page.keyboard.press("Enter")
    box = page.locator("#n5 .thread.draft")
    assert box.locator("textarea").evaluate("a => a === document.activeElement")
    page.keyboard.type("Both lines of this cell.")
    box.get_by_label("first line (empty: the whole cell)").fill("1")
    box.get_by_label("last line (empty: the whole cell)").fill("2")
    box.get_by_role("button", name="Add single comment").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#n5 .thread:not(.draft)').length === 1")
    [c] = world.fake.review_comments.values()
    head = world.head_text()
    assert (c.start_line, c.line, c.review_id) == (json_line(head, 5, 1), json_line(head, 5, 2), 0)
    assert '"lines": [1, 2]' in c.body and "a, b = np.polyfit" in c.body
    assert page.errors == []
    pages.close()


def pending_count(page: Any, n: int) -> None:
    page.wait_for_function(f"() => document.querySelector('.reviewbtn').textContent === 'Review changes ({n})'")


def test_a_review_across_two_notebooks_outlives_reload_restart_and_push(
    page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.review_world import SECOND

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    repo, fake = build(tmp_path, second=True)
    number = fake.open_pull(REPO, "main", "feature")
    with serve(fake) as url:
        w = World(fake, url, number, repo)
        pages = start_page(url, number)
        root = next(pages)
        page.goto(f"{root}/f/0")
        page.wait_for_selector("body[data-threads-loaded]")
        first = page.locator("nav.files li").filter(has_text=PATH.split("/")[-1])
        second = page.locator("nav.files li").filter(has_text=SECOND.split("/")[-1])
        assert first.get_attribute("class") == "cur"
        assert "signed in as reviewer" in page.locator(".prcontext").inner_text()
        line_number(page, "n5", "new", 2).click()
        write(page, "On the first notebook.", "Start a review")
        pending_count(page, 1)

        # another notebook: the pending review is still there, and the file list counts it
        second.locator("a").click()
        page.wait_for_selector("body[data-threads-loaded]")
        pending_count(page, 1)
        assert first.locator(".pendingcount").inner_text() == "1 pending"
        line_number(page, "n7", "new", 2).click()
        write(page, "On the second notebook.", "Add review comment")
        pending_count(page, 2)

        # a reload, then a restart of the server: both kept
        page.reload()
        page.wait_for_selector("body[data-threads-loaded]")
        pending_count(page, 2)
        assert "On the second notebook." in page.locator("#n7 .thread.pending").inner_text()
        pages.close()
        pages = start_page(url, number)
        root = next(pages)
        page.goto(f"{root}/f/0")
        page.wait_for_selector("body[data-threads-loaded]")
        pending_count(page, 2)

        # a push while the page is open (a cell inserted on top): a banner, one click, the new head;
        # the draft moved with its cell, and the text being typed is not lost
        line_number(page, "n2", "new", 1).click()
        page.locator(".thread.draft textarea").fill("typed, not yet sent")
        nb = json.loads(w.head_text())
        nb["cells"].insert(0, {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# Intro"]})
        new_head = w.push(nb, "an intro cell")
        page.evaluate("() => window.dispatchEvent(new Event('focus'))")
        banner = page.locator(".pushbanner")
        banner.wait_for(state="visible")
        assert new_head[:7] in banner.inner_text()
        assert page.locator(".thread.draft textarea").input_value() == "typed, not yet sent"
        banner.get_by_role("button", name="Reload").click()  # refused while a box holds text
        assert "post or cancel first" in banner.inner_text()
        assert page.locator(".thread.draft textarea").input_value() == "typed, not yet sent"
        page.locator(".thread.draft").get_by_role("button", name="Cancel").click()
        banner.get_by_role("button", name="Reload").click()
        page.wait_for_selector("body[data-threads-loaded]")
        assert new_head[:7] in page.locator(".prcontext").inner_text()
        moved = page.locator("#n6 .thread.pending")
        assert "On the first notebook." in moved.inner_text()
        assert "print(f'slope" in moved.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]").inner_text()
        if SCREENSHOTS.is_dir():
            page.locator("#n6").scroll_into_view_if_needed()
            _save(page.screenshot(), "review-pending.png")

        # submitted once, with both notebooks' comments
        page.locator(".reviewbtn").click()
        page.get_by_role("button", name="Submit review").click()
        page.locator(".prcontext .submitted").wait_for(state="visible")
        assert "commented" in page.locator(".prcontext .submitted").inner_text()
        assert [m for m, p, _ in fake.log if m == "POST" and p.endswith("/reviews")] == ["POST"]
        [review] = fake.reviews.values()
        assert review.commit_id == new_head and review.state == "COMMENTED"
        got = sorted((c.path, c.review_id) for c in fake.review_comments.values())
        assert got == [(PATH, review.id), (SECOND, review.id)]
        assert page.errors == []
        pages.close()
        assert fake.schema_errors == []


def test_resolve_and_unresolve_a_thread(page: Any, world: World) -> None:
    """Through the fake's GraphQL endpoint: a resolved thread collapses to its label, and opens again."""
    existing = seed_thread(world)
    pages = start_page(world.url, world.number)
    open_page(page, next(pages))
    thread = page.locator(f".thread[data-thread='{existing}']")
    thread.get_by_role("button", name="Resolve conversation").click()
    page.wait_for_selector(f".thread.resolved[data-thread='{existing}']")
    assert world.fake.resolved == {existing}
    assert thread.locator(".resolved-label").inner_text() == "Resolved"
    assert not thread.get_by_text("Why parse the dates here?").is_visible()
    thread.locator("summary").click()
    thread.get_by_role("button", name="Unresolve conversation").click()
    page.wait_for_selector(f".thread:not(.resolved)[data-thread='{existing}']")
    assert world.fake.resolved == set() and thread.get_by_text("Why parse the dates here?").is_visible()
    assert page.errors == []
    pages.close()


def test_a_table_row_comment_sits_under_its_row(page: Any, world: World) -> None:
    """A comment GitHub holds on the `<td>125</td>` line of cell [2]'s DataFrame shows under that row of
    the rendered table (new side), one on its text/plain repr under the output: not at the cell's top."""
    text = world.head_text().splitlines()
    on_row = next(k for k, t in enumerate(text, 1) if t.strip() == '"      <td>125</td>\\n",')
    on_plain = next(k for k, t in enumerate(text, 1) if t.strip().startswith('"1      2    125'))
    ids = []
    for line, body in ((on_row, "Why did sales jump?"), (on_plain, "The repr too")):
        status, c = api(world.url, "POST", f"/repos/{REPO}/pulls/{world.number}/comments", {
            "body": body, "path": PATH, "line": line, "side": "RIGHT",
            "commit_id": world.fake.refs[REPO]["refs/heads/feature"]}, token=OTHER)
        assert status == 201, c
        ids.append(int(c["id"]))
    pages = start_page(world.url, world.number)
    open_page(page, next(pages))
    row_thread = page.locator(f".thread[data-thread='{ids[0]}']")
    assert row_thread.is_visible() and "table row 3" in row_thread.inner_text()
    # the row before it in its table is the one that holds 125, in the new side's half of the output
    before = row_thread.evaluate("n => n.closest('tr.thr').previousElementSibling.innerText")
    assert before.split() == ["1", "2", "125", "3.9"]
    assert row_thread.evaluate("n => !!n.closest('#n2 .orow .oside.new .out.html table')")
    plain_thread = page.locator(f".thread[data-thread='{ids[1]}']")
    assert plain_thread.evaluate("n => n.previousElementSibling.matches('.orow[data-new=\"2:0\"]')")
    assert page.locator("#n2 .cthreads .thread").count() == 0  # nothing fell back to the cell's top
    assert page.errors == []
    pages.close()
