"""Results review judged on real history: every item reported on real corpus pairs, and its verdict.

    .venv/bin/python benchmarks/results_judged.py            # precision per kind on the judged pairs
    .venv/bin/python benchmarks/results_judged.py --list     # every reported item, with its key and verdict

The pairs are listed in ``benchmarks/judged/pairs.txt`` (real revision pairs of the shared corpus
whose outputs changed). A judgement lives in ``benchmarks/judged/<pair>.json`` keyed by the item's
stable key (kind, new cell, output, label, old and new text): ``"real"`` (a change a reviewer wants
to see) or ``"noise:<class>"``. Items reported without a judgement are counted as unjudged, never
as right; judgements whose item is no longer reported are dropped from the figures (the rule that
removed them shows as fewer items).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"
JUDGED = HERE / "judged"
KINDS = ("number", "table cell", "table", "signal")


def _format_only(n: Any) -> bool:
    """A table cell whose two texts are one number printed two ways (must never be reported)."""
    from nbreview.results.noise import same_at_precision

    return bool(n.numeric and same_at_precision(float(n.old), float(n.new), n.old_text, n.new_text))


def items(pair: Path) -> list[dict[str, Any]]:
    """Every item the results review reports for one pair, each with its stable key and its context."""
    import nbreview
    from nbreview.io.load import load
    from nbreview.view.results import ranked, table_view

    d = nbreview.diff(load(pair / "old.ipynb"), load(pair / "new.ipynb"))
    out: list[dict[str, Any]] = []
    for n in ranked(d.results):
        kind = "table cell" if n.row is not None else "number"
        key = f"{kind}|{n.cell}|{n.output}|{n.label}|{n.old_text}|{n.new_text}"
        out.append({"kind": kind, "key": key, "cell": n.cell, "text": f"{n.label}: {n.old_text} -> {n.new_text}",
                    "format_only": kind == "table cell" and _format_only(n)})
    for t in d.results.tables:
        title = table_view(t).title
        out.append({"kind": "table", "key": f"table|{t.cell}|{t.output}|{title}", "cell": t.cell, "text": title})
    for s in d.results.signals:
        key = f"signal|{s.kind}|{s.cell}|{s.detail}"
        out.append({"kind": "signal", "key": key, "cell": s.cell, "text": f"{s.kind}: {s.detail}"})
    return out


def pairs() -> list[Path]:
    names = [x.strip() for x in (JUDGED / "pairs.txt").read_text().splitlines() if x.strip()]
    return [CORPUS / x for x in names if not x.startswith("#")]


def verdicts(pair: Path) -> dict[str, str]:
    f = JUDGED / f"{pair.name}.json"
    data: dict[str, str] = json.loads(f.read_text()) if f.exists() else {}
    return data


def run() -> dict[str, Any]:
    """Per kind: items reported, real, noise, unjudged, precision over the judged ones; noise by class."""
    per: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    classes: Counter[str] = Counter()
    n_pairs = 0
    for p in pairs():
        if not p.is_dir():
            continue
        n_pairs += 1
        v = verdicts(p)
        for it in items(p):
            c = per[it["kind"]]
            c["reported"] += 1
            c["format_only"] += bool(it.get("format_only"))
            verdict = v.get(it["key"])
            if verdict is None:
                c["unjudged"] += 1
            elif verdict == "real":
                c["real"] += 1
            else:
                c["noise"] += 1
                classes[f"{it['kind']}: {verdict.removeprefix('noise:')}"] += 1
    figures: dict[str, Any] = {"pairs": n_pairs, "noise": dict(classes)}
    for k, c in per.items():
        judged = c["real"] + c["noise"]
        figures[k] = {**c, "precision": c["real"] / judged if judged else None}
    return figures


def report(r: dict[str, Any]) -> str:
    lines = [
        f"Judged on {r['pairs']} real revision pairs (benchmarks/results_judged.py)",
        "",
        "| kind | reported | real | noise | unjudged | precision | target |",
        "| :-- | --: | --: | --: | --: | --: | :-- |",
        f"| table cells changed only in format | {r['table cell'].get('format_only', 0)} | | | | | 0 |",
    ]
    targets = {"number": "≥ 0.95", "table cell": "format-only: 0", "table": "", "signal": "≥ 0.90"}
    for k in KINDS:
        f = r[k]
        lines.append(
            f"| {k} | {f.get('reported', 0)} | {f.get('real', 0)} | {f.get('noise', 0)} | {f.get('unjudged', 0)} "
            f"| {'–' if f['precision'] is None else format(f['precision'], '.3f')} | {targets[k]} |"
        )
    if r["noise"]:
        lines += ["", "noise left: " + ", ".join(f"{k} ×{n}" for k, n in sorted(r["noise"].items()))]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", action="store_true", help="every reported item, its key and its verdict")
    ap.add_argument("--pairs", nargs="*", help="list only these pairs (with --list)")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"benchmarks/results_judged.py: {CORPUS} not found (set NBREVIEW_SHARED)", file=sys.stderr)
        return 2
    if args.list:
        for p in pairs() if not args.pairs else [CORPUS / x for x in args.pairs]:
            v = verdicts(p)
            print(f"## {p.name}")
            for it in items(p):
                print(f"  [{v.get(it['key'], '?')}] {json.dumps(it['key'], ensure_ascii=False)}")
        return 0
    print(report(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
