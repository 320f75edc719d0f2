"""The conflict rules: rival rewrites, rewrite against delete and add/add are conflicts; labels,
diff3 style; 'nbreview check' and the removal of resolved bookkeeping."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbreview.merge import merge, validate
from nbreview.merge.check import drop_resolved, findings
from nbreview.merge.labels import MarkerStyle
from nbreview.merge.text import has_markers, marker_lines
from support.notebooks import code_cell, md_cell, notebook, write_nb

READ = "df = pd.read_csv('a.csv')"
LOCAL = "df = pd.read_parquet('a.parquet')\ndf = df[df.year > 2020]"
REMOTE = "frame = spark.read.json('a.json')"


def base_nb() -> dict[str, Any]:
    return notebook([md_cell("# Load"), code_cell("import pandas as pd"), code_cell(READ), code_cell("df.head()")])


def with_cell(source: str | None, at: int = 2) -> dict[str, Any]:
    nb = base_nb()
    if source is None:
        del nb["cells"][at]
    else:
        nb["cells"][at]["source"] = source
    return nb


def sources(nb: dict[str, Any]) -> list[str]:
    return [c["source"] for c in nb["cells"]]


def test_rival_rewrites_of_one_cell_conflict_keeping_both_in_full() -> None:
    out = merge(base_nb(), with_cell(LOCAL), with_cell(REMOTE))
    assert [c.kind for c in out.unresolved] == ["source"]
    assert sources(out.notebook) == ["# Load", "import pandas as pd",
                                     f"<<<<<<< local\n{LOCAL}\n=======\n{REMOTE}\n>>>>>>> remote", "df.head()"]
    rec = out.notebook["metadata"]["nbreview"]["conflicts"][0]
    assert (rec["cell"], rec["base"], rec["local"], rec["remote"]) == (2, READ, LOCAL, REMOTE)
    validate(out.notebook)


@pytest.mark.parametrize("deleted", ["local", "remote"])
def test_rewrite_against_delete_conflicts(deleted: str) -> None:
    sides = (with_cell(None), with_cell(REMOTE)) if deleted == "local" else (with_cell(LOCAL), with_cell(None))
    out = merge(base_nb(), *sides)
    assert [(c.kind, c.deleted) for c in out.unresolved] == [("delete", deleted)]
    kept = REMOTE if deleted == "local" else LOCAL
    assert len(out.notebook["cells"]) == 4 and kept in out.notebook["cells"][2]["source"]
    assert "(deleted the cell)" in out.notebook["cells"][2]["source"]


def test_same_rewrite_on_both_sides_and_one_sided_rewrite_merge_clean() -> None:
    same = merge(base_nb(), with_cell(LOCAL), with_cell(LOCAL))
    assert same.clean and sources(same.notebook)[2] == LOCAL
    one = merge(base_nb(), with_cell(LOCAL), with_cell("df.tail()", at=3))
    assert one.clean and sources(one.notebook) == ["# Load", "import pandas as pd", LOCAL, "df.tail()"]
    both_delete = merge(base_nb(), with_cell(None), with_cell(None))
    assert both_delete.clean and len(both_delete.notebook["cells"]) == 3


def test_rewrite_on_one_side_and_small_edit_on_the_other_conflict() -> None:
    out = merge(base_nb(), with_cell(LOCAL), with_cell(READ + "  # raw data"))
    assert not out.clean
    text = "\n".join(sources(out.notebook))
    assert LOCAL in text and "# raw data" in text


def test_rewrite_into_two_cells_against_a_rival_rewrite_loses_nothing() -> None:
    local = base_nb()
    local["cells"][2:3] = [code_cell("path = 'a.parquet'"), code_cell("df = pd.read_parquet(path)")]
    out = merge(base_nb(), local, with_cell(REMOTE))
    assert not out.clean
    text = "\n".join(sources(out.notebook))
    assert all(s in text for s in ("path = 'a.parquet'", "df = pd.read_parquet(path)", REMOTE))
    validate(out.notebook)


def test_add_add_pairs_cells_by_content() -> None:
    ours = notebook([md_cell("# New"), code_cell("a = 1"), code_cell("shared()"), code_cell("only_ours()")])
    theirs = notebook([md_cell("# New"), code_cell("b = 2"), code_cell("shared()")])
    out = merge(b"", ours, theirs)
    assert sources(out.notebook) == ["# New", "<<<<<<< local\na = 1\n=======\nb = 2\n>>>>>>> remote", "shared()",
                                     "<<<<<<< local\nonly_ours()\n=======\n>>>>>>> remote (no such cell)"]
    assert [c.kind for c in out.unresolved] == ["source", "delete"]
    # Each side's notebook comes back whole by taking that side everywhere.
    assert sources(merge(b"", ours, theirs, strategy="local").notebook) == sources(ours)
    assert sources(merge(b"", ours, theirs, strategy="remote").notebook) == sources(theirs)


def test_markers_with_labels_and_diff3() -> None:
    from nbreview.merge import merge_structured, resolve_merge

    res = merge_structured(base_nb(), with_cell(LOCAL), with_cell(REMOTE))
    res.style = MarkerStyle(local="HEAD", remote="abc1234 (load json)", base="parent of abc1234 (load json)",
                            diff3=True)
    src = resolve_merge(res).notebook["cells"][2]["source"]
    assert src == (f"<<<<<<< HEAD\n{LOCAL}\n||||||| parent of abc1234 (load json)\n{READ}\n=======\n{REMOTE}\n"
                   ">>>>>>> abc1234 (load json)")
    assert marker_lines(src) == [1] and has_markers(src)
    assert not has_markers("Title\n=======\n") and not has_markers("<<<<<<<< not a marker\n=======\n>>>>>>> x")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nbreview", *map(str, args)], capture_output=True, text=True,
                          check=False)


def test_cli_labels_and_conflict_style(tmp_path: Path) -> None:
    files = [write_nb(tmp_path / f"{n}.ipynb", nb) for n, nb in
             (("b", base_nb()), ("l", with_cell(LOCAL)), ("r", with_cell(REMOTE)))]
    out = tmp_path / "out.ipynb"
    proc = run("merge", *files, "-o", out, "--conflict-style", "diff3", "--local-label", "mine",
               "--remote-label", "theirs", "--base-label", "common")
    assert proc.returncode == 1
    src = "".join(json.loads(out.read_text())["cells"][2]["source"])
    assert src.startswith("<<<<<<< mine\n") and f"||||||| common\n{READ}\n=======" in src
    assert src.endswith(">>>>>>> theirs")
    # git < 2.44 passes %S %X %Y through unexpanded: the default labels stay.
    proc = run("merge", *files, "-o", out, "--local-label", "%X", "--remote-label", "%Y", "--base-label", "%S")
    assert proc.returncode == 1 and "".join(json.loads(out.read_text())["cells"][2]["source"]).startswith(
        "<<<<<<< local\n")


# -- nbreview check ------------------------------------------------------------------------------

def test_check_reports_markers_and_metadata_and_fix_drops_resolved_records(tmp_path: Path) -> None:
    marked = merge(base_nb(), with_cell(LOCAL), with_cell(REMOTE)).notebook
    path = write_nb(tmp_path / "m.ipynb", marked)
    clean = write_nb(tmp_path / "c.ipynb", base_nb())
    proc = run("check", path, clean)
    assert proc.returncode == 1 and proc.stderr == ""
    assert proc.stdout.splitlines() == [f"{path}: cell 2: conflict markers (line 1)",
                                        f"{path}: 1 conflict record in the notebook metadata "
                                        "(metadata.nbreview.conflicts: source)"]
    assert run("check", "--fix", path).returncode == 1  # markers left: nothing to drop
    assert json.loads(path.read_text())["metadata"]["nbreview"]["conflicts"]
    resolved = copy.deepcopy(marked)
    resolved["cells"][2]["source"] = LOCAL
    write_nb(path, resolved)
    proc = run("check", path)
    assert proc.returncode == 1 and "cell 2: conflict metadata left" in proc.stdout
    proc = run("check", "--fix", path)
    assert proc.returncode == 1 and proc.stdout.splitlines() == [f"{path}: removed the conflict metadata of "
                                                                 "resolved conflicts"]
    assert run("check", path).returncode == 0 and run("check", clean).returncode == 0
    nb = json.loads(path.read_text())
    assert "nbreview" not in nb["metadata"] and "nbreview" not in nb["cells"][2]["metadata"]
    validate(nb)


def test_check_keeps_metadata_value_conflicts_open() -> None:
    local, remote = base_nb(), base_nb()
    local["metadata"]["kernelspec"] = {"name": "py3", "display_name": "P", "language": "python"}
    remote["metadata"]["kernelspec"] = {"name": "conda", "display_name": "P", "language": "python"}
    nb = merge(base_nb(), local, remote).notebook
    assert not drop_resolved(nb)  # no markers to look at: only a person decides a value
    assert [str(f) for f in findings(nb)] == [
        "1 conflict record in the notebook metadata (metadata.nbreview.conflicts: value)"]


def test_check_errors_are_one_line_and_other_files_are_still_checked(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    gitmarked = tmp_path / "git.ipynb"
    gitmarked.write_text('{\n<<<<<<< HEAD\n "cells": [],\n=======\n "cells": [1],\n>>>>>>> feature\n}\n')
    marked = write_nb(tmp_path / "m.ipynb", merge(base_nb(), with_cell(LOCAL), with_cell(REMOTE)).notebook)
    proc = run("check", tmp_path / "missing.ipynb", broken, tmp_path, gitmarked, marked)
    assert proc.returncode == 2
    errors = proc.stderr.splitlines()
    assert errors == [f"nbreview: error: {tmp_path / 'missing.ipynb'}: no such file",
                      f"nbreview: error: {broken}: invalid JSON at line 1, column 12: Expecting value; "
                      "the file ends early (truncated?)",
                      f"nbreview: error: {tmp_path}: is a directory, not a notebook"]
    assert f"{gitmarked}: git conflict markers in the file's JSON" in proc.stdout
    assert f"{marked}: cell 2: conflict markers" in proc.stdout
    assert "Traceback" not in proc.stderr
