"""``nbreview diff`` over git revisions and ``notebook_pairs``: git diff's argument rules, no checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nbreview.cli.main import main
from nbreview.io.git import notebook_pairs
from support.notebooks import code_cell, md_cell, notebook, write_nb
from support.paths import CORPUS, EXAMPLE_NEW, EXAMPLE_OLD, corpus_pairs, needs_corpus

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def history_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("GIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.org")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.org")
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "analysis.ipynb").write_text(EXAMPLE_OLD.read_text())
    write_nb(root / "gone.ipynb", notebook([md_cell("# Old notes\n\n" + "Some prose about the past.\n" * 30)]))
    write_nb(root / "sub" / "moved.ipynb", notebook([code_cell("a = 1\nb = 2\nc = 3\n"), md_cell("# Keep me")]))
    (root / "readme.txt").write_text("hello\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    # second commit: modify, delete, rename (+ edit), add, and a non-notebook change
    (root / "analysis.ipynb").write_text(EXAMPLE_NEW.read_text())
    git(root, "rm", "-q", "gone.ipynb")
    git(root, "mv", "sub/moved.ipynb", "sub/renamed.ipynb")
    write_nb(root / "sub" / "renamed.ipynb", notebook([code_cell("a = 1\nb = 20\nc = 3\n"), md_cell("# Keep me")]))
    write_nb(root / "fresh.ipynb", notebook([code_cell("print('hi')\n" + "x = [1, 2, 3]\n" * 30)]))
    (root / "readme.txt").write_text("bye\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "two")
    monkeypatch.chdir(root)
    return root


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["diff", *args])
    return code, capsys.readouterr().out


def test_notebook_pairs_between_commits(history_repo: Path) -> None:
    pairs = {p.path: p for p in notebook_pairs(["HEAD~1", "HEAD"])}
    assert {k: p.status for k, p in pairs.items()} == {
        "analysis.ipynb": "modified",
        "fresh.ipynb": "added",
        "gone.ipynb": "deleted",
        "sub/renamed.ipynb": "renamed",
    }
    assert pairs["fresh.ipynb"].old.empty and not pairs["fresh.ipynb"].new.empty
    gone = pairs["gone.ipynb"]
    assert gone.new.empty and gone.old.nb["cells"][0]["source"].startswith("# Old notes\n")
    renamed = pairs["sub/renamed.ipynb"]
    assert renamed.old.nb["cells"][0]["source"] == "a = 1\nb = 2\nc = 3\n"
    assert renamed.new.nb["cells"][0]["source"] == "a = 1\nb = 20\nc = 3\n"
    assert [p.path for p in notebook_pairs(["HEAD~1..HEAD"])] == [p.path for p in notebook_pairs(["HEAD~1", "HEAD"])]
    assert [p.path for p in notebook_pairs(["HEAD~1", "HEAD"], ["sub"])] == ["sub/renamed.ipynb"]


def test_notebook_pairs_worktree_and_index(history_repo: Path) -> None:
    assert notebook_pairs([]) == []
    write_nb(history_repo / "fresh.ipynb", notebook([code_cell("print('hello')")]))
    pairs = notebook_pairs([])
    assert [(p.path, p.status) for p in pairs] == [("fresh.ipynb", "modified")]
    assert pairs[0].new.nb["cells"][0]["source"] == "print('hello')"
    git(history_repo, "add", "fresh.ipynb")
    assert notebook_pairs([]) == []  # index == worktree
    assert [p.path for p in notebook_pairs([], cached=True)] == ["fresh.ipynb"]
    assert {p.path for p in notebook_pairs(["HEAD~1"])} == {
        "analysis.ipynb",
        "fresh.ipynb",
        "gone.ipynb",
        "sub/renamed.ipynb",
    }


def test_diff_without_arguments_is_git_diff(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys)
    assert code == 0 and out == ""
    (history_repo / "analysis.ipynb").write_text(EXAMPLE_OLD.read_text())
    code, out = cli(capsys, "--exit-code")
    assert code == 1
    assert out.splitlines()[0] == "nbreview a/analysis.ipynb → b/analysis.ipynb"
    assert "  - df = pd.read_csv('sales.csv', parse_dates=['month'])" in out.splitlines()


def test_diff_between_revisions_with_headers_and_stat(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "HEAD~1", "HEAD")
    assert code == 0
    lines = out.splitlines()
    assert "nbreview a/analysis.ipynb → b/analysis.ipynb" in lines
    assert "nbreview /dev/null → b/fresh.ipynb (new)" in lines
    assert "nbreview a/gone.ipynb → /dev/null (deleted)" in lines
    assert "nbreview a/sub/moved.ipynb → b/sub/renamed.ipynb (renamed from sub/moved.ipynb)" in lines
    assert "  - b = 2" in lines and "  + b = 20" in lines
    assert "readme" not in out
    code, out = cli(capsys, "HEAD~1..HEAD", "--stat")
    lines = out.splitlines()
    words = "4 modified, 1 added, 1 moved, 3 with outputs changed, 1 image changed"
    assert lines[0] == " analysis.ipynb    | 5 +~~~~→  " + words
    assert lines[1] == " fresh.ipynb       | 1 +       1 added (new)"
    assert lines[2] == " gone.ipynb        | 1 -       1 removed (deleted)"
    assert lines[3] == " sub/renamed.ipynb | 1 ~       1 modified (renamed from sub/moved.ipynb)"
    totals = "5 modified, 2 added, 1 removed, 1 moved, 3 with outputs changed, 1 image changed"
    assert lines[4] == " 4 notebooks changed: " + totals


def test_paths_after_double_dash_and_json(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "HEAD~1", "HEAD", "--", "fresh.ipynb")
    assert code == 0 and out.splitlines()[0] == "nbreview /dev/null → b/fresh.ipynb (new)"
    assert "analysis" not in out
    code, out = cli(capsys, "HEAD~1", "HEAD", "--json", "--", "sub")
    data = json.loads(out)
    assert data["format"] == "nbreview-diff-set"
    [item] = data["notebooks"]
    assert item["path"] == "sub/renamed.ipynb" and item["old_path"] == "sub/moved.ipynb"
    assert item["status"] == "renamed" and item["diff"]["summary"]["modified"] == 1


def test_bad_revision_and_bad_notebook(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "no-such-rev"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nbreview: error: 'no-such-rev' is neither a git revision nor a file")
    assert main(["diff", "no-such-rev", "HEAD", "--"]) == 2
    assert "unknown revision 'no-such-rev'" in capsys.readouterr().err
    (history_repo / "analysis.ipynb").write_text("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> other\n")
    write_nb(history_repo / "fresh.ipynb", notebook([code_cell("print('changed')")]))
    code, out = cli(capsys)
    assert code == 2  # the broken notebook is reported, the other one still shown
    assert "! cannot diff: b/analysis.ipynb: invalid JSON" in out
    assert "  + print('changed')" in out.splitlines()


def test_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["diff"]) == 2
    assert "is not inside a git repository" in capsys.readouterr().err


@needs_corpus
def test_corpus_commit_through_git(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Five real revision pairs committed in one go: every notebook appears once with its cells."""
    pairs = [p for p in corpus_pairs() if (p / "old.ipynb").stat().st_size < 300_000][:5]
    assert pairs, CORPUS
    for k, pair in enumerate(pairs):
        shutil.copy(pair / "old.ipynb", history_repo / f"c{k}.ipynb")
    git(history_repo, "add", "-A")
    git(history_repo, "commit", "-q", "-m", "corpus old")
    for k, pair in enumerate(pairs):
        shutil.copy(pair / "new.ipynb", history_repo / f"c{k}.ipynb")
    git(history_repo, "commit", "-q", "-am", "corpus new")
    changed = {p.path for p in notebook_pairs(["HEAD~1", "HEAD"])}
    same = {f"c{k}.ipynb" for k, p in enumerate(pairs)
            if (p / "old.ipynb").read_bytes() == (p / "new.ipynb").read_bytes()}
    assert changed == {f"c{k}.ipynb" for k in range(len(pairs))} - same
    code, out = cli(capsys, "HEAD~1", "HEAD")
    assert code == 0
    for name in changed:
        assert f"nbreview a/{name} → b/{name}" in out


