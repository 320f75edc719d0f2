"""Resource bounds on hostile-sized notebooks: peak memory (RSS) and wall time per case.

Each case runs ``nbreview`` in a fresh subprocess (``os.wait4`` gives that process's own peak
RSS) on inputs built here in a temporary folder:

- two real 13000×13000 PNG outputs that differ (each decodes to 169 MP, over the pixel budget):
  ``diff`` and ``diff --html``; target < 600 MB and < 15 s;
- a 100 MB text output, added to a notebook and changed in one: ``diff``, ``diff --json`` and
  ``diff --html``; target < 5 × the two files' size + 300 MB and < 30 s;
- the same 100 MB output stored as nbformat writes it (a list of lines): ``--json`` and ``--html``;
- a notebook of 100,000 cells against an edited copy: ``diff --html``; target < 10 s;
- 20,000 cells (each source 40 times) that one side shuffled: ``diff`` (target < 5 s), and
  ``merge`` against a side that edited every cell's metadata and the notebook's (target < 15 s);
- 20,000 cells, every other one rewritten on one side and all of them edited on the other: ``merge``
  (target < 15 s);
- a 200,000-line source added to one cell: ``diff``, ``--json``, ``--html``; target < 3 s each.

Wall times are only meaningful on an idle machine; the CPU column is the steadier figure.

Run: ``.venv/bin/python benchmarks/resources.py`` (or ``make bench-resources``);
``--quick`` scales the inputs down tenfold to check the script itself.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
MB = 1024 * 1024


def png_bytes(width: int, height: int, mark: int) -> bytes:
    """A grayscale PNG written row by row (never held decoded): a gradient, one block changed by ``mark``."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    parts = []
    base = bytes((x * 255 // max(1, width - 1)) for x in range(width))
    block = bytes([mark]) * (width // 10)
    for y in range(height):
        row = base
        if mark and height // 3 <= y < height // 3 + height // 10:
            row = block + base[len(block):]
        parts.append(comp.compress(b"\0" + row))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def notebook(cells: list[dict[str, object]]) -> dict[str, object]:
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "nbformat": 4, "nbformat_minor": 5}


def code(source: str, outputs: list[dict[str, object]]) -> dict[str, object]:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs, "source": source}


def image_pair(folder: Path, side: int) -> tuple[Path, Path]:
    paths = []
    for name, mark in (("img-old", 0), ("img-new", 200)):
        data = base64.b64encode(png_bytes(side, side, mark)).decode()
        out = {"output_type": "display_data", "metadata": {}, "data": {"image/png": data, "text/plain": "<Figure>"}}
        p = folder / f"{name}.ipynb"
        p.write_text(json.dumps(notebook([code("plot()", [out])])))
        paths.append(p)
    return paths[0], paths[1]


def big_text(n_bytes: int, salt: str) -> str:
    line = "epoch {:>9} loss 0.{:06d} accuracy 0.{:06d} lr 0.001 " + salt
    lines, size, i = [], 0, 0
    while size < n_bytes:
        text = line.format(i, (i * 7919) % 10**6, (i * 104729) % 10**6) + "\n"
        lines.append(text)
        size += len(text)
        i += 1
    return "".join(lines)


def text_pairs(folder: Path, n_bytes: int) -> dict[str, tuple[Path, Path]]:
    small = folder / "text-small.ipynb"
    small.write_text(json.dumps(notebook([code("train()", [])])))
    old_text = big_text(n_bytes, "")
    lines = old_text.splitlines(True)
    for k in range(0, len(lines), 97):  # about 1% of the lines change
        lines[k] = lines[k].replace("lr 0.001", "lr 0.002")
    new_text = "".join(lines)
    paths = {}
    for name, text in (("text-old", old_text), ("text-new", new_text)):
        p = folder / f"{name}.ipynb"
        p.write_text(json.dumps(notebook([code("train()", [{"output_type": "stream", "name": "stdout",
                                                                     "text": text}])])))
        paths[name] = p
    return {"added": (small, paths["text-new"]), "changed": (paths["text-old"], paths["text-new"])}


def many_cells(folder: Path, n: int) -> tuple[Path, Path]:
    old_cells = [code(f"x{i} = {i}\nprint(x{i})\n", [{"output_type": "stream", "name": "stdout", "text": f"{i}\n"}])
                 if i % 3 else {"cell_type": "markdown", "metadata": {}, "source": f"## Step {i}\nSome prose {i}.\n"}
                 for i in range(n)]
    new_cells = [dict(c) for c in old_cells]
    for i in range(0, n, 50):
        new_cells[i] = {**new_cells[i], "source": str(new_cells[i]["source"]) + "# edited\n"}
    paths = []
    for name, cells in (("cells-old", old_cells), ("cells-new", new_cells)):
        p = folder / f"{name}.ipynb"
        p.write_text(json.dumps(notebook(cells)))
        paths.append(p)
    return paths[0], paths[1]


def lines_pair(folder: Path, n_bytes: int) -> tuple[Path, Path]:
    """The 100 MB output as a list of lines (as nbformat writes it), added to a notebook."""
    p = folder / "lines-new.ipynb"
    text = big_text(n_bytes, "")
    out = {"output_type": "stream", "name": "stdout", "text": text.splitlines(True)}
    p.write_text(json.dumps(notebook([code("train()", [out])]), indent=1))
    return folder / "text-small.ipynb", p


def shuffled_cells(folder: Path, n: int) -> tuple[Path, Path, Path]:
    """Base, base shuffled, and base with every cell's metadata and the notebook's edited: no cell
    is unique (each source is there n / 500 times), so only identical copies can anchor."""
    import random

    base = [code(f"x{i % 500} = load({i % 500})\nprint(x{i % 500})\n", []) for i in range(n)]
    shuffled = list(base)
    random.Random(1).shuffle(shuffled)
    edited = notebook([{**c, "metadata": {"tags": ["checked"]}} for c in base])
    edited["metadata"] = {**edited["metadata"], "title": "edited"}  # type: ignore[dict-item]
    paths = []
    for name, nb in (("shuf-base", notebook(base)), ("shuf-shuffled", notebook(shuffled)), ("shuf-meta", edited)):
        p = folder / f"{name}.ipynb"
        p.write_text(json.dumps(nb))
        paths.append(p)
    return paths[0], paths[1], paths[2]


def rewritten_cells(folder: Path, n: int) -> tuple[Path, Path, Path]:
    """Base; every other cell rewritten (a deletion and an insertion to the alignment); every cell's
    metadata edited, so each rewrite is also a rival edit the merge must pair (``pair_rivals``)."""
    base = [code(f"x{i} = load({i})\nprint(x{i})\n", []) for i in range(n)]
    local = [{**c, "source": f"completely_different_{i}()\n# rewritten\n"} if i % 2 else c for i, c in enumerate(base)]
    remote = [{**c, "metadata": {"tags": ["checked"]}} for c in base]
    paths = []
    for name, cells in (("rw-base", base), ("rw-local", local), ("rw-remote", remote)):
        p = folder / f"{name}.ipynb"
        p.write_text(json.dumps(notebook(cells)))
        paths.append(p)
    return paths[0], paths[1], paths[2]


def long_source(folder: Path, n_lines: int) -> tuple[Path, Path]:
    """One cell, then the same cell with ``n_lines`` lines added to its source."""
    added = "".join(f"value_{i} = compute({i}, scale=0.{i % 97})\n" for i in range(n_lines))
    paths = []
    for name, src in (("long-old", "x = 1\n"), ("long-new", "x = 1\n" + added)):
        p = folder / f"{name}.ipynb"
        p.write_text(json.dumps(notebook([code(src, [])])))
        paths.append(p)
    return paths[0], paths[1]


@dataclass
class Case:
    name: str
    argv: list[str]
    inputs: tuple[Path, ...]
    max_seconds: float
    max_mb: float | None


# A small launcher: a child's peak RSS counts the pages it inherits when forked, so nbreview is
# started from this fresh, small process rather than from the benchmark (which holds the inputs).
_LAUNCHER = """
import json, os, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[2:], stdout=sys.stdout, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"code": proc.returncode, "wall": elapsed, "cpu": u.ru_utime + u.ru_stime, "kib": u.ru_maxrss,
               "stderr": proc.stderr.decode(errors="replace")[-300:]}, fh)
"""


def measure(case: Case, out_dir: Path) -> tuple[int, float, float, float]:
    """Exit status, wall seconds, CPU seconds and peak RSS (MB) of one fresh ``nbreview`` process.

    CPU time (user + system) is printed beside wall time: on a shared machine it is the steadier figure.
    """
    env = {**os.environ, "NBREVIEW_PAGER": "cat", "NO_COLOR": "1"}
    report = out_dir / "usage.json"
    with open(out_dir / "stdout", "wb") as sink:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(report), str(BIN / "nbreview"), *case.argv],
                       stdout=sink, env=env, check=True)
    usage = json.loads(report.read_text())
    if usage["code"] not in (0, 1):
        print(f"  {case.name}: exit {usage['code']}: {usage['stderr'].strip()}", file=sys.stderr)
    return int(usage["code"]), float(usage["wall"]), float(usage["cpu"]), usage["kib"] / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="inputs ten times smaller (checks the script)")
    parser.add_argument("--only", default="", help="comma-separated case name prefixes to run")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory(prefix="nbreview-resources-") as tmp:
        folder = Path(tmp)
        print("building inputs…", file=sys.stderr)
        img = image_pair(folder, 13_000 // scale)
        texts = text_pairs(folder, 100 * MB // scale)
        cells = many_cells(folder, 100_000 // scale)
        html = str(folder / "out.html")
        cases: list[Case] = []
        for face, extra in (("diff", []), ("--html", ["--html", html])):
            cases.append(Case(f"images 13000² {face}", ["diff", *extra, *map(str, img)], img, 15, 600))
        for kind, pair in texts.items():
            for face, extra in (("diff", []), ("--json", ["--json"]), ("--html", ["--html", html])):
                size = (pair[0].stat().st_size + pair[1].stat().st_size) / MB
                cases.append(Case(f"100 MB text {kind} {face}", ["diff", *extra, *map(str, pair)], pair, 30,
                                  5 * size + 300))
        lines = lines_pair(folder, 100 * MB // scale)
        for face, extra in (("--json", ["--json"]), ("--html", ["--html", html])):
            size = sum(p.stat().st_size for p in lines) / MB
            cases.append(Case(f"100 MB text as lines added {face}", ["diff", *extra, *map(str, lines)], lines, 30,
                              5 * size + 300))
        cases.append(Case("100,000 cells --html", ["diff", "--html", html, *map(str, cells)], cells, 10, None))
        base, shuffled, edited = shuffled_cells(folder, 20_000 // scale)
        cases.append(Case("20,000 cells shuffled diff", ["diff", str(base), str(shuffled)], (base, shuffled), 5, None))
        cases.append(Case("20,000 cells shuffled merge", ["merge", "-q", "-o", str(folder / "merged.ipynb"),
                                                          str(base), str(shuffled), str(edited)],
                          (base, shuffled, edited), 15, None))
        rewritten = rewritten_cells(folder, 20_000 // scale)
        cases.append(Case("20,000 cells half rewritten merge", ["merge", "-q", "-o", str(folder / "merged.ipynb"),
                                                                *map(str, rewritten)], rewritten, 15, None))
        long_pair = long_source(folder, 200_000 // scale)
        for face, extra in (("diff", []), ("--json", ["--json"]), ("--html", ["--html", html])):
            argv = ["diff", *extra, *map(str, long_pair)]
            cases.append(Case(f"200,000-line source {face}", argv, long_pair, 3, None))
        wanted = [w for w in args.only.split(",") if w]
        print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'case':34} {'input MB':>9} {'peak MB':>9} {'target MB':>10} {'wall s':>8} {'CPU s':>7} "
              f"{'target s':>9}  ok")
        failed = 0
        for case in cases:
            if wanted and not any(case.name.startswith(w) for w in wanted):
                continue
            size = sum(p.stat().st_size for p in case.inputs) / MB
            code, seconds, cpu, peak = measure(case, folder)
            ok = code in (0, 1) and seconds < case.max_seconds and (case.max_mb is None or peak < case.max_mb)
            failed += not ok
            target = f"{case.max_mb:.0f}" if case.max_mb else "-"
            print(f"{case.name:34} {size:9.1f} {peak:9.0f} {target:>10} {seconds:8.2f} {cpu:7.2f} "
                  f"{case.max_seconds:9.0f}  {'yes' if ok else 'NO'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
