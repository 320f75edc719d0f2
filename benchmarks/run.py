"""nbreview's diff engine against nbdime's ``diff_notebooks``, measured in the same run.

    .venv/bin/python benchmarks/run.py            # everything (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # a sample of the corpus, fewer quality cases

Sections: corpus (every pair of ../shared/corpus), big (pairs over 1 MB against plain
``json.loads``), stress (generated worst cases, each in a fresh process for peak memory),
quality (alignment precision/recall on known edits). Both tools are timed on notebooks
already in memory, import time excluded; nbdime gets a time limit per diff and a pair it
does not finish counts at the limit. Prints markdown tables; the README keeps the latest.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from peer import PeerWorker  # noqa: E402

SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"
NBDIME_LIMIT = float(os.environ.get("NBDIME_LIMIT", "60"))


# -- nbdime in a worker process, so a diff that runs for minutes can be cut off ------------
def _nbdime_worker(conn: Connection) -> None:
    import nbformat
    from nbdime import diff_notebooks

    while True:
        msg = conn.recv()
        if msg is None:
            return
        kind, a, b = msg
        if kind == "paths":
            na = nbformat.read(a, as_version=4)
            nb = nbformat.read(b, as_version=4)
        else:
            na, nb = nbformat.from_dict(a), nbformat.from_dict(b)
        t = time.perf_counter()
        d = diff_notebooks(na, nb)
        conn.send((time.perf_counter() - t, json.loads(json.dumps(d))))


class Nbdime:
    def __init__(self) -> None:
        self.worker = PeerWorker(_nbdime_worker)

    def diff(self, kind: str, a: Any, b: Any, limit: float = NBDIME_LIMIT) -> tuple[float, Any] | None:
        res = self.worker.call((kind, a, b), limit + 30)  # the limit counts diff time, not reading the files
        if res is None:
            return None
        secs, d = res
        return (secs, d) if secs <= limit else None

    def close(self) -> None:
        self.worker.close()


def ours(a: Any, b: Any) -> float:
    import nbreview
    from nbreview.io.load import load

    la, lb = load(a), load(b)
    t = time.perf_counter()
    nbreview.diff(la, lb)
    return time.perf_counter() - t


def pairs() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "old.ipynb").exists())


# -- corpus ----------------------------------------------------------------------------------
def bench_corpus(nbd: Nbdime, sample: int | None) -> dict[str, Any]:
    ps = pairs()
    if sample:
        ps = random.Random(1).sample(ps, min(sample, len(ps)))
    rows = []
    for p in ps:
        o, n = p / "old.ipynb", p / "new.ipynb"
        t_ours = min(ours(o, n) for _ in range(2))
        res = nbd.diff("paths", str(o), str(n))
        t_nbd = res[0] if res else NBDIME_LIMIT
        rows.append({"pair": p.name, "size": o.stat().st_size + n.stat().st_size, "ours": t_ours,
                     "nbdime": t_nbd, "nbdime_timeout": res is None})
        print(f"  {t_ours * 1000:8.1f} ms  nbdime {t_nbd * 1000:9.1f} ms{' (limit)' if res is None else ''}  "
              f"{p.name[:70]}", file=sys.stderr)
    total_ours = sum(r["ours"] for r in rows)
    total_nbd = sum(r["nbdime"] for r in rows)
    not_slower = sum(1 for r in rows if r["ours"] <= r["nbdime"]) / len(rows)
    worst = max(rows, key=lambda r: r["ours"])
    return {"pairs": len(rows), "total_ours": total_ours, "total_nbdime": total_nbd,
            "ratio": total_nbd / total_ours, "share_not_slower": not_slower,
            "median_ratio": statistics.median(r["nbdime"] / r["ours"] for r in rows),
            "worst_ours": worst["ours"], "worst_pair": worst["pair"],
            "nbdime_timeouts": sum(r["nbdime_timeout"] for r in rows), "rows": rows}


# -- big pairs against json.loads ----------------------------------------------------------------
def bench_big() -> dict[str, Any]:
    rows = []
    for p in pairs():
        o, n = p / "old.ipynb", p / "new.ipynb"
        size = o.stat().st_size + n.stat().st_size
        if o.stat().st_size < 1_000_000 and n.stat().st_size < 1_000_000:
            continue
        import nbreview

        bo, bn = o.read_bytes(), n.read_bytes()
        t_json = min(_time(json.loads, bo) + _time(json.loads, bn) for _ in range(3))
        t_ours = min(_time(nbreview.diff, bo, bn) for _ in range(3))
        rows.append({"pair": p.name, "size": size, "json": t_json, "ours": t_ours, "ratio": t_ours / t_json})
    return {"pairs": len(rows), "max_ratio": max((r["ratio"] for r in rows), default=0.0),
            "median_ratio": statistics.median(r["ratio"] for r in rows) if rows else 0.0, "rows": rows}


def _time(fn: Any, *args: Any) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


# -- stress cases ------------------------------------------------------------------------------------
def _nb(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 4}


def _code(src: str, outputs: list[dict[str, Any]] | None = None, count: int | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": outputs or [], "source": src}


def make_stress(folder: Path) -> dict[str, tuple[Path, Path]]:
    rng = random.Random(7)
    cases: dict[str, tuple[Path, Path]] = {}

    def save(name: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        slug = "".join(ch if ch.isalnum() else "-" for ch in name)
        pa, pb = folder / f"{slug}-old.ipynb", folder / f"{slug}-new.ipynb"
        pa.write_text(json.dumps(a, indent=1))
        pb.write_text(json.dumps(b, indent=1))
        cases[name] = (pa, pb)

    old = "".join(f"result_{i} = transform(data[{i}], scale={i % 7}, name='row{i}')\n" for i in range(1000))
    new = "".join(f"result_{i} = transform(data[{i}], scale={i % 7 + 1}, name='row{i}')\n" for i in range(1000))
    save("1000-line cell, every line edited", _nb([_code(old)]), _nb([_code(new)]))

    cells = [_code(f"# step {i}\nvalue_{i} = f({i}, {rng.randint(0, 999)})\nshow(value_{i})\n", count=i)
             for i in range(2000)]
    edited = [json.loads(json.dumps(c)) for c in cells]
    for k in rng.sample(range(2000), 50):
        edited[k]["source"] = edited[k]["source"].replace("show(", "display(")
    for k in sorted(rng.sample(range(2000), 50), reverse=True):
        edited.pop(k)
    for _ in range(50):
        edited.insert(rng.randrange(len(edited)), _code(f"extra = g({rng.random()})\n"))
    for _ in range(50):
        c = edited.pop(rng.randrange(len(edited)))
        edited.insert(rng.randrange(len(edited)), c)
    save("2,000 cells, 10% edited/inserted/deleted/moved", _nb(cells), _nb(edited))

    save("2,000 near-identical 31-line cells, all edited",
         _nb([_code("a = 1\n" * 30 + f"b = {i}") for i in range(2000)]),
         _nb([_code("a = 2\n" * 30 + f"b = {i}") for i in range(2000)]))

    from PIL import Image

    def noise_png(seed: int) -> str:
        r = random.Random(seed)
        img = Image.frombytes("RGB", (400, 400), bytes(r.getrandbits(8) for _ in range(400 * 400 * 3)))
        buf = io.BytesIO()
        img.save(buf, "PNG", compress_level=1)
        return base64.b64encode(buf.getvalue()).decode()

    imgs = [noise_png(s) for s in range(80)]  # ~640 KB of base64 each, ~50 MB in all
    before = [_code(f"plot({k})", [{"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": imgs[k], "text/plain": "<Figure>"}}], k + 1)
              for k in range(80)]
    after = [json.loads(json.dumps(c)) for c in before]
    for k, c in enumerate(after):
        c["execution_count"] = k + 101
    for k in range(0, 80, 10):  # one in ten re-rendered differently
        after[k]["outputs"][0]["data"]["image/png"] = noise_png(1000 + k)
    save("50 MB of image outputs re-executed", _nb(before), _nb(after))

    repeated = [_code(f"x{i % 500} = load({i % 500})\nprint(x{i % 500})\n") for i in range(20_000)]
    shuffled = list(repeated)
    rng.shuffle(shuffled)
    save("20,000 cells (each source 40 times), shuffled", _nb(repeated), _nb(shuffled))

    added = "".join(f"value_{i} = compute({i}, scale=0.{i % 97})\n" for i in range(200_000))
    save("200,000-line source added to a cell", _nb([_code("x = 1\n")]), _nb([_code("x = 1\n" + added)]))
    return cases


def measure_child(tool: str, a: str, b: str) -> None:
    """Run in a fresh process: time one diff from files, and its peak memory above the baseline."""
    if tool == "nbreview":
        import PIL.Image  # noqa: F401

        import nbreview
        import nbreview.engine.images  # noqa: F401 - imports before the baseline, as for nbdime
        import nbreview.results.pipeline  # noqa: F401

        def run() -> None:
            nbreview.diff(a, b)
    else:
        import nbformat
        from nbdime import diff_notebooks

        def run() -> None:
            diff_notebooks(nbformat.read(a, as_version=4), nbformat.read(b, as_version=4))

    def status(field: str) -> int:
        # VmHWM is this process's own peak (ru_maxrss would include the forking parent's).
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(field + ":"))

    base = status("VmRSS")
    t = time.perf_counter()
    run()
    secs = time.perf_counter() - t
    print(json.dumps({"secs": secs, "peak": max(0, status("VmHWM") - base)}))


def bench_stress(limit: float) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (a, b) in make_stress(Path(tmp)).items():
            size = a.stat().st_size + b.stat().st_size
            row: dict[str, Any] = {"case": name, "size": size}
            for tool in ("nbreview", "nbdime"):
                try:
                    proc = subprocess.run([sys.executable, __file__, "--measure", tool, str(a), str(b)],
                                          capture_output=True, text=True, timeout=limit, check=True)
                    res = json.loads(proc.stdout.strip().splitlines()[-1])
                    row[tool] = res["secs"]
                    row[tool + "_mem"] = res["peak"]
                except subprocess.TimeoutExpired:
                    row[tool] = None
                    row[tool + "_mem"] = None
            rows.append(row)
            print(f"  {name}: {row}", file=sys.stderr)
    return rows


# -- alignment quality ----------------------------------------------------------------------
LEVELS = {"easy (3 edits)": 3, "medium (8 edits)": 8, "hard (20 edits)": 20}


def bench_quality(nbd: Nbdime, n_notebooks: int) -> list[dict[str, Any]]:
    from edits import make_case, nbdime_pairs, score

    import nbreview
    from nbreview.io.load import load

    ps = [p for p in pairs() if (p / "new.ipynb").stat().st_size < 300_000]
    rng = random.Random(3)
    chosen = []
    for p in rng.sample(ps, len(ps)):
        nb = load(p / "new.ipynb").nb
        if len(nb["cells"]) >= 10:
            chosen.append(nb)
        if len(chosen) >= n_notebooks:
            break
    donors = [c for p in ps[:30] for c in load(p / "old.ipynb").nb["cells"]]
    rows = []
    for level, n_edits in LEVELS.items():
        for with_ids in (False, True):
            acc = {"ours": [0, 0, 0], "nbdime": [0, 0, 0], "moves_ours": [0, 0, 0], "moves_nbdime": [0, 0, 0]}
            for k, nb in enumerate(chosen):
                case = make_case(nb, donors, n_edits, with_ids, seed=k * 100 + n_edits)
                d = nbreview.diff(case.old, case.new)
                pred = {c.old_index: c.new_index for c in d.cells
                        if c.old_index is not None and c.new_index is not None}
                moved_pred = {c.old_index for c in d.cells if c.moved and c.old_index is not None}
                _add(acc["ours"], score(case.truth, pred))
                _add(acc["moves_ours"], _set_score(case.moved, moved_pred))
                res = nbd.diff("dicts", case.old, case.new)
                if res is not None:
                    npred = nbdime_pairs(res[1], len(case.old["cells"]), len(case.new["cells"]))
                    _add(acc["nbdime"], score(case.truth, npred))
                    _add(acc["moves_nbdime"], _set_score(case.moved, set()))
            rows.append({"level": level, "ids": with_ids, **{k: _prf(v) for k, v in acc.items()}})
            print(f"  {rows[-1]}", file=sys.stderr)
    return rows


def _add(acc: list[int], s: tuple[int, int, int]) -> None:
    for i in range(3):
        acc[i] += s[i]


def _set_score(truth: set[int], pred: set[int]) -> tuple[int, int, int]:
    return len(truth & pred), len(pred), len(truth)


def _prf(v: list[int]) -> dict[str, float]:
    tp, npred, ntrue = v
    p = tp / npred if npred else 1.0
    r = tp / ntrue if ntrue else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


# -- report ---------------------------------------------------------------------------------------
def report(res: dict[str, Any]) -> str:
    out = []
    if "corpus" in res:
        c = res["corpus"]
        out += ["### Corpus: every pair, engine time (notebooks already in memory)", "",
                "| pairs | nbreview total | nbdime total | ratio | median per-pair ratio | pairs where nbreview is "
                "not slower | nbreview worst pair | nbdime cut off at limit |",
                "|---|---|---|---|---|---|---|---|",
                f"| {c['pairs']} | {c['total_ours']:.2f} s | {c['total_nbdime']:.2f} s | **{c['ratio']:.1f}x** | "
                f"{c['median_ratio']:.1f}x | {c['share_not_slower']:.0%} | {c['worst_ours'] * 1000:.0f} ms | "
                f"{c['nbdime_timeouts']} (at {NBDIME_LIMIT:.0f} s) |", ""]
    if "big" in res:
        b = res["big"]
        out += ["### Pairs over 1 MB: whole diff from bytes vs `json.loads` of both files", "",
                "| pair | size | json.loads | nbreview | ratio |", "|---|---|---|---|---|"]
        out += [f"| {r['pair'][:60]} | {r['size'] / 1e6:.1f} MB | {r['json'] * 1000:.0f} ms | "
                f"{r['ours'] * 1000:.0f} ms | {r['ratio']:.2f}x |" for r in b["rows"]]
        out += ["", f"Median {b['median_ratio']:.2f}x, worst {b['max_ratio']:.2f}x.", ""]
    if "stress" in res:
        out += ["### Stress (fresh process each; peak memory above baseline)", "",
                "| case | files | nbreview | nbreview peak | nbdime | nbdime peak | speed-up |",
                "|---|---|---|---|---|---|---|"]
        for r in res["stress"]:
            nbd = f"{r['nbdime']:.2f} s" if r["nbdime"] is not None else f"> {NBDIME_LIMIT * 3:.0f} s (cut off)"
            nmem = f"{r['nbdime_mem'] / 1e6:.0f} MB" if r["nbdime_mem"] is not None else "–"
            ratio = f"{r['nbdime'] / r['nbreview']:.0f}x" if r["nbdime"] is not None else "–"
            out.append(f"| {r['case']} | {r['size'] / 1e6:.1f} MB | {r['nbreview']:.2f} s | "
                       f"{r['nbreview_mem'] / 1e6:.0f} MB | {nbd} | {nmem} | {ratio} |")
        out.append("")
    if "quality" in res:
        out += ["### Alignment quality on known edits (precision / recall / F1 of matched cell pairs)", "",
                "| edits | ids | nbreview P / R / F1 | nbdime P / R / F1 | moves found: nbreview P / R | nbdime |",
                "|---|---|---|---|---|---|"]
        for r in res["quality"]:
            o, n, mo = r["ours"], r["nbdime"], r["moves_ours"]
            out.append(f"| {r['level']} | {'yes' if r['ids'] else 'no'} | {o['precision']:.3f} / {o['recall']:.3f} / "
                       f"**{o['f1']:.3f}** | {n['precision']:.3f} / {n['recall']:.3f} / **{n['f1']:.3f}** | "
                       f"{mo['precision']:.2f} / {mo['recall']:.2f} | {r['moves_nbdime']['recall']:.2f} |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a sample of the corpus and fewer quality cases")
    ap.add_argument("--sections", default="corpus,big,stress,quality")
    ap.add_argument("--measure", nargs=3, metavar=("TOOL", "OLD", "NEW"), help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the raw figures here")
    args = ap.parse_args()
    if args.measure:
        measure_child(*args.measure)
        return
    if not CORPUS.is_dir():
        sys.exit(f"benchmarks need the corpus at {CORPUS}")
    sections = args.sections.split(",")
    res: dict[str, Any] = {}
    nbd = Nbdime()
    try:
        if "corpus" in sections:
            print("corpus ...", file=sys.stderr)
            res["corpus"] = bench_corpus(nbd, 40 if args.quick else None)
        if "big" in sections:
            print("big pairs ...", file=sys.stderr)
            res["big"] = bench_big()
        if "stress" in sections:
            print("stress ...", file=sys.stderr)
            res["stress"] = bench_stress(limit=NBDIME_LIMIT * 3)
        if "quality" in sections:
            print("alignment quality ...", file=sys.stderr)
            res["quality"] = bench_quality(nbd, 8 if args.quick else 30)
    finally:
        nbd.close()
        if args.json:
            Path(args.json).write_text(json.dumps(res, indent=1))
        print(report(res))


if __name__ == "__main__":
    main()
