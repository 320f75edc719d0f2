"""The mergetool page in headless chromium: resolve, save and close, alone and under 'git mergetool'."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from nbreview.merge import validate
from support.git import NBREVIEW
from support.merge_tool import read_url, resolve_in_page, triple, write_triple


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_triple(tmp_path)


def start_mergetool(files: dict[str, Path]) -> subprocess.Popen[str]:
    """``nbreview mergetool BASE LOCAL REMOTE MERGED --no-browser``: the page's URL is on its stdout."""
    return subprocess.Popen([NBREVIEW, "mergetool", *(str(files[k]) for k in ("base", "local", "remote", "merged")),
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_browser_resolve_save_and_close_returns_0(browser: Any, files: Any) -> None:
    proc = start_mergetool(files)
    try:
        url = read_url(proc)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        resolve_in_page(page, url)
        page.close()
        assert proc.wait(timeout=20) == 0
        assert errors == []
    finally:
        if proc.poll() is None:
            proc.kill()
    nb = json.loads(files["merged"].read_text())
    assert ["".join(c["source"]) for c in nb["cells"]][:2] == [
        "# Report <script>alert(1)</script>\n# Annual report\n\nQuarterly numbers.", "rate = 0.175\nprint(rate)"]
    validate(nb)


def test_browser_close_without_saving_returns_1_and_leaves_merged(browser: Any, files: Any) -> None:
    before = files["merged"].read_bytes()
    proc = start_mergetool(files)
    try:
        page = browser.new_page()
        page.goto(read_url(proc))
        page.locator("section.conflict button[data-choice=local]").first.click()
        page.close()
        assert proc.wait(timeout=20) == 1
        assert proc.stderr is not None and "not saved" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert files["merged"].read_bytes() == before


def conflicted_repo(tmp_path: Path) -> tuple[Path, Any]:
    """A repository whose 'git merge' left report.ipynb conflicted (the four conflicts of triple())."""
    from nbreview.io.write import dumps_notebook

    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="a@example.org",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="a@example.org", BROWSER="true")
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
        assert not ok or proc.returncode == 0, proc.stderr
        return proc

    def save(nb: dict[str, Any], msg: str) -> None:
        (repo / "report.ipynb").write_text(dumps_notebook(nb))
        git("add", "report.ipynb")
        git("commit", "-q", "-m", msg)

    git("init", "-q", "-b", "main")
    assert subprocess.run([NBREVIEW, "git", "install", "--local"], cwd=repo, env=env, check=False).returncode == 0
    base, local, remote = triple()
    save(base, "base")
    git("checkout", "-q", "-b", "feature")
    save(remote, "remote")
    git("checkout", "-q", "main")
    save(local, "local")
    assert git("merge", "--no-edit", "feature", ok=False).returncode == 1
    assert git("diff", "--name-only", "--diff-filter=U").stdout.split() == ["report.ipynb"]
    return repo, git


def run_git_mergetool(repo: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.update(HOME=str(repo.parent / "home"), GIT_CONFIG_NOSYSTEM="1", BROWSER="true")
    return subprocess.Popen(["git", "mergetool", "-t", "nbreview", "-y"], cwd=repo, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_mergetool_runs_the_page_and_git_takes_the_result(browser: Any, tmp_path: Path) -> None:
    repo, git = conflicted_repo(tmp_path)
    tool = run_git_mergetool(repo)
    try:
        page = browser.new_page()
        resolve_in_page(page, read_url(tool))
        page.close()
        assert tool.wait(timeout=30) == 0
    finally:
        if tool.poll() is None:
            tool.kill()
    assert git("diff", "--name-only", "--diff-filter=U").stdout == ""
    git("commit", "-q", "--no-edit")
    merged = json.loads(git("show", "HEAD:report.ipynb").stdout)
    assert "".join(merged["cells"][1]["source"]) == "rate = 0.175\nprint(rate)"
    assert merged["metadata"]["kernelspec"]["name"] == "conda-env"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_mergetool_keeps_hand_edits_and_says_so(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    repo, git = conflicted_repo(tmp_path)
    path = repo / "report.ipynb"
    raw = json.loads(path.read_text())
    src = "".join(raw["cells"][1]["source"])
    assert src.startswith("<<<<<<< HEAD\n")  # git's labels, as the driver wrote them
    raw["cells"][1]["source"] = "rate = 0.3  # agreed\nprint(rate)"  # resolved by hand in an editor
    path.write_text(json.dumps(raw, indent=1))
    tool = run_git_mergetool(repo)
    try:
        page = browser.new_page()
        page.goto(read_url(tool))
        expect(page.locator("#hand-notice")).to_contain_text("edited by hand after the automatic merge")
        assert page.inner_text("#progress") == "4 conflicts · 1 resolved"
        sections = page.locator("section.conflict:not([data-hand])")
        assert sections.count() == 3
        for k in range(3):
            sections.nth(k).locator("button[data-choice=remote]").click()
        assert page.inner_text("#progress") == "4 conflicts · 4 resolved"
        page.click("#save")
        expect(page.locator("#status")).to_contain_text("saved, no conflicts left")
        page.close()
        assert tool.wait(timeout=30) == 0
    finally:
        if tool.poll() is None:
            tool.kill()
    assert git("diff", "--name-only", "--diff-filter=U").stdout == ""
    merged = json.loads(path.read_text())
    assert "".join(merged["cells"][1]["source"]) == "rate = 0.3  # agreed\nprint(rate)"
    assert "nbreview" not in merged["metadata"]
    assert subprocess.run([NBREVIEW, "check", str(path)], capture_output=True, check=False).returncode == 0
    validate(merged)


def test_browser_both_shows_the_servers_join(browser: Any, files: Any) -> None:
    """"both" (and a first edit) start from the text the server joined (merge.text.join_both): the
    page reads it from a data-part, it does not join local and remote itself."""
    from nbreview.merge.text import join_both

    proc = start_mergetool(files)
    try:
        page = browser.new_page()
        page.goto(read_url(proc))
        section = page.locator("section.conflict:has(button[data-choice=both])").first
        local = section.locator('pre[data-part="local"]').text_content() or ""
        remote = section.locator('pre[data-part="remote"]').text_content() or ""
        section.locator("button[data-choice=both]").click()
        assert section.locator("pre.preview").text_content() == join_both(local, remote)
        section.locator("button[data-choice=edit]").click()
        assert section.locator("textarea.edit").input_value() == join_both(local, remote)
        page.close()
    finally:
        if proc.poll() is None:
            proc.kill()
