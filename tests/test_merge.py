"""Three-way merge: what a user gets for each kind of change, and the 'nbreview merge' command."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbreview.merge import merge, merge_structured, resolve_merge, validate
from support.notebooks import code_cell, md_cell, notebook, write_nb


def out_(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def base_nb() -> dict[str, Any]:
    return notebook([
        md_cell("# Title\n\nIntro text."),
        code_cell("import numpy as np\nx = np.arange(10)\ny = x ** 2\nprint(y)", [out_("[0 1 4]\n")], 1),
        code_cell("def f(a):\n    return a + 1\n", [], 2),
        md_cell("## Results"),
        code_cell("print(f(2))", [out_("3\n")], 3),
    ])


def sources(nb: dict[str, Any]) -> list[str]:
    return [c["source"] for c in nb["cells"]]


def test_one_sided_changes_apply() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][0]["source"] = "# Better title\n\nIntro text."
    remote["cells"][4]["source"] = "print(f(3))"
    remote["cells"][4]["outputs"] = [out_("4\n")]
    remote["cells"][4]["execution_count"] = 9
    out = merge(base, local, remote)
    assert out.clean
    assert sources(out.notebook) == ["# Better title\n\nIntro text.", base["cells"][1]["source"],
                                     base["cells"][2]["source"], "## Results", "print(f(3))"]
    # The outputs of the side whose source won come along with it.
    assert out.notebook["cells"][4]["outputs"] == [out_("4\n")]
    assert out.notebook["cells"][4]["execution_count"] == 9
    assert "nbreview" not in out.notebook["metadata"]


def test_identical_changes_apply_once() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    for side in (local, remote):
        side["cells"][2]["source"] = "def f(a):\n    return a + 2\n"
        side["cells"].insert(3, md_cell("Same note on both sides"))
    out = merge(base, local, remote)
    assert out.clean
    assert sources(out.notebook).count("Same note on both sides") == 1
    assert out.notebook == merge(base, local, local).notebook


def test_insertions_at_the_same_place_keep_both_local_first() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"].insert(2, code_cell("local_only = 1"))
    remote["cells"].insert(2, code_cell("remote_only = 2"))
    out = merge(base, local, remote)
    assert out.clean
    assert sources(out.notebook)[2:4] == ["local_only = 1", "remote_only = 2"]
    # Swapping the sides swaps the order: stable, not arbitrary.
    assert sources(merge(base, remote, local).notebook)[2:4] == ["remote_only = 2", "local_only = 1"]


def test_deleted_on_one_side_unchanged_or_only_rerun_on_the_other_is_deleted() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    del local["cells"][3]
    del local["cells"][1]
    remote["cells"][1]["outputs"] = [out_("[0 1 4 9]\n")]  # re-ran: outputs are not an edit
    remote["cells"][1]["execution_count"] = 12
    out = merge(base, local, remote)
    assert out.clean
    assert sources(out.notebook) == [base["cells"][0]["source"], base["cells"][2]["source"], "print(f(2))"]


def test_delete_vs_edit_keeps_the_edited_cell_marked() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    del local["cells"][2]
    remote["cells"][2]["source"] = "def f(a):\n    return a * 10\n"
    out = merge(base, local, remote)
    assert [c.kind for c in out.unresolved] == ["delete"]
    cell = out.notebook["cells"][2]
    assert cell["source"] == ("<<<<<<< local (deleted the cell)\n=======\n"
                              "def f(a):\n    return a * 10\n>>>>>>> remote\n")
    assert cell["metadata"]["nbreview"] == {"conflicts": ["delete"]}
    record, = out.notebook["metadata"]["nbreview"]["conflicts"]
    assert record["kind"] == "delete" and record["deleted"] == "local" and record["cell"] == 2
    validate(out.notebook)
    # Either way round.
    out2 = merge(base, remote, local)
    assert out2.notebook["cells"][2]["source"].endswith("=======\n>>>>>>> remote (deleted the cell)\n")


def test_moves_apply_with_edits_from_the_other_side() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"].append(local["cells"].pop(2))  # move def f to the end
    remote["cells"][2]["source"] = "def f(a):\n    \"\"\"Add one.\"\"\"\n    return a + 1\n"
    remote["cells"][0]["source"] = "# Title\n\nIntro text, edited."
    out = merge(base, local, remote)
    assert out.clean
    assert sources(out.notebook) == ["# Title\n\nIntro text, edited.", base["cells"][1]["source"], "## Results",
                                     "print(f(2))", remote["cells"][2]["source"]]


def test_moves_to_different_places_conflict_and_stay_where_local_put_them() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"].insert(0, local["cells"].pop(4))
    remote["cells"].insert(2, remote["cells"].pop(4))
    out = merge(base, local, remote)
    assert [c.kind for c in out.unresolved] == ["move"]
    assert sources(out.notebook).count("print(f(2))") == 1
    assert sources(out.notebook)[0] == "print(f(2))"
    assert out.notebook["cells"][0]["metadata"]["nbreview"] == {"conflicts": ["move"]}
    assert sources(merge(base, local, remote, strategy="remote").notebook)[2] == "print(f(2))"
    assert sources(merge(base, local, remote, strategy="base").notebook)[4] == "print(f(2))"


def test_sources_merge_line_by_line() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][1]["source"] = "import numpy as np\nx = np.arange(20)\ny = x ** 2\nprint(y)"
    remote["cells"][1]["source"] = "import numpy as np\nx = np.arange(10)\ny = x ** 2\nprint(y.sum())"
    out = merge(base, local, remote)
    assert out.clean
    cell = out.notebook["cells"][1]
    assert cell["source"] == "import numpy as np\nx = np.arange(20)\ny = x ** 2\nprint(y.sum())"
    # Neither side's run matches the combined source: its count is cleared.
    assert cell["execution_count"] is None


def test_same_line_changed_both_sides_is_marked_git_style() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][1]["source"] = "import numpy as np\nx = np.arange(20)\ny = x ** 2\nprint(y)"
    remote["cells"][1]["source"] = "import numpy as np\nx = np.linspace(0, 1)\ny = x ** 2\nprint(y)"
    out = merge(base, local, remote)
    assert [c.kind for c in out.unresolved] == ["source"]
    assert out.notebook["cells"][1]["source"] == (
        "import numpy as np\n<<<<<<< local\nx = np.arange(20)\n=======\nx = np.linspace(0, 1)\n>>>>>>> remote\n"
        "y = x ** 2\nprint(y)")
    record, = out.notebook["metadata"]["nbreview"]["conflicts"]
    assert record == {"id": 0, "kind": "source", "cell": 1, "base": "x = np.arange(10)\n",
                      "local": "x = np.arange(20)\n", "remote": "x = np.linspace(0, 1)\n"}
    assert merge(base, local, remote, strategy="local").notebook["cells"][1]["source"] == local["cells"][1]["source"]
    assert merge(base, local, remote, strategy="remote").notebook["cells"][1]["source"] == remote["cells"][1]["source"]
    assert merge(base, local, remote, strategy="base").notebook["cells"][1]["source"] == base["cells"][1]["source"]


def test_choices_per_conflict_both_and_edit() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][4]["source"] = "print(f(5))"
    remote["cells"][4]["source"] = "print(f(7))"
    result = merge_structured(base, local, remote)
    (c,) = result.conflicts
    assert resolve_merge(result, {c.id: "both"}).notebook["cells"][4]["source"] == "print(f(5))\nprint(f(7))"
    edited = resolve_merge(result, {c.id: ("edit", "print(f(6))")})
    assert edited.clean and edited.notebook["cells"][4]["source"] == "print(f(6))"
    assert "nbreview" not in edited.notebook["metadata"]


def test_outputs_never_conflict_and_follow_the_chosen_mode() -> None:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][4]["outputs"], local["cells"][4]["execution_count"] = [out_("3 (local run)\n")], 7
    remote["cells"][4]["outputs"], remote["cells"][4]["execution_count"] = [out_("3 (remote run)\n")], 8
    out = merge(base, local, remote)
    assert out.clean
    assert out.notebook["cells"][4]["outputs"] == [out_("3 (local run)\n")]
    assert merge(base, local, remote, outputs="remote").notebook["cells"][4]["execution_count"] == 8
    cleared = merge(base, local, remote, outputs="clear").notebook["cells"][4]
    assert cleared["outputs"] == [] and cleared["execution_count"] is None
    assert merge(base, local, remote, outputs="clear").notebook["cells"][1]["outputs"] == [out_("[0 1 4]\n")]
    union = merge(base, local, remote, outputs="union").notebook["cells"][4]
    assert union["outputs"] == [out_("3 (local run)\n"), out_("3 (remote run)\n")]


def test_metadata_merges_key_by_key_and_transient_keys_never_conflict() -> None:
    base = base_nb()
    base["metadata"] = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                        "language_info": {"name": "python", "version": "3.10.1"}}
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][1]["metadata"] = {"tags": ["setup"], "collapsed": True, "ExecuteTime": {"end": "1"}}
    remote["cells"][1]["metadata"] = {"slideshow": {"slide_type": "slide"}, "collapsed": False,
                                      "ExecuteTime": {"end": "2"}}
    local["metadata"]["language_info"]["version"] = "3.11.2"
    remote["metadata"]["language_info"]["version"] = "3.12.0"
    remote["metadata"]["author"] = "someone"
    out = merge(base, local, remote)
    assert out.clean, out.unresolved
    assert out.notebook["cells"][1]["metadata"] == {"tags": ["setup"], "collapsed": True, "ExecuteTime": {"end": "1"},
                                                   "slideshow": {"slide_type": "slide"}}
    assert out.notebook["metadata"]["author"] == "someone"
    assert out.notebook["metadata"]["language_info"]["version"] == "3.11.2"
    # A lasting key set differently on both sides is a conflict, local's value kept until resolved.
    local["metadata"]["kernelspec"]["name"] = "julia"
    remote["metadata"]["kernelspec"]["name"] = "ir"
    out = merge(base, local, remote)
    record, = out.notebook["metadata"]["nbreview"]["conflicts"]
    assert record["path"] == ["kernelspec", "name"] and record["local"] == "julia" and record["remote"] == "ir"
    assert record["cell"] is None and out.notebook["metadata"]["kernelspec"]["name"] == "julia"
    assert merge(base, local, remote, strategy="remote").notebook["metadata"]["kernelspec"]["name"] == "ir"


def test_cell_ids_stay_unique_and_result_is_valid() -> None:
    base = notebook([md_cell("a", cell_id="a1"), code_cell("b = 1", cell_id="b1")], minor=5)
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"].append(code_cell("c = 2", cell_id="new"))
    remote["cells"].append(code_cell("d = 3", cell_id="new"))
    out = merge(base, local, remote)
    ids = [c["id"] for c in out.notebook["cells"]]
    assert len(set(ids)) == 4 and ids[:3] == ["a1", "b1", "new"]
    validate(out.notebook)


def test_added_on_both_sides_with_no_base() -> None:
    local = notebook([md_cell("# Shared"), code_cell("x = 1")])
    remote = notebook([md_cell("# Shared"), code_cell("x = 2")])
    out = merge(b"", local, remote)
    # add/add: no base, so different cells at one place are rival versions, not two additions.
    assert [c.kind for c in out.unresolved] == ["source"]
    assert sources(out.notebook) == ["# Shared", "<<<<<<< local\nx = 1\n=======\nx = 2\n>>>>>>> remote"]
    assert out.notebook["metadata"]["nbreview"]["conflicts"][0]["cell"] == 1
    validate(out.notebook)
    same = merge(b"", local, local)
    assert same.clean and sources(same.notebook) == ["# Shared", "x = 1"]


# -- the command ------------------------------------------------------------------------

def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nbreview", "merge", *map(str, args)],
                          capture_output=True, text=True, check=False)


@pytest.fixture
def triple(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, Any]]:
    base = base_nb()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][0]["source"] = "# Local title\n\nIntro text."
    remote["cells"][3]["source"] = "## Results, remote"
    return (write_nb(tmp_path / "base.ipynb", base), write_nb(tmp_path / "local.ipynb", local),
            write_nb(tmp_path / "remote.ipynb", remote), remote)


def test_cli_clean_merge_exits_0_and_writes_a_valid_notebook(triple: Any, tmp_path: Path) -> None:
    base, local, remote, _ = triple
    out = tmp_path / "out.ipynb"
    proc = run_cli(base, local, remote, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    nb = json.loads(out.read_text())
    # The local file stores sources as single strings, and the merge keeps the local file's style.
    assert [c["source"] for c in nb["cells"]][0] == "# Local title\n\nIntro text."
    assert nb["cells"][3]["source"] == "## Results, remote"
    import nbformat

    nbformat.validate(nbformat.read(str(out), as_version=4))


def test_cli_conflicts_exit_1_with_markers_and_a_message(triple: Any, tmp_path: Path) -> None:
    base, local, remote, remote_nb = triple
    remote_nb["cells"][0]["source"] = "# Remote title\n\nIntro text."
    write_nb(remote, remote_nb)
    out = tmp_path / "out.ipynb"
    proc = run_cli(base, local, remote, "-o", out, "--path", "analysis.ipynb")
    assert proc.returncode == 1
    assert proc.stderr == ("nbreview: analysis.ipynb: 1 conflict (1 in cell sources); resolve the <<<<<<< markers, "
                           "or run 'git mergetool -t nbreview'\n")
    text = "".join(json.loads(out.read_text())["cells"][0]["source"])
    assert text == "<<<<<<< local\n# Local title\n=======\n# Remote title\n>>>>>>> remote\n\nIntro text."
    taken = run_cli(base, local, remote, "-o", out, "--strategy", "remote", "--path", "analysis.ipynb")
    assert taken.returncode == 0
    assert taken.stderr == "nbreview: analysis.ipynb: 1 conflict resolved with --strategy remote\n"
    assert json.loads(out.read_text())["cells"][0]["source"].startswith("# Remote title\n")  # local's string style


def test_cli_writes_to_stdout_without_o(triple: Any) -> None:
    base, local, remote, _ = triple
    proc = run_cli(base, local, remote)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["cells"][0]["source"].startswith("# Local title\n")


def test_cli_bad_input_is_one_line_exit_2_and_nothing_written(triple: Any, tmp_path: Path) -> None:
    base, local, remote, _ = triple
    before = {p: p.read_bytes() for p in (base, local, remote)}
    remote.write_text('{"cells": [')
    out = tmp_path / "out.ipynb"
    proc = run_cli(base, local, remote, "-o", out)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"nbreview: error: {remote}: invalid JSON") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert base.read_bytes() == before[base] and local.read_bytes() == before[local]
    # Writing over local (as the git driver does) leaves it untouched on error.
    proc = run_cli(base, local, tmp_path / "missing.ipynb", "-o", local)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    assert local.read_bytes() == before[local]
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_added_on_both_branches_with_an_empty_base(tmp_path: Path) -> None:
    local = write_nb(tmp_path / "l.ipynb", notebook([md_cell("# New"), code_cell("a = 1")]))
    remote = write_nb(tmp_path / "r.ipynb", notebook([md_cell("# New"), code_cell("b = 2")]))
    empty = tmp_path / "empty"
    empty.write_bytes(b"")  # git's %O for a file added on both branches
    out = tmp_path / "out.ipynb"
    assert run_cli(empty, local, remote, "-o", out).returncode == 1  # add/add: rival versions of the cell
    nb = json.loads(out.read_text())
    assert nb["nbformat_minor"] == 4 and ["".join(c["source"]) for c in nb["cells"]] == [
        "# New", "<<<<<<< local\na = 1\n=======\nb = 2\n>>>>>>> remote"]
    assert run_cli(empty, local, local, "-o", out).returncode == 0  # the same notebook added on both


def test_a_key_removed_on_one_side_is_removed() -> None:
    base = base_nb()
    base["cells"][1]["metadata"] = {"tags": ["setup"], "editable": False}
    base["metadata"] = {"author": "me", "title": "Sales"}
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    del local["cells"][1]["metadata"]["tags"]
    del local["metadata"]["title"]
    remote["cells"][1]["metadata"]["editable"] = True
    remote["metadata"]["author"] = "you"
    out = merge(base, local, remote)
    assert out.clean
    assert out.notebook["cells"][1]["metadata"] == {"editable": True}
    assert out.notebook["metadata"] == {"author": "you"}
    validate(out.notebook)
    # Removed on one side, changed on the other: a conflict that keeps local's (removal) until resolved.
    remote["metadata"]["title"] = "Sales 2024"
    out = merge(base, local, remote)
    record, = out.notebook["metadata"]["nbreview"]["conflicts"]
    assert record["path"] == ["title"] and "local" not in record and record["remote"] == "Sales 2024"
    assert "title" not in out.notebook["metadata"]


def test_cli_unwritable_output_is_an_error_not_a_crash(triple: Any, tmp_path: Path) -> None:
    base, local, remote, _ = triple
    proc = run_cli(base, local, remote, "-o", tmp_path / "no" / "such" / "dir" / "out.ipynb")
    assert proc.returncode == 2
    assert proc.stderr.startswith("nbreview: error: ") and "cannot write the merged notebook" in proc.stderr
