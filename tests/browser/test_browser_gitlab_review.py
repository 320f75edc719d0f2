"""The review page on a GitLab merge request, in chromium against the fake GitLab.

A discussion someone started on the MR shows under its line with GitLab's words around it (merge
request !5); a comment written on the page is posted as a positioned discussion on that line, a
reply joins the thread, and the thread is resolved from the page; the review panel offers "Request
changes" to a reviewer of the merge request only (GitLab's ``/request_changes`` quick action), and
says when GitLab's rate limit runs low.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import SCREENSHOTS, TOKEN, line_number, save_screenshot
from support.review_hosts import GitLabSide, gitlab_side
from support.review_world import PATH, json_line
from support.wsgi import serve_wsgi


@pytest.fixture
def gl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitLabSide]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with gitlab_side(tmp_path) as side:
        yield side


def start_page(side: GitLabSide) -> Iterator[str]:
    """The review server for the merge request, as ``nbreview review --gitlab-url … --mr 5`` starts it."""
    from nbreview.hosts.review import open_review
    from nbreview.web.app import Lifecycle, create_app

    session = open_review(side.host(), log=lambda line: None)
    app = create_app({"SOURCES": session.pairs, "TOKEN": TOKEN, "LIFECYCLE": Lifecycle(), "PR_SESSION": session})
    with serve_wsgi(app) as root:
        yield f"{root}/{TOKEN}"


def test_review_on_the_page_lands_on_the_merge_request(page: Any, gl: GitLabSide) -> None:
    root_note = gl.seed(2, 1, "Why parse the dates here? <script>alert(1)</script> ~bug")
    pages = start_page(gl)
    root = next(pages)
    page.goto(f"{root}/f/0")
    page.wait_for_selector("body[data-threads-loaded]")

    # the discussion sits under its line, its markdown made safe, in GitLab's words
    thread = page.locator(f"#n2 tr.thr .thread[data-thread='{root_note}']")
    assert thread.is_visible() and "Why parse the dates here?" in thread.inner_text()
    assert thread.locator("script").count() == 0
    assert "read_csv" in thread.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]").inner_text()
    assert page.locator(".prcontext .prtitle").inner_text().endswith("!5")

    # a comment on one line, posted at once (not part of a review)
    line_number(page, "n6", "new", 2).click()
    box = page.locator(".thread.draft").last
    box.locator("textarea").fill("Is a 24-step horizon enough?")
    box.get_by_role("button", name="Add single comment").click()
    page.wait_for_function("() => document.querySelectorAll('#n6 .thread:not(.draft)').length === 1")
    [posted] = [n for n in gl.mr.notes if "24-step" in n.body]
    head = gl.texts()[1]
    assert posted.kind == "DiffNote" and posted.position["new_line"] == json_line(head, 6, 2)
    assert posted.position["head_sha"] == gl.mr.versions[-1].head_sha and posted.position["new_path"] == PATH

    # a reply, then resolving the thread from the page
    thread.get_by_role("button", name="Reply…").click()
    thread.locator(".replybox textarea").fill("Dates come parsed from the CSV.")
    thread.locator(".replybox").get_by_role("button", name="Reply").click()
    page.wait_for_function(f"() => document.querySelectorAll(\"[data-thread='{root_note}'] .comment\").length === 2")
    page.locator(f"[data-thread='{root_note}']").get_by_role("button", name="Resolve conversation").click()
    page.wait_for_selector(f".thread.resolved[data-thread='{root_note}']")
    assert all(n.resolved_by == "ann" for n in gl.mr.thread(gl.mr.notes[0].discussion_id))
    page.locator(f".thread.resolved[data-thread='{root_note}'] summary").click()
    if SCREENSHOTS.is_dir():
        page.locator("#n2").scroll_into_view_if_needed()
        save_screenshot(page.screenshot(), "review-gitlab.png")

    # the review panel offers what GitLab has: comment and approve
    page.locator(".reviewbtn").click()
    assert page.locator(".reviewpanel input[value=REQUEST_CHANGES]").is_hidden()
    assert page.locator(".reviewpanel input[value=APPROVE]").is_visible()


def test_a_reviewer_requests_changes_from_the_page(page: Any, gl: GitLabSide) -> None:
    """Also: GitLab's ``RateLimit-*`` headers low (under a tenth left) are said in the page's header."""
    gl.mr.reviewers["ann"] = "unreviewed"
    gl.fake.rate_limit, gl.fake.rate_observed = 2000, 1900
    pages = start_page(gl)
    root = next(pages)
    page.goto(f"{root}/f/0")
    page.wait_for_selector("body[data-threads-loaded]")
    assert "of 2000 GitLab API requests left" in page.locator(".prcontext .ratelow").inner_text()
    page.locator(".reviewbtn").click()
    panel = page.locator("dialog.reviewpanel")
    panel.locator("textarea").fill("Please add a test for the forecast.")
    panel.get_by_label("Request changes").check()
    panel.get_by_role("button", name="Submit review").click()
    page.wait_for_function("() => !document.querySelector('dialog.reviewpanel').open")
    page.wait_for_selector(".prcontext .submitted")
    assert "changes requested" in page.locator(".prcontext .submitted").inner_text()
    assert gl.mr.reviewers["ann"] == "requested_changes" and gl.publications() == 1
    assert [n.body for n in gl.mr.notes] == ["Please add a test for the forecast."]
    next(pages, None)
