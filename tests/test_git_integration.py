"""nbreview wired into a real git repository: install, git diff / log -p / show, difftool, uninstall.

Every test runs git in a temporary repository with HOME pointing at a temporary folder and
GIT_CONFIG_NOSYSTEM=1, so the user's own git configuration is never read or touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.git import DRIVER, NBREVIEW, Repo, needs_git
from support.notebooks import code_cell, md_cell, notebook, write_nb
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD

pytestmark = needs_git
ESC = "\x1b["


def test_install_git_diff_and_idempotence(repo: Repo) -> None:
    out = repo.nbreview("git", "install")
    assert f"set diff.nbreview.command = {DRIVER}" in out
    assert "wrote '*.ipynb diff=nbreview" in out
    assert repo.git("config", "--local", "diff.nbreview.command").strip() == DRIVER
    tool = repo.git("config", "--local", "difftool.nbreview.cmd").strip()
    assert tool == f'{NBREVIEW} difftool "$LOCAL" "$REMOTE" --path "$MERGED"'
    attributes = (repo.root / ".git" / "info" / "attributes").read_text()
    assert "*.ipynb diff=nbreview" in attributes
    assert not (repo.root / ".gitattributes").exists()
    # twice: nothing changes
    assert repo.nbreview("git", "install").startswith("already installed (local)")
    assert (repo.root / ".git" / "info" / "attributes").read_text() == attributes

    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    repo.write("notes.txt", "second\n")
    out = repo.git("diff")
    lines = out.splitlines()
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in lines
    assert any(x.startswith("── cell [2] → [2] · code · modified") for x in lines)
    assert "  + df = pd.read_csv('sales.csv', parse_dates=['month'])" in lines
    assert '"cell_type"' not in out  # no raw JSON
    # other files keep git's own diff
    assert "-first" in lines and "+second" in lines and "diff --git a/notes.txt b/notes.txt" in lines
    assert ESC not in out  # not a terminal, no colour


# git runs a command holding none of these itself, without ``sh -c`` (run-command.c, prepare_shell_cmd).
GIT_SHELL_CHARS = set("|&;<>()$`\\\"' \t\n*?[#~=%")


def test_install_sets_a_one_word_driver_and_upgrades_an_older_install(repo: Repo) -> None:
    """The diff command is the ``nbreview-git-diffdriver`` script (no shell per notebook); an older
    install's ``nbreview git-diffdriver`` keeps working, and installing again switches it over."""
    repo.git("config", "diff.nbreview.command", f"{NBREVIEW} git-diffdriver")  # what earlier installs wrote
    (repo.root / ".git" / "info" / "attributes").write_text("*.ipynb diff=nbreview\n")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    older = repo.git("diff")
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in older.splitlines()
    assert f"set diff.nbreview.command = {DRIVER}" in repo.nbreview("git", "install")
    assert repo.git("diff") == older
    assert repo.git("-c", "color.ui=always", "diff") == repo.git(
        "-c", "color.ui=always", "-c", f"diff.nbreview.command={NBREVIEW} git-diffdriver", "diff")
    if not GIT_SHELL_CHARS & set(DRIVER):
        assert not GIT_SHELL_CHARS & set(repo.git("config", "diff.nbreview.command").strip())


def test_colour_follows_git(repo: Repo) -> None:
    repo.nbreview("git", "install")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    coloured = repo.git("-c", "color.ui=always", "diff")
    assert ESC + "1mnbreview a/analysis.ipynb" in coloured
    assert "48;5;22m" in coloured  # added lines on the green tint
    assert ESC not in repo.git("-c", "color.ui=never", "diff")
    assert ESC not in repo.git("diff")  # auto, and stdout is a pipe
    repo.env["NBREVIEW_COLOR"] = "always"
    assert "48;5;22m" in repo.git("diff")