def test_revision_then_path_without_double_dash(history_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "HEAD~1", "fresh.ipynb", "--stat")
    assert code == 0
    assert out.splitlines()[0].startswith(" fresh.ipynb | 1 +")
    assert "analysis" not in out
    assert main(["diff", "nope.ipynb", "fresh.ipynb"]) == 2
    assert "nope.ipynb: no such file" in capsys.readouterr().err


def test_argument_rules_tell_files_from_revisions(history_repo: Path) -> None:
    """``nbreview diff`` and ``nbreview web`` read their arguments through the same rules in io/git."""
    from nbreview.io.git import GitError, names_two_files, pairs_for_arguments, split_revisions

    assert names_two_files(["analysis.ipynb", "fresh.ipynb"], None)
    assert names_two_files(["/dev/null", "fresh.ipynb"], None)
    assert not names_two_files(["HEAD~1", "fresh.ipynb"], None)  # git's ``REV path``
    assert not names_two_files(["analysis.ipynb", "fresh.ipynb"], [])  # ``--`` means revisions and paths
    assert not names_two_files(["analysis.ipynb", "fresh.ipynb"], None, cached=True)
    assert split_revisions(["HEAD~1", "fresh.ipynb"], None) == (["HEAD~1"], ["fresh.ipynb"])
    assert split_revisions(["HEAD~1", "HEAD"], None) == (["HEAD~1", "HEAD"], None)
    assert split_revisions(["x", "y"], ["sub"]) == (["x", "y"], ["sub"])
    with pytest.raises(GitError, match="'nope' is neither a git revision nor a file"):
        split_revisions(["nope"], None)
    [pair] = pairs_for_arguments(["/dev/null", "fresh.ipynb"])
    assert (pair.path, pair.status, pair.old.empty) == ("fresh.ipynb", "added", True)
    assert [p.path for p in pairs_for_arguments(["HEAD~1", "HEAD"], ["sub"])] == ["sub/renamed.ipynb"]


