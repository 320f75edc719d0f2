"""The PR bot under load: deliveries accepted per second by one node's web server, and PRs rendered per worker.

1. **Intake**: ``nbreview bot serve --no-worker`` (gunicorn, one web process per core) on a queue
   (Redis, and the SQLite file), a worker process busy rendering at the same time, and client processes posting signed
   ``synchronize`` deliveries of a realistic size (~25 KB, as GitHub's are) for many pull requests,
   20% of them redelivered. Reports deliveries/s and the latency percentiles of the answers.
2. **Rendering**: pull requests on the fake GitHub, each changing one corpus notebook pair
   (under 1 MB, pictures included: they are uploaded to the assets branch), rendered by one
   ``nbreview bot worker --workers 1`` process: PRs rendered per minute per worker.

The fake GitHub (tests/fakegithub) runs in its own process on 127.0.0.1; redis-server is started
on a free port when installed. Run: ``make bench-bot`` or
``.venv/bin/python benchmarks/bot_load.py [--deliveries 3000] [--pulls 30] [--backend redis|sqlite|both]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
os.environ.setdefault("NBREVIEW_SHARED", str(SHARED))
CORPUS = SHARED / "corpus" / "pairs"
SECRET = "bench-secret"
REPO = "octo/notebooks"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    exe = shutil.which("redis-server")
    if exe is None:
        return None
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def corpus_fake(n_pulls: int) -> Any:
    """A fake GitHub with ``n_pulls`` pull requests, each changing one corpus pair (< 1 MB)."""
    from fakegithub import FakeGitHub

    pairs = sorted(p for p in CORPUS.iterdir() if (p / "old.ipynb").exists()
                   and (p / "old.ipynb").stat().st_size < 1_000_000 and (p / "new.ipynb").stat().st_size < 1_000_000
                   and (p / "old.ipynb").read_bytes() != (p / "new.ipynb").read_bytes())
    step = max(1, len(pairs) // n_pulls)
    chosen = pairs[::step][:n_pulls]
    fake = FakeGitHub()
    st = fake.store
    files = {f"nb/{i}.ipynb": ("100644", st.put("blob", (p / "old.ipynb").read_bytes())) for i, p in enumerate(chosen)}
    base = st.put_commit(st.build_tree(files), [], "base", when=1_700_000_000)
    refs = {"refs/heads/main": base}
    for i, p in enumerate(chosen):
        changed = dict(files)
        changed[f"nb/{i}.ipynb"] = ("100644", st.put("blob", (p / "new.ipynb").read_bytes()))
        refs[f"refs/heads/pr{i + 1}"] = st.put_commit(st.build_tree(changed), [base], f"change {p.name}")
    fake.add_repo(REPO, refs)
    for i in range(len(chosen)):
        fake.open_pull(REPO, "main", f"pr{i + 1}")
    fake.app_installations[7] = "ghs_bench"
    return fake


def run_fake(n_pulls: int, port_out: Any) -> None:
    """Child process: serve the fake GitHub until killed."""
    import logging

    from werkzeug.serving import make_server

    from fakegithub import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    fake = corpus_fake(n_pulls)
    server = make_server("127.0.0.1", 0, create_app(fake), threaded=True)
    port_out.send((server.server_port, len(fake.pulls)))
    server.serve_forever()


def count_comments(api: str, n: int) -> int:
    done = 0
    for number in range(1, n + 1):
        with urllib.request.urlopen(f"{api}/repos/{REPO}/issues/{number}/comments") as r:
            done += bool(json.loads(r.read()))
    return done


class Bot:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "nbreview", "bot", *args], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.url = ""
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                if "listening on http://" in line:
                    self.url = line.split("listening on ")[1].split("/webhook")[0]
                    ready.set()
                elif "worker with" in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60):
            raise SystemExit(f"nbreview bot {' '.join(args)} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)


def payload(number: int, k: int) -> bytes:
    """A ``synchronize`` delivery padded to GitHub's usual ~25 KB (the PR body, links, users, repos)."""
    body = {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "head": {"sha": f"{number:020x}{k:020x}", "ref": f"pr{number}", "label": f"octo:pr{number}"},
            "body": "A change to the notebooks. " * 300,
            "user": {"login": "contributor", "id": 5, "type": "User"},
            "labels": [{"name": f"label-{i}", "color": "ededed", "description": "x" * 200} for i in range(20)],
        },
        "repository": {"full_name": REPO, "description": "d" * 2000},
        "installation": {"id": 7},
        "sender": {"login": "contributor", "id": 5},
    }
    return json.dumps(body).encode()


