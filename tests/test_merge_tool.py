"""The mergetool page: the Flask app (token, escaping, save) and the real page in headless chromium,
on its own and run by 'git mergetool -t nbreview'."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import code_cell, md_cell, notebook, write_nb
from nbreview.merge import merge_structured, validate
from nbreview.web.mergetool import MergeSession, create_mergetool_app

NBREVIEW = str(Path(sys.executable).with_name("nbreview"))
TOKEN = "mergetool-test-token-0123456789"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def triple() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    base = notebook([
        md_cell("# Report\n\nQuarterly numbers."),
        code_cell("rate = 0.1\nprint(rate)"),
        code_cell("def tax(x):\n    return x * rate\n"),
        code_cell("print(tax(100))"),
    ])
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][0]["source"] = "# Report <script>alert(1)</script>\n\nQuarterly numbers."
    remote["cells"][0]["source"] = "# Annual report\n\nQuarterly numbers."
    local["cells"][1]["source"] = "rate = 0.2\nprint(rate)"
    remote["cells"][1]["source"] = "rate = 0.15\nprint(rate)"
    del local["cells"][2]
    remote["cells"][2]["source"] = "def tax(x):\n    return round(x * rate, 2)\n"
    local["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    remote["metadata"]["kernelspec"] = {"name": "conda-env", "display_name": "Python 3", "language": "python"}
    return base, local, remote


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    base, local, remote = triple()
    out = {name: write_nb(tmp_path / f"{name}.ipynb", nb) for name, nb in
           (("base", base), ("local", local), ("remote", remote))}
    out["merged"] = write_nb(tmp_path / "merged.ipynb", local)
    return out


def conflict_ids(session: MergeSession) -> dict[str, int]:
    """kind/cell -> conflict id, in a way the tests can name them."""
    names: dict[str, int] = {}
    for c in session.result.conflicts:
        if c.kind == "value":
            names["kernel"] = c.id
        elif c.kind == "delete":
            names["delete"] = c.id
        else:
            names["title" if "Report" in getattr(c.detail, "base", "") else "rate"] = c.id
    return names


@pytest.fixture
def app_session(files: dict[str, Path]) -> tuple[Any, MergeSession]:
    result = merge_structured(files["base"], files["local"], files["remote"])
    session = MergeSession(result, str(files["merged"]))
    app = create_mergetool_app(session, TOKEN)
    app.testing = True
    return app, session


def test_page_needs_the_token_and_escapes_notebook_text(app_session: Any) -> None:
    app, session = app_session
    client = app.test_client()
    assert client.get("/merge").status_code == 403
    first = client.get(f"/merge?token={TOKEN}")
    assert first.status_code == 303 and first.headers["Location"].endswith("/merge")
    page = client.get("/merge")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "4 conflicts · 0 resolved" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('<section class="conflict"') == 4
    assert "deleted on local, edited on remote" in html
    assert "notebook metadata: kernelspec/name set differently" in html


def test_save_with_every_conflict_resolved_writes_merged_and_exits_0(app_session: Any, files: Any) -> None:
    app, session = app_session
    ids = conflict_ids(session)
    client = app.test_client()
    client.get(f"/merge?token={TOKEN}")
    choices = {ids["title"]: "remote", ids["rate"]: {"edit": "rate = 0.175\n"}, ids["delete"]: "remote",
               ids["kernel"]: "remote"}
    resp = client.post("/merge/api/save", json={"choices": {str(k): v for k, v in choices.items()}})
    assert resp.status_code == 200 and resp.get_json()["unresolved"] == 0
    nb = json.loads(files["merged"].read_text())
    validate(nb)
    assert ["".join(c["source"]) for c in nb["cells"]] == [
        "# Annual report\n\nQuarterly numbers.", "rate = 0.175\nprint(rate)",
        "def tax(x):\n    return round(x * rate, 2)\n", "print(tax(100))"]
    assert nb["metadata"]["kernelspec"]["name"] == "conda-env" and "nbreview" not in nb["metadata"]
    assert session.exit_status == 0


def test_save_with_conflicts_left_marks_them_and_exits_1(app_session: Any, files: Any) -> None:
    app, session = app_session
    ids = conflict_ids(session)
    client = app.test_client()
    client.get(f"/merge?token={TOKEN}")
    resp = client.post("/merge/api/save", json={"choices": {str(ids["delete"]): "local"}})
    assert resp.get_json()["unresolved"] == 3
    nb = json.loads(files["merged"].read_text())
    assert len(nb["cells"]) == 3  # local deleted the cell, as chosen
    assert "<<<<<<< local\n" in nb["cells"][0]["source"]
    assert len(nb["metadata"]["nbreview"]["conflicts"]) == 3
    assert session.exit_status == 1


def test_bad_requests_write_nothing(app_session: Any, files: Any) -> None:
    app, session = app_session
    before = files["merged"].read_bytes()
    client = app.test_client()
    client.get(f"/merge?token={TOKEN}")
    assert client.post("/merge/api/save", json={"choices": {"99": "local"}}).status_code == 400
    assert client.post("/merge/api/save", json={"choices": {"0": "mine"}}).status_code == 400
    assert client.post("/merge/api/save", data="choices=0").status_code == 415
    other = app.test_client()  # no token cookie: refused before anything happens
    assert other.post("/merge/api/save", json={"choices": {}}).status_code == 403
    assert files["merged"].read_bytes() == before and not session.saved and session.exit_status == 1


# -- the real page in headless chromium ---------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make test installs it with scripts/ensure-chromium.sh)")
        pytest.skip("chromium not found")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def read_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    for _ in range(50):
        line = proc.stdout.readline()
        if line.startswith("Serving on "):
            return line.split()[-1]
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no URL from the mergetool (exit {proc.poll()}): {proc.stderr.read() if proc.stderr else ''}")


def resolve_in_page(page: Any, url: str) -> None:
    page.goto(url)
    assert page.inner_text("#progress") == "4 conflicts · 0 resolved"
    sections = page.locator("section.conflict")
    for k in range(sections.count()):
        s = sections.nth(k)
        kind = s.get_attribute("data-kind")
        text = s.inner_text()
        if kind == "value":
            s.locator("button[data-choice=remote]").click()
        elif kind == "delete":
            s.locator("button[data-choice=remote]").click()  # keep the edited cell
        elif "rate = 0.2" in text:
            s.locator("button[data-choice=edit]").click()
            area = s.locator("textarea.edit")
            assert area.input_value() == "rate = 0.2\nrate = 0.15\n"  # prefilled with both sides
            area.fill("rate = 0.175\n")
        else:
            s.locator("button[data-choice=both]").click()
            assert s.locator("pre.preview").inner_text().startswith("# Report <script>alert(1)</script>\n# Annual")
    assert page.inner_text("#progress") == "4 conflicts · 4 resolved"
    page.click("#save")
    from playwright.sync_api import expect

    expect(page.locator("#status")).to_contain_text("saved, no conflicts left")


def test_browser_resolve_save_and_close_returns_0(browser: Any, files: Any) -> None:
    proc = subprocess.Popen([NBREVIEW, "mergetool", str(files["base"]), str(files["local"]), str(files["remote"]),
                             str(files["merged"]), "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
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
    proc = subprocess.Popen([NBREVIEW, "mergetool", str(files["base"]), str(files["local"]), str(files["remote"]),
                             str(files["merged"]), "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
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


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_mergetool_runs_the_page_and_git_takes_the_result(browser: Any, tmp_path: Path) -> None:
    from nbreview.write import dumps_notebook

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
    git("add", ".gitattributes")
    save(base, "base")
    git("checkout", "-q", "-b", "feature")
    save(remote, "remote")
    git("checkout", "-q", "main")
    save(local, "local")
    assert git("merge", "--no-edit", "feature", ok=False).returncode == 1
    assert git("diff", "--name-only", "--diff-filter=U").stdout.split() == ["report.ipynb"]
    tool = subprocess.Popen(["git", "mergetool", "-t", "nbreview", "-y"], cwd=repo, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
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
