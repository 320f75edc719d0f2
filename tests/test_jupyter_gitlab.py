"""A GitLab merge request's review inside JupyterLab: a real ``jupyter lab`` against the fake GitLab, in chromium.

The server gets its GitLab token from its environment (``GITLAB_TOKEN``) and the GitLab server from
its configuration (``--Nbreview.gitlab_url``). A user runs "Review pull request…" from the palette
and gives the merge request's URL (``…/group/project/-/merge_requests/5``): the tab opens the same
review page through ``hosts.gitlab``, someone's discussion shows under its line, and a comment
written there is posted as a positioned discussion on that line; the tab comes back after a reload
(as ``group/project!5``). A merge request's URL on another
host is refused in one line; the page needs Jupyter's login. Skips (with the reason) only where
chromium or the built labextension is missing; under CI both are required.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import line_number
from support.jupyter import Lab, lab_page, require_labextension, run_review_command, running_lab
from support.review_hosts import GITLAB_IID, GITLAB_REVIEWER, GitLabSide, gitlab_side
from support.review_world import PATH, json_line


@pytest.fixture(scope="module")
def gl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitLabSide]:
    """The example notebook's merge request !5 of ``group/project`` in the fake GitLab."""
    with gitlab_side(tmp_path_factory.mktemp("gl")) as side:
        yield side


@pytest.fixture(scope="module")
def lab(gl: GitLabSide, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_labextension()
    env = {"GITLAB_TOKEN": GITLAB_REVIEWER, "CI_SERVER_URL": "http://127.0.0.1:9/not-this-one"}
    with running_lab(tmp_path_factory.mktemp("lab"), extra=(f"--Nbreview.gitlab_url={gl.url}",), env=env) as running:
        yield running


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Any]:
    with lab_page(lab, "lab", ".jp-DirListing-item") as pg:
        yield pg


def test_review_a_merge_request_from_the_palette(page: Any, gl: GitLabSide, lab: Lab) -> None:
    root_note = gl.seed(2, 1, "Why parse the dates here? ~bug")
    run_review_command(page, f"{gl.url}/group/project/-/merge_requests/{GITLAB_IID}")
    frame = page.frame_locator(".nbreview-pull iframe")
    frame.locator("body[data-threads-loaded]").wait_for()
    assert page.locator(".lm-TabBar-tab", has_text=f"Review group/project!{GITLAB_IID}").count() == 1
    assert frame.locator(".prcontext .prtitle").inner_text().endswith(f"!{GITLAB_IID}")

    thread = frame.locator(f"#n2 tr.thr .thread[data-thread='{root_note}']")
    assert "Why parse the dates here?" in thread.inner_text()
    assert "read_csv" in thread.locator("xpath=ancestor::tr[1]/preceding-sibling::tr[1]").inner_text()

    line_number(frame, "n6", "new", 2).click()
    box = frame.locator(".thread.draft").last
    box.locator("textarea").fill("Is a 24-step horizon enough?")
    box.get_by_role("button", name="Add single comment").click()
    frame.locator("#n6 .thread:not(.draft)").first.wait_for()
    [posted] = [n for n in gl.mr.notes if "24-step" in n.body]
    assert posted.username == "ann" and posted.kind == "DiffNote"
    assert posted.position["new_line"] == json_line(gl.texts()[1], 6, 2) and posted.position["new_path"] == PATH
    assert posted.position["head_sha"] == gl.mr.versions[-1].head_sha

    assert lab.get(f"/nbreview/mr/group/project/{GITLAB_IID}", auth=False)[0] in (302, 403), "Jupyter's login"

    page.reload()  # JupyterLab restores the tab: the command runs again with group/project!5
    restored = page.frame_locator(".nbreview-pull iframe")
    restored.locator("body[data-threads-loaded]").wait_for()
    assert restored.locator("#n6 .thread:not(.draft)").count() == 1


def test_a_merge_request_on_another_gitlab_is_refused_in_one_line(page: Any, gl: GitLabSide) -> None:
    run_review_command(page, "https://gitlab.example.com/data/notebooks/-/merge_requests/12")
    frame = page.frame_locator(".nbreview-pull iframe >> nth=-1")
    frame.get_by_text("that merge request is on gitlab.example.com").wait_for()
    text = frame.locator("body").inner_text()
    assert f"but this server reads {gl.url.split('//')[1]}" in text and "c.Nbreview.gitlab_url" in text
    assert "Traceback" not in text
