"""Issue 23: what a git user meets on real repositories, each through git's own CLI in a temporary repository.

An exported ``GIT_DIFF_TOOL`` leaves ``git diff`` alone; an object git cannot read is an error,
never "no changes"; "no changes" is said once; ``--no-index`` with absolute paths shows no rename.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support.git import NBREVIEW, Repo
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD

pytestmark = pytest.mark.skipif(not Path(NBREVIEW).exists(), reason="the nbreview script is not installed")


@pytest.fixture
def installed(repo: Repo) -> Repo:
    """The example repository with a second commit (the new example) and nbreview installed."""
    repo.write("analysis.ipynb", EXAMPLE_NEW.read_text())
    repo.commit("second")
    repo.nbreview("git", "install")
    return repo


def run(installed: Repo, *cmd: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), cwd=installed.root, env=env or installed.env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)


def test_an_exported_git_diff_tool_does_not_take_over_git_diff(installed: Repo) -> None:
    proc = run(installed, "git", "diff", "HEAD~1", "HEAD", env=dict(installed.env, GIT_DIFF_TOOL="vimdiff"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("nbreview a/analysis.ipynb → b/analysis.ipynb")
    assert "Launch" not in proc.stdout + proc.stderr and "Viewing" not in proc.stdout + proc.stderr


def test_an_unreadable_blob_is_an_error_never_no_changes(installed: Repo) -> None:
    sha = installed.git("rev-parse", "HEAD:analysis.ipynb").strip()
    (installed.root / ".git" / "objects" / sha[:2] / sha[2:]).unlink()  # a damaged mirror / an offline partial clone
    assert run(installed, "git", "diff", "HEAD~1", "HEAD").returncode == 128  # git itself: fatal: unable to read
    for extra in ([], ["--stat"], ["--json"]):
        proc = run(installed, NBREVIEW, "diff", "HEAD~1", "HEAD", *extra, "--", "analysis.ipynb")
        assert proc.returncode == 2, (extra, proc.stdout, proc.stderr)
        assert proc.stderr == f"nbreview: error: HEAD:analysis.ipynb: unable to read {sha} (git cannot read this " \
                              "object: missing or damaged; a partial clone needs its remote)\n"
        assert "no changes" not in proc.stdout and "Traceback" not in proc.stderr
    doc = json.loads(run(installed, NBREVIEW, "diff", "HEAD~1", "HEAD", "--json").stdout)
    assert [n.get("error", "")[:40] for n in doc["notebooks"]] == [f"HEAD:analysis.ipynb: unable to read {sha}"[:40]]
    assert "empty" not in json.dumps(doc)
    stat = run(installed, NBREVIEW, "diff", "HEAD~1", "HEAD", "--stat").stdout
    assert "analysis.ipynb" in stat and f"unable to read {sha}" in stat
    log = run(installed, NBREVIEW, "log", "-n", "1", "--no-pager")
    assert log.returncode == 2 and "! cannot diff: " in log.stdout
    assert f"unable to read {sha}" in log.stdout and f"unable to read {sha}" in log.stderr
    assert "no changes" not in log.stdout


def test_no_changes_is_said_once(installed: Repo) -> None:
    out = installed.nbreview("diff", "analysis.ipynb", "analysis.ipynb")
    assert out.count("no changes") == 1
    os.chmod(installed.root / "analysis.ipynb", 0o755)  # a mode-only change: git runs the driver on equal content
    proc = run(installed, "git", "diff")
    assert proc.stdout.splitlines()[0] == "nbreview a/analysis.ipynb → b/analysis.ipynb (mode 100644 → 100755)"
    assert proc.stdout.count("no changes") == 1


def test_no_index_with_absolute_paths_shows_git_labels_and_no_rename(installed: Repo, tmp_path: Path) -> None:
    old, new = tmp_path / "old.ipynb", tmp_path / "new.ipynb"
    old.write_text(EXAMPLE_OLD.read_text())
    new.write_text(EXAMPLE_NEW.read_text())
    proc = run(installed, "git", "diff", "--no-index", str(old), str(new))
    assert proc.returncode == 1  # git's --no-index exit status: they differ
    rel_old, rel_new = str(old).lstrip("/"), str(new).lstrip("/")
    assert proc.stdout.splitlines()[0] == f"nbreview a/{rel_old} → b/{rel_new}"
    raw = run(installed, "git", "diff", "--no-ext-diff", "--no-index", str(old), str(new)).stdout
    assert raw.splitlines()[0] == f"diff --git a/{rel_old} b/{rel_new}" and "rename" not in raw
    # A real rename keeps its note.
    installed.git("mv", "analysis.ipynb", "renamed.ipynb")
    installed.commit("rename")
    shown = run(installed, "git", "diff", "-M", "HEAD~1", "HEAD").stdout
    assert "nbreview a/analysis.ipynb → b/renamed.ipynb (renamed from analysis.ipynb)" in shown
