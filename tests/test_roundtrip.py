"""``patch(old, diff(old, new)) == new``: on every corpus pair, every nbdime pair, and generated edits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nbreview
from nbreview.io.load import load
from support.notebooks import code_cell, md_cell, notebook
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD, corpus_pairs, needs_corpus, needs_peer, peer_files


def roundtrip(old: Any, new: Any) -> None:
    d = json.loads(json.dumps(nbreview.diff(old, new).to_dict()))  # through real JSON text
    patched = nbreview.patch(old, d)
    assert patched == load(new).nb


def _nbformat_equal(patched: dict[str, Any], new_path: Path) -> None:
    """Equal as nbformat reads them. nbformat invents random ids for cells lacking one or
    sharing one, so ids are compared by us (above) and left out here in that case."""
    raw_ids = [c.get("id") for c in json.loads(new_path.read_text(encoding="utf-8"))["cells"]]
    want = nbformat.reads(new_path.read_text(encoding="utf-8"), as_version=4)
    got = nbformat.reads(json.dumps(patched), as_version=4)
    if None in raw_ids or len(raw_ids) != len(set(raw_ids)):
        for c in want.cells + got.cells:
            c.pop("id", None)
    assert got == want


@needs_corpus
@pytest.mark.parametrize("pair", corpus_pairs(), ids=lambda p: p.name[:80])
def test_corpus_pair_roundtrips(pair: Path) -> None:
    old, new = pair / "old.ipynb", pair / "new.ipynb"
    d = json.loads(json.dumps(nbreview.diff(old, new).to_dict()))
    patched = nbreview.patch(old, d)
    assert patched == load(new).nb
    _nbformat_equal(patched, new)
    assert len([c for c in d["cells"] if c["new_index"] is not None]) == len(patched["cells"])


def _peer_pairs() -> list[tuple[Path, Path]]:
    files = peer_files()
    groups: dict[tuple[Path, str], list[Path]] = {}
    for f in files:
        stem = f.stem.split("--")[0]
        for suffix in ("-base", "-local", "-remote", "-merged"):
            stem = stem.removesuffix(suffix)
        groups.setdefault((f.parent, stem if "tests-files" in str(f) else ""), []).append(f)
    return [(a, b) for group in groups.values() for a in group for b in group if a != b]


@needs_peer
@pytest.mark.parametrize("pair", _peer_pairs(), ids=lambda p: f"{p[0].parent.name}/{p[0].name}->{p[1].name}")
def test_nbdime_pair_roundtrips(pair: tuple[Path, Path]) -> None:
    roundtrip(*pair)


def test_example_roundtrips_through_the_cli(tmp_path: Path) -> None:
    diff_json = tmp_path / "d.json"
    out = tmp_path / "patched.ipynb"
    proc = subprocess.run([sys.executable, "-m", "nbreview", "diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--json"],
                          capture_output=True, text=True, check=True)
    diff_json.write_text(proc.stdout)
    subprocess.run([sys.executable, "-m", "nbreview", "patch", str(EXAMPLE_OLD), str(diff_json), "-o", str(out)],
                   check=True)
    assert load(out).nb == load(EXAMPLE_NEW).nb
    # The file is written exactly the way nbformat writes notebooks (plus a final newline).
    assert out.read_text() == nbformat.writes(nbformat.from_dict(load(EXAMPLE_NEW).nb)) + "\n"


# -- generated notebooks and edits ---------------------------------------------------------
line = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
source = st.lists(line, max_size=5).map("\n".join)
output = st.one_of(
    st.builds(lambda t: {"output_type": "stream", "name": "stdout", "text": t}, source),
    st.builds(lambda t, n: {"output_type": "execute_result", "execution_count": n, "metadata": {},
                            "data": {"text/plain": t}}, source, st.integers(1, 9)),
)
cell = st.one_of(
    st.builds(lambda s, o, n, t: code_cell(s, o, n, tags=t) if t else code_cell(s, o, n), source,
              st.lists(output, max_size=2), st.one_of(st.none(), st.integers(1, 50)),
              st.lists(st.sampled_from(["a", "b"]), max_size=1)),
    st.builds(md_cell, source),
)


def _edit(cells: list[dict[str, Any]], data: st.DataObject) -> list[dict[str, Any]]:
    cells = [json.loads(json.dumps(c)) for c in cells]
    for _ in range(data.draw(st.integers(0, 6))):
        kind = data.draw(st.sampled_from(["insert", "delete", "modify", "move", "reexecute", "meta"]))
        if kind == "insert" or not cells:
            cells.insert(data.draw(st.integers(0, len(cells))), data.draw(cell))
            continue
        k = data.draw(st.integers(0, len(cells) - 1))
        if kind == "delete":
            cells.pop(k)
        elif kind == "modify":
            cells[k]["source"] = data.draw(source)
        elif kind == "move":
            c = cells.pop(k)
            cells.insert(data.draw(st.integers(0, len(cells))), c)
        elif kind == "reexecute" and cells[k]["cell_type"] == "code":
            cells[k]["execution_count"] = data.draw(st.integers(1, 99))
            cells[k]["outputs"] = data.draw(st.lists(output, max_size=2))
        else:
            cells[k]["metadata"] = data.draw(st.dictionaries(st.sampled_from(["tags", "collapsed", "x"]),
                                                             st.integers(0, 3), max_size=2))
    return cells


@pytest.mark.slow  # a fuzzer: 300 generated notebooks (make test-fast leaves it out)
@settings(max_examples=300, deadline=None)
@given(st.lists(cell, max_size=8), st.data())
def test_generated_edits_roundtrip(cells: list[dict[str, Any]], data: st.DataObject) -> None:
    old = notebook(cells, language_info={"name": "python"})
    new = notebook(_edit(cells, data), language_info={"name": data.draw(st.sampled_from(["python", "julia"]))})
    roundtrip(old, new)
