"""Results review quality and cost, on the shared corpus (``make bench-results``).

    .venv/bin/python benchmarks/results.py            # every corpus pair
    .venv/bin/python benchmarks/results.py --quick    # a sample of 40 pairs

Sections, each printed as a markdown table:

- numbers: numbers in text outputs (stream, ``text/plain``) perturbed with known old/new
  values; precision and recall of the changed numbers nbreview reports;
- table cells: numeric cells of HTML tables (``<td>`` of pandas frames) perturbed the same way;
- equal: the same notebooks re-executed but equal (execution counts bumped, timings,
  addresses and progress rates changed); every reported number or cell there is a false one;
- signals: generated cases per signal kind (a source edited but not re-run, counts out of
  order, a new error, a new warning, a big output, a leaked key, a changed kernel), precision
  and recall per kind;
- time: every corpus pair diffed with and without the results review (notebooks in memory,
  CPU time of the process, best of 5), the time added in per cent.

The ground truth is written by this file, independently of nbreview's number parser: it
perturbs plain decimal numbers and integers that stand apart from words, on lines without
timing words. No peer tool summarises results (nbdime shows changed lines), so there is no
peer column.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"

# A number the generator may perturb: digits standing apart from words and dots.
_CANDIDATE = re.compile(r"(?<![\w.\-+/:,])(\d+\.\d+|\d{2,})(?![\w.%/:]|\.\d|,\d)")
# Lines where numbers may be volatile by design (timings, rates, dates, ids): never perturbed.
_VOLATILE_LINE = re.compile(
    r"(?i)time|elapsed|took|eta|seed|\bid\b|0x|it/s|s/it|/step|per loop|hash|"
    r"\d+ ?(?:s|ms|µs|ns|sec|min|minutes|seconds)\b|\d{4}-\d{2}-\d{2}|\d:\d\d|"
    r"version|\bv\d|\d+\.\d+\.\d+|memory|speed|%|\x1b|e[-+]\d|:\d+:"
)
# Numbers that are not results by definition (what a reviewer never judges a change by): loop counters and
# the integers naming a row ("Ep 3 (Step 000300)", "Batch size 24:"), figure and object reprs, throughputs,
# the front-end's "<<N more lines>>". Never perturbed (the lines around them still are).
_NOT_A_RESULT = re.compile(
    r"(?i)\b(?:ep|epoch|step|iter|iteration|batch size)\s+$|<<\s*$|<figure size [^>]*$|<[^<>]* at $"
)
_NOT_A_RESULT_LINE = re.compile(r"(?i)/sec|\bmfu\b|flops|<[\w.]*(?:figure|axes|matplotlib)")
_TD_NUMBER = re.compile(r"(<td[^>]*>)\s*(-?\d+(?:\.\d+)?)\s*(</td>)")
PER_OUTPUT = 2  # numbers perturbed per output
MAX_OUTPUTS = 12  # outputs perturbed per notebook


def _text(v: Any) -> str:
    return "".join(v) if isinstance(v, list) else v if isinstance(v, str) else ""


def _load(path: Path) -> dict[str, Any]:
    nb: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return nb


def _new_value(old: str, rng: random.Random) -> str:
    """A different number printed the way the old one was (same decimals)."""
    if "." in old:
        decimals = len(old.split(".")[1])
        v = float(old)
        while True:
            nv = v * rng.uniform(0.5, 1.5) + rng.choice([1, -1]) * 10**-decimals * rng.randint(1, 9)
            s = f"{abs(nv):.{decimals}f}"
            if float(s) != v:
                return s
    v = int(old)
    while True:
        s = str(max(10, v + rng.choice([1, -1]) * rng.randint(1, max(2, v // 3))))
        if s != old and len(s) >= 2:
            return s


@dataclass
class Truth:
    numbers: list[tuple[int, int, float, float]] = field(default_factory=list)
    cells: list[tuple[int, int, float, float]] = field(default_factory=list)


def perturb(nb: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], Truth]:
    """A copy of ``nb`` with numbers changed in text outputs and table cells, and what was changed."""
    new = copy.deepcopy(nb)
    truth = Truth()
    done = 0
    cells = new.get("cells", [])
    for ci, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or done >= MAX_OUTPUTS:
            continue
        for oi, out in enumerate(cell.get("outputs", [])):
            if done >= MAX_OUTPUTS:
                break
            data = out.get("data") if isinstance(out.get("data"), dict) else {}
            html = _text(data.get("text/html", ""))
            if "<table" in html and "dataframe" in html:
                changed = _perturb_html(html, rng)
                if changed:
                    data["text/html"], pairs = changed
                    truth.cells += [(ci, oi, a, b) for a, b in pairs]
                    done += 1
                continue
            if data and any(k.startswith("text/html") for k in data):
                continue  # other HTML (widgets, plots): not a text output
            key = "text" if out.get("output_type") == "stream" else "text/plain" if "text/plain" in data else None
            if key is None or (out.get("output_type") == "stream" and out.get("name") != "stdout"):
                continue
            holder = out if key == "text" else data
            text = _text(holder[key])
            if len(text) > 200_000:
                continue
            res = _perturb_text(text, rng)
            if res:
                holder[key], pairs = res
                truth.numbers += [(ci, oi, a, b) for a, b in pairs]
                done += 1
    return new, truth


def _perturb_text(text: str, rng: random.Random) -> tuple[str, list[tuple[float, float]]] | None:
    lines = text.splitlines(keepends=True)
    spots = [
        (k, m)
        for k, line in enumerate(lines)
        if not _VOLATILE_LINE.search(line) and not _NOT_A_RESULT_LINE.search(line) and len(line) < 500
        for m in _CANDIDATE.finditer(line)
        if not _NOT_A_RESULT.search(line, 0, m.start(1)) and not line.startswith(":", m.end(1))
    ]
    if not spots:
        return None
    picked = rng.sample(spots, min(PER_OUTPUT, len(spots)))
    picked_lines = {k for k, _ in picked}
    if len(picked_lines) < len(picked):  # one number per line, so positions never shift under us
        picked = list({k: (k, m) for k, m in picked}.values())
    pairs = []
    for k, m in picked:
        nv = _new_value(m.group(1), rng)
        lines[k] = lines[k][: m.start(1)] + nv + lines[k][m.end(1) :]
        pairs.append((float(m.group(1)), float(nv)))
    return "".join(lines), pairs


def _perturb_html(html: str, rng: random.Random) -> tuple[str, list[tuple[float, float]]] | None:
    spots = list(_TD_NUMBER.finditer(html))
    if not spots:
        return None
    picked = sorted(rng.sample(spots, min(3, len(spots))), key=lambda m: m.start(), reverse=True)
    pairs = []
    for m in picked:
        nv = _new_value(m.group(2).lstrip("-"), rng)
        if m.group(2).startswith("-"):
            nv = "-" + nv
        html = html[: m.start(2)] + nv + html[m.end(2) :]
        pairs.append((float(m.group(2)), float(nv)))
    return html, pairs


_VOLATILE_SUBS = (
    (re.compile(r"0x[0-9a-f]{8,}"), lambda r: f"0x{r.getrandbits(48):012x}"),
    (re.compile(r"(Wall time: )[\d.]+ ?[µm]?s"), lambda r: f"\\g<1>{r.uniform(1, 900):.1f} ms"),
    (re.compile(r"[\d.]+(it/s|s/it)"), lambda r: f"{r.uniform(1, 99):.2f}\\g<1>"),
    (re.compile(r"\b\d+(ms/step)"), lambda r: f"{r.randint(1, 400)}\\g<1>"),
)


def reexecute_equal(nb: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The notebook run again with equal results: counts bumped, volatile bits changed."""
    new = copy.deepcopy(nb)
    for cell in new.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        if isinstance(cell.get("execution_count"), int):
            cell["execution_count"] += 7
        for out in cell.get("outputs", []):
            if isinstance(out.get("execution_count"), int):
                out["execution_count"] += 7
            holders = [(out, "text")] if "text" in out else []
            data = out.get("data") if isinstance(out.get("data"), dict) else {}
            holders += [(data, "text/plain")] if "text/plain" in data else []
            for h, k in holders:
                t = _text(h[k])
                for rx, repl in _VOLATILE_SUBS:
                    t = rx.sub(lambda m, repl=repl, rx=rx: m.expand(repl(rng)), t)
                h[k] = t
    return new