def test_log_p_and_show(repo: Repo) -> None:
    repo.nbreview("git", "install", "--textconv")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    repo.commit("second")
    log = repo.git("log", "-p", "-1", "--format=%s")
    assert "# %% [markdown]" in log  # textconv: a readable text form, not JSON
    assert "-We look at monthly sales and fit a trend." in log.splitlines()
    assert "+df = pd.read_csv('sales.csv', parse_dates=['month'])" in log.splitlines()
    assert "iVBOR" not in log and '"outputs"' not in log
    show = repo.git("show", "--format=")
    assert "+df = pd.read_csv('sales.csv', parse_dates=['month'])" in show.splitlines()
    assert any(x.startswith("+#│ [image/png 240×160") for x in show.splitlines())
    ext = repo.git("show", "--ext-diff", "--format=")
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in ext
    assert "  output 0 · display_data · changed: image/png 240×160, 2.2% of pixels changed" in ext.splitlines()
    ext_log = repo.git("log", "-p", "--ext-diff", "--format=%s")
    assert "nbreview /dev/null → b/analysis.ipynb (new notebook)" in ext_log


def test_added_and_deleted_notebooks_through_dev_null(repo: Repo) -> None:
    repo.nbreview("git", "install")
    write_nb(repo.root / "new.ipynb", notebook([md_cell("# Fresh"), code_cell("x = 1")]))
    repo.git("add", "new.ipynb")
    out = repo.git("diff", "--cached")
    assert "nbreview /dev/null → b/new.ipynb (new notebook)" in out
    assert "  + # Fresh" in out.splitlines() and "  + x = 1" in out.splitlines()
    assert "(mode" not in out
    repo.commit("add")
    repo.git("mv", "new.ipynb", "renamed.ipynb")
    write_nb(repo.root / "renamed.ipynb", notebook([md_cell("# Fresh"), code_cell("x = 2")]))
    repo.git("add", "-A")
    out = repo.git("diff", "--cached", "-M")
    assert "nbreview a/new.ipynb → b/renamed.ipynb (renamed from new.ipynb)" in out
    assert "  - x = 1" in out.splitlines() and "  + x = 2" in out.splitlines()
    repo.commit("rename")
    repo.git("rm", "-q", "analysis.ipynb")
    out = repo.git("diff", "--cached")
    assert "nbreview a/analysis.ipynb → /dev/null (deleted)" in out
    assert "  - import pandas as pd" in out.splitlines()


