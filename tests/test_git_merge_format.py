"""Issue 23, findings 3-5 through ``git merge``: the merge commit keeps the local file's format, so its
diff against local shows only the merged cells; nbformat 3 is read without nbformat (checked against
nbformat's own upgrade); a side that is not valid JSON is merged by git's line merge."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from support.git import MergeRepo
from support.notebooks import code_cell, md_cell, notebook


def changed_lines(merge_repo: MergeRepo, a: str, b: str) -> list[str]:
    """The ``+``/``-`` lines of git's raw (JSON) diff of sales.ipynb between two commits."""
    out = merge_repo.git("diff", "--no-ext-diff", "--no-textconv", "-U0", a, b, "--", "sales.ipynb").stdout
    return [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def editor_style(nb: dict[str, Any]) -> str:
    """A v4 notebook as another editor writes it: indent 2, ``output_type``/``cell_type`` first, one-string text."""
    def cell(c: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"cell_type": c["cell_type"], "source": c["source"]}
        if c["cell_type"] == "code":
            out["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "".join(o["text"])}
                              for o in c["outputs"]]
            out["execution_count"] = c["execution_count"]
        out["metadata"] = c["metadata"]
        return out

    doc = {"nbformat": 4, "nbformat_minor": 2, "metadata": nb["metadata"], "cells": [cell(c) for c in nb["cells"]]}
    return json.dumps(doc, indent=2) + "\n"


def sample() -> dict[str, Any]:
    cells = [md_cell("# Sales\n\nMonthly figures.")]
    for k in range(8):
        c = code_cell(f"x{k} = {k}\nprint(x{k})", count=k + 1)
        c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"{k}\n", "done\n"]}]
        cells.append(c)
    return notebook(cells)


def commit_sides(merge_repo: MergeRepo, write: Any) -> None:
    """base, then 'feature' edits cell 6, 'main' edits cell 1; each written by ``write``."""
    base = sample()
    (merge_repo.root / "sales.ipynb").write_text(write(base))
    merge_repo.git("add", "sales.ipynb")
    merge_repo.git("commit", "-q", "-m", "base")
    merge_repo.git("checkout", "-q", "-b", "feature")
    remote = copy.deepcopy(base)
    remote["cells"][6]["source"] = "x5 = 50\nprint(x5)"
    (merge_repo.root / "sales.ipynb").write_text(write(remote))
    merge_repo.git("commit", "-q", "-am", "remote edit")
    merge_repo.git("checkout", "-q", "main")
    local = copy.deepcopy(base)
    local["cells"][1]["source"] = "x0 = 'zero'\nprint(x0)"
    (merge_repo.root / "sales.ipynb").write_text(write(local))
    merge_repo.git("commit", "-q", "-am", "local edit")


def test_merge_keeps_an_editor_styled_v4_file(merge_repo: MergeRepo) -> None:
    commit_sides(merge_repo, editor_style)
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 0, proc.stderr
    assert changed_lines(merge_repo, "HEAD^1", "HEAD") == changed_lines(merge_repo, "feature~1", "feature")
    assert len(changed_lines(merge_repo, "HEAD^1", "HEAD")) == 2
    text = (merge_repo.root / "sales.ipynb").read_text()
    assert text.startswith('{\n  "nbformat": 4,\n  "nbformat_minor": 2,')


def v3_text(nb: dict[str, Any]) -> str:
    """The notebook as nbformat itself writes nbformat 3."""
    nbformat = pytest.importorskip("nbformat")
    node = nbformat.from_dict(copy.deepcopy(nb))
    for c in node.cells:
        c.source = "".join(c.source) if isinstance(c.source, list) else c.source
    return str(nbformat.writes(nbformat.v4.downgrade(node), version=3))


def test_merge_keeps_nbformat_3(merge_repo: MergeRepo) -> None:
    commit_sides(merge_repo, v3_text)
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((merge_repo.root / "sales.ipynb").read_text())["nbformat"] == 3
    assert changed_lines(merge_repo, "HEAD^1", "HEAD") == changed_lines(merge_repo, "feature~1", "feature")
    assert len(changed_lines(merge_repo, "HEAD^1", "HEAD")) == 2


def test_v3_upgrade_matches_nbformat() -> None:
    nbformat = pytest.importorskip("nbformat")
    from nbreview.io.load import parse_bytes

    nb = sample()
    nb["cells"].append(md_cell("## A heading"))
    rich = code_cell("1 + 1", count=9)
    rich["outputs"] = [
        {"output_type": "execute_result", "execution_count": 9, "metadata": {},
         "data": {"text/plain": ["2"], "application/json": {"a": [1, 2]}, "text/html": ["<b>2</b>\n", "<i>x</i>"]}},
        {"output_type": "error", "ename": "E", "evalue": "bad", "traceback": ["line 1", "line 2"]},
    ]
    rich["metadata"]["collapsed"] = True
    nb["cells"].append(rich)
    text = v3_text(nb)
    ours = parse_bytes(text.encode(), "v3.ipynb")
    theirs = json.loads(json.dumps(nbformat.reads(text, as_version=4)))
    for c in theirs["cells"]:
        c.pop("id", None)
    theirs["nbformat_minor"] = 4
    assert ours.upgraded_from == "3.0"
    from nbreview.io.load import from_object

    assert ours.nb == from_object(theirs, "nbformat's").nb


