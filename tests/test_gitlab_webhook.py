"""The webhook app on GitLab: ``Merge Request Hook`` and ``Note Hook`` deliveries (token-checked,
deduplicated by ``Idempotency-Key`` in the same durable queue as GitHub's) refresh the merge
request's one note through hosts/gitlab, against the fake GitLab of tests/fakegitlab.

Headers, events and payloads as GitLab documents them: gitlabhq/gitlabhq
``doc/user/project/integrations/webhooks.md`` (secret token, delivery headers, "your endpoint should
send its HTTP response as fast as possible", hooks disabled after repeated failures) and
``doc/user/project/integrations/webhook_events.md`` ("Merge request events", "Comment events").
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakegitlab import FakeGitLab, serve
from nbreview.bot.queue import JobQueue
from nbreview.bot.webhook import AppConfig, create_app
from nbreview.bot.worker import WorkerPool
from nbreview.hosts.gitlab.comment import MARKER
from support.bot import SECRET, running, wait_until
from support.gitlab_hooks import body, hook_headers, merge_request_hook, note_hook
from support.notebooks import code_cell, md_cell, notebook

TOKEN = "gl-webhook-secret-token"  # the webhook's "Secret token" in GitLab
BOT = "project_7_bot"  # the fake's user of the access token glpat-bot
IID = 5


def nb(text: str) -> bytes:
    return json.dumps(notebook([md_cell("# Analysis"), code_cell(f"print({text!r})", [], 1)], minor=5)).encode()


@pytest.fixture
def fake() -> FakeGitLab:
    fake = FakeGitLab()
    fake.open_mr(IID, {"analysis.ipynb": nb("before")}, {"analysis.ipynb": nb("after")})
    return fake


class World:
    """The webhook app (Flask's test client) and a worker on one SQLite queue, against the fake GitLab."""

    def __init__(self, tmp: Path, gitlab_url: str, github_secret: str = "") -> None:
        self.config = AppConfig(github_secret, queue_url=f"sqlite://{tmp / 'queue.db'}", lease_seconds=2,
                                retry_base=0.2, gitlab_webhook_secret=TOKEN, gitlab_url=gitlab_url,
                                gitlab_token="glpat-bot")
        self.app = create_app(self.config)
        self.state = self.app.extensions["nbreview_bot"]
        self.queue: JobQueue = self.state.queue
        self.client = self.app.test_client()
        self.pool = WorkerPool(self.queue, self.config, self.state.metrics, threads=2)

    def post(self, event: str, payload: dict[str, Any], token: str | None = TOKEN, key: str | None = None) -> Any:
        return self.client.post("/webhook", data=body(payload), headers=hook_headers(event, token, key))

    def wait(self) -> None:
        wait_until(self.queue.idle, 30, "the queue to drain")


@pytest.fixture
def gl(tmp_path: Path, fake: FakeGitLab) -> Iterator[World]:
    with serve(fake) as url:
        w = World(tmp_path, url)
        with running(w.pool):
            yield w


def ours(fake: FakeGitLab) -> list[Any]:
    return [n for n in fake.mrs[IID].notes if n.username == BOT and n.body.startswith(MARKER)]


def test_a_merge_request_hook_queues_one_job_and_the_note_appears(gl: World, fake: FakeGitLab) -> None:
    t0 = time.monotonic()
    r = gl.post("Merge Request Hook", merge_request_hook(fake, IID, "open"))
    assert r.status_code == 202 and r.get_json()["message"] == "queued"
    assert time.monotonic() - t0 < 1.0  # answered at once; the worker does the rest
    gl.wait()
    (note,) = ours(fake)
    assert "analysis.ipynb" in note.body and fake.mrs[IID].head_sha[:7] in note.body
    text = gl.state.metrics.exposition()[0].decode()
    assert 'nbreview_deliveries_received_total{event="Merge Request Hook"} 1.0' in text
    assert "nbreview_jobs_done_total 1.0" in text


def test_a_push_updates_the_same_note(gl: World, fake: FakeGitLab) -> None:
    first_head = fake.mrs[IID].head_sha
    assert gl.post("Merge Request Hook", merge_request_hook(fake, IID, "open")).status_code == 202
    gl.wait()
    head = fake.push(IID, {"analysis.ipynb": nb("after a push")})
    r = gl.post("Merge Request Hook", merge_request_hook(fake, IID, "update", oldrev=first_head))
    assert r.status_code == 202
    gl.wait()
    (note,) = ours(fake)
    assert head[:7] in note.body and "after a push" in note.body


def test_a_redelivery_with_the_same_idempotency_key_is_done_once(gl: World, fake: FakeGitLab) -> None:
    payload = merge_request_hook(fake, IID, "open")
    assert gl.post("Merge Request Hook", payload, key="0b7c5a0e-1111-4e2b-9c1e-5d7f0d1f2a3b").status_code == 202
    gl.wait()
    r = gl.post("Merge Request Hook", payload, key="0b7c5a0e-1111-4e2b-9c1e-5d7f0d1f2a3b")
    assert r.status_code == 200 and r.get_json()["message"] == "duplicate delivery: already handled"
    gl.wait()
    # before GitLab 17.4 there is no Idempotency-Key: X-Gitlab-Event-UUID names the delivery instead
    h = hook_headers("Merge Request Hook", TOKEN)
    del h["Idempotency-Key"]
    assert gl.client.post("/webhook", data=body(payload), headers=h).status_code == 202
    gl.wait()
    assert gl.client.post("/webhook", data=body(payload), headers=h).status_code == 200
    gl.wait()
    jobs = [r for r in gl.queue.listing()["dead"]]
    assert jobs == [] and len(ours(fake)) == 1
    text = gl.state.metrics.exposition()[0].decode()
    assert "nbreview_deliveries_duplicate_total 2.0" in text and "nbreview_jobs_enqueued_total 2.0" in text


def test_github_and_gitlab_deliveries_share_one_dedupe_log(tmp_path: Path, fake: FakeGitLab) -> None:
    """The same queue store, seen by two web processes; a GitHub id and a GitLab key never collide."""
    with serve(fake) as url:
        one, two = World(tmp_path, url, github_secret=SECRET), World(tmp_path, url, github_secret=SECRET)
        payload = merge_request_hook(fake, IID, "open")
        assert one.post("Merge Request Hook", payload, key="same").status_code == 202
        assert two.post("Merge Request Hook", payload, key="same").status_code == 200  # the other machine knows it
        assert one.queue.record_delivery("same")  # GitHub's X-GitHub-Delivery "same" is another delivery
        assert not one.queue.record_delivery("gitlab:same")
        assert [j["key"] for j in one.queue.listing()["queued"]] == [f"gitlab:{fake.project_id}#{IID}"]


class CountingStream(io.RawIOBase):
    """A request body that counts the bytes the app read from it (every read ends in ``readinto``)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()

    def readinto(self, buffer: Any) -> int:
        n = self._data.readinto(buffer)
        self.read_bytes += n
        return n


def test_a_wrong_or_missing_token_is_401_without_reading_the_body(gl: World, fake: FakeGitLab) -> None:
    raw = body(merge_request_hook(fake, IID, "open"))
    for token in ("not the token", "", None, TOKEN + "x", TOKEN[:-1]):
        stream = CountingStream(raw)
        r = gl.client.post("/webhook", input_stream=stream, content_length=len(raw),
                              headers=hook_headers("Merge Request Hook", token))
        assert r.status_code == 401 and r.get_json()["message"] == "missing or wrong X-Gitlab-Token"
        assert stream.read_bytes == 0, token
    gl.wait()
    assert ours(fake) == []
    stream = CountingStream(raw)  # the control: with the right token the body is read, all of it
    r = gl.client.post("/webhook", input_stream=stream, content_length=len(raw),
                          headers=hook_headers("Merge Request Hook", TOKEN))
    assert r.status_code == 202 and stream.read_bytes == len(raw)


def test_a_host_without_a_configured_secret_refuses_its_deliveries(tmp_path: Path, fake: FakeGitLab) -> None:
    config = AppConfig(SECRET, queue_url=f"sqlite://{tmp_path / 'q.db'}")  # GitHub only
    client = create_app(config).test_client()
    for token in (TOKEN, ""):  # an empty secret matches no token, the empty one included
        r = client.post("/webhook", data=body(merge_request_hook(fake, IID)),
                        headers=hook_headers("Merge Request Hook", token))
        assert r.status_code == 401


@pytest.mark.parametrize(
    ("event", "make"),
    [
        ("Merge Request Hook", lambda f: merge_request_hook(f, IID, "close", state="closed")),
        ("Merge Request Hook", lambda f: merge_request_hook(f, IID, "merge", state="merged")),
        ("Merge Request Hook", lambda f: merge_request_hook(f, IID, "update")),  # a title edit: no oldrev
        ("Merge Request Hook", lambda f: merge_request_hook(f, IID, "approved")),
        ("Merge Request Hook", lambda f: merge_request_hook(f, IID, "update", state="closed", oldrev="0" * 40)),
        ("Note Hook", lambda f: note_hook(f, IID, state="merged")),
        ("Note Hook", lambda f: note_hook(f, IID, noteable_type="Issue")),
        ("Note Hook", lambda f: note_hook(f, IID, MARKER + "\nour own note, just edited")),
        ("Push Hook", lambda f: {"object_kind": "push"}),
    ],
)
def test_closed_merged_and_unrelated_events_are_acknowledged_and_ignored(
    gl: World, fake: FakeGitLab, event: str, make: Any
) -> None:
    r = gl.post(event, make(fake))
    assert r.status_code == 202 and r.get_json()["message"].startswith("ignored"), r.get_json()
    gl.wait()
    assert gl.queue.listing()["queued"] == [] and ours(fake) == []


def test_a_note_hook_on_the_merge_request_refreshes_the_note(gl: World, fake: FakeGitLab) -> None:
    assert gl.post("Merge Request Hook", merge_request_hook(fake, IID, "open")).status_code == 202
    gl.wait()
    (first,) = ours(fake)
    # a push the bot missed (its hook was down): the next comment on the merge request catches up
    head = fake.push(IID, {"analysis.ipynb": nb("pushed while the hook was down")})
    r = gl.post("Note Hook", note_hook(fake, IID, "@ann please have a look"))
    assert r.status_code == 202 and r.get_json()["message"] == "queued"
    gl.wait()
    (note,) = ours(fake)
    assert note.id == first.id and head[:7] in note.body and "pushed while the hook was down" in note.body


def test_stale_deliveries_get_2xx_and_do_nothing_malformed_ones_400(gl: World, fake: FakeGitLab) -> None:
    r = gl.post("Merge Request Hook", merge_request_hook(fake, IID, "open", updated=time.time() - 7 * 3600))
    assert r.status_code == 200 and "stale" in r.get_json()["message"]  # GitLab counts non-2xx against the hook
    r = gl.post("Note Hook", note_hook(fake, IID, updated=time.time() + 3600))
    assert r.status_code == 200 and "future" in r.get_json()["message"]
    bad = merge_request_hook(fake, IID, "open")
    bad["object_attributes"]["last_commit"]["id"] = "HEAD; rm -rf /"
    r = gl.post("Merge Request Hook", bad)
    assert r.status_code == 400 and "object_attributes.last_commit.id is not a commit id" in r.get_json()["message"]
    bad = merge_request_hook(fake, IID, "open")
    bad["project"]["id"] = "7"
    r = gl.post("Merge Request Hook", bad)
    assert r.status_code == 400 and "project.id is not an integer" in r.get_json()["message"]
    bad = note_hook(fake, IID)
    bad["object_attributes"]["updated_at"] = "yesterday"
    r = gl.post("Note Hook", bad)
    assert r.status_code == 400 and "is not an ISO 8601 time" in r.get_json()["message"]
    gl.wait()
    assert ours(fake) == []


def test_a_failing_gitlab_is_retried_by_the_queue(gl: World, fake: FakeGitLab) -> None:
    fake.faults.extend([502] * 12)  # more than the client's own retries (5): the job fails transiently once
    assert gl.post("Merge Request Hook", merge_request_hook(fake, IID, "open")).status_code == 202
    gl.wait()
    assert len(ours(fake)) == 1 and gl.queue.listing()["dead"] == []
    text = gl.state.metrics.exposition()[0].decode()
    assert 'nbreview_jobs_failed_total{outcome="retry"} 2.0' in text  # 6 answers each: 1 + the client's 5


def test_bot_serve_takes_gitlab_deliveries_end_to_end(tmp_path: Path, fake: FakeGitLab) -> None:
    """`nbreview bot serve` (gunicorn and a worker process) configured for GitLab only."""
    from support.bot import BotProcess, bot_env

    with serve(fake) as url:
        env = bot_env("http://127.0.0.1:9", f"sqlite://{tmp_path / 'q.db'}", "")
        for name in ("NBREVIEW_WEBHOOK_SECRET", "GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY"):
            env.pop(name)
        env.update(NBREVIEW_GITLAB_WEBHOOK_SECRET=TOKEN, NBREVIEW_GITLAB_TOKEN="glpat-bot", NBREVIEW_GITLAB_URL=url)
        bot = BotProcess(["serve", "--port", "0", "--web-processes", "1"], env).wait_ready()
        try:
            raw = body(merge_request_hook(fake, IID, "open"))
            req = urllib.request.Request(f"{bot.url}/webhook", data=raw, method="POST",
                                         headers=hook_headers("Merge Request Hook", TOKEN, key="k1"))
            with urllib.request.urlopen(req, timeout=30) as resp:
                assert resp.status == 202
            wait_until(lambda: len(ours(fake)) == 1, 30, "the note")
            req = urllib.request.Request(f"{bot.url}/webhook", data=raw, method="POST",
                                         headers=hook_headers("Merge Request Hook", "wrong"))
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(req, timeout=30)
            assert refused.value.code == 401
        finally:
            bot.stop()
    assert bot.proc.returncode == 0, bot.lines[-5:]
    (delivery, *_) = bot.events("delivery")
    assert delivery["host"] == "gitlab" and delivery["delivery"] == "gitlab:k1" and delivery["pr"] == IID
    assert [j["outcome"] for j in bot.events("job")] == ["created"]
    assert TOKEN not in "\n".join(bot.lines) and "glpat-bot" not in "\n".join(bot.lines)
