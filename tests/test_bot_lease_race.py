"""Leases that cannot go back in time: two `nbreview bot worker` processes on one store (a real
redis-server, and a SQLite file), a first job that stalls past its lease, a newer push taken over by
the other worker. The stalled worker wakes up holding an older head; it must write nothing, and the
comment must end, and stay, at the newest head."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

import pytest

from fakegithub import SHARED_API, serve
from nbreview.bot.queue import JobQueue
from support.bot import (
    BotProcess,
    bot_env,
    fake_with_pulls,
    headers,
    iso,
    private_key_pem,
    wait_until,
)

pytestmark = pytest.mark.skipif(
    not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present"
)

REPO = "octo/notebooks"
HEAD_SHOWN = re.compile(r"<!-- nbreview:head ([0-9a-f]{40}) -->\s*\Z")


def deliver(url: str, head: str, delivery: str) -> int:
    body = {"action": "synchronize", "number": 1,
            "pull_request": {"number": 1, "updated_at": iso(time.time()), "head": {"sha": head}},
            "repository": {"full_name": REPO}, "installation": {"id": 7}}
    raw = json.dumps(body).encode()
    req = urllib.request.Request(f"{url}/webhook", data=raw, headers=headers(raw, delivery), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(r.status)


@pytest.mark.parametrize("backend", ["redis", "sqlite"])
def test_a_stalled_worker_never_writes_an_older_head_after_a_newer_one(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    queue_url = request.getfixturevalue("redis_url") if backend == "redis" else f"sqlite://{tmp_path / 'queue.db'}"
    fake, (pull,) = fake_with_pulls(1, 2)
    old, new = pull.heads
    fake.refs[REPO]["refs/heads/pr1"] = old  # the pull request starts at its first push
    fake.delays.append((r"/pulls/1/files$", 2.0))  # a slow GitHub: each job takes a while
    with serve(fake, validate=False) as api:
        env = bot_env(api, queue_url, private_key_pem(), NBREVIEW_LEASE_SECONDS="1.5")
        web = BotProcess(["serve", "--no-worker", "--port", "0", "--web-processes", "1"], env).wait_ready()
        first = BotProcess(["worker", "--workers", "1"], env).wait_ready()
        second = None
        queue = JobQueue(queue_url)
        try:
            assert deliver(web.url, old, "push-1") == 202
            wait_until(lambda: ("GET", f"/repos/{REPO}/pulls/1", 200) in fake.log, 30, "the first job to read the PR")
            time.sleep(0.5)  # it has read the old head and is waiting on the (slow) list of files
            first.pause()  # stalled (a long GC pause, a frozen VM): its heartbeat stops, its lease expires
            fake.refs[REPO]["refs/heads/pr1"] = new  # the contributor pushes again
            second = BotProcess(["worker", "--workers", "1"], env).wait_ready()
            assert deliver(web.url, new, "push-2") == 202
            wait_until(lambda: any(HEAD_SHOWN.search(b) and new in b for _i, b in fake.comment_writes), 40,
                       "the second worker to write the newest head")
            first.resume()  # wakes up with the old head rendered, and its lease gone
            wait_until(lambda: bool(first.events("job")), 30, "the stalled job to finish")
            wait_until(queue.idle, 30, "the queue to drain")
            time.sleep(1.0)  # anything still in flight lands now
        finally:
            first.resume()
            for p in (web, first, second):
                if p is not None:
                    p.stop()
    shown = [HEAD_SHOWN.search(body) for _cid, body in fake.comment_writes]
    order = [pull.heads.index(m.group(1)) for m in shown if m]
    assert len(order) == len(fake.comment_writes) >= 1
    assert order == sorted(order), f"a write went back in time: heads {order}"  # never newer -> older
    (comment,) = fake.comments_on(REPO, 1)
    assert comment.body.endswith(f"<!-- nbreview:head {new} -->") and f"at {new[:7]}" in comment.body
    (stalled,) = first.events("job")
    assert stalled["outcome"] == "lease-lost" and stalled["head"] == old  # it stopped before writing
    assert not [j for j in first.events("job") if j["outcome"] in ("created", "edited")]
    assert any(j["outcome"] == "created" for j in second.events("job"))  # type: ignore[union-attr]


def test_a_comment_showing_a_newer_head_is_left_as_it_is() -> None:
    """The second guard, for a write that started just before its lease ran out: the comment (read again
    right before writing) shows another head, and ours is no longer the pull request's: nothing is written."""
    from github import Auth

    from fakegithub import Token
    from nbreview.hosts.github.client import connect
    from nbreview.hosts.github.pr import Settings, shown_head, update_pull_request

    fake, (pull,) = fake_with_pulls(1, 2)
    old, new = pull.heads
    fake.refs[REPO]["refs/heads/pr1"] = old
    fake.tokens["ghs_bot"] = Token("nbreview-app[bot]", write=True, user_id=77)
    lines: list[str] = []
    with serve(fake, validate=False) as api:
        gh = connect(api, Auth.Token("ghs_bot"))
        first = update_pull_request(gh, REPO, 1, Settings(api, bot_login="nbreview-app[bot]", log=lines.append))
        assert first.action == "created" and shown_head(fake.comments_on(REPO, 1)[0].body) == old

        def meanwhile(head: str) -> None:  # while this job rendered `old`, a newer push's job wrote `new`
            if fake.refs[REPO]["refs/heads/pr1"] == old:
                fake.refs[REPO]["refs/heads/pr1"] = new
                update_pull_request(gh, REPO, 1, Settings(api, bot_login="nbreview-app[bot]", log=lines.append))

        stale = update_pull_request(gh, REPO, 1, Settings(api, bot_login="nbreview-app[bot]", log=lines.append,
                                                          before_write=meanwhile))
        again = update_pull_request(gh, REPO, 1, Settings(api, bot_login="nbreview-app[bot]", log=lines.append))
    assert stale.action == "superseded" and stale.head_sha == old
    assert again.action == "unchanged" and again.head_sha == new
    (comment,) = fake.comments_on(REPO, 1)
    assert shown_head(comment.body) == new and f"at {new[:7]}" in comment.body
    assert [shown_head(body) for _cid, body in fake.comment_writes] == [old, new]
    assert f"nbreview: the comment shows {new[:7]}, newer than {old[:7]}: left as it is" in lines