def test_invalid_json_side_falls_back_to_git_line_merge(merge_repo: MergeRepo) -> None:
    bad = '{\n "cells": [],\n "note": "C:\\windows",\n "nbformat": 4\n}\n'  # an invalid \w escape
    (merge_repo.root / "sales.ipynb").write_text(bad)
    merge_repo.git("add", "sales.ipynb")
    merge_repo.git("commit", "-q", "-m", "base")
    merge_repo.git("checkout", "-q", "-b", "feature")
    (merge_repo.root / "sales.ipynb").write_text(bad.replace('"nbformat": 4', '"nbformat": 4,\n "remote": 1'))
    merge_repo.git("commit", "-q", "-am", "remote")
    merge_repo.git("checkout", "-q", "main")
    (merge_repo.root / "sales.ipynb").write_text(bad.replace(' "cells": [],', ' "cells": [],\n "local": 1,'))
    merge_repo.git("commit", "-q", "-am", "local")
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 0, proc.stderr
    assert "not valid JSON" in proc.stderr or "invalid JSON" in proc.stderr
    assert "merged as text with git merge-file (clean)" in proc.stderr
    merged = (merge_repo.root / "sales.ipynb").read_text()
    assert '"local": 1' in merged and '"remote": 1' in merged and "<<<<<<<" not in merged


@pytest.mark.parametrize(("doc", "reason"), [
    ({"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "pyout", "json": "{bad"}]}]}]}, "an output's 'json' value is not valid JSON"),
    ({"nbformat": 3, "worksheets": 5}, "'worksheets' is not a list of objects"),
    ({"nbformat": 1, "cells": [{"cell_type": "weird"}]}, "its structure is not what nbformat 1 requires"),
])
def test_a_failed_upgrade_is_one_clear_line(doc: dict[str, Any], reason: str, tmp_path: Any) -> None:
    import subprocess

    from support.git import NBREVIEW

    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(doc))
    proc = subprocess.run([NBREVIEW, "diff", str(path), str(path)], capture_output=True, text=True, check=False)
    major = doc["nbformat"]
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"nbreview: error: {path}: could not upgrade nbformat {major} to 4: {reason}\n"


def test_dumps_like_keeps_escapes_line_endings_and_compact_files() -> None:
    from nbreview.io.load import parse_bytes
    from nbreview.io.style import dumps_like

    nb = notebook([md_cell("Café\nau lait"), code_cell("x = 1")])
    for text in (json.dumps(nb, indent=1).replace("\n", "\r\n") + "\r\n",  # Windows line endings
                 json.dumps(nb, indent=4, ensure_ascii=True),  # \u00e9 escapes, no final newline
                 json.dumps(nb, separators=(",", ":"))):  # one compact line
        local = parse_bytes(text.encode(), "local.ipynb").nb
        assert dumps_like(local, text, local) == text
        merged = copy.deepcopy(local)
        merged["cells"][1]["source"] = "x = 2"
        out = dumps_like(merged, text, local)
        assert out == text.replace('"x = 1"', '"x = 2"')


def test_nbformat_3_is_read_without_importing_nbformat(tmp_path: Any) -> None:
    import subprocess
    import sys

    from support.paths import FIXTURES

    code = ("import sys; from nbreview.io.load import read_path; "
            f"nb = read_path({str(FIXTURES / 'formats' / 'v3.ipynb')!r}); "
            "assert nb.upgraded_from == '3.0' and nb.nb['nbformat'] == 4; "
            "assert not [m for m in sys.modules if m.startswith(('nbformat', 'jsonschema'))]")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_language_version_changed_on_both_sides_keeps_local_as_the_readme_says(merge_repo: MergeRepo) -> None:
    def with_version(version: str) -> str:
        nb = sample()
        nb["metadata"]["language_info"] = {"name": "python", "version": version}
        return json.dumps(nb, indent=1) + "\n"

    (merge_repo.root / "sales.ipynb").write_text(with_version("3.7.10"))
    merge_repo.git("commit", "-q", "-am", "base")
    merge_repo.git("checkout", "-q", "-b", "feature")
    (merge_repo.root / "sales.ipynb").write_text(with_version("3.7.12"))
    merge_repo.git("commit", "-q", "-am", "remote runs 3.7.12")
    merge_repo.git("checkout", "-q", "main")
    (merge_repo.root / "sales.ipynb").write_text(with_version("3.9.4"))
    merge_repo.git("commit", "-q", "-am", "local runs 3.9.4")
    proc = merge_repo.git("merge", "--no-edit", "feature", ok=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((merge_repo.root / "sales.ipynb").read_text())["metadata"]["language_info"]["version"] == "3.9.4"
    assert changed_lines(merge_repo, "HEAD^1", "HEAD") == []