def test_one_git_runner_and_its_errors(history_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures name git's command (not ``-c``); "no" answers are None; a missing git is one GitError."""
    from nbreview.git.markers import git_marker_style
    from nbreview.io.git import GitError, git, git_answer, read_git_blob
    from nbreview.merge.labels import MarkerStyle

    with pytest.raises(GitError, match=r"^git diff: .*bad revision"):
        git(["-c", "core.quotePath=false", "diff", "no-such-rev", "--"])
    assert git_answer(["config", "--get", "nbreview.unset"]) is None
    assert git_answer(["rev-parse", "--abbrev-ref", "HEAD"]) == "main"
    assert read_git_blob("HEAD", "gone.ipynb").empty  # deleted at HEAD: an empty side, not an error
    monkeypatch.setenv("PATH", str(history_repo / "no-bin-here"))
    with pytest.raises(GitError, match="^git is not installed"):
        git_answer(["status"])
    assert git_marker_style(cwd=str(history_repo)) == MarkerStyle()  # the merge driver's labels fall back, never fail


def test_only_io_git_starts_git() -> None:
    """Every git process goes through nbreview.io.git: no other module spells out a git command line."""
    src = Path(__file__).resolve().parent.parent / "src" / "nbreview"
    runners = [p.relative_to(src).as_posix() for p in src.rglob("*.py")
               if '["git"' in p.read_text(encoding="utf-8")]
    assert runners == ["io/git.py"]
