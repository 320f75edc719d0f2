"""The JupyterLab extension in a real ``jupyter lab``, driven by Playwright in Debian's chromium.

A user opens a committed notebook, edits and saves a cell, clicks nbreview's toolbar button and
sees the changed cell in the review tab; an unsaved edit is saved and reviewed against the last
checkpoint; the palette lists the commands; the page's keys work inside the tab and do not
reach the notebook. Skips (with the reason) only where chromium or the built labextension is
missing; under CI both are required (``make test`` builds the labextension).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import SCREENSHOTS
from support.jupyter import Lab, git, lab_page, notebook, require_labextension, running_lab, write_notebook

NOTEBOOK = "analysis/nb.ipynb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_labextension()
    with running_lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Any]:
    """A Lab page logged in with the server's token, the committed notebook open."""
    with lab_page(lab, f"lab/tree/{NOTEBOOK}", ".jp-NotebookPanel .jp-Cell .cm-content", height=820) as pg:
        yield pg


def button(pg: Any, name: str) -> Any:
    return pg.locator(f'.jp-NotebookPanel-toolbar [data-jp-item-name="nbreview-{name}"]')


def edit_cell(pg: Any, index: int, text: str) -> None:
    """Replace the source of code cell ``index`` by typing, as a user does."""
    editor = pg.locator(".jp-NotebookPanel .jp-Cell .cm-content").nth(index)
    editor.click()
    pg.keyboard.press("Control+a")
    pg.keyboard.type(text)


def wait_saved(path: Path, text: str) -> None:
    deadline = time.monotonic() + 30
    while text not in path.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"{path.name} was not saved with {text!r}"
        time.sleep(0.2)


def review_frame(pg: Any, old: str) -> Any:
    """The review tab's iframe (its tab is the one comparing against ``old``), once its page has loaded."""
    tab = pg.locator(f'.nbreview-review[id^="nbreview:{old}:"]')
    tab.wait_for()
    frame = pg.frame_locator(f'.nbreview-review[id^="nbreview:{old}:"] iframe')
    frame.locator("main article.nb").wait_for()
    return frame


def test_toolbar_buttons_have_icons_and_tooltips(page: Any) -> None:
    for name, words in (("checkpoint", "since the last checkpoint"), ("head", "git HEAD")):
        item = button(page, name)
        item.wait_for()
        assert item.locator("svg").count() == 1
        assert words in (item.locator("[title]").first.get_attribute("title") or "")


def test_saved_edit_shows_in_the_review_tab_against_head(page: Any, lab: Lab) -> None:
    edit_cell(page, 1, "print('edited in the browser')")
    page.keyboard.press("Control+s")
    wait_saved(lab.root / NOTEBOOK, "edited in the browser")
    button(page, "head").click()
    frame = review_frame(page, "HEAD")
    changed = frame.locator(".cell.chg")
    assert changed.count() == 1
    assert "edited in the browser" in changed.first.inner_text()
    assert "committed line" in changed.first.inner_text(), "side by side: the old line beside the new"
    assert "HEAD:analysis/nb.ipynb" in frame.locator("header.top").inner_text()
    if os.environ.get("NBREVIEW_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab.png"))


def test_unsaved_edit_is_saved_and_reviewed_against_the_checkpoint(page: Any, lab: Lab) -> None:
    # Ctrl+S above made a checkpoint; this edit is not saved before the click.
    page.locator(".jp-NotebookPanel").first.click(position={"x": 5, "y": 60})
    edit_cell(page, 0, "total = 40 + 2")
    button(page, "checkpoint").click()
    frame = review_frame(page, "checkpoint")
    wait_saved(lab.root / NOTEBOOK, "total = 40 + 2")
    changed = frame.locator(".cell.chg")
    assert changed.count() == 1, "only the edit since the checkpoint, not the one saved before it"
    assert "40 + 2" in changed.first.inner_text()
    assert "(checkpoint)" in frame.locator("header.top").inner_text()


