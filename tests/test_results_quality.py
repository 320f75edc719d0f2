"""A small run of benchmarks/results.py with its targets as thresholds (the full run: make bench-results)."""

from __future__ import annotations

import importlib.util
import random
import sys
from typing import Any

import pytest

import nbreview
from nbreview.results.model import SIGNAL_KINDS
from support.paths import EXAMPLE_NEW, ROOT, needs_corpus


def bench() -> Any:
    name = "nbreview_bench_results"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "results.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_perturbed_example_is_found_exactly() -> None:
    b = bench()
    base = b._load(EXAMPLE_NEW)
    new, truth = b.perturb(base, random.Random(3))
    assert truth.numbers and truth.cells
    d = nbreview.diff(base, new)
    got = sorted((n.cell, n.output, float(n.old), float(n.new)) for n in d.results.numbers)
    assert got == sorted(truth.numbers + truth.cells)
    assert not nbreview.diff(base, b.reexecute_equal(base, random.Random(3))).results


@needs_corpus
def test_quality_on_a_corpus_sample() -> None:
    r = bench().run(sample=12, seed=11, timing=False)
    n, c = r["numbers"], r["cells"]
    assert n["changed"] > 30
    assert n["precision"] >= 0.98 and n["recall"] >= 0.95, n
    assert c["precision"] >= 0.98 and c["recall"] >= 0.98, c
    assert r["equal"]["reported"] == 0
    for kind, s in r["signals"].items():
        if s["cases"]:
            assert s["precision"] >= 0.95 and s["recall"] >= 0.95, (kind, s)


@pytest.mark.parametrize("kind", SIGNAL_KINDS)
def test_each_signal_kind_on_the_example(kind: str) -> None:
    b = bench()
    case = b.make_signal_case(b._load(EXAMPLE_NEW), kind, random.Random(5))
    assert case is not None
    old, new, expected = case
    got = {(s.kind, c) for s in nbreview.diff(old, new).results.signals for c in (s.cells or [s.cell])}
    assert got == expected


@needs_corpus
def test_judged_real_history_meets_its_targets() -> None:
    """Every item reported on the judged real pairs has a verdict, and precision meets the issue's targets."""
    name = "nbreview_bench_results_judged"
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "results_judged.py")
    assert spec is not None and spec.loader is not None
    judged = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(judged)
    r = judged.run()
    assert r["pairs"] >= 40
    assert all(r[k].get("unjudged", 0) == 0 for k in judged.KINDS), r
    assert r["number"]["precision"] >= 0.95 and r["signal"]["precision"] >= 0.90, r
    assert r["table cell"].get("format_only", 0) == 0