def signed(did: str, number: int, k: int) -> tuple[str, bytes, str]:
    import hashlib
    import hmac

    raw = payload(number, k)
    return did, raw, "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def client(url: str, jobs: list[tuple[str, bytes, str]], rate: float | None, out: Any) -> None:
    """Client process: post its share of (pre-signed) deliveries; send back (latency, status) pairs.

    ``rate`` None: 4 threads send back to back (closed loop, the most the server takes). A rate:
    request i is due at ``i / rate`` s (open loop, as webhooks arrive); its latency counts from then.
    """
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    n_threads = 4 if rate is None else 12
    start = time.perf_counter()

    def work(offset: int) -> None:
        for i in range(offset, len(jobs), n_threads):
            did, raw, sig = jobs[i]
            h = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": did, "X-Hub-Signature-256": sig,
                 "Content-Type": "application/json"}
            t0 = time.perf_counter()
            if rate is not None:
                t0 = start + i / rate
                time.sleep(max(0.0, t0 - time.perf_counter()))
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("POST", "/webhook", body=raw, headers=h)
            status = conn.getresponse().status
            conn.close()
            with lock:
                results.append((time.perf_counter() - t0, status))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send((results, time.process_time()))


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its children (gunicorn's web processes under ``bot serve``'s master)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def blast(
    url: str, jobs: list[tuple[str, bytes, str]], rate: float | None
) -> tuple[float, list[tuple[float, int]], float]:
    """Send ``jobs`` from 4 client processes; (elapsed seconds, results, the clients' CPU seconds)."""
    ctx = mp.get_context("fork")
    pipes, procs = [], []
    start = time.perf_counter()
    for c in range(4):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=client, args=(url, jobs[c::4], None if rate is None else rate / 4, send))
        p.start()
        pipes.append(recv)
        procs.append(p)
    results: list[tuple[float, int]] = []
    client_cpu = 0.0
    for recv in pipes:
        got, cpu = recv.recv()
        results += got
        client_cpu += cpu
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
    bad = [s for _l, s in results if s not in (200, 202)]
    if bad:
        raise SystemExit(f"unexpected answers: {sorted(set(bad))}")
    return elapsed, results, client_cpu


def percentiles(results: list[tuple[float, int]]) -> dict[str, float]:
    lat = sorted(r[0] for r in results)
    return {"p50_ms": 1000 * statistics.median(lat), "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))],
            "max_ms": 1000 * lat[-1]}


def intake(queue_url: str, n: int, rate: float, env: dict[str, str], n_pulls: int) -> dict[str, dict[str, float]]:
    """Closed loop (the most one node's web server takes), then open loop at ``rate``/s; a worker busy throughout."""
    web = Bot(["serve", "--no-worker", "--port", "0", "--queue", queue_url], env)
    worker = Bot(["worker", "--workers", "2", "--queue", queue_url], env)
    out: dict[str, dict[str, float]] = {}
    try:
        for phase in ("closed", "open"):
            # each phase starts by asking for every pull request to be rendered: the worker stays busy
            warm = [(f"{phase}-warm-{i}", i, 0) for i in range(1, n_pulls + 1)]
            plan = warm + [(f"{phase}-{i}", 1 + i % n_pulls, i) for i in range(n)]
            plan += [(f"{phase}-{i}", 1 + i % n_pulls, i) for i in range(0, n, 5)]  # redeliveries
            jobs = [signed(*item) for item in plan]  # signed before the clock starts: the clients only send
            cpu0 = cpu_seconds(web.proc.pid)
            elapsed, results, client_cpu = blast(web.url, jobs, None if phase == "closed" else rate)
            cpu = cpu_seconds(web.proc.pid) - cpu0
            out[phase] = {"deliveries": len(results), "per_s": len(results) / elapsed,
                          "cpu_ms": 1000 * cpu / len(results), "client_ms": 1000 * client_cpu / len(results),
                          **percentiles(results)}
        return out
    finally:
        web.stop()
        worker.stop()


def drain(url: str, env: dict[str, str]) -> None:
    """Let a worker finish whatever is queued."""
    from nbreview.bot.queue import JobQueue

    w = Bot(["worker", "--workers", "2", "--queue", url], env)
    q = JobQueue(url)
    while not q.idle():
        time.sleep(0.2)
    w.stop()


