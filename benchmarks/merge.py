"""nbreview's three-way merge on real notebooks, against nbdime's ``merge_notebooks`` in the same run.

    .venv/bin/python benchmarks/merge.py             # all corpus notebooks, 5 edit sets each
    .venv/bin/python benchmarks/merge.py --quick     # 40 notebooks, 3 edit sets each
    .venv/bin/python benchmarks/merge.py --quick --only rival --notebooks 12   # one section, a smaller sample

Sections:
- generated: two non-overlapping edit sets on each corpus notebook (tests/merge_edits.py);
  clean-merge rate and the share merged into exactly the notebook with both applied; then
  overlapping edits (same line changed, or deleted vs edited): the share reported as conflicts.
- rival: both sides rewrite the same cell (each replacing >= 50% of its lines), and add/add
  (the notebook added on both branches with different edit sets, merged against an empty base):
  the share reported as conflicts, lines either side wrote that the result lost, the share of
  valid notebooks, and (nbreview) the share where taking one side everywhere gives that side back.
- largest: time to merge the largest corpus notebooks, in memory (load excluded) and as the
  git driver runs it (``nbreview merge`` in a fresh process: load, merge, validate, write).
nbdime runs in a worker process with a time limit per merge (NBDIME_LIMIT, default 60 s).
Prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"
NBDIME_LIMIT = float(os.environ.get("NBDIME_LIMIT", "60"))

from peer import PeerWorker  # noqa: E402

from nbreview.io.load import load  # noqa: E402
from nbreview.merge import merge, validate  # noqa: E402
from support.merge_edits import (  # noqa: E402
    add_add,
    apply_edits,
    lost_lines,
    non_overlapping,
    overlapping,
    rival_rewrites,
    same_cells,
    sources,
)


def _nbdime_worker(conn: Connection) -> None:
    import logging

    import nbformat
    from nbdime import merge_notebooks

    logging.disable(logging.CRITICAL)
    while True:
        msg = conn.recv()
        if msg is None:
            return
        b, lo, re_ = (nbformat.from_dict(x) for x in msg)
        t = time.perf_counter()
        try:
            merged, decisions = merge_notebooks(b, lo, re_)
            result: Any = (any(d.conflict for d in decisions), json.loads(json.dumps(merged)))
        except Exception as err:  # noqa: BLE001 - a crash is a result to report
            result = ("crash", f"{type(err).__name__}: {err}")
        conn.send((time.perf_counter() - t, result))


class Nbdime:
    def __init__(self) -> None:
        self.worker = PeerWorker(_nbdime_worker)

    def merge(self, b: Any, lo: Any, re_: Any) -> tuple[float, Any] | None:
        out: tuple[float, Any] | None = self.worker.call((b, lo, re_), NBDIME_LIMIT)
        return out

    def close(self) -> None:
        self.worker.close()


def notebooks(quick: bool) -> list[Path]:
    paths = sorted(p / "old.ipynb" for p in CORPUS.iterdir() if (p / "old.ipynb").exists())
    paths = [p for p in paths if len(load(p).nb["cells"]) >= 4]
    return paths[:: max(1, len(paths) // 40)][:40] if quick else paths


def _comparable(cells: list[dict[str, Any]]) -> list[Any]:
    out = []
    for c in cells:
        src = c.get("source", "")
        out.append((c.get("cell_type"), "".join(src) if isinstance(src, list) else src))
    return out


def bench_generated(nbd: Nbdime | None, paths: list[Path], seeds: int) -> None:
    stats = {"cases": 0, "clean": 0, "exact": 0, "ours_s": 0.0,
             "nbd_clean": 0, "nbd_exact": 0, "nbd_crash": 0, "nbd_limit": 0, "nbd_s": 0.0}
    over = {"cases": 0, "conflict": 0, "nbd_conflict": 0, "nbd_crash": 0, "nbd_limit": 0}
    kinds: dict[str, int] = {}
    for path in paths:
        base_json = json.dumps(load(path).nb)
        for seed in range(seeds):
            base = json.loads(base_json)
            rng = random.Random(f"{path.parent.name}:{seed}")
            le, re_ = non_overlapping(len(base["cells"]), rng)
            local, remote = apply_edits(base, le, seed), apply_edits(base, re_, seed)
            expected = apply_edits(base, le + re_, seed)
            for e in le + re_:
                kinds[e.kind] = kinds.get(e.kind, 0) + 1
            for cell in expected["cells"]:
                cell.setdefault("metadata", {})
            t = time.perf_counter()
            out = merge(base, local, remote)
            stats["ours_s"] += time.perf_counter() - t
            validate(out.notebook)
            stats["cases"] += 1
            stats["clean"] += out.clean
            stats["exact"] += out.clean and same_cells(out.notebook["cells"], expected["cells"])
            if nbd is not None:
                res = nbd.merge(base, local, remote)
                if res is None:
                    stats["nbd_limit"] += 1
                    stats["nbd_s"] += NBDIME_LIMIT
                elif res[1][0] == "crash":
                    stats["nbd_crash"] += 1
                else:
                    stats["nbd_s"] += res[0]
                    conflict, merged = res[1]
                    stats["nbd_clean"] += not conflict
                    stats["nbd_exact"] += (not conflict and _comparable(merged["cells"])
                                           == _comparable(expected["cells"]))
            pair = overlapping(json.loads(base_json), random.Random(f"overlap:{path.parent.name}:{seed}"))
            if pair is None:
                continue
            base = json.loads(base_json)
            local, remote = apply_edits(base, pair[0], seed), apply_edits(base, pair[1], seed)
            out = merge(base, local, remote)
            over["cases"] += 1
            over["conflict"] += not out.clean
            if nbd is not None:
                res = nbd.merge(base, local, remote)
                if res is None:
                    over["nbd_limit"] += 1
                elif res[1][0] == "crash":
                    over["nbd_crash"] += 1
                else:
                    over["nbd_conflict"] += res[1][0]
        print(f"  {stats['cases']:5d} cases  {path.parent.name[:80]}", file=sys.stderr)
    n, m = stats["cases"], over["cases"]
    print(f"\n### Generated three-way merges ({len(paths)} corpus notebooks × {seeds} edit sets)\n")
    print("Edits: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + "\n")
    rows = [
        ("non-overlapping cases", f"{n}", f"{n}"),
        ("merged cleanly", f"{stats['clean'] / n:.1%}", f"{stats['nbd_clean'] / n:.1%}"),
        ("clean and exactly both edit sets", f"{stats['exact'] / n:.1%}", f"{stats['nbd_exact'] / n:.1%} (sources)"),
        (f"crashed / over {NBDIME_LIMIT:.0f} s", "0 / 0", f"{stats['nbd_crash']} / {stats['nbd_limit']}"),
        ("total merge time", f"{stats['ours_s']:.2f} s", f"{stats['nbd_s']:.2f} s"),
        ("overlapping cases reported as conflicts", f"{over['conflict']}/{m}",
         f"{over['nbd_conflict']}/{m} ({over['nbd_crash']} crashed, {over['nbd_limit']} over limit)"),
    ]
    print("| | nbreview |" + (" nbdime |" if nbd else "") + "\n|---|---:|" + ("---:|" if nbd else ""))
    for name, ours, theirs in rows:
        print(f"| {name} | {ours} |" + (f" {theirs} |" if nbd else ""))


EMPTY = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


def _valid(nb: dict[str, Any]) -> bool:
    try:
        validate(nb)
    except Exception:  # noqa: BLE001 - an invalid result is what is counted
        return False
    return True


def bench_rival(nbd: Nbdime | None, paths: list[Path], seeds: int) -> None:
    """Rival rewrites of one cell and add/add: every case must conflict and lose nothing."""
    rows: dict[str, dict[str, int]] = {}
    for path in paths:
        base_json = json.dumps(load(path).nb)
        for seed in range(seeds):
            nb = json.loads(base_json)
            local, remote, _ = rival_rewrites(nb, random.Random(f"rival:{path.parent.name}:{seed}"), seed)
            cases = [("rival rewrites of one cell", json.loads(base_json), local, remote)]
            nb = json.loads(base_json)
            lo2, re2 = add_add(nb, random.Random(f"addadd:{path.parent.name}:{seed}"), seed)
            cases.append(("add/add (no common base)", None, lo2, re2))
            for name, base, lo, re_ in cases:
                st = rows.setdefault(name, {"cases": 0, "conflict": 0, "lost": 0, "lost_cases": 0, "valid": 0,
                                            "whole": 0, "nbd_conflict": 0, "nbd_lost": 0, "nbd_lost_cases": 0,
                                            "nbd_valid": 0, "nbd_crash": 0, "nbd_limit": 0})
                b = base if base is not None else b""
                out = merge(b, lo, re_)
                st["cases"] += 1
                st["conflict"] += not out.clean
                lost = lost_lines(out.notebook, base, lo, re_)
                st["lost"] += len(lost)
                st["lost_cases"] += bool(lost)
                st["valid"] += _valid(out.notebook)
                st["whole"] += (sources(merge(b, lo, re_, strategy="local").notebook) == sources(lo)
                                and sources(merge(b, lo, re_, strategy="remote").notebook) == sources(re_))
                if nbd is None:
                    continue
                res = nbd.merge(base if base is not None else EMPTY, lo, re_)
                if res is None:
                    st["nbd_limit"] += 1
                elif res[1][0] == "crash":
                    st["nbd_crash"] += 1
                else:
                    conflict, merged = res[1]
                    st["nbd_conflict"] += bool(conflict)
                    lost = lost_lines(merged, base, lo, re_)
                    st["nbd_lost"] += len(lost)
                    st["nbd_lost_cases"] += bool(lost)
                    st["nbd_valid"] += _valid(merged)
        print(f"  rival/add-add  {path.parent.name[:80]}", file=sys.stderr)
    print(f"\n### Rival versions: both sides rewrite one cell, or add the same notebook ({len(paths)} corpus "
          f"notebooks × {seeds})\n")
    print("| | cases | reported as conflicts | lines lost (cases) | valid notebooks | either side back whole |"
          + (" nbdime: conflicts | nbdime: lines lost (cases) | nbdime: valid | nbdime: crashed / over limit |"
             if nbd else ""))
    print("|---|---:|---:|---:|---:|---:|" + ("---:|---:|---:|---:|" if nbd else ""))
    for name, st in rows.items():
        n = st["cases"]
        line = (f"| {name} | {n} | {st['conflict']}/{n} | {st['lost']} ({st['lost_cases']}) | {st['valid']}/{n} "
                f"| {st['whole']}/{n} |")
        if nbd:
            line += (f" {st['nbd_conflict']}/{n} | {st['nbd_lost']} ({st['nbd_lost_cases']}) | {st['nbd_valid']}/{n} "
                     f"| {st['nbd_crash']} / {st['nbd_limit']} |")
        print(line)


def bench_largest(nbd: Nbdime | None, count: int) -> None:
    paths = sorted((p / "old.ipynb" for p in CORPUS.iterdir() if (p / "old.ipynb").exists()),
                   key=lambda p: p.stat().st_size, reverse=True)
    seen: set[int] = set()
    chosen = []
    for p in paths:  # several pairs share one notebook: keep distinct sizes
        if p.stat().st_size not in seen:
            seen.add(p.stat().st_size)
            chosen.append(p)
        if len(chosen) == count:
            break
    print(f"\n### Merging the {count} largest corpus notebooks\n")
    print("| notebook | size | cells | nbreview merge (in memory) | `nbreview merge` process | nbdime |")
    print("|---|---:|---:|---:|---:|---:|")
    exe = str(Path(sys.executable).with_name("nbreview"))
    for path in chosen:
        from nbreview.io.write import dumps_notebook

        base = load(path).nb
        le, re_ = non_overlapping(len(base["cells"]), random.Random(f"largest:{path.parent.name}"))
        local, remote = apply_edits(base, le, 0), apply_edits(base, re_, 0)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            out = merge(base, local, remote)
            times.append(time.perf_counter() - t)
        assert out.clean
        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for name, nb in (("base", base), ("local", local), ("remote", remote)):
                f = Path(tmp) / f"{name}.ipynb"
                f.write_text(dumps_notebook(nb))
                files.append(str(f))
            t = time.perf_counter()
            proc = subprocess.run([exe, "merge", *files, "-o", str(Path(tmp) / "out.ipynb")], check=False)
            wall = time.perf_counter() - t
            assert proc.returncode == 0
        nbd_cell = "—"
        if nbd is not None:
            res = nbd.merge(base, local, remote)
            nbd_cell = f"> {NBDIME_LIMIT:.0f} s" if res is None else (
                "crashed" if res[1][0] == "crash" else f"{res[0] * 1000:.0f} ms")
        print(f"| {path.parent.name.split('__')[1][:50]} | {path.stat().st_size / 1e6:.1f} MB | {len(base['cells'])} "
              f"| {min(times) * 1000:.0f} ms | {wall * 1000:.0f} ms | {nbd_cell} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="40 notebooks, 3 edit sets each")
    ap.add_argument("--no-nbdime", action="store_true", help="skip the nbdime comparison")
    ap.add_argument("--only", choices=("generated", "rival", "largest"), help="run one section")
    ap.add_argument("--notebooks", type=int, metavar="N", help="the first N notebooks of the sample only")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    nbd = None if args.no_nbdime else Nbdime()
    try:
        sample = notebooks(args.quick)[:args.notebooks]
        seeds = 3 if args.quick else 5
        if args.only in (None, "generated"):
            bench_generated(nbd, sample, seeds)
        if args.only in (None, "rival"):
            bench_rival(nbd, sample, seeds)
        if args.only in (None, "largest"):
            bench_largest(nbd, 3 if args.quick else 5)
    finally:
        if nbd is not None:
            nbd.close()


if __name__ == "__main__":
    main()