def test_keys_work_inside_the_tab_and_stay_there(page: Any) -> None:
    frame = review_frame(page, "checkpoint")
    active_before = page.evaluate(
        "() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')].findIndex(c => "
        "c.classList.contains('jp-mod-active'))")
    frame.locator("header.top .brand").click()
    page.keyboard.press("t")
    assert "unified" in (frame.locator("html").get_attribute("class") or "")
    page.keyboard.press("j")
    frame.locator(".cell.chg.cur").wait_for()
    page.keyboard.press("t")
    assert "unified" not in (frame.locator("html").get_attribute("class") or "")
    active_after = page.evaluate(
        "() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')].findIndex(c => "
        "c.classList.contains('jp-mod-active'))")
    assert active_after == active_before, "the review page's j did not move JupyterLab's active cell"


def test_palette_lists_the_commands(page: Any) -> None:
    page.locator(".jp-NotebookPanel .jp-Cell").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Shift+c")
    search = page.locator(".lm-CommandPalette-input")
    search.wait_for()
    search.fill("Review changes")
    items = page.locator(".lm-CommandPalette-item")
    items.first.wait_for()
    labels = items.all_inner_texts()
    assert any("Review changes since checkpoint" in t for t in labels), labels
    assert any("Review changes against git HEAD" in t for t in labels), labels
    page.keyboard.press("Escape")


def require_jupyterlab_git() -> None:
    import importlib.util

    if importlib.util.find_spec("jupyterlab_git") is None:
        reason = "jupyterlab-git is not installed (the test extra installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def git_panel(pg: Any) -> Any:
    """jupyterlab-git's side panel, opened unless it is open already (its tab toggles it)."""
    panel = pg.locator("#jp-git-sessions")
    if not panel.is_visible():
        pg.locator('.jp-SideBar [data-id="jp-git-sessions"]').click()
    return panel


def git_diff_of_notebook(pg: Any) -> None:
    """In jupyterlab-git's panel, "Diff this file" on the notebook."""
    panel = git_panel(pg)
    panel.get_by_text("nb.ipynb").locator("visible=true").first.hover()
    panel.locator('button[title="Diff this file"]').locator("visible=true").first.click()


def test_jupyterlab_git_diff_shows_nbreviews_page(page: Any) -> None:
    """jupyterlab-git's "Diff this file" on the changed notebook opens nbreview's page, not nbdime's."""
    require_jupyterlab_git()
    git_diff_of_notebook(page)
    frame = page.frame_locator(".nbreview-git-diff iframe")
    frame.locator("main article.nb").wait_for()
    assert "(staged)" in frame.locator("header.top").inner_text(), "the working tree against the index"
    changed = frame.locator(".cell.chg").all_inner_texts()
    assert len(changed) == 2 and "40 + 2" in changed[0] and "edited in the browser" in changed[1]
    assert page.locator(".jp-git-diff-parent-widget .nbreview-git-diff").count() == 1


def shown_git_diff(pg: Any) -> Any:
    """The frame of the jupyterlab-git diff tab on screen (earlier diff tabs stay open behind it)."""
    frame = pg.frame_locator(".jp-git-diff-parent-widget:not(.lm-mod-hidden) .nbreview-git-diff iframe")
    frame.locator("main article.nb").wait_for()
    return frame


def git_panel_refresh(pg: Any) -> Any:
    """jupyterlab-git's panel, re-read now (after git commands run outside JupyterLab)."""
    panel = git_panel(pg)
    panel.locator('button[title^="Refresh the repository"]').click()
    return panel


def assert_shown_diff(page: Any, old: str, new: str, first_change: str) -> None:
    """nbreview's page in jupyterlab-git's diff tab: ``old`` against ``new`` in its header, and the two
    changed cells (``first_change`` in the first, the browser's edit in the second)."""
    frame = shown_git_diff(page)
    header = frame.locator("header.top").inner_text()
    assert old in header and new in header, header
    changed = frame.locator(".cell.chg").all_inner_texts()
    assert len(changed) == 2 and first_change in changed[0] and "edited in the browser" in changed[1]


