"""A pull request's review inside JupyterLab: a real ``jupyter lab`` against the fake GitHub, in chromium.

The server gets its GitHub token from its environment (``GITHUB_TOKEN``) and the API root
from its configuration (``--Nbreview.github_api_url``). A user runs "Review pull request…"
from the palette, types ``OWNER/NAME#N``, sees someone's thread under its line, writes a line
comment and a range comment into a pending review (kept while switching to the pull request's
second notebook and back), replies to the thread, resolves it and submits the review: the fake
GitHub receives ONE review holding both comments, the reply and the resolution. Writes without
Jupyter's login, or without the XSRF header JupyterLab's own requests carry, are refused and
reach nothing. A server without a token says so in the tab (opened from the launcher's card,
by the pull request's URL). Skips (with the reason) only where chromium or the built
labextension is missing; under CI both are required.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakegithub import SHARED_API, serve
from support.browser import SCREENSHOTS, line_number
from support.jupyter import Lab, answer_dialog, lab_page, require_labextension, run_review_command, running_lab
from support.review_world import OTHER, PATH, REPO, REVIEWER, World, api, build, json_line

pytestmark = pytest.mark.skipif(
    not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present"
)


@pytest.fixture(scope="module")
def pull(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The example notebook's pull request in the fake GitHub (and a second notebook)."""
    repo, fake = build(tmp_path_factory.mktemp("gh"), second=True)
    number = fake.open_pull(REPO, "main", "feature")
    with serve(fake) as url:
        yield World(fake, url, number, repo)
        assert fake.schema_errors == []


@pytest.fixture(scope="module")
def lab(pull: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_labextension()
    env = {"GITHUB_TOKEN": REVIEWER, "GITHUB_API_URL": "http://127.0.0.1:9/not-this-one"}
    with running_lab(tmp_path_factory.mktemp("lab"), extra=(f"--Nbreview.github_api_url={pull.url}",),
                     env=env) as running:
        yield running


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Any]:
    with lab_page(lab, "lab", ".jp-DirListing-item") as pg:
        yield pg


def seed_thread(w: World) -> int:
    """Someone's comment on the new side's ``df = pd.read_csv(...)`` (cell [2], line 1), as GitHub holds it."""
    status, c = api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/comments", {
        "body": "Why parse the dates here? See [the docs](https://docs.example.com/read_csv).", "path": PATH,
        "line": json_line(w.head_text(), 2, 1), "side": "RIGHT", "commit_id": w.fake.refs[REPO]["refs/heads/feature"]},
        token=OTHER)
    assert status == 201, c
    return int(c["id"])


def review_frame(pg: Any) -> Any:
    """The tab's frame as a Playwright Frame (to run a script in the page, as the page itself would)."""
    return pg.locator(".nbreview-pull iframe").element_handle().content_frame()