def test_conflict_markers_fall_back_to_text_diff(repo: Repo) -> None:
    repo.nbreview("git", "install")
    text = EXAMPLE_OLD.read_text().replace(
        '    "# Sales analysis\\n",\n',
        '<<<<<<< ours\n    "# Sales analysis\\n",\n=======\n    "# Sales\\n",\n>>>>>>> theirs\n',
    )
    assert "<<<<<<<" in text
    repo.write("analysis.ipynb", text)
    proc = subprocess.run(["git", "diff"], cwd=repo.root, env=repo.env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    notice = next(x for x in lines if x.startswith("! "))
    assert "invalid JSON" in notice and "conflict markers" in notice and "showing a plain text diff" in notice
    assert "+<<<<<<< ours" in lines and "+>>>>>>> theirs" in lines
    assert "--- a/analysis.ipynb" in lines
    # textconv never fails either
    repo.nbreview("git", "install", "--textconv")
    repo.commit("broken")
    log = repo.git("log", "-p", "-1", "--format=")
    assert "# nbreview: not shown as a notebook" in log and "+<<<<<<< ours" in log


def test_lfs_pointer_is_reported_as_such(repo: Repo) -> None:
    repo.nbreview("git", "install")
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n"
    repo.write("big.ipynb", pointer.format("a" * 64, 1234))
    repo.commit("lfs")
    repo.write("big.ipynb", pointer.format("b" * 64, 5678))
    out = repo.git("diff")
    assert "nbreview a/big.ipynb → b/big.ipynb" in out
    assert "! git-lfs pointer, not notebook content: git-lfs pointer (sha256:aaaaaaaaaaaa…, 1234 bytes)" in out
    assert "git lfs pull" in out
    assert "invalid JSON" not in out


def test_difftool_non_interactive(repo: Repo) -> None:
    repo.nbreview("git", "install")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    repo.commit("second")
    repo.env["NBREVIEW_DIFFTOOL"] = "terminal"
    out = repo.git("difftool", "-y", "-t", "nbreview", "HEAD~1", "HEAD")
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in out
    assert "  + df = pd.read_csv('sales.csv', parse_dates=['month'])" in out.splitlines()


def test_uninstall_restores_everything(repo: Repo) -> None:
    repo.write(".gitattributes", "*.csv text eol=lf\n")
    repo.commit("attrs")
    before_config = repo.git("config", "--local", "--list")
    repo.nbreview("git", "install")
    assert "nbreview" in repo.git("config", "--local", "--list")
    out = repo.nbreview("git", "uninstall")
    assert 'removed [diff "nbreview"]' in out and 'removed [difftool "nbreview"]' in out
    assert repo.git("config", "--local", "--list") == before_config
    assert (repo.root / ".gitattributes").read_text() == "*.csv text eol=lf\n"
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    assert '"cell_type"' in repo.git("diff")  # plain JSON diff again
    assert repo.nbreview("git", "uninstall").startswith("nothing to remove")


def test_uninstall_removes_an_attributes_file_it_created(repo: Repo) -> None:
    repo.nbreview("git", "install")
    assert (repo.root / ".git" / "info" / "attributes").exists()
    repo.nbreview("git", "uninstall")
    assert not (repo.root / ".git" / "info" / "attributes").exists()
    assert not (repo.root / ".gitattributes").exists()


def test_global_install_uses_home_only(repo: Repo, home: Path, tmp_path: Path) -> None:
    out = repo.nbreview("git", "install", "--global")
    attrs = home / ".config" / "git" / "attributes"
    assert f"to {attrs}" in out
    assert "*.ipynb diff=nbreview" in attrs.read_text()
    assert '[diff "nbreview"]' in (home / ".gitconfig").read_text()
    assert not (repo.root / ".gitattributes").exists()
    other = Repo(tmp_path / "other", repo.env)
    other.root.mkdir()
    other.git("init", "-q")
    write_nb(other.root / "n.ipynb", notebook([code_cell("a = 1")]))
    other.commit("one")
    write_nb(other.root / "n.ipynb", notebook([code_cell("a = 2")]))
    assert "  + a = 2" in other.git("diff").splitlines()
    status = repo.nbreview("git", "status")
    assert "global:" in status and "local: not installed" in status
    assert "effective for *.ipynb here: diff=nbreview" in status
    repo.nbreview("git", "uninstall", "--global")
    assert not attrs.exists()
    assert "nbreview" not in (home / ".gitconfig").read_text()


def test_global_install_honours_core_attributes_file(repo: Repo, home: Path) -> None:
    custom = home / "my-attributes"
    custom.write_text("*.png binary\n")
    repo.git("config", "--global", "core.attributesFile", str(custom))
    repo.nbreview("git", "install", "--global")
    assert custom.read_text().startswith("*.png binary\n") and "*.ipynb diff=nbreview" in custom.read_text()
    repo.nbreview("git", "uninstall", "--global")
    assert custom.read_text() == "*.png binary\n"


def test_status_reports_other_drivers_and_precedence(repo: Repo) -> None:
    repo.write(".gitattributes", "*.ipynb diff=jupyternotebook\n")
    out = repo.nbreview("git", "install")
    assert "note:" in out and "diff=jupyternotebook" in out
    status = repo.nbreview("git", "status")
    assert "local:" in status and f"diff      {DRIVER}" in status
    assert "also in .gitattributes: line 1: *.ipynb diff=jupyternotebook" in status
    assert "effective for *.ipynb here: diff=nbreview" in status


def test_merge_wiring_follows_what_exists(repo: Repo) -> None:
    import importlib.util

    out = repo.nbreview("git", "install")
    has_merge = importlib.util.find_spec("nbreview.cli.merge_cmd") is not None
    driver = repo.git("config", "--local", "merge.nbreview.driver", check=False).strip()
    if has_merge:
        assert driver == f"{NBREVIEW} merge %O %A %B -o %A --path %P --base-label %S --local-label %X --remote-label %Y"
        assert "merge=nbreview" in (repo.root / ".git" / "info" / "attributes").read_text()
    else:
        assert driver == "" and "git's default merge stays" in out
    has_tool = importlib.util.find_spec("nbreview.cli.mergetool_cmd") is not None
    tool = repo.git("config", "--local", "mergetool.nbreview.cmd", check=False).strip()
    assert (tool == f'{NBREVIEW} mergetool "$BASE" "$LOCAL" "$REMOTE" "$MERGED"') == has_tool
    if has_tool:
        assert repo.git("config", "--local", "mergetool.nbreview.trustExitCode").strip() == "true"


def test_coexists_with_a_clean_filter(repo: Repo) -> None:
    """An nbstripout-like clean filter keeps working; the driver sees the cleaned blobs git hands it."""
    strip = (
        f"{sys.executable} -c \"import json,sys; nb=json.load(sys.stdin); "
        "[c.update(outputs=[], execution_count=None) for c in nb['cells'] if c['cell_type']=='code']; "
        'json.dump(nb, sys.stdout, indent=1)"'
    )
    repo.git("config", "filter.strip.clean", strip)
    repo.write(".gitattributes", "*.ipynb filter=strip\n")
    repo.git("add", "--renormalize", ".")
    repo.commit("strip")
    repo.nbreview("git", "install")
    assert repo.git("config", "filter.strip.clean").strip() == strip
    assert (repo.root / ".gitattributes").read_text().startswith("*.ipynb filter=strip\n")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    # Against the work tree git hands the driver the file itself (outputs and all) ...
    assert "image/png 240×160" in repo.git("diff")
    # ... while committed blobs went through the filter: the diff between commits has no outputs.
    repo.commit("second")
    out = repo.git("diff", "HEAD~1", "HEAD")
    assert "  + df = pd.read_csv('sales.csv', parse_dates=['month'])" in out.splitlines()
    assert "pixels changed" not in out and "output 0" not in out
    repo.nbreview("git", "uninstall")
    assert (repo.root / ".gitattributes").read_text() == "*.ipynb filter=strip\n"


def test_driver_with_wrong_files_still_exits_zero(repo: Repo) -> None:
    """Called by hand on a missing file or a non-notebook, the driver still prints a diff and exits 0."""
    (repo.root / "a.ipynb").write_text(json.dumps({"just": "json"}))
    out = repo.nbreview("git-diffdriver", "x.ipynb", "a.ipynb", "0" * 40, "100644", "/dev/null", "0" * 40, "100644")
    assert "is JSON but not a Jupyter notebook" in out and '-{"just": "json"}' in out


def test_difftool_opens_the_review_page_or_falls_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nbreview.cli.main import main

    calls: list[tuple[list[object], dict[str, object]]] = []

    def fake_serve(sources: list[object], **kw: object) -> int:
        calls.append((sources, kw))
        return 0

    monkeypatch.delenv("NBREVIEW_DIFFTOOL", raising=False)
    monkeypatch.setenv("MERGED", "docs/analysis.ipynb")
    server = pytest.importorskip("nbreview.web.server")

    monkeypatch.setattr(server, "serve", fake_serve)
    assert main(["difftool", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--no-browser"]) == 0
    [(sources, kw)] = calls
    [pair] = sources
    assert pair.path == "docs/analysis.ipynb" and pair.status == "modified"
    assert pair.old.label == "a/docs/analysis.ipynb"
    assert kw == {"open_browser": False, "difftool": True}
    # no web package: the terminal diff, with a note on stderr
    monkeypatch.setitem(sys.modules, "nbreview.web.server", None)
    assert main(["difftool", str(EXAMPLE_OLD), str(EXAMPLE_NEW)]) == 0
    captured = capsys.readouterr()
    assert "review page is not available" in captured.err
    assert "nbreview a/docs/analysis.ipynb → b/docs/analysis.ipynb" in captured.out


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux 'script' is not installed")
def test_colour_in_git_pager_on_a_terminal(repo: Repo) -> None:
    """On a terminal git pages; the driver's stdout is the pager's pipe, and it still colours."""
    repo.nbreview("git", "install")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    env = dict(repo.env, GIT_PAGER="cat -v")
    proc = subprocess.run(
        ["script", "-qc", "git diff", "/dev/null"], cwd=repo.root, env=env, capture_output=True, text=True, timeout=60
    )
    assert "^[[1mnbreview a/analysis.ipynb" in proc.stdout  # cat -v shows ESC as ^[
    env["GIT_PAGER"] = "cat"
    plain = subprocess.run(
        ["script", "-qc", "git -c color.diff=never diff", "/dev/null"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "nbreview a/analysis.ipynb" in plain.stdout and "\x1b[1mnbreview" not in plain.stdout
