"""The JSON form ``nbreview diff --json`` prints: versioned, one entry per cell, indices as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from nbreview.errors import PatchError
from support.notebooks import code_cell, notebook, write_nb
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD


def run_json(old: Path | str, new: Path | str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-m", "nbreview", "diff", str(old), str(new), "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_cells_list_has_one_entry_per_cell() -> None:
    d = run_json(EXAMPLE_OLD, EXAMPLE_NEW)
    assert d["format"] == "nbreview-diff" and d["version"] == 2
    olds = sorted(c["old_index"] for c in d["cells"] if c["old_index"] is not None)
    news = [c["new_index"] for c in d["cells"] if c["new_index"] is not None]
    n_old = len(json.loads(EXAMPLE_OLD.read_text())["cells"])
    n_new = len(json.loads(EXAMPLE_NEW.read_text())["cells"])
    assert olds == list(range(n_old)) and news == list(range(n_new))
    for c in d["cells"]:
        if c["status"] == "added":
            assert c["old_index"] is None and isinstance(c["new_index"], int)
        elif c["status"] == "removed":
            assert c["new_index"] is None and isinstance(c["old_index"], int)
        else:
            assert isinstance(c["old_index"], int) and isinstance(c["new_index"], int)
    moved = [c for c in d["cells"] if c["moved"]]
    assert [(c["old_index"], c["new_index"]) for c in moved] == [(6, 3)]
    assert d["summary"]["added"] == 1 and d["summary"]["images_changed"] == 1


def test_added_and_deleted_notebooks(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "a.ipynb", notebook([code_cell("x = 1"), code_cell("y = 2")],
                                                 kernelspec={"name": "python3"}))
    added = run_json("/dev/null", nb)
    assert [(c["status"], c["old_index"], c["new_index"]) for c in added["cells"]] == [
        ("added", None, 0), ("added", None, 1)]
    assert added["old"]["empty"]
    # A whole new notebook's format and metadata are not news: recorded (for patch), flagged transient.
    assert added["notebook"]["metadata"] and all(ch["transient"] for ch in added["notebook"]["metadata"])
    assert added["summary"]["metadata_changed"] == 0
    removed = run_json(nb, "/dev/null")
    assert [c["status"] for c in removed["cells"]] == ["removed", "removed"]


def test_patch_refuses_a_diff_for_another_notebook(tmp_path: Path) -> None:
    import nbreview

    a = notebook([code_cell("x = 1")])
    b = notebook([code_cell("x = 2")])
    d = nbreview.diff(a, b).to_dict()
    other = notebook([code_cell("z = 9")])
    try:
        nbreview.patch(other, d)
    except PatchError as err:
        assert "not the one the diff was made from" in str(err)
    else:
        raise AssertionError("patch applied to the wrong notebook")
    lossy = nbreview.diff(a, b, ignore_outputs=True).to_dict()
    try:
        nbreview.patch(a, lossy)
    except PatchError as err:
        assert "ignore options" in str(err)
    else:
        raise AssertionError("patch accepted a lossy diff")


def test_json_text_is_exactly_what_json_dumps_writes() -> None:
    """``--json`` writes with its own fast walk: byte for byte the text of ``json.dumps(indent=1)``,
    on real diffs and on every kind of JSON value (the odd ones fall back to json.dumps)."""
    import math

    from nbreview.io.write import dumps_indented
    from nbreview.results.pipeline import diff
    from nbreview.view import json_document
    from support.paths import corpus_pairs

    docs: list[object] = [json_document(diff(EXAMPLE_OLD, EXAMPLE_NEW))]
    docs += [json_document(diff(p / "old.ipynb", p / "new.ipynb")) for p in corpus_pairs()[:20]]
    docs += [{"a": [], "b": {}, "c": [1.5, 1e300, -0.0, math.inf, 10**30, True, False, None, 'q"\\\n\u200f\x1b'],
              "d": {"e": [{}, [[]]]}}, [], {}, "text", 3, {1: "int key"}, (1, "tuple"), {"deep": [[[[{"x": 1}]]]]}]
    for doc in docs:
        assert dumps_indented(doc) == json.dumps(doc, ensure_ascii=False, indent=1)
