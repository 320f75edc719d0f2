"""The merge driver in a real git repository: merge, rebase, cherry-pick and stash pop.

Git runs in a temporary repository with HOME in a temporary folder and GIT_CONFIG_NOSYSTEM=1;
the driver is wired by 'nbreview git install --local', as a user would.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import code_cell, md_cell, notebook

NBREVIEW = str(Path(sys.executable).with_name("nbreview"))
pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not Path(NBREVIEW).exists(), reason="the nbreview script is not installed in this venv"),
]


def base_nb() -> dict[str, Any]:
    return notebook([
        md_cell("# Sales\n\nMonthly sales and a trend."),
        code_cell("import pandas as pd\ndf = pd.read_csv('sales.csv')\ndf.head()", count=1),
        code_cell("total = df.sales.sum()\nprint(total)", count=2,
                  outputs=[{"output_type": "stream", "name": "stdout", "text": "1200\n"}]),
        md_cell("## Trend"),
        code_cell("trend = df.sales.rolling(3).mean()\ntrend.plot()", count=3),
    ])


class Repo:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True, text=True, check=False)

    def git(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = self.run("git", *args)
        if ok:
            assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}{proc.stdout}"
        return proc

    def save(self, nb: dict[str, Any], message: str, name: str = "sales.ipynb") -> None:
        from nbreview.io.write import dumps_notebook

        (self.root / name).write_text(dumps_notebook(nb))
        self.git("add", name)
        self.git("commit", "-q", "-m", message)

    def read(self, name: str = "sales.ipynb") -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / name).read_text())
        for cell in data["cells"]:
            cell["source"] = "".join(cell["source"])
        return data

    def conflicted(self) -> list[str]:
        return self.git("diff", "--name-only", "--diff-filter=U").stdout.split()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.org",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.org", GIT_PAGER="cat",
               GIT_EDITOR="true")
    root = tmp_path / "repo"
    root.mkdir()
    r = Repo(root, env)
    r.git("init", "-q", "-b", "main")
    proc = r.run(NBREVIEW, "git", "install", "--local")
    assert proc.returncode == 0, proc.stderr
    assert r.git("config", "merge.nbreview.driver").stdout.strip().endswith(
        "merge %O %A %B -o %A --path %P --base-label %S --local-label %X --remote-label %Y")
    r.save(base_nb(), "base")
    return r


def branch_edits(repo: Repo, local_edit: Any, remote_edit: Any) -> None:
    """Commit ``remote_edit`` on branch 'feature' and ``local_edit`` on main."""
    repo.git("checkout", "-q", "-b", "feature")
    nb = base_nb()
    remote_edit(nb)
    repo.save(nb, "feature edit")
    repo.git("checkout", "-q", "main")
    nb = base_nb()
    local_edit(nb)
    repo.save(nb, "main edit")


def edit_title(nb: dict[str, Any]) -> None:
    nb["cells"][0]["source"] = "# Sales 2024\n\nMonthly sales and a trend."


def edit_trend(nb: dict[str, Any]) -> None:
    nb["cells"][4]["source"] = "trend = df.sales.rolling(6).mean()\ntrend.plot()"


def add_cell(nb: dict[str, Any]) -> None:
    nb["cells"].insert(3, code_cell("df.describe()"))


def test_git_merge_clean(repo: Repo) -> None:
    def remote(nb: dict[str, Any]) -> None:
        edit_trend(nb)
        add_cell(nb)

    branch_edits(repo, edit_title, remote)
    proc = repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in proc.stdout
    nb = repo.read()
    assert [c["source"] for c in nb["cells"]] == [
        "# Sales 2024\n\nMonthly sales and a trend.", base_nb()["cells"][1]["source"], base_nb()["cells"][2]["source"],
        "df.describe()", "## Trend", "trend = df.sales.rolling(6).mean()\ntrend.plot()"]
    assert repo.git("status", "--porcelain").stdout == ""


def test_git_merge_conflict_is_marked_and_reported(repo: Repo) -> None:
    def local(nb: dict[str, Any]) -> None:
        nb["cells"][4]["source"] = "trend = df.sales.rolling(12).mean()\ntrend.plot()"

    branch_edits(repo, local, edit_trend)
    proc = repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1
    assert "CONFLICT (content): Merge conflict in sales.ipynb" in proc.stdout
    assert "nbreview: sales.ipynb: 1 conflict (1 in cell sources)" in proc.stderr
    assert repo.conflicted() == ["sales.ipynb"]
    nb = repo.read()  # still a notebook: JSON intact, markers inside the cell
    # Labelled as git labels its own conflicts: HEAD and the merged branch.
    assert nb["cells"][4]["source"] == ("<<<<<<< HEAD\ntrend = df.sales.rolling(12).mean()\n=======\n"
                                        "trend = df.sales.rolling(6).mean()\n>>>>>>> feature\ntrend.plot()")
    assert nb["metadata"]["nbreview"]["conflicts"][0]["cell"] == 4
    # Resolving by strategy and committing finishes the merge.
    base = repo.git("show", ":1:sales.ipynb").stdout
    (repo.root / "b.ipynb").write_text(base)
    (repo.root / "l.ipynb").write_text(repo.git("show", ":2:sales.ipynb").stdout)
    (repo.root / "r.ipynb").write_text(repo.git("show", ":3:sales.ipynb").stdout)
    done = repo.run(NBREVIEW, "merge", "b.ipynb", "l.ipynb", "r.ipynb", "-o", "sales.ipynb", "--strategy", "remote")
    assert done.returncode == 0, done.stderr
    repo.git("add", "sales.ipynb")
    repo.git("commit", "-q", "--no-edit")
    assert repo.read()["cells"][4]["source"] == "trend = df.sales.rolling(6).mean()\ntrend.plot()"


def test_delete_vs_edit_in_git(repo: Repo) -> None:
    def local(nb: dict[str, Any]) -> None:
        del nb["cells"][2]

    def remote(nb: dict[str, Any]) -> None:
        nb["cells"][2]["source"] = "total = df.sales.sum()\nprint(f'{total:,}')"

    branch_edits(repo, local, remote)
    assert repo.git("merge", "--no-edit", "feature", ok=False).returncode == 1
    assert repo.conflicted() == ["sales.ipynb"]
    cell = repo.read()["cells"][2]
    assert cell["source"].startswith("<<<<<<< HEAD (deleted the cell)\n=======\ntotal = df.sales.sum()")
    assert cell["metadata"]["nbreview"] == {"conflicts": ["delete"]}


def test_git_rebase_and_cherry_pick_use_the_driver(repo: Repo) -> None:
    branch_edits(repo, edit_title, edit_trend)
    # Plain git would see two edits of the same JSON file; the driver merges them by cell.
    repo.git("checkout", "-q", "feature")
    proc = repo.git("rebase", "main")
    assert "CONFLICT" not in proc.stdout
    sources = [c["source"] for c in repo.read()["cells"]]
    assert sources[0].startswith("# Sales 2024") and "rolling(6)" in sources[4]
    repo.git("checkout", "-q", "-b", "other", "main~1")
    nb = base_nb()
    add_cell(nb)
    repo.save(nb, "add describe")
    pick = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", pick)
    sources = [c["source"] for c in repo.read()["cells"]]
    assert sources[0].startswith("# Sales 2024") and "df.describe()" in sources


def test_git_stash_pop_merges_notebooks(repo: Repo) -> None:
    from nbreview.io.write import dumps_notebook

    nb = base_nb()
    add_cell(nb)
    (repo.root / "sales.ipynb").write_text(dumps_notebook(nb))  # work in progress
    repo.git("stash")
    other = base_nb()
    edit_trend(other)
    repo.save(other, "trend")
    repo.git("stash", "pop")
    sources = [c["source"] for c in repo.read()["cells"]]
    assert "df.describe()" in sources and "rolling(6)" in sources[-1]


def test_bad_notebook_leaves_the_conflict_to_git(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    (repo.root / "sales.ipynb").write_text('{"cells": [')  # broken on this branch
    repo.git("commit", "-q", "-am", "broken")
    repo.git("checkout", "-q", "main")
    nb = copy.deepcopy(base_nb())
    edit_title(nb)
    repo.save(nb, "title")
    proc = repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1 and repo.conflicted() == ["sales.ipynb"]
    assert "nbreview: sales.ipynb, remote (theirs) version: invalid JSON" in proc.stderr
    assert "merged as text with git merge-file (1 conflict marked)" in proc.stderr
    assert "Traceback" not in proc.stderr
    # git's line merge: both sides kept between markers, nothing left out silently.
    text = (repo.root / "sales.ipynb").read_text()
    assert text.startswith("<<<<<<< HEAD\n") and '{"cells": [' in text and "# Sales 2024" in text


def test_both_sides_rerun_merges_where_gits_line_merge_conflicts(repo: Repo) -> None:
    def rerun(nb: dict[str, Any], start: int) -> None:
        for k, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            cell["execution_count"] = start + k

    def local(nb: dict[str, Any]) -> None:
        edit_title(nb)
        rerun(nb, 10)

    def remote(nb: dict[str, Any]) -> None:
        edit_trend(nb)
        rerun(nb, 20)

    branch_edits(repo, local, remote)
    for stage, name in ((1, "b"), (2, "l"), (3, "r")):
        rev = {1: "main~1", 2: "main", 3: "feature"}[stage]
        (repo.root / f"{name}.txt").write_text(repo.git("show", f"{rev}:sales.ipynb").stdout)
    text_merge = repo.run("git", "merge-file", "-p", "l.txt", "b.txt", "r.txt")
    assert text_merge.returncode > 0  # git's own line merge: conflicts on the execution counts
    proc = repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in proc.stdout
    cells = repo.read()["cells"]
    assert cells[0]["source"].startswith("# Sales 2024") and "rolling(6)" in cells[4]["source"]
    # Counts are transient: the edited cell keeps its side's run, the others local's.
    assert [c.get("execution_count") for c in cells] == [None, 10, 11, None, 22]


# -- rival versions of one cell: conflicts in every git command that merges ---------------------

LOCAL_REWRITE = "sales = pd.read_parquet('sales.parquet')\nsales = sales.dropna()\nsales.describe()"
REMOTE_REWRITE = "import polars as pl\ndf = pl.read_csv('sales.csv', try_parse_dates=True)\ndf.glimpse()"


def rewrite_local(nb: dict[str, Any]) -> None:
    nb["cells"][1]["source"] = LOCAL_REWRITE


def rewrite_remote(nb: dict[str, Any]) -> None:
    nb["cells"][1]["source"] = REMOTE_REWRITE


def check(repo: Repo, name: str = "sales.ipynb") -> subprocess.CompletedProcess[str]:
    return repo.run(NBREVIEW, "check", name)


def assert_rival_conflict(repo: Repo, first: str, second: str) -> dict[str, Any]:
    """The notebook is valid, marks one conflict in cell 1 holding both rewrites in full, and
    'nbreview check' fails on it."""
    from nbreview.merge import validate

    assert repo.conflicted() == ["sales.ipynb"]
    nb = repo.read()
    validate(nb)
    assert len(nb["cells"]) == 5
    src = nb["cells"][1]["source"]
    assert first in src and second in src and src.index(first) < src.index(second)
    assert src.startswith("<<<<<<< ") and "\n=======\n" in src and "\n>>>>>>> " in src
    records = nb["metadata"]["nbreview"]["conflicts"]
    assert [(r["kind"], r["cell"]) for r in records] == [("source", 1)]
    proc = check(repo)
    assert proc.returncode == 1 and "sales.ipynb: cell 1: conflict markers (line 1)" in proc.stdout
    return nb


def resolve_by_hand(repo: Repo, text: str) -> None:
    """Edit the markers away as a person would in an editor, then pass 'nbreview check --fix'."""
    raw = json.loads((repo.root / "sales.ipynb").read_text())
    raw["cells"][1]["source"] = text
    (repo.root / "sales.ipynb").write_text(json.dumps(raw, indent=1))
    left = check(repo)
    assert left.returncode == 1 and "conflict metadata left" in left.stdout  # the bookkeeping is still there
    fixed = repo.run(NBREVIEW, "check", "--fix", "sales.ipynb")
    assert fixed.returncode == 1 and "removed the conflict metadata" in fixed.stdout
    assert check(repo).returncode == 0
    nb = repo.read()
    assert "nbreview" not in nb["metadata"] and all("nbreview" not in c["metadata"] for c in nb["cells"])
    repo.git("add", "sales.ipynb")


def test_rival_rewrites_conflict_in_git_merge(repo: Repo) -> None:
    branch_edits(repo, rewrite_local, rewrite_remote)
    proc = repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1 and "CONFLICT (content): Merge conflict in sales.ipynb" in proc.stdout
    nb = assert_rival_conflict(repo, LOCAL_REWRITE, REMOTE_REWRITE)
    assert nb["cells"][1]["source"].startswith("<<<<<<< HEAD\n") and "\n>>>>>>> feature" in nb["cells"][1]["source"]
    resolve_by_hand(repo, REMOTE_REWRITE)
    repo.git("commit", "-q", "--no-edit")
    assert repo.read()["cells"][1]["source"] == REMOTE_REWRITE


def test_rewrite_against_delete_conflicts_in_git_merge(repo: Repo) -> None:
    def delete(nb: dict[str, Any]) -> None:
        del nb["cells"][1]

    branch_edits(repo, delete, rewrite_remote)
    assert repo.git("merge", "--no-edit", "feature", ok=False).returncode == 1
    assert repo.conflicted() == ["sales.ipynb"]
    nb = repo.read()
    src = nb["cells"][1]["source"]
    assert src.startswith("<<<<<<< HEAD (deleted the cell)\n=======\n") and REMOTE_REWRITE in src
    assert [r["kind"] for r in nb["metadata"]["nbreview"]["conflicts"]] == ["delete"]
    assert check(repo).returncode == 1


def test_rival_rewrites_conflict_in_rebase_with_gits_labels_and_diff3(repo: Repo) -> None:
    repo.git("config", "merge.conflictStyle", "diff3")
    branch_edits(repo, rewrite_local, rewrite_remote)
    repo.git("checkout", "-q", "feature")
    proc = repo.git("rebase", "main", ok=False)
    assert proc.returncode != 0 and "CONFLICT" in proc.stdout + proc.stderr
    # In a rebase 'ours' is the upstream (main's rewrite), 'theirs' the commit being replayed.
    nb = assert_rival_conflict(repo, LOCAL_REWRITE, REMOTE_REWRITE)
    sha = repo.git("rev-parse", "--short", "feature").stdout.strip()
    base = base_nb()["cells"][1]["source"]
    assert nb["cells"][1]["source"] == (
        f"<<<<<<< HEAD\n{LOCAL_REWRITE}\n||||||| parent of {sha} (feature edit)\n{base}\n=======\n"
        f"{REMOTE_REWRITE}\n>>>>>>> {sha} (feature edit)")
    resolve_by_hand(repo, LOCAL_REWRITE + "\n" + REMOTE_REWRITE)
    repo.git("-c", "core.editor=true", "rebase", "--continue")
    assert repo.read()["cells"][1]["source"] == LOCAL_REWRITE + "\n" + REMOTE_REWRITE


def test_rival_rewrites_conflict_in_cherry_pick(repo: Repo) -> None:
    branch_edits(repo, rewrite_local, rewrite_remote)
    proc = repo.git("cherry-pick", "feature", ok=False)
    assert proc.returncode != 0
    assert_rival_conflict(repo, LOCAL_REWRITE, REMOTE_REWRITE)


def test_rival_rewrites_conflict_in_stash_pop(repo: Repo) -> None:
    from nbreview.io.write import dumps_notebook

    nb = base_nb()
    rewrite_remote(nb)
    (repo.root / "sales.ipynb").write_text(dumps_notebook(nb))  # work in progress
    repo.git("stash")
    other = base_nb()
    rewrite_local(other)
    repo.save(other, "rewrite")
    proc = repo.git("stash", "pop", ok=False)
    assert proc.returncode == 1 and "CONFLICT" in proc.stdout
    assert_rival_conflict(repo, LOCAL_REWRITE, REMOTE_REWRITE)
    assert repo.git("stash", "list").stdout.strip()  # git keeps the stash while the conflict is open


def test_add_add_of_one_notebook_conflicts_cell_by_cell(repo: Repo) -> None:
    ours = notebook([md_cell("# Forecast"), code_cell("import pandas as pd"), code_cell("model = fit_arima(df)")])
    theirs = notebook([md_cell("# Forecast"), code_cell("import pandas as pd"), code_cell("model = fit_prophet(df)")])
    repo.git("checkout", "-q", "-b", "feature")
    repo.save(theirs, "their forecast", name="forecast.ipynb")
    repo.git("checkout", "-q", "main")
    repo.save(ours, "our forecast", name="forecast.ipynb")
    proc = repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1 and "CONFLICT (add/add): Merge conflict in forecast.ipynb" in proc.stdout
    assert repo.conflicted() == ["forecast.ipynb"]
    nb = repo.read("forecast.ipynb")
    # Cells both added the same are kept once; the rival ones are one conflict holding both.
    assert [c["source"] for c in nb["cells"]] == [
        "# Forecast", "import pandas as pd",
        "<<<<<<< HEAD\nmodel = fit_arima(df)\n=======\nmodel = fit_prophet(df)\n>>>>>>> feature"]
    assert check(repo, "forecast.ipynb").returncode == 1


def test_independent_rewrite_and_edit_merge_clean(repo: Repo) -> None:
    """A rewrite of one cell and an edit of another are independent: no conflict."""
    branch_edits(repo, rewrite_local, edit_trend)
    proc = repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in proc.stdout
    sources = [c["source"] for c in repo.read()["cells"]]
    assert sources[1] == LOCAL_REWRITE and "rolling(6)" in sources[4] and len(sources) == 5
    assert check(repo).returncode == 0


def test_readme_pre_commit_hook_blocks_unresolved_notebooks(repo: Repo) -> None:
    """The plain git hook the README documents, installed as written: the commit fails while the
    notebook holds conflicts, and goes through once they are resolved."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    start = readme.index("```sh\n#!/bin/sh\n") + len("```sh\n")
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text(readme[start:readme.index("```", start)])
    hook.chmod(0o755)
    repo.env["PATH"] = f"{Path(NBREVIEW).parent}{os.pathsep}{repo.env.get('PATH', '')}"
    branch_edits(repo, rewrite_local, rewrite_remote)
    assert repo.git("merge", "--no-edit", "feature", ok=False).returncode == 1
    repo.git("add", "sales.ipynb")  # staged with its markers by mistake
    refused = repo.git("commit", "-q", "--no-edit", ok=False)
    assert refused.returncode != 0 and "sales.ipynb: cell 1: conflict markers" in refused.stdout + refused.stderr
    resolve_by_hand(repo, LOCAL_REWRITE)
    repo.git("commit", "-q", "--no-edit")
    assert repo.git("status", "--porcelain").stdout == ""
