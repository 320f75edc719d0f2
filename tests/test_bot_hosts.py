"""Every host through the same webhook runtime: one host-neutral suite, run for GitHub and GitLab.

What the runtime promises whatever the host (nbreview.hosts.protocol): a delivery with the host's
valid credentials queues one job for its change, a redelivery is a duplicate, wrong credentials are a
401 and queue nothing, events the bot does not act on are a 2xx and queue nothing, and changes of
different hosts never share a job, a lease or a dedupe entry. Deliveries are shaped as each host
documents them (support.bot: GitHub's webhook schema; support.gitlab_hooks: GitLab's webhook pages).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fakegitlab import FakeGitLab
from nbreview.bot.queue import JobQueue, JobSpec
from nbreview.bot.webhook import AppConfig, create_app
from nbreview.bot.worker import WorkerPool
from support.bot import SECRET, headers, payload, running, wait_until
from support.gitlab_hooks import body, hook_headers, merge_request_hook

TOKEN = "gitlab-secret-token"
NUMBER = 5


@dataclass
class Host:
    """How one host's deliveries are made: (body, headers) for a refresh, an ignored event, wrong credentials."""

    name: str
    refresh: Callable[[str], tuple[bytes, dict[str, str]]]
    ignored: Callable[[str], tuple[bytes, dict[str, str]]]
    wrong: Callable[[str], tuple[bytes, dict[str, str]]]


def _github() -> Host:
    def signed(p: dict[str, Any], key: str, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps(p).encode()
        return raw, headers(raw, key, secret=secret)

    return Host("github", lambda k: signed(payload(NUMBER), k), lambda k: signed(payload(NUMBER, action="closed"), k),
                lambda k: signed(payload(NUMBER), k, secret="not the secret"))


def _gitlab() -> Host:
    fake = FakeGitLab()
    fake.open_mr(NUMBER, {"a.ipynb": b"{}"}, {"a.ipynb": b"[]"})

    def hook(p: dict[str, Any], key: str, token: str = TOKEN) -> tuple[bytes, dict[str, str]]:
        return body(p), hook_headers("Merge Request Hook", token, key)

    return Host("gitlab", lambda k: hook(merge_request_hook(fake, NUMBER, "open"), k),
                lambda k: hook(merge_request_hook(fake, NUMBER, "close", state="closed"), k),
                lambda k: hook(merge_request_hook(fake, NUMBER, "open"), k, token="not the token"))


HOSTS = {"github": _github, "gitlab": _gitlab}


class Runtime:
    """The app with both hosts configured, on a SQLite queue, and a worker recording the changes it refreshes."""

    def __init__(self, tmp: Path) -> None:
        config = AppConfig(SECRET, "1", "key", queue_url=f"sqlite://{tmp / 'queue.db'}", lease_seconds=2,
                           gitlab_webhook_secret=TOKEN)
        self.app = create_app(config)
        self.queue: JobQueue = self.app.extensions["nbreview_bot"].queue
        self.client = self.app.test_client()
        self.done: list[JobSpec] = []
        self.pool = WorkerPool(self.queue, config, threads=1, work=self.work)

    def work(self, spec: JobSpec, before_write: Any) -> Any:
        from nbreview.hosts.gitlab.mr import Outcome

        before_write(spec.head)
        self.done.append(spec)
        return Outcome("created", "", head_sha=spec.head)

    def send(self, made: tuple[bytes, dict[str, str]]) -> Any:
        raw, h = made
        return self.client.post("/webhook", data=raw, headers=h)

    def wait(self) -> None:
        wait_until(self.queue.idle, 20, "the queue to drain")


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    r = Runtime(tmp_path)
    with running(r.pool):
        yield r


@pytest.fixture(params=sorted(HOSTS))
def host(request: pytest.FixtureRequest) -> Host:
    return HOSTS[request.param]()


def test_a_delivery_queues_one_job_for_its_change(runtime: Runtime, host: Host) -> None:
    t0 = time.monotonic()
    r = runtime.send(host.refresh("first"))
    assert r.status_code == 202 and r.get_json()["message"] == "queued"
    assert time.monotonic() - t0 < 1.0
    runtime.wait()
    (spec,) = runtime.done
    assert spec.host == host.name and spec.change.number == NUMBER and spec.change.host == host.name


def test_a_redelivery_is_a_duplicate(runtime: Runtime, host: Host) -> None:
    assert runtime.send(host.refresh("same")).status_code == 202
    runtime.wait()
    r = runtime.send(host.refresh("same"))
    assert r.status_code == 200 and r.get_json()["message"] == "duplicate delivery: already handled"
    runtime.wait()
    assert len(runtime.done) == 1


def test_wrong_credentials_are_401_and_queue_nothing(runtime: Runtime, host: Host) -> None:
    assert runtime.send(host.wrong("key")).status_code == 401
    runtime.wait()
    assert runtime.done == []
    # the refused delivery left no trace: the genuine one with the same id is queued, not a duplicate
    assert runtime.send(host.refresh("key")).get_json()["message"] == "queued"


def test_events_the_bot_does_not_act_on_are_2xx_and_queue_nothing(runtime: Runtime, host: Host) -> None:
    r = runtime.send(host.ignored("ignored"))
    assert r.status_code == 202 and r.get_json()["message"].startswith("ignored")
    runtime.wait()
    assert runtime.done == []


def test_changes_of_different_hosts_never_share_a_job(tmp_path: Path) -> None:
    r = Runtime(tmp_path)  # no worker yet: both jobs wait side by side
    github, gitlab = _github(), _gitlab()
    assert r.send(github.refresh("one")).get_json()["message"] == "queued"
    assert r.send(gitlab.refresh("one")).get_json()["message"] == "queued"  # same number, same id: another host
    keys = sorted(j["key"] for j in r.queue.listing()["queued"])
    assert keys == [f"gitlab:7#{NUMBER}", f"octo/notebooks#{NUMBER}"]
    with running(r.pool):
        r.wait()
    assert sorted((s.host, s.number) for s in r.done) == [("github", NUMBER), ("gitlab", NUMBER)]
