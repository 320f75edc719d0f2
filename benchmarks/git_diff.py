"""``git diff`` over 1 and over 20 real notebooks: nbreview's driver vs nbdime's vs plain git.

Builds a throwaway repository from ../shared/corpus (20 revision pairs under 1 MB, spread
over the corpus), commits the old sides, then the new sides, and times in the same run:

- ``git diff HEAD~1 HEAD -- ONE.ipynb`` (one notebook, the median-sized one) and
  ``git diff HEAD~1 HEAD`` (all of them), each plain (raw JSON), with nbreview's diff
  driver and with nbdime's ``git-nbdiffdriver diff``; the ratio to plain git is the figure
  the driver's start-up decides (the issue's target: within 15x);
- ``git diff`` with nbreview's driver and colour, and without its helper process
  (``NBREVIEW_DRIVER_HELPER=0``: each driver pays its own start-up); the helper's CPU time
  is counted (the benchmark is the subreaper of every process it starts);
- the start-up of ``nbreview diff a.ipynb b.ipynb`` (and ``nbdiff``) on two small notebooks.

Run: ``.venv/bin/python benchmarks/git_diff.py [--pairs 20] [--repeat 3] [--no-nbdime]``.
The user's git configuration is not read (HOME is a temporary folder, GIT_CONFIG_NOSYSTEM=1),
and bytecode caching is on, as for an installed nbreview.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"
BIN = Path(sys.executable).parent
CPU: list[float] = []


def pick_pairs(n: int) -> list[Path]:
    pairs = sorted(
        p
        for p in CORPUS.iterdir()
        if (p / "old.ipynb").exists()
        and (p / "old.ipynb").stat().st_size < 1_000_000
        and (p / "new.ipynb").stat().st_size < 1_000_000
        and (p / "old.ipynb").read_bytes() != (p / "new.ipynb").read_bytes()
    )
    if len(pairs) < n:
        return pairs
    step = len(pairs) / n
    return [pairs[int(k * step)] for k in range(n)]


def become_subreaper() -> bool:
    """Make orphaned descendants (the diff driver's helper process) our children, so that their
    CPU time lands in ``RUSAGE_CHILDREN`` like everyone else's (Linux ``PR_SET_CHILD_SUBREAPER``)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def reap_orphans() -> None:
    """Wait for every descendant left over (the helper exits as soon as its git does)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, bytes]:
    """Wall time, and (in ``CPU``) the CPU time of the command and its children, user plus system."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    reap_orphans()  # the driver's helper, when it outlived its driver: its CPU counts too
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[:500]}")
    return elapsed, proc.stdout


def timed(cmd: list[str], cwd: Path, env: dict[str, str], repeat: int) -> tuple[float, float, int]:
    """Median wall seconds, median CPU seconds and output size over ``repeat`` warm runs."""
    run(cmd, cwd, env)  # warm the page cache and the bytecode cache
    CPU.clear()
    times = []
    size = 0
    for _ in range(repeat):
        t, out = run(cmd, cwd, env)
        times.append(t)
        size = len(out)
    return statistics.median(times), statistics.median(CPU), size


