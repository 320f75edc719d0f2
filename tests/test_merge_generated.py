"""Property-style merge tests on real notebooks from the corpus, with seeded random edit sets.

Non-overlapping edits must merge cleanly into exactly the notebook with both applied;
overlapping edits, rival rewrites of one cell and add/add must be reported as conflicts
and keep both sides' text.
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from nbreview.io.load import load
from nbreview.merge import merge, validate
from support.merge_edits import (
    add_add,
    apply_edits,
    lost_lines,
    new_source,
    non_overlapping,
    overlapping,
    rival_rewrites,
    same_cells,
    sources,
)
from support.paths import corpus_pairs, needs_corpus

pytestmark = needs_corpus

N_NOTEBOOKS = 40
CASES_PER_NOTEBOOK = 8
MAX_BYTES = 600_000


@cache
def _notebooks() -> list[Path]:
    """A fixed, spread-out sample of corpus notebooks small enough for a quick test."""
    paths = [p / "old.ipynb" for p in corpus_pairs() if (p / "old.ipynb").stat().st_size <= MAX_BYTES]
    paths = [p for p in paths if len(load(p).nb["cells"]) >= 6]
    step = max(1, len(paths) // N_NOTEBOOKS)
    return paths[::step][:N_NOTEBOOKS]


@cache
def _base(path: Path) -> str:
    return json.dumps(load(path).nb)


def _sources(nb: dict[str, Any]) -> str:
    return "\n".join(str(c.get("source", "")) for c in nb["cells"])


def _cases() -> list[tuple[Path, int]]:
    return [(p, s) for p in _notebooks() for s in range(CASES_PER_NOTEBOOK)]


def test_sample_is_large_enough() -> None:
    assert len(_cases()) >= 200


@pytest.mark.parametrize("path", _notebooks() or [None], ids=lambda p: p.parent.name[:50] if p else "none")
def test_non_overlapping_edits_merge_cleanly_into_both(path: Path) -> None:
    failures = []
    for seed in range(CASES_PER_NOTEBOOK):
        base = json.loads(_base(path))
        rng = random.Random(f"{path.parent.name}:{seed}")
        local_edits, remote_edits = non_overlapping(len(base["cells"]), rng)
        local = apply_edits(base, local_edits, seed)
        remote = apply_edits(base, remote_edits, seed)
        expected = apply_edits(base, local_edits + remote_edits, seed)
        for cell in expected["cells"]:
            cell.setdefault("metadata", {})  # the merge writes the required key where a cell lacked it
        out = merge(base, local, remote)
        validate(out.notebook)
        if out.unresolved or not same_cells(out.notebook["cells"], expected["cells"]):
            failures.append((seed, local_edits, remote_edits, [c.kind for c in out.unresolved]))
        assert out.notebook["metadata"] == expected["metadata"]
    assert not failures, failures


@pytest.mark.parametrize("path", _notebooks() or [None], ids=lambda p: p.parent.name[:50] if p else "none")
def test_overlapping_edits_conflict_and_keep_both_sides(path: Path) -> None:
    for seed in range(CASES_PER_NOTEBOOK):
        base = json.loads(_base(path))
        rng = random.Random(f"overlap:{path.parent.name}:{seed}")
        pair = overlapping(base, rng)
        assert pair is not None
        local_edits, remote_edits = pair
        local = apply_edits(base, local_edits, seed)
        remote = apply_edits(base, remote_edits, seed)
        out = merge(base, local, remote)
        validate(out.notebook)
        assert out.unresolved, (seed, local_edits, remote_edits)
        text = _sources(out.notebook)
        for edit in local_edits + remote_edits:
            if edit.kind != "delete":  # the edited text survives, whichever side made it
                added = new_source(base["cells"][edit.at].get("source", ""), edit, seed * 1000 + edit.at)
                changed = [x for x in added.splitlines() if x not in base["cells"][edit.at]["source"].splitlines()]
                assert all(line in text for line in changed), (seed, edit)
        records = out.notebook["metadata"]["nbreview"]["conflicts"]
        assert len(records) == len(out.unresolved)
        marked = out.notebook["cells"][records[0]["cell"]]
        assert "<<<<<<< local" in marked["source"] and ">>>>>>> remote" in marked["source"]
        assert marked["metadata"]["nbreview"]["conflicts"]


def test_divergent_notebooks_merge_into_a_valid_notebook_losing_no_line() -> None:
    """A real revision on one side, an unrelated notebook on the other: no crash, no empty or
    base-only result, and every line either side wrote is somewhere in the merged sources."""
    pairs = [p for p in corpus_pairs() if (p / "old.ipynb").stat().st_size < 300_000]
    rng = random.Random("divergent")
    for _ in range(20):
        a, b = rng.sample(pairs, 2)
        base, local, remote = load(a / "old.ipynb"), load(a / "new.ipynb"), load(b / "old.ipynb")
        out = merge(base, local, remote)
        validate(out.notebook)
        merged = {line for c in out.notebook["cells"] for line in c["source"].splitlines()}
        in_base = {line for c in base.nb["cells"] for line in c["source"].splitlines()}
        for side in (local, remote):
            lost = [line for c in side.nb["cells"] for line in c["source"].splitlines()
                    if line not in in_base and line not in merged]
            assert not lost, (a.name, b.name, lost[:3])


@pytest.mark.parametrize("path", _notebooks() or [None], ids=lambda p: p.parent.name[:50] if p else "none")
def test_rival_rewrites_conflict_and_either_side_comes_back_whole(path: Path) -> None:
    for seed in range(CASES_PER_NOTEBOOK):
        base = json.loads(_base(path))
        rng = random.Random(f"rival:{path.parent.name}:{seed}")
        local, remote, at = rival_rewrites(base, rng, seed)
        out = merge(base, local, remote)
        validate(out.notebook)
        assert out.unresolved, (seed, at)
        assert not lost_lines(out.notebook, base, local, remote), (seed, at)
        assert sources(merge(base, local, remote, strategy="local").notebook) == sources(local), (seed, at)
        assert sources(merge(base, local, remote, strategy="remote").notebook) == sources(remote), (seed, at)


@pytest.mark.parametrize("path", _notebooks() or [None], ids=lambda p: p.parent.name[:50] if p else "none")
def test_add_add_conflicts_and_either_side_comes_back_whole(path: Path) -> None:
    for seed in range(CASES_PER_NOTEBOOK):
        nb = json.loads(_base(path))
        local, remote = add_add(nb, random.Random(f"addadd:{path.parent.name}:{seed}"), seed)
        out = merge(b"", local, remote)
        validate(out.notebook)
        assert out.unresolved, seed
        assert not lost_lines(out.notebook, None, local, remote), seed
        assert sources(merge(b"", local, remote, strategy="local").notebook) == sources(local), seed
        assert sources(merge(b"", local, remote, strategy="remote").notebook) == sources(remote), seed
