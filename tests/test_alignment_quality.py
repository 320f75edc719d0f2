"""Alignment quality on known edits of real notebooks (the benchmark's generator, fewer cases)."""

from __future__ import annotations

import random
import sys

import pytest

from support.paths import ROOT, corpus_pairs, needs_corpus

sys.path.insert(0, str(ROOT / "benchmarks"))
from edits import make_case, nbdime_pairs, score  # noqa: E402

import nbreview  # noqa: E402
from nbreview.io.load import load  # noqa: E402


def _notebooks(n: int) -> list[dict]:  # type: ignore[type-arg]
    ps = [p for p in corpus_pairs() if (p / "new.ipynb").stat().st_size < 150_000]
    out = []
    for p in random.Random(11).sample(ps, len(ps)):
        nb = load(p / "new.ipynb").nb
        if len(nb["cells"]) >= 12:
            out.append(nb)
        if len(out) == n:
            break
    return out


def test_generator_truth_is_consistent() -> None:
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                     "source": f"line_{k} = {k}\nprint(line_{k})\nx = {k}\ny = {k}\n"} for k in range(12)],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    donors = [{"cell_type": "markdown", "metadata": {}, "source": "# donor"}]
    for seed in range(30):
        case = make_case(nb, donors, 6, seed % 2 == 0, seed)
        news = [j for js in case.truth.values() for j in js]
        assert len(news) == len(set(news))
        assert all(0 <= j < len(case.new["cells"]) for j in news)
        assert case.moved <= set(case.truth)


def test_nbdime_pairs_reads_add_and_remove_ranges() -> None:
    diff = [{"op": "patch", "key": "cells", "diff": [
        {"op": "addrange", "key": 0, "valuelist": [{}]},
        {"op": "removerange", "key": 1, "length": 1},
        {"op": "patch", "key": 2, "diff": []}]}]
    assert nbdime_pairs(diff, 3, 3) == {0: 1, 2: 2}


@needs_corpus
@pytest.mark.parametrize("with_ids", [False, True])
def test_alignment_finds_the_true_pairs_and_moves(with_ids: bool) -> None:
    tp = npred = ntrue = mtp = mtrue = 0
    donors = [c for nb in _notebooks(3) for c in nb["cells"]]
    for k, nb in enumerate(_notebooks(10)):
        case = make_case(nb, donors, 8, with_ids, seed=1000 + k)
        d = nbreview.diff(case.old, case.new)
        pred = {c.old_index: c.new_index for c in d.cells if c.old_index is not None and c.new_index is not None}
        a, b, c = score(case.truth, pred)
        tp, npred, ntrue = tp + a, npred + b, ntrue + c
        moved = {c.old_index for c in d.cells if c.moved}
        mtp += len(moved & case.moved)
        mtrue += len(case.moved)
    precision, recall = tp / npred, tp / ntrue
    assert precision >= 0.98 and recall >= 0.98, (precision, recall)
    assert mtrue == 0 or mtp / mtrue >= 0.7