def small_notebook(path: Path, edited: bool) -> None:
    cells = [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Small\n\nA short notebook."},
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "b",
            "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": "3\n"}],
            "source": "x = 1 + 2\nprint(x)" if not edited else "x = 1 + 3\nprint(x)",
        },
        {"cell_type": "code", "execution_count": 2, "id": "c", "metadata": {}, "outputs": [], "source": "y = x * 2"},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python"}}}
    nb.update(nbformat=4, nbformat_minor=5)
    path.write_text(json.dumps(nb, indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-nbdime", action="store_true",
                        help="skip nbdime's driver and nbdiff (minutes on a loaded machine), e.g. to compare two "
                             "nbreview builds: run this script with each build's python")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; set NBREVIEW_SHARED", file=sys.stderr)
        return 2
    if not become_subreaper():
        print("warning: not a subreaper: a diff driver helper's CPU time is not counted", file=sys.stderr)
    nbreview = BIN / "nbreview"
    nbdime_driver = BIN / "git-nbdiffdriver"
    with tempfile.TemporaryDirectory(prefix="nbreview-bench-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        repo = Path(tmp) / "repo"
        repo.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            HOME=str(home),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_AUTHOR_NAME="bench",
            GIT_AUTHOR_EMAIL="bench@example.org",
            GIT_COMMITTER_NAME="bench",
            GIT_COMMITTER_EMAIL="bench@example.org",
            GIT_PAGER="cat",
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        env.pop("NO_COLOR", None)

        def git(*a: str) -> None:
            subprocess.run(["git", *a], cwd=repo, env=env, check=True, capture_output=True)

        pairs = pick_pairs(args.pairs)
        git("init", "-q")
        for k, p in enumerate(pairs):
            shutil.copy(p / "old.ipynb", repo / f"nb{k:02d}.ipynb")
        git("add", "-A")
        git("commit", "-q", "-m", "old")
        for k, p in enumerate(pairs):
            shutil.copy(p / "new.ipynb", repo / f"nb{k:02d}.ipynb")
        git("commit", "-q", "-am", "new")
        total_bytes = sum((p / "old.ipynb").stat().st_size + (p / "new.ipynb").stat().st_size for p in pairs)

        attrs = repo / ".git" / "info" / "attributes"
        # the driver as ``nbreview git install`` configures it (the attributes are set per run below)
        subprocess.run([str(nbreview), "git", "install"], cwd=repo, env=env, check=True, capture_output=True)
        git("config", "diff.jupyternotebook.command", f"{nbdime_driver} diff")
        diff_cmd = ["git", "diff", "HEAD~1", "HEAD"]
        by_size = sorted(range(len(pairs)), key=lambda k: (pairs[k] / "new.ipynb").stat().st_size)
        one = f"nb{by_size[len(by_size) // 2]:02d}.ipynb"
        one_bytes = sum((pairs[by_size[len(by_size) // 2]] / n).stat().st_size for n in ("old.ipynb", "new.ipynb"))
        groups: list[tuple[str, list[str], list[tuple[str, float, float, int]]]] = [
            (f"git diff HEAD~1 HEAD -- {one} (1 notebook, {one_bytes / 1e3:.0f} KB both sides)",
             [*diff_cmd, "--", one], []),
            (f"git diff HEAD~1 HEAD over {len(pairs)} corpus notebooks ({total_bytes / 1e6:.1f} MB both sides)",
             diff_cmd, []),
        ]
        for _title, cmd, rows in groups:
            attrs.write_text("")
            # plain git's 2-3 ms is every ratio's denominator: 5 times the runs (cheap) steady it; so
            # does one notebook's driver (~40 ms a run, on a machine whose neighbours come and go)
            rows.append(("plain git diff (raw JSON)", *timed(cmd, repo, env, args.repeat * 5)))
            attrs.write_text("*.ipynb diff=nbreview\n")
            ours_repeat = args.repeat * 5 if cmd is not diff_cmd else args.repeat
            rows.append(("git diff + nbreview driver", *timed(cmd, repo, env, ours_repeat)))
            if cmd is diff_cmd:
                colour = ["git", "-c", "color.ui=always", *cmd[1:]]
                rows.append(("git diff + nbreview driver, colour", *timed(colour, repo, env, args.repeat)))
                alone = dict(env, NBREVIEW_DRIVER_HELPER="0")  # every driver pays its own start-up
                rows.append(("git diff + nbreview driver, no helper", *timed(cmd, repo, alone, args.repeat)))
            if not args.no_nbdime:
                attrs.write_text("*.ipynb diff=jupyternotebook\n")
                rows.append(("git diff + nbdime git-nbdiffdriver", *timed(cmd, repo, env, max(1, args.repeat // 3))))

        small_a, small_b = Path(tmp) / "a.ipynb", Path(tmp) / "b.ipynb"
        small_notebook(small_a, False)
        small_notebook(small_b, True)
        startup_repeat = max(10, args.repeat * 3)
        py = timed([sys.executable, "-c", "pass"], Path(tmp), env, startup_repeat)
        ours = timed([str(nbreview), "diff", str(small_a), str(small_b)], Path(tmp), env, startup_repeat)
        ours_c = timed(
            [str(nbreview), "diff", "--color=always", str(small_a), str(small_b)], Path(tmp), env, startup_repeat
        )
        theirs = None if args.no_nbdime else timed(
            [str(BIN / "nbdiff"), str(small_a), str(small_b)], Path(tmp), env, startup_repeat)

    for k, (title, _cmd, rows) in enumerate(groups):
        base, ours_t = rows[0][1], rows[1][1]
        counts = (f"median of {args.repeat * 5} ({max(1, args.repeat // 3)} for nbdime)" if k == 0
                  else f"median of {args.repeat} ({args.repeat * 5} for plain git)")
        print(f"{title}, {counts}; CPU = user+system of git and its drivers")
        print(f"{'':38} {'wall s':>8} {'CPU s':>8} {'vs plain':>9} {'CPU vs plain':>13} {'vs nbreview':>12} "
              f"{'output':>9}")
        base_cpu = rows[0][2] or 1e-3
        for name, t, cpu, size in rows:
            print(f"{name:38} {t:8.3f} {cpu:8.3f} {t / base:8.1f}x {cpu / base_cpu:12.1f}x {t / ours_t:11.2f}x "
                  f"{size / 1024:6.0f} KB")
        print()
    print(f"start-up on two small notebooks, median of {startup_repeat}")
    print(f"{'':38} {'wall s':>8} {'CPU s':>8}")
    startup = [("python -c pass", py), ("nbreview diff a.ipynb b.ipynb", ours),
               ("nbreview diff --color=always", ours_c)]
    if theirs is not None:
        startup.append(("nbdiff a.ipynb b.ipynb (nbdime)", theirs))
    for name, (t, cpu, _size) in startup:
        print(f"{name:38} {t:8.3f} {cpu:8.3f}")
    if theirs is not None:
        print(f"nbdime's nbdiff starts {theirs[0] / ours[0]:.1f}x slower than nbreview diff (wall)")
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
