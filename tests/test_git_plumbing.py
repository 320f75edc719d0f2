"""git stays git with nbreview installed: raw plumbing, worktrees, difftool, status per piece, history.

Real temporary repositories, the git CLI and a throwaway HOME (see test_git_integration.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from support.git import DRIVER, NBREVIEW, Repo, needs_git
from support.notebooks import code_cell, md_cell, notebook, write_nb
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD

pytestmark = needs_git


def run(repo: Repo, *cmd: str, timeout: float = 60, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd), cwd=cwd or repo.root, env=repo.env, capture_output=True, text=True, timeout=timeout, check=False
    )


def history_of_three(repo: Repo) -> dict[str, str]:
    """Commits that add, modify and delete a notebook (and one touching no notebook): name -> sha."""
    shas = {}
    write_nb(repo.root / "fresh.ipynb", notebook([md_cell("# Fresh"), code_cell("x = 1\nprint(x)")]))
    repo.commit("add fresh")
    shas["added"] = repo.git("rev-parse", "HEAD").strip()
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    repo.commit("update analysis")
    shas["modified"] = repo.git("rev-parse", "HEAD").strip()
    repo.write("notes.txt", "second\n")
    repo.commit("notes only")
    repo.git("rm", "-q", "fresh.ipynb")
    repo.commit("drop fresh")
    shas["deleted"] = repo.git("rev-parse", "HEAD").strip()
    return shas


def tree_files(repo: Repo, rev: str) -> dict[str, bytes]:
    names = repo.git("ls-tree", "-r", "--name-only", rev).split()
    return {n: subprocess.run(["git", "show", f"{rev}:{n}"], cwd=repo.root, capture_output=True).stdout for n in names}


def work_files(repo: Repo) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in repo.root.iterdir() if p.is_file()}


# -- plumbing stays raw ----------------------------------------------------------------------


def test_default_install_keeps_plumbing_raw_and_patches_round_trip(repo: Repo, tmp_path: Path) -> None:
    out = repo.nbreview("git", "install")
    assert "patches apply" in out
    assert repo.git("config", "--local", "diff.nbreview.textconv", check=False) == ""
    shas = history_of_three(repo)
    for kind, sha in shas.items():
        patch = repo.git("show", sha)
        assert '"cell_type"' in patch and "nbreview a/" not in patch and "# %%" not in patch, kind
        # git show C | git apply, on the parent: the commit's tree again, byte for byte
        repo.git("checkout", "-q", "--detach", f"{sha}~1")
        (tmp_path / "p.diff").write_text(patch)
        repo.git("apply", str(tmp_path / "p.diff"))
        assert work_files(repo) == tree_files(repo, sha), kind
        repo.git("reset", "-q", "--hard")
        repo.git("clean", "-qfd")
        # git format-patch | git am: the same tree, committed
        mail = repo.git("format-patch", "-1", "--stdout", sha)
        (tmp_path / "p.mbox").write_text(mail)
        repo.git("am", "-q", str(tmp_path / "p.mbox"))
        assert repo.git("rev-parse", "HEAD^{tree}") == repo.git("rev-parse", f"{sha}^{{tree}}"), kind
        repo.git("checkout", "-q", "main")
    # git diff --no-ext-diff and git stash show -p: raw, and they apply
    repo.write("analysis.ipynb", EXAMPLE_OLD.read_text())
    wanted = (repo.root / "analysis.ipynb").read_bytes()
    raw = repo.git("diff", "--no-ext-diff")
    assert '"cell_type"' in raw and "nbreview a/" not in raw
    assert "nbreview a/analysis.ipynb" in repo.git("diff")  # while git diff itself is nbreview's
    repo.git("stash", "-q")
    stashed = repo.git("stash", "show", "-p")
    assert stashed == raw
    (tmp_path / "s.diff").write_text(stashed)
    repo.git("apply", str(tmp_path / "s.diff"))
    assert (repo.root / "analysis.ipynb").read_bytes() == wanted


def test_textconv_only_when_asked_cached_and_blame_lines_match(repo: Repo) -> None:
    out = repo.nbreview("git", "install", "--textconv")
    assert f"set diff.nbreview.textconv = {NBREVIEW} git-textconv" in out
    assert repo.git("config", "diff.nbreview.cachetextconv").strip() == "true"
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    repo.commit("second")
    log = repo.git("log", "-p", "-1", "--format=")
    assert "# %% [markdown]" in log and "+df = pd.read_csv('sales.csv', parse_dates=['month'])" in log.splitlines()
    assert repo.git("for-each-ref", "refs/notes/textconv/nbreview").strip()  # the cache git keeps
    # blame on the text form: line N of blame is line N of the text it shows
    text = repo.nbreview("git-textconv", "analysis.ipynb").splitlines()
    blame = repo.git("blame", "-s", "analysis.ipynb").splitlines()  # git applies the textconv by default
    assert len(blame) == len(text)
    raw = repo.git("blame", "--no-textconv", "-s", "analysis.ipynb").splitlines()
    assert len(raw) == len(EXAMPLE_NEW.read_text().splitlines()) != len(text)
    for k, line in enumerate(blame, 1):
        _sha, rest = line.split(" ", 1)
        number, _, content = rest.lstrip().partition(") ")
        assert int(number) == k and content == text[k - 1]
    # reinstalling without --textconv takes it out again; plumbing is raw once more
    out = repo.nbreview("git", "install")
    assert "unset diff.nbreview.textconv" in out and "unset diff.nbreview.cachetextconv" in out
    assert '"cell_type"' in repo.git("show", "--format=")


# -- worktrees and clones ------------------------------------------------------------------


def test_linked_worktree_gets_the_drivers_and_git_clean_keeps_them(repo: Repo, tmp_path: Path) -> None:
    # an older install's untracked .gitattributes line moves to info/attributes
    from nbreview.git.install import MARKER

    repo.write(".gitattributes", f"*.csv text\n{MARKER}\n*.ipynb diff=nbreview merge=nbreview\n")
    out = repo.nbreview("git", "install")
    assert "removed the line an older install wrote" in out
    assert (repo.root / ".gitattributes").read_text() == "*.csv text\n"
    (repo.root / ".gitattributes").unlink()
    repo.git("clean", "-qfdx")
    assert "*.ipynb diff=nbreview" in (repo.root / ".git" / "info" / "attributes").read_text()
    wt = Repo(tmp_path / "wt", repo.env)
    repo.git("worktree", "add", "-q", "-b", "topic", str(wt.root))
    assert wt.git("check-attr", "diff", "merge", "--", "analysis.ipynb").splitlines() == [
        "analysis.ipynb: diff: nbreview",
        "analysis.ipynb: merge: nbreview",
    ]
    nb = json.loads(EXAMPLE_OLD.read_text())
    nb["cells"][0]["source"] = ["# Sales analysis, topic\n"]
    wt.write("analysis.ipynb", json.dumps(nb, indent=1) + "\n")
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in wt.git("diff")
    wt.commit("topic edits the title")
    nb = json.loads(EXAMPLE_OLD.read_text())
    nb["cells"][-1]["source"] = ["print('main edits the last cell')"]
    repo.write("analysis.ipynb", json.dumps(nb, indent=1) + "\n")
    repo.commit("main edits the last cell")
    # the merge in the linked worktree goes through nbreview's driver: a valid notebook with both edits
    wt.git("merge", "-q", "--no-edit", "main")
    merged = json.loads((wt.root / "analysis.ipynb").read_text())
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in merged["cells"]]
    assert "# Sales analysis, topic\n" in sources and "print('main edits the last cell')" in sources


def test_status_in_a_fresh_clone_with_committed_attributes(repo: Repo, tmp_path: Path) -> None:
    repo.write(".gitattributes", "*.ipynb diff=nbreview merge=nbreview\n")
    repo.commit("share the attributes")
    clone = Repo(tmp_path / "clone", repo.env)
    repo.git("clone", "-q", str(repo.root), str(clone.root))
    status = clone.nbreview("git", "status")
    assert "effective for *.ipynb here: diff=nbreview merge=nbreview" in status
    assert "  diff attribute: nbreview" in status
    assert "  diff driver: missing" in status
    verdict = status.splitlines()[-1]
    assert verdict.startswith("nbreview: not active: *.ipynb has diff=nbreview but no diff driver")
    assert "fix: run 'nbreview git install'" in verdict
    clone.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    assert '"cell_type"' in clone.git("diff")  # what "not active" means: git's raw diff
    clone.nbreview("git", "install")
    status = clone.nbreview("git", "status")
    assert f"  diff executable: found ({DRIVER})" in status
    assert status.splitlines()[-1].startswith("nbreview: active")
    assert (clone.root / ".gitattributes").read_text() == "*.ipynb diff=nbreview merge=nbreview\n"  # tracked: kept
    clone.git("config", "diff.nbreview.command", "/nonexistent/nbreview git-diffdriver")
    status = clone.nbreview("git", "status")
    assert "  diff executable: not found (/nonexistent/nbreview)" in status
    assert "not active: the diff driver's executable /nonexistent/nbreview is missing" in status


def test_uninstall_keeps_user_keys_and_leaves_no_empty_config_folder(repo: Repo, tmp_path: Path) -> None:
    repo.nbreview("git", "install", "--textconv")
    repo.git("config", "diff.nbreview.wordRegex", "[^[:space:]]+")
    repo.git("log", "-p", "-1")  # fills the textconv cache
    assert repo.git("for-each-ref", "refs/notes/").strip()
    out = repo.nbreview("git", "uninstall")
    assert "kept diff.nbreview.wordregex (not written by nbreview)" in out
    assert "deleted refs/notes/textconv/nbreview (the cached text form)" in out
    assert not repo.git("for-each-ref", "refs/notes/").strip()
    assert repo.git("config", "--get-regexp", r"nbreview").splitlines() == ["diff.nbreview.wordregex [^[:space:]]+"]
    home = Path(repo.env["HOME"])
    repo.nbreview("git", "install", "--global")
    assert (home / ".config" / "git" / "attributes").exists()
    repo.nbreview("git", "uninstall", "--global")
    assert not (home / ".config").exists()  # install created ~/.config/git and ~/.config; both go
    assert "nbreview" not in (home / ".gitconfig").read_text()


# -- difftool ------------------------------------------------------------------------------


def test_difftool_extcmd_runs_the_command_not_the_driver(repo: Repo) -> None:
    repo.nbreview("git", "install")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    proc = run(repo, "git", "difftool", "-y", "-x", "echo EXTCMD")
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stdout.splitlines()
    assert line.startswith("EXTCMD ") and line.endswith("analysis.ipynb")
    assert "nbreview a/" not in proc.stdout


def test_difftool_without_a_browser_falls_back_to_the_terminal(repo: Repo) -> None:
    repo.nbreview("git", "install")
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    start = time.monotonic()
    proc = run(repo, "git", "difftool", "-y", "-t", "nbreview", timeout=60)
    assert time.monotonic() - start < 30
    assert proc.returncode == 0, proc.stderr
    assert "no browser to open (no display" in proc.stderr
    assert "  + df = pd.read_csv('sales.csv', parse_dates=['month'])" in proc.stdout.splitlines()
    repo.env["SSH_CONNECTION"] = "10.0.0.1 5000 10.0.0.2 22"
    repo.env["DISPLAY"] = ":0"
    proc = run(repo, "git", "difftool", "-y", "-t", "nbreview")
    assert "no browser to open (running over SSH)" in proc.stderr


def test_dir_diff_reviews_every_notebook_of_both_trees(repo: Repo) -> None:
    repo.nbreview("git", "install")
    history_of_three(repo)
    (repo.root / "sub").mkdir()
    write_nb(repo.root / "sub" / "deep.ipynb", notebook([code_cell("y = 2")]))
    repo.commit("deep")
    proc = run(repo, "git", "difftool", "-d", "-y", "-t", "nbreview", "HEAD~5", "HEAD")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in lines
    assert "nbreview /dev/null → b/sub/deep.ipynb" in lines
    assert not any("fresh.ipynb" in x for x in lines)  # added then deleted: no difference
    assert "is a directory" not in proc.stderr
    # a tree with a broken notebook: nbreview says so and exits 2; per file, git passes that on when
    # told to trust it (in --dir-diff mode git's difftool--helper always exits 0)
    repo.write("analysis.ipynb", "{ not json")
    proc = run(repo, "git", "difftool", "-d", "-y", "--trust-exit-code", "-t", "nbreview")
    assert "nbreview: error:" in proc.stderr and "invalid JSON" in proc.stderr
    proc = run(repo, "git", "difftool", "-y", "--trust-exit-code", "-t", "nbreview")
    assert proc.returncode != 0 and "invalid JSON" in proc.stderr and "external diff died" in proc.stderr
    left, right = repo.root.parent / "left", repo.root.parent / "right"
    shutil.copytree(repo.root, right, ignore=shutil.ignore_patterns(".git"))
    left.mkdir()
    proc = run(repo, NBREVIEW, "difftool", str(left), str(right))
    assert proc.returncode == 2 and "right/analysis.ipynb: invalid JSON" in proc.stderr


def test_tools_print_the_address_and_stop_when_no_page_comes(repo: Repo, tmp_path: Path) -> None:
    repo.env["NBREVIEW_IDLE_TIMEOUT"] = "1.5"
    start = time.monotonic()
    proc = run(repo, NBREVIEW, "difftool", "--no-browser", str(EXAMPLE_OLD), str(EXAMPLE_NEW), timeout=60)
    assert proc.returncode == 0 and time.monotonic() - start < 30
    assert proc.stdout.startswith("Serving on http://127.0.0.1:") and "no page opened in 1.5 s" in proc.stderr
    base, local, remote, merged = (tmp_path / f"{n}.ipynb" for n in ("base", "local", "remote", "merged"))
    write_nb(base, notebook([code_cell("a = 1")]))
    write_nb(local, notebook([code_cell("a = 2")]))
    write_nb(remote, notebook([code_cell("a = 3")]))
    shutil.copy(local, merged)
    proc = run(repo, NBREVIEW, "mergetool", str(base), str(local), str(remote), str(merged), timeout=60)
    assert proc.returncode == 1  # nothing saved: git keeps the file conflicted
    first, *rest = proc.stdout.splitlines()
    assert first.startswith("Serving on http://127.0.0.1:") and first.endswith("/merge")
    assert any(x.startswith("No browser opened (no display") for x in rest)
    assert "no page opened" in proc.stderr


# -- smaller points --------------------------------------------------------------------------


def test_binary_notebook_and_non_utf8_path(repo: Repo) -> None:
    repo.nbreview("git", "install")
    repo.write("blob.ipynb", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    odd = os.fsdecode(b"caf\xe9.ipynb")
    write_nb(repo.root / odd, notebook([code_cell("z = 1")]))
    repo.git("add", "-A")
    proc = subprocess.run(["git", "diff", "--cached"], cwd=repo.root, env=repo.env, capture_output=True, check=False)
    assert proc.returncode == 0
    out = proc.stdout.decode("utf-8")  # valid UTF-8: no raw path byte, no binary dump
    assert "Binary files /dev/null and b/blob.ipynb differ" in out
    assert "IHDR" not in out
    assert "nbreview /dev/null → b/caf\\xe9.ipynb (new notebook)" in out
    proc = subprocess.run([NBREVIEW, "diff", "--cached", "--no-pager"], cwd=repo.root, env=repo.env,
                          capture_output=True, check=False)
    assert proc.returncode == 2, proc.stderr  # blob.ipynb cannot be read as a notebook: reported in place
    assert "nbreview /dev/null → b/caf\\xe9.ipynb (new)" in proc.stdout.decode("utf-8")
    repo.commit("odd")
    proc = subprocess.run([NBREVIEW, "log", "-n", "1", "--no-pager"], cwd=repo.root, env=repo.env,
                          capture_output=True, check=False)
    assert proc.returncode == 2, proc.stderr  # as nbreview diff: blob.ipynb is reported in place, exit 2
    assert proc.stderr.decode().endswith(":blob.ipynb: not UTF-8 text (byte 0)\n")
    assert "caf\\xe9.ipynb" in proc.stdout.decode("utf-8")


# -- nbreview log ------------------------------------------------------------------------------


def test_nbreview_log_shows_each_commit_touching_notebooks(repo: Repo) -> None:
    shas = history_of_three(repo)
    out = repo.nbreview("log", "--no-pager")
    commits = [x.split()[1] for x in out.splitlines() if x.startswith("commit ")]
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    assert commits == [shas["deleted"], shas["modified"], shas["added"], first]  # "notes only" is left out
    lines = out.splitlines()
    assert "Author: Ada <ada@example.org>" in lines and "    drop fresh" in lines
    assert "nbreview a/fresh.ipynb → /dev/null (deleted)" in lines
    assert "nbreview /dev/null → b/fresh.ipynb (new)" in lines
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in lines
    assert "  + df = pd.read_csv('sales.csv', parse_dates=['month'])" in lines
    assert '"cell_type"' not in out
    # a range and a path limit, as for git log
    ranged = repo.nbreview("log", "--no-pager", f"{shas['added']}..HEAD", "--", "analysis.ipynb")
    assert [x.split()[1] for x in ranged.splitlines() if x.startswith("commit ")] == [shas["modified"]]
    assert "fresh.ipynb" not in ranged
    bad = run(repo, NBREVIEW, "log", "nosuchrev")
    assert bad.returncode == 2 and bad.stderr.startswith("nbreview: error: git log:") and "Traceback" not in bad.stderr


def test_appending_lines_does_not_touch_the_old_last_line() -> None:
    from nbreview.engine.text import diff_text
    from nbreview.render.terminal import TerminalStyle, render
    from nbreview.results.pipeline import diff

    d = diff_text("import x\nx.run()", "import x\nx.run()\nx.stop()")
    assert [op.op for op in d.lines] == ["equal", "equal", "insert"]
    assert (d.added, d.removed) == (1, 0)
    # only the final newline changing is still a change
    assert [op.op for op in diff_text("a\nb", "a\nb\n").lines] == ["equal", "replace"]
    old = notebook([code_cell("import x\nx.run()")])
    new = notebook([code_cell("import x\nx.run()\nx.stop()")])
    text = render(diff(old, new), TerminalStyle(color=False, width=100))
    assert "  + x.stop()" in text.splitlines()
    assert "  - x.run()" not in text.splitlines() and "  + x.run()" not in text.splitlines()


def test_driver_knows_when_difftool_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbreview.git.diffdriver import under_difftool

    monkeypatch.delenv("GIT_EXTERNAL_DIFF", raising=False)
    monkeypatch.delenv("GIT_DIFF_TOOL", raising=False)
    assert not under_difftool()
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "git-difftool--helper")
    assert under_difftool()
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "")
    monkeypatch.setenv("GIT_DIFF_TOOL", "vimdiff")  # exported in a shell: git diff ignores it, and so do we
    assert not under_difftool()


def test_status_in_a_submodule_says_not_active(repo: Repo, tmp_path: Path) -> None:
    """A submodule has its own git directory and config: the superproject's install does not reach it."""
    lib = Repo(tmp_path / "lib", repo.env)
    lib.root.mkdir()
    lib.git("init", "-q", "-b", "main")
    write_nb(lib.root / "lib.ipynb", notebook([code_cell("k = 1")]))
    lib.commit("lib")
    repo.nbreview("git", "install")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib.root), "lib")
    sub = Repo(repo.root / "lib", repo.env)
    status = sub.nbreview("git", "status")
    assert "effective for *.ipynb here: diff=unspecified" in status
    assert status.splitlines()[-1].startswith("nbreview: not active: *.ipynb has diff=unspecified, not diff=nbreview")
    sub.nbreview("git", "install")
    assert sub.nbreview("git", "status").splitlines()[-1].startswith("nbreview: active")
    write_nb(sub.root / "lib.ipynb", notebook([code_cell("k = 2")]))
    assert "  + k = 2" in sub.git("diff").splitlines()
