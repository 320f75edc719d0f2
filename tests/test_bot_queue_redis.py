"""The bot on Redis as an organisation would run it: two web processes and two worker processes
(`nbreview bot serve --no-worker`, `nbreview bot worker`) against one real redis-server, the work
done against the fake GitHub over HTTP. Deliveries arrive in parallel, duplicated across web nodes;
a worker is killed with SIGKILL in the middle of a job."""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fakegithub import SHARED_API, serve
from nbreview.bot.queue import JobQueue
from support.bot import BotProcess, bot_env, fake_with_pulls, headers, iso, private_key_pem, wait_until

pytestmark = pytest.mark.skipif(
    not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present"
)

REPO = "octo/notebooks"


def deliver(url: str, number: int, head: str, delivery: str, updated: float) -> tuple[int, str]:
    body = {
        "action": "synchronize",
        "number": number,
        "pull_request": {"number": number, "updated_at": iso(updated), "head": {"sha": head}},
        "repository": {"full_name": REPO},
        "installation": {"id": 7},
    }
    raw = json.dumps(body).encode()
    req = urllib.request.Request(f"{url}/webhook", data=raw, headers=headers(raw, delivery), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())["message"]
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def pull_reads(fake: object, number: int) -> int:
    """Runs of the job for one pull request, as GitHub saw them: each run lists the pull request's files once."""
    return sum(1 for m, p, _s in fake.log if m == "GET" and p == f"/repos/{REPO}/pulls/{number}/files")  # type: ignore[attr-defined]


def test_two_webs_two_workers_500_deliveries_for_50_pull_requests(redis_url: str, tmp_path: Path) -> None:
    fake, pulls = fake_with_pulls(50, 10)
    fake.delays.append((r"/pulls/\d+/files$", 0.1))  # a job takes a moment, as on the real GitHub
    pem = private_key_pem()
    with serve(fake, validate=False) as api:
        env = bot_env(api, redis_url, pem)
        webs = [BotProcess(["serve", "--no-worker", "--port", "0"], env) for _ in range(2)]
        workers = [BotProcess(["worker", "--workers", "2"], env) for _ in range(2)]
        procs = webs + workers
        try:
            for p in procs:
                p.wait_ready()
            # each pull request's burst of 10 pushes, in order, bursts overlapping; 1 in 5 deliveries is
            # redelivered to the other web process at the same time
            rng = random.Random(14)
            sends: list[tuple[int, str, int, str, float]] = []
            t0 = time.time() - 60
            for h in pulls:
                for k, head in enumerate(h.heads):
                    did = f"d-{h.number}-{k}"
                    web = rng.randrange(2)
                    sends.append((web, did, h.number, head, t0 + k))
                    if rng.random() < 0.2:
                        sends.append((1 - web, did, h.number, head, t0 + k))
            answers: dict[str, list[tuple[int, str]]] = {}
            lock = threading.Lock()

            def send(item: tuple[int, str, int, str, float]) -> None:
                web, did, number, head, updated = item
                got = deliver(webs[web].url, number, head, did, updated)
                with lock:
                    answers.setdefault(did, []).append(got)

            started = time.monotonic()
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(send, sends))
            sent_in = time.monotonic() - started
            queue = JobQueue(redis_url)
            wait_until(lambda: all(len(fake.comments_on(REPO, h.number)) == 1 for h in pulls) and queue.idle(),
                       60, "every pull request's comment", every=0.2)
        finally:
            for p in procs:
                p.stop()
    assert len(sends) > 500
    # every delivery accepted exactly once, whichever web node it reached; the copies were duplicates
    assert len(answers) == 500
    for did, got in answers.items():
        accepted = [g for g in got if g[0] == 202]
        assert len(accepted) == 1, (did, got)
        assert all(g == (200, "duplicate delivery: already handled") for g in got if g[0] != 202), (did, got)
    # one comment per pull request, showing its newest head
    for h in pulls:
        (c,) = fake.comments_on(REPO, h.number)
        assert f"at {h.heads[-1][:7]}" in c.body, (h.number, c.body[-300:])
        assert c.login == "nbreview-app[bot]"
    # coalescing: at most 2 runs per burst of 10, and no job's work was done twice
    runs = {h.number: pull_reads(fake, h.number) for h in pulls}
    assert max(runs.values()) <= 2 and min(runs.values()) >= 1, runs
    jobs = [j for w in workers for j in w.events("job")]
    assert Counter(j["outcome"] for j in jobs) <= Counter(created=50, unchanged=50, edited=50), jobs
    assert len(jobs) == sum(runs.values())
    assert all(w.events("job") for w in workers)  # both workers took part
    deliveries = [d for w in webs for d in w.events("delivery")]
    assert Counter(d["outcome"] for d in deliveries)["duplicate"] == len(sends) - 500
    assert sum(1 for d in deliveries if d["outcome"] in ("queued", "coalesced")) == 500
    assert all(w.events("delivery") for w in webs)
    assert sent_in < 30
    listing = JobQueue(redis_url).listing()
    assert listing == {"queued": [], "running": [], "dead": []}


def test_a_worker_killed_mid_job_leaves_it_to_the_other(redis_url: str, tmp_path: Path) -> None:
    fake, pulls = fake_with_pulls(1, 3)
    fake.delays.append((r"/pulls/1/files$", 2.0))  # a slow GitHub: the job is surely in flight when killed
    with serve(fake, validate=False) as api:
        env = bot_env(api, redis_url, private_key_pem(), NBREVIEW_LEASE_SECONDS="2")
        web = BotProcess(["serve", "--no-worker", "--port", "0"], env)
        workers = [BotProcess(["worker", "--workers", "1"], env) for _ in range(2)]
        try:
            for p in (web, *workers):
                p.wait_ready()
            h = pulls[0]
            assert deliver(web.url, 1, h.heads[0], "before-kill", time.time())[0] == 202
            queue = JobQueue(redis_url)
            wait_until(lambda: bool(queue.listing()["running"]), 20, "a worker to start the job")
            owner = queue.listing()["running"][0]["owner"]  # HOST:PID:TOKEN
            (victim,) = [w for w in workers if f":{w.proc.pid}:" in owner]
            (survivor,) = [w for w in workers if w is not victim]
            victim.kill()  # SIGKILL: no cleanup, no goodbye; its lease simply stops being renewed
            assert fake.comments_on(REPO, 1) == []
            wait_until(lambda: len(fake.comments_on(REPO, 1)) == 1 and queue.idle(), 40, "the other worker")
        finally:
            for p in (web, *workers):
                p.stop()
    (c,) = fake.comments_on(REPO, 1)
    assert f"at {pulls[0].heads[-1][:7]}" in c.body  # the newest head, although the delivery named the first
    assert victim.events("job") == []  # it never finished
    (job,) = survivor.events("job")
    assert job["delivery"] == "before-kill" and job["outcome"] == "created"
    assert survivor.events("requeued")  # its reaper saw the lease expire
    assert JobQueue(redis_url).listing() == {"queued": [], "running": [], "dead": []}
