"""Drawing time of the HTML report, the PR comment and the terminal text over the corpus.

The diffs are computed once (not timed); then each surface draws every pair, and its CPU time
(``time.process_time``, so a loaded machine counts less) is summed per surface. With ``--src``
other source trees are measured too, alternated round by round in fresh processes, so a change
to the view or the renderers is compared with its base in the same run:

    .venv/bin/python benchmarks/render.py --pairs 40 --rounds 3 --src /tmp/base/src --src src

Prints one markdown table: per tree, the best round's CPU seconds per surface.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"


def pick_pairs(n: int) -> list[Path]:
    """``n`` readable pairs spread over the corpus (all of them when ``n`` is 0)."""
    pairs = sorted(p for p in CORPUS.iterdir() if (p / "old.ipynb").exists() and (p / "new.ipynb").exists())
    if not n or len(pairs) <= n:
        return pairs
    step = len(pairs) / n
    return [pairs[int(k * step)] for k in range(n)]


def measure(n: int) -> dict[str, float]:
    """CPU seconds per surface over ``n`` pairs, in this process (the tree on ``sys.path``)."""
    import nbreview
    from nbreview.render.html import report_html
    from nbreview.render.markdown import NotebookChange, render_comment
    from nbreview.render.terminal import TerminalStyle, render

    diffs = []
    for pair in pick_pairs(n):
        try:
            diffs.append(nbreview.diff(pair / "old.ipynb", pair / "new.ipynb"))
        except Exception:  # noqa: BLE001 - an unreadable pair is left out of every tree alike
            continue
    surfaces = {
        "html report": lambda d: report_html([d]),
        "comment": lambda d: render_comment([NotebookChange("nb.ipynb", "modified", diff=d)],
                                            image_base_url="https://example.invalid/a"),
        "terminal": lambda d: render(d, TerminalStyle(width=100, color=True)),
    }
    out: dict[str, float] = {"pairs": len(diffs)}
    for name, draw in surfaces.items():
        start = time.process_time()
        for d in diffs:
            draw(d)
        out[name] = time.process_time() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40, help="pairs drawn (0: the whole corpus)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--src", action="append", help="a source tree to measure (default: this one)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.pairs)))
        return
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    trees = args.src or [str(ROOT / "src")]
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.rounds):
        for tree in trees:
            env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
            run = subprocess.run([sys.executable, __file__, "--child", "--pairs", str(args.pairs)],
                                 env=env, capture_output=True, text=True, check=True)
            got = json.loads(run.stdout.splitlines()[-1])
            old = best.setdefault(tree, got)
            for key, value in got.items():
                old[key] = min(old[key], value)
    names = ["html report", "comment", "terminal"]
    print(f"load average {os.getloadavg()[0]:.1f}; best of {args.rounds} rounds, CPU seconds\n")
    print("| tree | pairs | " + " | ".join(names) + " |\n| :-- | --: | " + " | ".join("--:" for _ in names) + " |")
    for tree, got in best.items():
        print(f"| {tree} | {got['pairs']:.0f} | " + " | ".join(f"{got[k]:.2f}" for k in names) + " |")


if __name__ == "__main__":
    main()