def rendering(queue_url: str, api: str, env: dict[str, str], n_pulls: int) -> dict[str, float]:
    """One worker thread rendering every pull request once (pictures already uploaded by the intake's
    runs: each run reads both sides, diffs, renders and confirms the comment)."""
    import urllib.request

    from nbreview.bot.queue import JobQueue

    web = Bot(["serve", "--no-worker", "--port", "0", "--queue", queue_url], env)
    worker = Bot(["worker", "--workers", "1", "--queue", queue_url], env)
    try:
        q = JobQueue(queue_url)
        start = time.perf_counter()
        for number in range(1, n_pulls + 1):
            did, raw, sig = signed(f"render-{number}", number, 10**6)
            req = urllib.request.Request(f"{web.url}/webhook", data=raw, method="POST", headers={
                "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": did,
                "X-Hub-Signature-256": sig, "Content-Type": "application/json"})
            urllib.request.urlopen(req).close()
        time.sleep(0.2)
        while not q.idle():
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        return {"pulls": n_pulls, "seconds": elapsed, "per_min": 60 * n_pulls / elapsed}
    finally:
        worker.stop()
        web.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deliveries", type=int, default=3000)
    ap.add_argument("--rate", type=float, default=500.0, help="open-loop arrival rate (deliveries/s)")
    ap.add_argument("--pulls", type=int, default=30)
    ap.add_argument("--backend", choices=["redis", "sqlite", "both"], default="both")
    args = ap.parse_args()
    if not (SHARED / "github-api" / "openapi-subset.json").exists() or not CORPUS.is_dir():
        print("bot_load: needs ../shared/github-api and ../shared/corpus (or NBREVIEW_SHARED)", file=sys.stderr)
        return 2
    from support.bot import private_key_pem

    tmp = Path(tempfile.mkdtemp(prefix="nbreview-bench-bot-"))
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    fake_proc = ctx.Process(target=run_fake, args=(args.pulls, send), daemon=True)
    fake_proc.start()
    port, n_pulls = recv.recv()
    api = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBREVIEW_", "GITHUB_"))}
    env.update(NBREVIEW_WEBHOOK_SECRET=SECRET, GITHUB_APP_ID="1", GITHUB_APP_PRIVATE_KEY=private_key_pem(),
               GITHUB_API_URL=api, PYTHONUNBUFFERED="1",
               # the load generator's 48 senders share one address (GitHub's come from many): as
               # behind a proxy, the per-address cap on bodies in flight is raised for it
               NBREVIEW_PEER_BODIES="32")
    backends: list[tuple[str, str]] = []
    redis = None
    if args.backend in ("redis", "both"):
        redis = start_redis(tmp)
        if redis is None:
            print("bot_load: redis-server is not installed (make test installs it): Redis left out",
                  file=sys.stderr)
        else:
            backends.append(("redis", redis[1]))
    if args.backend in ("sqlite", "both"):
        backends.append(("sqlite", f"sqlite://{tmp / 'queue.db'}"))
    print(f"nbreview bot load: {n_pulls} pull requests on corpus notebooks, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; deliveries ~25 KB, 20% redelivered, a worker rendering meanwhile")
    try:
        for name, url in backends:
            res = intake(url, args.deliveries, args.rate, env, n_pulls)
            for phase, r in res.items():
                how = "16 clients back to back" if phase == "closed" else f"arriving at {args.rate:.0f}/s"
                print(f"  intake  {name:6}  {r['deliveries']:5d} deliveries, {how:24}: {r['per_s']:5.0f}/s  "
                      f"p50 {r['p50_ms']:5.1f} ms  p99 {r['p99_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms  "
                      f"CPU/delivery: web {r['cpu_ms']:.2f} ms, load generator {r['client_ms']:.2f} ms")
            drain(url, env)  # the intake's jobs finish first
            rr = rendering(url, api, env, n_pulls)
            print(f"  render  {name:6}  {rr['pulls']} PRs by 1 worker thread in {rr['seconds']:.1f} s: "
                  f"{rr['per_min']:.0f} PRs/min per worker")
        print(f"  comments on the fake GitHub: {count_comments(api, n_pulls)}/{n_pulls}")
    finally:
        if redis is not None:
            redis[0].terminate()
        fake_proc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