# ---------------------------------------------------------------- signals

SIGNAL_CASES = ("stale_output", "out_of_order", "new_error", "new_warning", "output_growth", "secret", "kernel_changed")


def _code_cells(nb: dict[str, Any]) -> list[int]:
    return [k for k, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code"]


Case = tuple[dict[str, Any], dict[str, Any], set[tuple[str, int | None]]]


def make_signal_case(nb: dict[str, Any], kind: str, rng: random.Random) -> Case | None:
    """(old, new, expected): a changed copy of ``nb`` that should raise one signal of ``kind`` (and where)."""
    new = copy.deepcopy(nb)
    cells = new.get("cells", [])
    code = _code_cells(new)
    if kind == "kernel_changed":
        meta = new.setdefault("metadata", {})
        ks = meta.get("kernelspec")
        if not isinstance(ks, dict) or not ks.get("name"):
            return None
        ks["name"] = str(ks["name"]) + "-gpu"
        return nb, new, {(kind, None)}
    if not code:
        return None
    if kind == "stale_output":
        with_out = [k for k in code if cells[k].get("outputs")]
        if not with_out:
            return None
        k = rng.choice(with_out)
        src = _text(cells[k].get("source", ""))
        cells[k]["source"] = src + ("\n" if src and not src.endswith("\n") else "") + "result = result * 2\n"
        return nb, new, {(kind, k)}
    if kind == "out_of_order":
        if "colab" in new.get("metadata", {}):
            return None  # Colab's counts are per runtime session: not a signal there by design
        counted = [k for k in code if isinstance(cells[k].get("execution_count"), int)]
        if len(counted) < 3:
            return None
        # Renumber in order, then run one cell again last: the one before the end now has the top count.
        for n, k in enumerate(counted, 1):
            cells[k]["execution_count"] = n
        base = copy.deepcopy(new)
        j = rng.randrange(0, len(counted) - 1)
        cells[counted[j]]["execution_count"] = len(counted) + 1
        return base, new, {(kind, counted[j + 1])}
    k = rng.choice(code)
    outs = cells[k].setdefault("outputs", [])
    if kind == "new_error":
        outs.append(
            {
                "output_type": "error",
                "ename": "ValueError",
                "evalue": f"bad shape {rng.randint(2, 99)}",
                "traceback": ["ValueError: bad shape"],
            }
        )
    elif kind == "new_warning":
        outs.append(
            {
                "output_type": "stream",
                "name": "stderr",
                "text": f"/opt/lib/site.py:{rng.randint(10, 999)}: FutureWarning: the default will change\n"
                "  warnings.warn(\n",
            }
        )
    elif kind == "output_growth":
        outs.append(
            {
                "output_type": "stream",
                "name": "stdout",
                "text": "".join(f"row {n}: {rng.random():.6f}\n" for n in range(12_000)),
            }
        )
    elif kind == "secret":
        key = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        outs.append({"output_type": "stream", "name": "stdout", "text": f"using credentials {key}\n"})
    return nb, new, {(kind, k)}


# ---------------------------------------------------------------- scoring


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def score_numbers(
    reported: list[tuple[int, int, float, float]], truth: list[tuple[int, int, float, float]], s: Score
) -> None:
    left = list(truth)
    for r in reported:
        hit = next((t for t in left if t[:2] == r[:2] and _close(t[2], r[2]) and _close(t[3], r[3])), None)
        if hit is None:
            s.fp += 1
        else:
            left.remove(hit)
            s.tp += 1
    s.fn += len(left)


def corpus_notebooks(sample: int | None) -> list[Path]:
    ps = sorted(p for p in CORPUS.iterdir() if (p / "new.ipynb").exists()) if CORPUS.is_dir() else []
    if sample:
        ps = random.Random(1).sample(ps, min(sample, len(ps)))
    return ps


def run(sample: int | None = None, seed: int = 7, timing: bool = True, log: Any = None) -> dict[str, Any]:
    """Every section's figures as a dict (the test runs a small sample of this)."""
    import nbreview
    from nbreview.io.load import load

    rng = random.Random(seed)
    pairs = corpus_notebooks(sample)
    nums, cells, equal_reported = Score(), Score(), 0
    signals = {k: Score() for k in SIGNAL_CASES}
    cases = {k: 0 for k in SIGNAL_CASES}
    equal_outputs = 0
    for p in pairs:
        base = _load(p / "new.ipynb")
        new, truth = perturb(base, rng)
        d = nbreview.diff(base, new)
        rep_n = [
            (n.cell, n.output, float(n.old), float(n.new)) for n in d.results.numbers if n.row is None and n.numeric
        ]
        rep_c = [
            (n.cell, n.output, float(n.old) if n.numeric else 0.0, float(n.new) if n.numeric else 0.0)
            for n in d.results.numbers
            if n.row is not None
        ]
        # a perturbed text output that parses as a text table reports cells: score it with the numbers
        text_cells = [
            r
            for r, n in zip(rep_c, [n for n in d.results.numbers if n.row is not None], strict=True)
            if n.source != "text/html"
        ]
        score_numbers(rep_n + text_cells, truth.numbers, nums)
        score_numbers([r for r in rep_c if r not in text_cells], truth.cells, cells)
        same = reexecute_equal(base, rng)
        de = nbreview.diff(base, same)
        equal_reported += len(de.results.numbers) + len(de.results.tables)
        equal_outputs += sum(len(c.get("outputs", [])) for c in base.get("cells", []) if c.get("cell_type") == "code")
        for kind in SIGNAL_CASES:
            case = make_signal_case(base, kind, rng)
            if case is None:
                continue
            old, nb_new, expected = case
            cases[kind] += 1
            got = {(s.kind, c) for s in nbreview.diff(old, nb_new).results.signals for c in (s.cells or [s.cell])}
            for k in SIGNAL_CASES:
                exp_k = {e for e in expected if e[0] == k}
                got_k = {g for g in got if g[0] == k}
                signals[k].tp += len(exp_k & got_k)
                signals[k].fp += len(got_k - exp_k)
                signals[k].fn += len(exp_k - got_k)
        if log:
            print(f"  {p.name[:80]}", file=log)
    out: dict[str, Any] = {
        "notebooks": len(pairs),
        "numbers": {
            "precision": nums.precision,
            "recall": nums.recall,
            "changed": nums.tp + nums.fn,
            "tp": nums.tp,
            "fp": nums.fp,
            "fn": nums.fn,
        },
        "cells": {
            "precision": cells.precision,
            "recall": cells.recall,
            "changed": cells.tp + cells.fn,
            "tp": cells.tp,
            "fp": cells.fp,
            "fn": cells.fn,
        },
        "equal": {"reported": equal_reported, "outputs": equal_outputs},
        "signals": {
            k: {"cases": cases[k], "precision": s.precision, "recall": s.recall, "tp": s.tp, "fp": s.fp, "fn": s.fn}
            for k, s in signals.items()
        },
    }
    if timing:
        t_without = t_with = 0.0
        for p in pairs:
            a, b = load(p / "old.ipynb"), load(p / "new.ipynb")
            t_without += min(_time(nbreview.diff, a, b, results=False) for _ in range(5))
            t_with += min(_time(nbreview.diff, a, b) for _ in range(5))
        out["time"] = {"without": t_without, "with": t_with, "added": (t_with - t_without) / t_without}
    return out


def _time(fn: Any, *args: Any, **kwargs: Any) -> float:
    """CPU seconds of this process: on a shared machine wall time mostly measures the neighbours."""
    t = time.process_time()
    fn(*args, **kwargs)
    return time.process_time() - t


def report(r: dict[str, Any]) -> str:
    lines = [
        f"Results review on {r['notebooks']} corpus notebooks (benchmarks/results.py)",
        "",
        "| what | changed (truth) | precision | recall | target |",
        "| :-- | --: | --: | --: | :-- |",
    ]
    n, c = r["numbers"], r["cells"]
    lines.append(
        f"| numbers in text outputs | {n['changed']} | {n['precision']:.3f} | {n['recall']:.3f} | ≥ 0.98 / ≥ 0.95 |"
    )
    lines.append(
        f"| table cells (HTML frames) | {c['changed']} | {c['precision']:.3f} | {c['recall']:.3f} | ≥ 0.98 / ≥ 0.98 |"
    )
    e = r["equal"]
    lines.append(f"| re-executed, equal ({e['outputs']} outputs) | 0 | reported: {e['reported']} | | 0 |")
    lines += ["", "| signal | cases | precision | recall |", "| :-- | --: | --: | --: |"]
    for k, s in r["signals"].items():
        lines.append(f"| {k} | {s['cases']} | {s['precision']:.3f} | {s['recall']:.3f} |")
    if "time" in r:
        t = r["time"]
        lines += [
            "",
            "| diff of every pair | without results | with results | time added | target |",
            "| :-- | --: | --: | --: | :-- |",
            f"| {r['notebooks']} pairs | {t['without']:.2f} s | {t['with']:.2f} s | {t['added'] * 100:+.1f}% | ≤ 20% |",
        ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a sample of 40 corpus pairs")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"benchmarks/results.py: {CORPUS} not found (set NBREVIEW_SHARED)", file=sys.stderr)
        return 2
    r = run(40 if args.quick else None, log=sys.stderr)
    print(report(r))
    import results_judged  # the judged real-history section, printed beside the perturbation figures

    judged = results_judged.run()
    r["judged"] = judged
    print()
    print(results_judged.report(judged))
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