def test_jupyterlab_git_staged_diff_is_the_index_against_head(page: Any, lab: Lab) -> None:
    """Staged changes: jupyterlab-git's diff of the index against HEAD, shown by nbreview."""
    require_jupyterlab_git()
    git(lab.root, "add", NOTEBOOK)
    git_panel_refresh(page).get_by_text("Staged", exact=True).wait_for()
    git_diff_of_notebook(page)
    assert_shown_diff(page, "HEAD:analysis/nb.ipynb", "analysis/nb.ipynb (staged)", "40 + 2")


def test_jupyterlab_git_history_diff_is_commit_against_its_parent(page: Any, lab: Lab) -> None:
    """A commit in jupyterlab-git's history, "View file changes" on the notebook: that commit against its parent."""
    require_jupyterlab_git()
    git(lab.root, "commit", "-q", "-m", "edited in the browser")
    sha, parent = git(lab.root, "rev-parse", "HEAD", "HEAD^").split()
    panel = git_panel_refresh(page)
    history = panel.locator('.lm-AccordionPanel-title[aria-label="History Section"]')
    commit = panel.locator(f'li[id="{sha}"]')
    for _ in range(2):  # the section may be "expanded" at zero height: fold and unfold it
        if commit.is_visible():
            break
        history.locator(".lm-AccordionPanel-titleLabel").click()
    commit.click()
    commit.locator('li[title="analysis/nb.ipynb"] button[title="View file changes"]').click()
    assert_shown_diff(page, f"{parent}:analysis/nb.ipynb", f"{sha}:analysis/nb.ipynb", "40 + 2")


def test_jupyterlab_git_compare_any_two_commits(page: Any, lab: Lab) -> None:
    """History's "Select for compare" on the first commit, "Compare with selected" on a later one (not its
    child): the notebook's diff between those two commits, shown by nbreview."""
    require_jupyterlab_git()
    write_notebook(lab.root / NOTEBOOK, notebook("total = 'third'", "print('edited in the browser')"))
    git(lab.root, "commit", "-q", "-am", "third")
    first = git(lab.root, "rev-list", "--max-parents=0", "HEAD").strip()
    third = git(lab.root, "rev-parse", "HEAD").strip()
    panel = git_panel_refresh(page)
    newest = panel.locator(f'li[id="{third}"]')
    newest.wait_for()
    panel.locator(f'li[id="{first}"]').hover()
    panel.locator(f'li[id="{first}"] button[title="Select for compare"]').click()
    newest.hover()
    newest.locator('button[title="Compare with selected"]').click()
    compare = panel.get_by_text(f"Compare {first[:7]} and {third[:7]}").locator("xpath=../..")
    compare.locator('li[title="analysis/nb.ipynb"] button[title="View file changes"]').click()
    assert_shown_diff(page, f"{first}:analysis/nb.ipynb", f"{third}:analysis/nb.ipynb", "'third'")


def test_jupyterlab_git_merge_conflict_keeps_its_merge_view(page: Any, tmp_path: Path) -> None:
    """A conflicted notebook still opens jupyterlab-git's nbdime merge view, with Mark as resolved."""
    require_jupyterlab_git()
    with running_lab(tmp_path) as lab:
        nb = lab.root / NOTEBOOK
        git(lab.root, "checkout", "-q", "-b", "theirs")
        write_notebook(nb, notebook("total = 1 + 1", "print('theirs')"))
        git(lab.root, "commit", "-qam", "theirs")
        git(lab.root, "checkout", "-q", "main")
        write_notebook(nb, notebook("total = 1 + 1", "print('ours')"))
        git(lab.root, "commit", "-qam", "ours")
        merge = subprocess.run(["git", "merge", "theirs"], cwd=lab.root, capture_output=True, text=True)
        assert "CONFLICT" in merge.stdout
        context = page.context.browser.new_context(viewport={"width": 1400, "height": 820})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(f"{lab.url}/lab?token={lab.token}")
        pg.wait_for_selector(".jp-DirListing-item")
        git_diff_of_notebook(pg)
        view = pg.locator(".jp-git-diff-parent-widget")
        view.get_by_text("Mark as resolved").wait_for()
        view.get_by_text("Common Ancestor").wait_for()
        assert view.locator(".nbreview-git-diff").count() == 0
        context.close()