@pytest.mark.parametrize("backend", ["redis", "sqlite"])
def test_lease_operations_are_compare_and_set(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """A lease taken over after expiring is never renewed, released or overwritten by its old holder."""
    from nbreview.bot.queue import JobSpec, LeaseLost

    url = request.getfixturevalue("redis_url") if backend == "redis" else f"sqlite://{tmp_path / 'queue.db'}"
    a, b = JobQueue(url, lease_seconds=0.3), JobQueue(url, lease_seconds=30)
    key = f"{REPO}#1"
    first = a.acquire(key, {"repo": REPO})
    assert first is not None and b.acquire(key, {}) is None  # held
    assert a.renew(first)
    time.sleep(0.4)  # a stalls past its lease
    second = b.acquire(key, {"repo": REPO})
    assert second is not None and second.owner != first.owner
    assert not a.renew(first) and first.lost  # the old holder finds it taken ...
    with pytest.raises(LeaseLost):
        first.check(a, margin=0.0)  # ... and its job may not write
    a.release(first)  # nor delete the new holder's lease
    (running,) = b.listing()["running"]
    assert running["owner"] == second.owner
    assert b.renew(second) and not second.lost
    # the waiting marker: a postpone computed on an old marker does not overwrite a newer one
    assert a.request(JobSpec(REPO, 2, 7, "d-old", "1" * 40))
    stale = a.queued.peek_data(f"{REPO}#2")
    taken = b.take(f"{REPO}#2")
    assert taken is not None and b.request(JobSpec(REPO, 2, 7, "d-new", "2" * 40))
    a._swap(a.queued, f"{REPO}#2", bytes(stale), b"{}")  # what postpone does with what it read first
    assert json.loads(bytes(b.queued.peek_data(f"{REPO}#2")))["delivery"] == "d-new"
    b.release(second)
    assert b.listing()["running"] == []
