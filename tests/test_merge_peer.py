"""nbdime's own merge cases: every one merges into a valid notebook, the clean ones cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbreview.io.load import read_notebook
from nbreview.merge import merge, validate
from support.paths import PEER, needs_peer

pytestmark = needs_peer


def _triples() -> list[tuple[str, Path, Path, Path]]:
    out: list[tuple[str, Path, Path, Path]] = []
    files = PEER / "tests-files"
    for base in sorted(files.glob("*--1.ipynb")):
        local, remote = (base.with_name(base.name.replace("--1.", f"--{k}.")) for k in (2, 3))
        if local.exists() and remote.exists():
            out.append((base.name.replace("--1.ipynb", ""), base, local, remote))
    for base in sorted(files.glob("*--base.ipynb")):
        local, remote = (base.with_name(base.name.replace("--base", f"--{k}")) for k in ("local", "remote"))
        out.append((base.name.replace("--base.ipynb", ""), base, local, remote))
    out.append(("multilevel-test", *(files / f"multilevel-test-{k}.ipynb" for k in ("base", "local", "remote"))))
    for center in sorted([*PEER.glob("examples/*/center.ipynb"), *PEER.glob("ui-tests/data/merge_*/center.ipynb")]):
        out.append((center.parent.name, center, center.with_name("left.ipynb"), center.with_name("right.ipynb")))
    return out


# The cases nbdime's tests treat as conflicting: both sides changed the same lines, or
# (apap, cellids) both rewrote the same cell completely and differently; nbdime reports those too.
CONFLICTING = {"apap", "cellids", "inline-conflict", "mixed-conflicts", "output-conflict", "source-conflict",
               "example4", "example6", "example7", "merge_test1", "merge_test3", "merge_test5", "merge_test6"}


def test_all_cases_found() -> None:
    names = {name for name, *_ in _triples()}
    assert len(names) >= 18
    assert CONFLICTING <= names


@pytest.mark.parametrize("name,base,local,remote", _triples(), ids=[t[0] for t in _triples()])
def test_peer_case_merges_into_a_valid_notebook(name: str, base: Path, local: Path, remote: Path) -> None:
    import warnings

    import nbformat

    out = merge(base, local, remote)
    validate(out.notebook)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.validate(nbformat.from_dict(out.notebook))
    if name not in CONFLICTING:
        assert out.clean, [(c.kind, c.path) for c in out.unresolved]
        return
    assert not out.clean
    records = out.notebook["metadata"]["nbreview"]["conflicts"]
    assert len(records) == len(out.unresolved)
    for rec in records:
        if rec["kind"] == "source":
            src = out.notebook["cells"][rec["cell"]]["source"]
            assert f"<<<<<<< local\n{rec['local']}" in src and f"=======\n{rec['remote']}" in src


def test_multilevel_merge_matches_nbdimes_expected_result() -> None:
    files = PEER / "tests-files"
    out = merge(*(files / f"multilevel-test-{k}.ipynb" for k in ("base", "local", "remote")))
    expected = read_notebook(files / "multilevel-test-merged.ipynb")
    assert out.clean
    assert out.notebook["cells"] == expected["cells"]
    assert out.notebook["metadata"] == expected["metadata"]


@pytest.mark.parametrize("example", ["example8", "example9"])
def test_one_sided_change_gives_that_side(example: str) -> None:
    folder = PEER / "examples" / example
    out = merge(folder / "center.ipynb", folder / "left.ipynb", folder / "right.ipynb")
    left = read_notebook(folder / "left.ipynb")
    assert [c["source"] for c in out.notebook["cells"]] == [c["source"] for c in left["cells"]]
    assert [c.get("outputs") for c in out.notebook["cells"]] == [c.get("outputs") for c in left["cells"]]