def test_review_a_pull_request_from_the_palette(page: Any, pull: World) -> None:
    existing = seed_thread(pull)
    frame = run_review_command(page, f"{REPO}#{pull.number}")
    frame.locator("body[data-threads-loaded]").wait_for()
    assert page.locator(".lm-TabBar-tab", has_text=f"Review {REPO}#{pull.number}").count() == 1

    thread = frame.locator(f"#n2 tr.thr .thread[data-thread='{existing}']")
    assert "Why parse the dates here?" in thread.inner_text()
    assert "read_csv" in thread.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]").inner_text()
    page.context.route("https://docs.example.com/**", lambda route: route.fulfill(body="the docs", status=200))
    with page.context.expect_page() as opened:  # a link elsewhere: a new browser tab, not inside JupyterLab's frame
        thread.get_by_role("link", name="the docs").click()
    opened.value.wait_for_load_state()
    assert opened.value.url == "https://docs.example.com/read_csv" and "the docs" in opened.value.content()
    opened.value.close()
    assert frame.locator("body[data-threads-loaded]").count() == 1, "the review stayed in its tab"

    line_number(frame, "n5", "new", 2).click()
    write(frame, "Three digits are enough?", "Start a review")
    line_number(frame, "n7", "new", 2).click()
    line_number(frame, "n7", "new", 3).click(modifiers=["Shift"])
    write(frame, "These two lines plot the forecast.", "Add review comment")
    frame.locator("#n7 .thread.pending").wait_for()
    assert pull.fake.reviews == {}, "pending comments stay on this side until the review is submitted"

    files = frame.locator("nav.files a.file-link")  # the second notebook, and back: the pending review stays
    assert files.nth(0).locator(".pendingcount").inner_text() == "2 pending"
    files.nth(1).click()
    frame.locator("body[data-current='1'][data-threads-loaded]").wait_for()
    assert "nb/second.ipynb" in frame.locator("header.top").inner_text()
    assert files.nth(0).locator(".pendingcount").inner_text() == "2 pending"
    files.nth(0).click()
    frame.locator("body[data-current='0'][data-threads-loaded]").wait_for()
    assert frame.locator(".thread.pending").count() == 2

    thread.get_by_role("button", name="Reply…").click()
    thread.locator("textarea").fill("Because `month` is a date column.")
    thread.get_by_role("button", name="Reply", exact=True).click()
    frame.locator(f"[data-thread='{existing}'] .comment").nth(1).wait_for()
    thread.get_by_role("button", name="Resolve conversation").click()
    frame.locator(f".thread.resolved[data-thread='{existing}']").wait_for()
    assert pull.fake.resolved == {existing}
    if os.environ.get("NBREVIEW_UPDATE_SCREENSHOTS"):
        frame.locator("#n5").scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab-pr.png"))

    frame.locator(".reviewbtn").click()
    panel = frame.locator("dialog.reviewpanel")
    panel.locator("textarea").fill("Reviewed inside JupyterLab.")
    panel.get_by_role("button", name="Submit review").click()
    frame.locator(".thread.pending").first.wait_for(state="detached")

    fake, head = pull.fake, pull.head_text()
    assert [p for m, p, _ in fake.log if m == "POST" and p.endswith("/reviews")] == [
        f"/repos/{REPO}/pulls/{pull.number}/reviews"], "ONE review request"
    [review] = fake.reviews.values()
    assert review.login == "reviewer" and review.state == "COMMENTED" and review.body == "Reviewed inside JupyterLab."
    mine = [c for c in fake.review_comments.values() if c.login == "reviewer"]
    [reply] = [c for c in mine if c.in_reply_to is not None]
    assert reply.in_reply_to == existing and reply.body == "Because `month` is a date column."
    inline = sorted((c for c in mine if c.in_reply_to is None), key=lambda c: c.line)
    assert [c.review_id for c in inline] == [review.id, review.id]
    assert "Three digits are enough?" in inline[0].body and (inline[0].line, inline[0].side) == (
        json_line(head, 5, 2), "RIGHT")
    assert "These two lines plot the forecast." in inline[1].body
    assert (inline[1].start_line, inline[1].line) == (json_line(head, 7, 2), json_line(head, 7, 3))

    page.reload()  # JupyterLab restores the tab: the command runs again with the pull request it was given
    restored = page.frame_locator(".nbreview-pull iframe")
    restored.locator("body[data-threads-loaded]").wait_for()
    assert restored.locator(".thread.resolved").count() == 1 and restored.locator(".thread.pending").count() == 0


def write(frame: Any, text: str, button: str) -> None:
    """Type into the open comment box and press one of its buttons."""
    box = frame.locator(".thread.draft").last
    box.locator("textarea").fill(text)
    box.get_by_role("button", name=button).click()


