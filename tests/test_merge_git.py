"""The merge driver in a real git repository: merge, rebase, cherry-pick and stash pop.

Git runs in a temporary repository with HOME in a temporary folder and GIT_CONFIG_NOSYSTEM=1;
the driver is wired by 'nbreview git install --local', as a user would.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from support.git import NBREVIEW, MergeRepo, needs_git, sales_notebook
from support.notebooks import code_cell, md_cell, notebook

pytestmark = needs_git


def branch_edits(merge_repo: MergeRepo, local_edit: Any, remote_edit: Any) -> None:
    """Commit ``remote_edit`` on branch 'feature' and ``local_edit`` on main."""
    merge_repo.git("checkout", "-q", "-b", "feature")
    nb = sales_notebook()
    remote_edit(nb)
    merge_repo.save(nb, "feature edit")
    merge_repo.git("checkout", "-q", "main")
    nb = sales_notebook()
    local_edit(nb)
    merge_repo.save(nb, "main edit")


def edit_title(nb: dict[str, Any]) -> None:
    nb["cells"][0]["source"] = "# Sales 2024\n\nMonthly sales and a trend."


def edit_trend(nb: dict[str, Any]) -> None:
    nb["cells"][4]["source"] = "trend = df.sales.rolling(6).mean()\ntrend.plot()"


def add_cell(nb: dict[str, Any]) -> None:
    nb["cells"].insert(3, code_cell("df.describe()"))


def test_git_merge_clean(merge_repo: MergeRepo) -> None:
    def remote(nb: dict[str, Any]) -> None:
        edit_trend(nb)
        add_cell(nb)

    branch_edits(merge_repo, edit_title, remote)
    proc = merge_repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in proc.stdout
    nb = merge_repo.read()
    assert [c["source"] for c in nb["cells"]] == [
        "# Sales 2024\n\nMonthly sales and a trend.",
        sales_notebook()["cells"][1]["source"], sales_notebook()["cells"][2]["source"],
        "df.describe()", "## Trend", "trend = df.sales.rolling(6).mean()\ntrend.plot()"]
    assert merge_repo.git("status", "--porcelain").stdout == ""


def test_git_merge_conflict_is_marked_and_reported(merge_repo: MergeRepo) -> None:
    def local(nb: dict[str, Any]) -> None:
        nb["cells"][4]["source"] = "trend = df.sales.rolling(12).mean()\ntrend.plot()"

    branch_edits(merge_repo, local, edit_trend)
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1
    assert "CONFLICT (content): Merge conflict in sales.ipynb" in proc.stdout
    assert "nbreview: sales.ipynb: 1 conflict (1 in cell sources)" in proc.stderr
    assert merge_repo.conflicted() == ["sales.ipynb"]
    nb = merge_repo.read()  # still a notebook: JSON intact, markers inside the cell
    # Labelled as git labels its own conflicts: HEAD and the merged branch.
    assert nb["cells"][4]["source"] == ("<<<<<<< HEAD\ntrend = df.sales.rolling(12).mean()\n=======\n"
                                        "trend = df.sales.rolling(6).mean()\n>>>>>>> feature\ntrend.plot()")
    assert nb["metadata"]["nbreview"]["conflicts"][0]["cell"] == 4
    # Resolving by strategy and committing finishes the merge.
    base = merge_repo.git("show", ":1:sales.ipynb").stdout
    (merge_repo.root / "b.ipynb").write_text(base)
    (merge_repo.root / "l.ipynb").write_text(merge_repo.git("show", ":2:sales.ipynb").stdout)
    (merge_repo.root / "r.ipynb").write_text(merge_repo.git("show", ":3:sales.ipynb").stdout)
    done = merge_repo.run(NBREVIEW, "merge", "b.ipynb", "l.ipynb", "r.ipynb", "-o", "sales.ipynb",
                          "--strategy", "remote")
    assert done.returncode == 0, done.stderr
    merge_repo.git("add", "sales.ipynb")
    merge_repo.git("commit", "-q", "--no-edit")
    assert merge_repo.read()["cells"][4]["source"] == "trend = df.sales.rolling(6).mean()\ntrend.plot()"


def test_delete_vs_edit_in_git(merge_repo: MergeRepo) -> None:
    def local(nb: dict[str, Any]) -> None:
        del nb["cells"][2]

    def remote(nb: dict[str, Any]) -> None:
        nb["cells"][2]["source"] = "total = df.sales.sum()\nprint(f'{total:,}')"

    branch_edits(merge_repo, local, remote)
    assert merge_repo.git("merge", "--no-edit", "feature", ok=False).returncode == 1
    assert merge_repo.conflicted() == ["sales.ipynb"]
    cell = merge_repo.read()["cells"][2]
    assert cell["source"].startswith("<<<<<<< HEAD (deleted the cell)\n=======\ntotal = df.sales.sum()")
    assert cell["metadata"]["nbreview"] == {"conflicts": ["delete"]}


def test_git_rebase_and_cherry_pick_use_the_driver(merge_repo: MergeRepo) -> None:
    branch_edits(merge_repo, edit_title, edit_trend)
    # Plain git would see two edits of the same JSON file; the driver merges them by cell.
    merge_repo.git("checkout", "-q", "feature")
    proc = merge_repo.git("rebase", "main")
    assert "CONFLICT" not in proc.stdout
    sources = [c["source"] for c in merge_repo.read()["cells"]]
    assert sources[0].startswith("# Sales 2024") and "rolling(6)" in sources[4]
    merge_repo.git("checkout", "-q", "-b", "other", "main~1")
    nb = sales_notebook()
    add_cell(nb)
    merge_repo.save(nb, "add describe")
    pick = merge_repo.git("rev-parse", "HEAD").stdout.strip()
    merge_repo.git("checkout", "-q", "main")
    merge_repo.git("cherry-pick", pick)
    sources = [c["source"] for c in merge_repo.read()["cells"]]
    assert sources[0].startswith("# Sales 2024") and "df.describe()" in sources


def test_git_stash_pop_merges_notebooks(merge_repo: MergeRepo) -> None:
    from nbreview.io.write import dumps_notebook

    nb = sales_notebook()
    add_cell(nb)
    (merge_repo.root / "sales.ipynb").write_text(dumps_notebook(nb))  # work in progress
    merge_repo.git("stash")
    other = sales_notebook()
    edit_trend(other)
    merge_repo.save(other, "trend")
    merge_repo.git("stash", "pop")
    sources = [c["source"] for c in merge_repo.read()["cells"]]
    assert "df.describe()" in sources and "rolling(6)" in sources[-1]


def test_bad_notebook_leaves_the_conflict_to_git(merge_repo: MergeRepo) -> None:
    merge_repo.git("checkout", "-q", "-b", "feature")
    (merge_repo.root / "sales.ipynb").write_text('{"cells": [')  # broken on this branch
    merge_repo.git("commit", "-q", "-am", "broken")
    merge_repo.git("checkout", "-q", "main")
    nb = copy.deepcopy(sales_notebook())
    edit_title(nb)
    merge_repo.save(nb, "title")
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1 and merge_repo.conflicted() == ["sales.ipynb"]
    assert "nbreview: sales.ipynb, remote (theirs) version: invalid JSON" in proc.stderr
    assert "merged as text with git merge-file (1 conflict marked)" in proc.stderr
    assert "Traceback" not in proc.stderr
    # git's line merge: both sides kept between markers, nothing left out silently.
    text = (merge_repo.root / "sales.ipynb").read_text()
    assert text.startswith("<<<<<<< HEAD\n") and '{"cells": [' in text and "# Sales 2024" in text


def test_both_sides_rerun_merges_where_gits_line_merge_conflicts(merge_repo: MergeRepo) -> None:
    def rerun(nb: dict[str, Any], start: int) -> None:
        for k, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            cell["execution_count"] = start + k

    def local(nb: dict[str, Any]) -> None:
        edit_title(nb)
        rerun(nb, 10)

    def remote(nb: dict[str, Any]) -> None:
        edit_trend(nb)
        rerun(nb, 20)

    branch_edits(merge_repo, local, remote)
    for stage, name in ((1, "b"), (2, "l"), (3, "r")):
        rev = {1: "main~1", 2: "main", 3: "feature"}[stage]
        (merge_repo.root / f"{name}.txt").write_text(merge_repo.git("show", f"{rev}:sales.ipynb").stdout)
    text_merge = merge_repo.run("git", "merge-file", "-p", "l.txt", "b.txt", "r.txt")
    assert text_merge.returncode > 0  # git's own line merge: conflicts on the execution counts
    proc = merge_repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in proc.stdout
    cells = merge_repo.read()["cells"]
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


def check(merge_repo: MergeRepo, name: str = "sales.ipynb") -> subprocess.CompletedProcess[str]:
    return merge_repo.run(NBREVIEW, "check", name)


def assert_rival_conflict(merge_repo: MergeRepo, first: str, second: str) -> dict[str, Any]:
    """The notebook is valid, marks one conflict in cell 1 holding both rewrites in full, and
    'nbreview check' fails on it."""
    from nbreview.merge import validate

    assert merge_repo.conflicted() == ["sales.ipynb"]
    nb = merge_repo.read()
    validate(nb)
    assert len(nb["cells"]) == 5
    src = nb["cells"][1]["source"]
    assert first in src and second in src and src.index(first) < src.index(second)
    assert src.startswith("<<<<<<< ") and "\n=======\n" in src and "\n>>>>>>> " in src
    records = nb["metadata"]["nbreview"]["conflicts"]
    assert [(r["kind"], r["cell"]) for r in records] == [("source", 1)]
    proc = check(merge_repo)
    assert proc.returncode == 1 and "sales.ipynb: cell 1: conflict markers (line 1)" in proc.stdout
    return nb


def resolve_by_hand(merge_repo: MergeRepo, text: str) -> None:
    """Edit the markers away as a person would in an editor, then pass 'nbreview check --fix'."""
    raw = json.loads((merge_repo.root / "sales.ipynb").read_text())
    raw["cells"][1]["source"] = text
    (merge_repo.root / "sales.ipynb").write_text(json.dumps(raw, indent=1))
    left = check(merge_repo)
    assert left.returncode == 1 and "conflict metadata left" in left.stdout  # the bookkeeping is still there
    fixed = merge_repo.run(NBREVIEW, "check", "--fix", "sales.ipynb")
    assert fixed.returncode == 1 and "removed the conflict metadata" in fixed.stdout
    assert check(merge_repo).returncode == 0
    nb = merge_repo.read()
    assert "nbreview" not in nb["metadata"] and all("nbreview" not in c["metadata"] for c in nb["cells"])
    merge_repo.git("add", "sales.ipynb")


def test_rival_rewrites_conflict_in_git_merge(merge_repo: MergeRepo) -> None:
    branch_edits(merge_repo, rewrite_local, rewrite_remote)
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1 and "CONFLICT (content): Merge conflict in sales.ipynb" in proc.stdout
    nb = assert_rival_conflict(merge_repo, LOCAL_REWRITE, REMOTE_REWRITE)
    assert nb["cells"][1]["source"].startswith("<<<<<<< HEAD\n") and "\n>>>>>>> feature" in nb["cells"][1]["source"]
    resolve_by_hand(merge_repo, REMOTE_REWRITE)
    merge_repo.git("commit", "-q", "--no-edit")
    assert merge_repo.read()["cells"][1]["source"] == REMOTE_REWRITE


def test_rewrite_against_delete_conflicts_in_git_merge(merge_repo: MergeRepo) -> None:
    def delete(nb: dict[str, Any]) -> None:
        del nb["cells"][1]

    branch_edits(merge_repo, delete, rewrite_remote)
    assert merge_repo.git("merge", "--no-edit", "feature", ok=False).returncode == 1
    assert merge_repo.conflicted() == ["sales.ipynb"]
    nb = merge_repo.read()
    src = nb["cells"][1]["source"]
    assert src.startswith("<<<<<<< HEAD (deleted the cell)\n=======\n") and REMOTE_REWRITE in src
    assert [r["kind"] for r in nb["metadata"]["nbreview"]["conflicts"]] == ["delete"]
    assert check(merge_repo).returncode == 1


def test_rival_rewrites_conflict_in_rebase_with_gits_labels_and_diff3(merge_repo: MergeRepo) -> None:
    merge_repo.git("config", "merge.conflictStyle", "diff3")
    branch_edits(merge_repo, rewrite_local, rewrite_remote)
    merge_repo.git("checkout", "-q", "feature")
    proc = merge_repo.git("rebase", "main", ok=False)
    assert proc.returncode != 0 and "CONFLICT" in proc.stdout + proc.stderr
    # In a rebase 'ours' is the upstream (main's rewrite), 'theirs' the commit being replayed.
    nb = assert_rival_conflict(merge_repo, LOCAL_REWRITE, REMOTE_REWRITE)
    sha = merge_repo.git("rev-parse", "--short", "feature").stdout.strip()
    base = sales_notebook()["cells"][1]["source"]
    assert nb["cells"][1]["source"] == (
        f"<<<<<<< HEAD\n{LOCAL_REWRITE}\n||||||| parent of {sha} (feature edit)\n{base}\n=======\n"
        f"{REMOTE_REWRITE}\n>>>>>>> {sha} (feature edit)")
    resolve_by_hand(merge_repo, LOCAL_REWRITE + "\n" + REMOTE_REWRITE)
    merge_repo.git("-c", "core.editor=true", "rebase", "--continue")
    assert merge_repo.read()["cells"][1]["source"] == LOCAL_REWRITE + "\n" + REMOTE_REWRITE


def test_rival_rewrites_conflict_in_cherry_pick(merge_repo: MergeRepo) -> None:
    branch_edits(merge_repo, rewrite_local, rewrite_remote)
    proc = merge_repo.git("cherry-pick", "feature", ok=False)
    assert proc.returncode != 0
    assert_rival_conflict(merge_repo, LOCAL_REWRITE, REMOTE_REWRITE)


def test_rival_rewrites_conflict_in_stash_pop(merge_repo: MergeRepo) -> None:
    from nbreview.io.write import dumps_notebook

    nb = sales_notebook()
    rewrite_remote(nb)
    (merge_repo.root / "sales.ipynb").write_text(dumps_notebook(nb))  # work in progress
    merge_repo.git("stash")
    other = sales_notebook()
    rewrite_local(other)
    merge_repo.save(other, "rewrite")
    proc = merge_repo.git("stash", "pop", ok=False)
    assert proc.returncode == 1 and "CONFLICT" in proc.stdout
    assert_rival_conflict(merge_repo, LOCAL_REWRITE, REMOTE_REWRITE)
    assert merge_repo.git("stash", "list").stdout.strip()  # git keeps the stash while the conflict is open


def test_add_add_of_one_notebook_conflicts_cell_by_cell(merge_repo: MergeRepo) -> None:
    ours = notebook([md_cell("# Forecast"), code_cell("import pandas as pd"), code_cell("model = fit_arima(df)")])
    theirs = notebook([md_cell("# Forecast"), code_cell("import pandas as pd"), code_cell("model = fit_prophet(df)")])
    merge_repo.git("checkout", "-q", "-b", "feature")
    merge_repo.save(theirs, "their forecast", name="forecast.ipynb")
    merge_repo.git("checkout", "-q", "main")
    merge_repo.save(ours, "our forecast", name="forecast.ipynb")
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 1 and "CONFLICT (add/add): Merge conflict in forecast.ipynb" in proc.stdout
    assert merge_repo.conflicted() == ["forecast.ipynb"]
    nb = merge_repo.read("forecast.ipynb")
    # Cells both added the same are kept once; the rival ones are one conflict holding both.
    assert [c["source"] for c in nb["cells"]] == [
        "# Forecast", "import pandas as pd",
        "<<<<<<< HEAD\nmodel = fit_arima(df)\n=======\nmodel = fit_prophet(df)\n>>>>>>> feature"]
    assert check(merge_repo, "forecast.ipynb").returncode == 1


def test_independent_rewrite_and_edit_merge_clean(merge_repo: MergeRepo) -> None:
    """A rewrite of one cell and an edit of another are independent: no conflict."""
    branch_edits(merge_repo, rewrite_local, edit_trend)
    proc = merge_repo.git("merge", "--no-edit", "feature")
    assert "CONFLICT" not in proc.stdout
    sources = [c["source"] for c in merge_repo.read()["cells"]]
    assert sources[1] == LOCAL_REWRITE and "rolling(6)" in sources[4] and len(sources) == 5
    assert check(merge_repo).returncode == 0


def test_readme_pre_commit_hook_blocks_unresolved_notebooks(merge_repo: MergeRepo) -> None:
    """The plain git hook the README documents, installed as written: the commit fails while the
    notebook holds conflicts, and goes through once they are resolved."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    start = readme.index("```sh\n#!/bin/sh\n") + len("```sh\n")
    hook = merge_repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text(readme[start:readme.index("```", start)])
    hook.chmod(0o755)
    merge_repo.env["PATH"] = f"{Path(NBREVIEW).parent}{os.pathsep}{merge_repo.env.get('PATH', '')}"
    branch_edits(merge_repo, rewrite_local, rewrite_remote)
    assert merge_repo.git("merge", "--no-edit", "feature", ok=False).returncode == 1
    merge_repo.git("add", "sales.ipynb")  # staged with its markers by mistake
    refused = merge_repo.git("commit", "-q", "--no-edit", ok=False)
    assert refused.returncode != 0 and "sales.ipynb: cell 1: conflict markers" in refused.stdout + refused.stderr
    resolve_by_hand(merge_repo, LOCAL_REWRITE)
    merge_repo.git("commit", "-q", "--no-edit")
    assert merge_repo.git("status", "--porcelain").stdout == ""