def post(frame: Any, route: str, body: str, *, xsrf: bool, kind: str = "application/json") -> tuple[int, Any]:
    """(status, JSON answer) of a write made from the review page, with or without JupyterLab's XSRF header."""
    status, answer = frame.evaluate(
        """async ([route, body, xsrf, kind]) => {
             const cookie = (document.cookie.match(/(?:^|;\\s*)_xsrf=([^;]*)/) || [])[1] || "";
             const headers = {"Content-Type": kind};
             if (xsrf) { headers["X-XSRFToken"] = decodeURIComponent(cookie); }
             const r = await fetch(window.nbreview.base + route, {method: "POST", credentials: "same-origin",
                                                                  headers, body});
             return [r.status, await r.text()];
           }""", [route, body, xsrf, kind])
    return int(status), json.loads(answer)


def test_writes_need_jupyters_login_and_xsrf(page: Any, lab: Lab, pull: World) -> None:
    frame = review_frame(page)
    frame.wait_for_load_state()
    before = dict(pull.fake.review_comments)
    comment = {"file": 0, "side": "new", "cell": 5, "lines": [1, 1], "body": "Should not be posted."}
    status, answer = post(frame, "/api/comment", json.dumps(comment), xsrf=False)
    assert status == 403 and "_xsrf" in answer["error"], "no X-XSRFToken: refused, one line the page shows"

    base = str(frame.evaluate("window.nbreview.base"))  # /nbreview/view/<id>: the lab serves at /
    request = urllib.request.Request(f"{lab.url}{base}/api/comment", method="POST", data=json.dumps(comment).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - the lab on 127.0.0.1
            status = resp.status
    except urllib.error.HTTPError as err:
        status = err.code
    assert status == 403, "no login: refused"
    assert lab.get(f"{base}/api/threads?file=0", auth=False)[0] in (302, 403)
    assert pull.fake.review_comments == before, "nothing refused reached GitHub"

    assert post(frame, "/api/drafts", '{"file": 0,', xsrf=True)[1]["error"].startswith("the body is not valid JSON")
    assert post(frame, "/api/drafts", "{}", xsrf=True, kind="text/plain") == (
        415, {"error": "send the body as application/json"})
    status, answer = post(frame, "/api/drafts", json.dumps({**comment, "cell": "5"}), xsrf=True)
    assert status == 400 and "a comment needs a notebook" in answer["error"]
    draft = {"file": 0, "side": "new", "cell": 5, "lines": [2, 2], "body": "With the header: kept."}
    status, answer = post(frame, "/api/drafts", json.dumps(draft), xsrf=True)
    assert status == 200 and answer["body"] == draft["body"], "the same write with the header goes through"


def test_a_missing_token_is_a_message_in_the_tab(page: Any, tmp_path: Path) -> None:
    with running_lab(tmp_path, env={"GITHUB_TOKEN": "", "GITHUB_API_URL": ""}) as lab:  # github.com's API
        pg = page.context.new_page()
        pg.goto(f"{lab.url}/lab?token={lab.token}")
        pg.wait_for_selector(".jp-DirListing-item")
        card = pg.locator(".jp-LauncherCard", has_text="Review pull request…")  # the launcher's card this time
        card.click()
        answer_dialog(pg, "octo/notebooks")  # no number: said, and no tab
        pg.locator(".jp-Dialog", has_text="is not a pull request: give OWNER/NAME#N or its URL").wait_for()
        pg.keyboard.press("Escape")
        pg.locator(".jp-Dialog").wait_for(state="detached")
        assert pg.locator(".nbreview-pull").count() == 0
        card.click()
        answer_dialog(pg, "https://github.com/octo/notebooks/pull/7/files")
        frame = pg.frame_locator(".nbreview-pull iframe")
        assert pg.locator(".lm-TabBar-tab", has_text="Review octo/notebooks#7").count() == 1
        frame.get_by_text("no GitHub token").wait_for()
        text = frame.locator("body").inner_text()
        assert "no GitHub token: set GITHUB_TOKEN" in text and "c.Nbreview.github_token" in text
        assert "Traceback" not in text
        pg.close()
