"""`nbreview bot serve`: signed webhook deliveries checked (size, signature, shape, freshness,
duplicates) and queued in the durable queue (SQLite here), the work done by a worker as the
GitHub App's installation."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakegithub import SHARED_API, FakeGitHub, serve
from nbreview.bot.queue import JobQueue, JobSpec
from nbreview.bot.webhook import AppConfig, create_app
from nbreview.bot.worker import WorkerPool
from nbreview.hosts.github.pr import Outcome
from nbreview.hosts.github.webhook import signature, verify_signature
from support.bot import INSTALLATION, REPO, SECRET, headers, iso, payload, running, wait_until
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD


def test_githubs_documented_test_vector() -> None:
    # docs.github.com, "Validating webhook deliveries" → "Testing the webhook payload validation"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature(SECRET.encode(), b"Hello, World!") == expected
    assert verify_signature(SECRET.encode(), b"Hello, World!", expected)
    assert not verify_signature(SECRET.encode(), b"Hello, World?", expected)
    assert not verify_signature(SECRET.encode(), b"Hello, World!", expected.replace("sha256=", "sha1="))
    assert not verify_signature(SECRET.encode(), b"Hello, World!", None)
    assert not verify_signature(b"", b"Hello, World!", signature(b"", b"Hello, World!"))


def test_the_delivery_log_is_shared_by_everyone_on_the_store(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'q.db'}"
    web1, web2 = JobQueue(url), JobQueue(url)  # two processes' views of one store
    assert web1.record_delivery("a") and not web2.record_delivery("a") and not web1.record_delivery("a")
    web2.forget_delivery("a")
    assert web1.record_delivery("a")
    assert web1.prune_deliveries(older_than=3600) == 0
    assert web1.prune_deliveries(older_than=-1) == 1 and web2.record_delivery("a")


def post(client: Any, body: dict[str, Any] | bytes, delivery: str = "d-1", event: str = "pull_request",
         secret: str | None = SECRET) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/webhook", data=raw, headers=headers(raw, delivery, event, secret))


class Offline:
    """The app on a SQLite queue, with a worker whose job records what it was asked (no GitHub)."""

    def __init__(self, tmp: Path, work_seconds: float = 0.0, fail: list[Exception] | None = None) -> None:
        self.config = AppConfig(SECRET, "1", "key", queue_url=f"sqlite://{tmp / 'queue.db'}", lease_seconds=2,
                                retry_base=0.2)
        self.app = create_app(self.config)
        self.state = self.app.extensions["nbreview_bot"]
        self.queue: JobQueue = self.state.queue
        self.client = self.app.test_client()
        self.done: list[JobSpec] = []
        self.work_seconds = work_seconds
        self.fail = fail or []
        self.pool = WorkerPool(self.queue, self.config, self.state.metrics, threads=2, work=self.work)

    def work(self, spec: JobSpec, before_write: Any) -> Outcome:
        import threading

        assert threading.current_thread().name.startswith("Worker")  # Huey's worker, not the request
        time.sleep(self.work_seconds)
        if self.fail:
            raise self.fail.pop(0)
        before_write(spec.head)
        self.done.append(spec)
        return Outcome("created", "", head_sha=spec.head)

    def wait(self, timeout: float = 20) -> None:
        wait_until(self.queue.idle, timeout, "the queue to drain")


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[Offline]:
    o = Offline(tmp_path)
    with running(o.pool):
        yield o


def test_signed_delivery_is_queued_and_answered_at_once(offline: Offline) -> None:
    t0 = time.monotonic()
    r = post(offline.client, payload())
    assert r.status_code == 202 and r.get_json()["message"] == "queued"
    assert time.monotonic() - t0 < 1.0
    offline.wait()
    assert [(s.repo, s.number, s.installation) for s in offline.done] == [(REPO, 1, INSTALLATION)]


def test_unsigned_wrongly_signed_and_stale_deliveries_are_refused(offline: Offline) -> None:
    client = offline.client
    assert post(client, payload(), secret=None).status_code == 401
    assert post(client, payload(), secret="not the secret").status_code == 401
    raw = json.dumps(payload()).encode()  # a body changed after signing
    r = client.post("/webhook", data=raw + b" ", headers=headers(raw, "x"))
    assert r.status_code == 401
    r = post(client, payload(updated=time.time() - 7 * 3600), delivery="old")
    assert r.status_code == 400 and "stale" in r.get_json()["message"]
    r = post(client, payload(updated=time.time() + 3600), delivery="future")
    assert r.status_code == 400 and "future" in r.get_json()["message"]
    assert post(client, payload(updated=time.time() + 60), delivery="skew").status_code == 202  # within the skew
    assert post(client, payload(), delivery="").status_code == 400
    assert post(client, b"not json").status_code == 400
    offline.wait()
    assert [s.delivery for s in offline.done] == ["skew"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.update(pull_request=[1, 2]), "pull_request is not an object"),
        (lambda p: p["pull_request"].update(number="1"), "pull_request.number is not an integer"),
        (lambda p: p["pull_request"].update(number=True), "pull_request.number is not an integer"),
        (lambda p: p["pull_request"].update(number=-3), "pull_request.number is not a positive integer"),
        (lambda p: p["pull_request"].pop("head"), "pull_request.head is missing"),
        (lambda p: p["pull_request"]["head"].update(sha="HEAD; rm -rf /"), "pull_request.head.sha is not a commit id"),
        (lambda p: p["pull_request"].update(updated_at=12), "pull_request.updated_at is not a string"),
        (lambda p: p["pull_request"].update(updated_at="yesterday"), "pull_request.updated_at is not an ISO 8601"),
        (lambda p: p["repository"].update(full_name="../../etc"), "repository.full_name is not OWNER/NAME"),
        (lambda p: p.update(repository="octo/notebooks"), "repository is not an object"),
        (lambda p: p.pop("installation"), "installation is missing"),
        (lambda p: p["installation"].update(id=None), "installation.id is missing"),
        (lambda p: p.update(action=["synchronize"]), "action is not a string"),
    ],
)
def test_signed_payloads_of_the_wrong_shape_get_400_not_500(
    offline: Offline, mutate: Any, message: str
) -> None:
    body = payload()
    mutate(body)
    r = post(offline.client, body, delivery="bad")
    assert r.status_code == 400, r.get_data()
    assert message in r.get_json()["message"]
    offline.wait()
    assert offline.done == []


def test_deep_odd_and_surrogate_bodies_get_400(offline: Offline) -> None:
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert post(offline.client, deep, delivery="deep").status_code == 400
    assert post(offline.client, b"[" * 100_000 + b"]" * 100_000, delivery="deep2").status_code == 400
    assert post(offline.client, b"\xff\xfe{}", delivery="bytes").status_code == 400
    body = json.dumps(payload()).replace('"octo/notebooks"', '"octo/\\ud83d"').encode()
    r = post(offline.client, body, delivery="surrogate")
    assert r.status_code == 400 and "full_name" in r.get_json()["message"]
    assert post(offline.client, b"[]", delivery="list").status_code == 400
    offline.wait()
    assert offline.done == []


def test_form_encoded_deliveries_are_read_too(offline: Offline) -> None:
    from urllib.parse import urlencode

    raw = urlencode({"payload": json.dumps(payload(3))}).encode()
    h = headers(raw, "form") | {"Content-Type": "application/x-www-form-urlencoded"}
    assert offline.client.post("/webhook", data=raw, headers=h).status_code == 202
    offline.wait()
    assert [s.number for s in offline.done] == [3]


def test_duplicate_deliveries_are_done_once(offline: Offline) -> None:
    assert post(offline.client, payload(), delivery="same").status_code == 202
    offline.wait()
    r = post(offline.client, payload(), delivery="same")
    assert r.status_code == 200 and "duplicate" in r.get_json()["message"]
    assert post(offline.client, payload(), delivery="other").status_code == 202
    offline.wait()
    assert [s.delivery for s in offline.done] == ["same", "other"]


def review_payload(number: int = 1) -> dict[str, Any]:
    p = payload(number)
    p["action"] = "submitted"
    p["review"] = {"id": 1, "submitted_at": iso(time.time()), "state": "commented"}
    return p


def review_comment_payload(number: int = 1, updated: float | None = None) -> dict[str, Any]:
    p = payload(number)
    p["action"] = "created"
    p["comment"] = {"id": 2, "updated_at": iso(time.time() if updated is None else updated)}
    return p


def test_reviews_and_review_comments_refresh_the_same_comment(offline: Offline) -> None:
    assert post(offline.client, review_payload(4), "r1", event="pull_request_review").status_code == 202
    assert post(offline.client, review_comment_payload(5), "c1", event="pull_request_review_comment").status_code == 202
    offline.wait()
    assert sorted((s.number, s.event) for s in offline.done) == [
        (4, "pull_request_review"),
        (5, "pull_request_review_comment"),
    ]
    # their own timestamps are checked too
    r = post(offline.client, review_comment_payload(5, updated=time.time() + 7200), "c2",
             event="pull_request_review_comment")
    assert r.status_code == 400 and "future" in r.get_json()["message"]
    bad = review_payload(4)
    bad["review"] = "looks good"
    r = post(offline.client, bad, "r2", event="pull_request_review")
    assert r.status_code == 400 and "review is not an object" in r.get_json()["message"]


def test_other_events_and_actions_are_ignored(offline: Offline) -> None:
    assert post(offline.client, {"zen": "hi"}, event="ping").status_code == 200
    assert post(offline.client, payload(action="closed"), delivery="c").get_json()["message"].startswith("ignored")
    assert post(offline.client, {"ref": "x"}, event="push", delivery="p").status_code == 202
    for action in ("opened", "reopened"):
        assert post(offline.client, payload(number=len(action), action=action), delivery=action).status_code == 202
    offline.wait()
    assert sorted(s.delivery for s in offline.done) == ["opened", "reopened"]


def test_a_burst_for_one_pull_request_costs_at_most_two_runs(tmp_path: Path) -> None:
    o = Offline(tmp_path, work_seconds=1.5)  # longer than the burst takes to send, even on a busy machine
    with running(o.pool):
        answers = [post(o.client, payload(9, head=f"{i:040x}"), delivery=f"push-{i}").get_json()["message"]
                   for i in range(20)]
        o.wait()
    assert answers.count("queued") <= 2 and len(answers) == 20
    assert 1 <= len(o.done) <= 2
    # every delivery was followed by a run that started after it (the newest head is what gets read)
    text = o.state.metrics.exposition()[0].decode()
    assert "nbreview_deliveries_coalesced_total 18.0" in text or "nbreview_deliveries_coalesced_total 19.0" in text


def test_transient_failures_are_retried_and_permanent_ones_kept_as_dead(tmp_path: Path) -> None:
    from nbreview.bot.errors import BotError

    o = Offline(tmp_path, fail=[BotError("GitHub kept failing (502)", transient=True),
                                BotError("GitHub refused writing the comment (403)")])
    with running(o.pool):
        assert post(o.client, payload(1), delivery="flaky").status_code == 202
        o.wait()
        assert o.done == []  # retried once (502), then refused for good (403)
        listing = o.queue.listing()
        assert len(listing["dead"]) == 1
        dead = listing["dead"][0]
        assert dead["repo"] == REPO and dead["number"] == 1 and dead["attempts"] == 2
        assert "(403)" in dead["error"]
        o.fail.append(BotError("GitHub kept failing (503)", transient=True))
        assert post(o.client, payload(2), delivery="recovers").status_code == 202
        o.wait()
        assert [s.number for s in o.done] == [2]
    proc = subprocess.run(
        [sys.executable, "-m", "nbreview", "bot", "jobs", "--queue", o.config.queue_url],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "queued: 0" in proc.stdout and "running: 0" in proc.stdout and "dead: 1" in proc.stdout
    assert f"{REPO}#1" in proc.stdout and "after 2 attempts" in proc.stdout and "(403)" in proc.stdout
    text = o.state.metrics.exposition()[0].decode()
    assert 'nbreview_jobs_failed_total{outcome="retry"} 2.0' in text
    assert 'nbreview_jobs_failed_total{outcome="dead"} 1.0' in text
    assert "nbreview_jobs_done_total 1.0" in text and "nbreview_jobs_dead 1.0" in text


def test_an_expired_lease_is_taken_over_and_the_job_redone(tmp_path: Path) -> None:
    """A worker that died mid-job (its lease no longer renewed) loses the job to a live worker."""
    o = Offline(tmp_path)
    spec = JobSpec(REPO, 6, INSTALLATION, "lost", "a" * 40)
    dead_worker = JobQueue(o.config.queue_url, lease_seconds=0.5)
    assert dead_worker.request(spec)
    marker = dead_worker.take(spec.key)
    assert marker is not None and dead_worker.acquire(spec.key, marker) is not None  # ... and then it died
    dead_worker.huey.storage.flush_queue()  # its message is gone with it
    assert o.queue.listing()["running"][0]["key"] == f"{REPO}#6"
    with running(o.pool):
        wait_until(lambda: len(o.done) == 1, 20, "the job to be redone")
        o.wait()
    assert o.done[0].delivery == "lost"


def test_health_readiness_and_metrics(offline: Offline) -> None:
    assert offline.client.get("/healthz").status_code == 200
    assert offline.client.get("/readyz").get_json()["message"] == "ready"
    post(offline.client, payload(), delivery="m1")
    post(offline.client, payload(), delivery="m1")
    offline.wait()
    r = offline.client.get("/metrics")
    assert r.status_code == 200 and r.content_type.startswith("text/plain")
    text = r.get_data(as_text=True)
    for line in (
        'nbreview_deliveries_received_total{event="pull_request"} 2.0',
        "nbreview_deliveries_duplicate_total 1.0",
        "nbreview_jobs_enqueued_total 1.0",
        "nbreview_jobs_done_total 1.0",
        "nbreview_jobs_queued 0.0",
        "nbreview_jobs_running 0.0",
        "nbreview_job_seconds_count 1.0",
    ):
        assert line in text, line


def test_one_json_log_line_per_delivery_and_job(offline: Offline, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="nbreview.bot")
    post(offline.client, payload(5, head="b" * 40), delivery="logged")
    offline.wait()
    records = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith("{")]
    (delivery,) = [r for r in records if r["event"] == "delivery"]
    (job,) = [r for r in records if r["event"] == "job"]
    assert delivery["delivery"] == "logged" and delivery["repo"] == REPO and delivery["pr"] == 5
    assert delivery["head"] == "b" * 40 and delivery["outcome"] == "queued" and delivery["status"] == 202
    assert job["delivery"] == "logged" and job["pr"] == 5 and job["head"] == "b" * 40
    assert job["outcome"] == "created" and job["seconds"] >= 0
    assert SECRET not in caplog.text


@pytest.mark.skipif(not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present")
def test_app_installation_posts_the_comment(tmp_path: Path) -> None:
    from support.bot import private_key_pem

    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "a.ipynb").write_bytes(EXAMPLE_OLD.read_bytes())
    _git(repo, "add", "a.ipynb")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "change")
    (repo / "a.ipynb").write_bytes(EXAMPLE_NEW.read_bytes())
    _git(repo, "commit", "-q", "-am", "change")
    head = _git(repo, "rev-parse", "HEAD").strip()
    fake = FakeGitHub()
    fake.add_repo(REPO, fake.store.import_git(repo))
    number = fake.open_pull(REPO, "main", "change")
    fake.app_installations[INSTALLATION] = "ghs_installation_token"
    with serve(fake) as url:
        config = AppConfig(SECRET, "12345", private_key_pem(), api_url=url, queue_url=f"sqlite://{tmp_path / 'q.db'}")
        app = create_app(config)
        state = app.extensions["nbreview_bot"]
        client = app.test_client()
        with running(WorkerPool(state.queue, config, state.metrics)):
            assert post(client, payload(number, head=head), delivery="e2e").status_code == 202
            wait_until(state.queue.idle, 30, "the job")
            assert post(client, review_payload(number), "e2e-2", event="pull_request_review").status_code == 202
            wait_until(state.queue.idle, 30, "the job")
    (c,) = fake.comments_on(REPO, number)
    assert c.login == "nbreview-app[bot]"
    assert "| Notebook |" in c.body and "| Before | After |" in c.body and f"at {head[:7]}" in c.body
    assert any(p.endswith(f"/app/installations/{INSTALLATION}/access_tokens") for _m, p, _s in fake.log)
    assert sum(1 for m, p, _s in fake.log if m == "GET" and p.endswith(f"/pulls/{number}")) == 2
    assert not fake.schema_errors, fake.schema_errors[:5]


def _git(cwd: Path, *args: str) -> str:
    pre = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *pre, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_serve_needs_its_configuration(tmp_path: Path) -> None:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("NBREVIEW_", "GITHUB_APP"))}
    proc = subprocess.run(
        [sys.executable, "-m", "nbreview", "bot", "serve"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "nbreview: error: set NBREVIEW_WEBHOOK_SECRET to the GitHub App's webhook secret "
        "(or NBREVIEW_GITLAB_WEBHOOK_SECRET to the GitLab webhook's secret token)"
    )
    env["NBREVIEW_WEBHOOK_SECRET"] = SECRET
    for queue, expected in (
        ("mysql://db/x", "nbreview: error: --queue mysql://db/x: use sqlite:///PATH or redis://HOST:PORT/DB"),
        (f"sqlite://{tmp_path}", "cannot open the SQLite queue"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "nbreview", "bot", "serve", "--no-worker", "--queue", queue],
            capture_output=True, text=True, env=env, timeout=60,
        )
        assert proc.returncode == 2 and expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


WEBHOOK_SCHEMAS = {
    "pull_request": ("opened", "synchronize", "reopened"),
    "pull_request_review": ("submitted", "edited", "dismissed"),
    "pull_request_review_comment": ("created", "edited", "deleted"),
}


@pytest.mark.skipif(not (SHARED_API / "webhook-pull_request.schema.json").exists(),
                    reason="../shared/github-api is not present")
@pytest.mark.parametrize(("event", "action"), [(e, a) for e, acts in WEBHOOK_SCHEMAS.items() for a in acts])
def test_fields_the_app_reads_are_in_githubs_payload_schema(event: str, action: str) -> None:
    """Contract: every field the app reads is documented (and required) in GitHub's webhook schema."""
    from nbreview.hosts.github.webhook import EVENTS

    assert action in EVENTS[event]
    schema = json.loads((SHARED_API / f"webhook-{event}.schema.json").read_text())

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def prop(node: dict[str, Any], name: str) -> tuple[dict[str, Any], bool]:
        node = resolve(node)
        for part in [node, *node.get("allOf", []), *node.get("anyOf", []), *node.get("oneOf", [])]:
            part = resolve(part)
            if name in part.get("properties", {}):
                return resolve(part["properties"][name]), name in part.get("required", [])
        raise AssertionError(f"{name} not in schema")

    defn = f"webhook-{event.replace('_', '-')}-{action.replace('_', '-')}"
    node_event = schema["$defs"][defn]
    assert prop(node_event, "action")[0]["enum"] == [action]
    paths = [
        ["pull_request", "number"],
        ["pull_request", "updated_at"],
        ["pull_request", "head", "sha"],
        ["repository", "full_name"],
        ["installation", "id"],
    ]
    if event == "pull_request_review":
        paths.append(["review", "submitted_at"])
    if event == "pull_request_review_comment":
        paths.append(["comment", "updated_at"])
    for path in paths:
        node = node_event
        for name in path:
            node, required = prop(node, name)
            assert required or name == "installation", (event, action, path)  # installation: only for apps


def test_the_deployment_files_run_commands_the_cli_accepts() -> None:
    """Dockerfile and deploy/compose.yaml: web, worker and Redis, with arguments `nbreview bot` parses."""
    import argparse
    import re

    yaml = pytest.importorskip("yaml")
    from nbreview.cli import bot_cmd

    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser()
    bot_cmd.add_arguments(parser)
    docker = (root / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["nbreview", "bot"]' in docker and 'pip install ".[bot,gitlab]"' in docker  # GitLab's hooks too
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", docker, re.M).group(1))  # type: ignore[union-attr]
    assert parser.parse_args(cmd).action == "serve"
    compose = yaml.safe_load((root / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "web", "worker"}
    web = parser.parse_args(services["web"]["command"])
    worker = parser.parse_args(services["worker"]["command"])
    assert web.action == "serve" and web.no_worker and web.queue == "redis://redis:6379/0"
    assert worker.action == "worker" and worker.queue == web.queue


def test_a_store_that_is_down_means_not_ready_and_503_not_a_lost_delivery() -> None:
    from support.bot import free_port

    config = AppConfig(SECRET, queue_url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    client = create_app(config).test_client()
    assert client.get("/healthz").status_code == 200
    r = client.get("/readyz")
    assert r.status_code == 503 and "unreachable" in r.get_json()["message"]
    r = post(client, payload(), delivery="while-down")
    assert r.status_code == 503 and "redeliver" in r.get_json()["message"]  # GitHub shows it as failed
    assert client.get("/metrics").status_code == 200


@pytest.mark.skipif(not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present")
def test_serve_runs_the_web_and_a_worker_process_on_sqlite(tmp_path: Path) -> None:
    """The one-machine default: `nbreview bot serve --queue sqlite:///...` (gunicorn and a worker process
    beside it, stopped together by SIGINT); a restart keeps the dedupe log."""
    import urllib.error
    import urllib.request

    from support.bot import BotProcess, bot_env, fake_with_pulls, private_key_pem

    fake, pulls = fake_with_pulls(1, 2)
    queue = f"sqlite://{tmp_path / 'queue.db'}"

    def deliver(url: str, delivery: str) -> tuple[int, str]:
        raw = json.dumps(payload(1, head=pulls[0].heads[0])).encode()
        req = urllib.request.Request(f"{url}/webhook", data=raw, headers=headers(raw, delivery), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())["message"]
        except urllib.error.HTTPError as err:
            return err.code, ""

    with serve(fake, validate=False) as api:
        env = bot_env(api, "sqlite:///not/used.db", private_key_pem())
        bot = BotProcess(["serve", "--port", "0", "--queue", queue], env).wait_ready()
        try:
            assert deliver(bot.url, "one") == (202, "queued")
            wait_until(lambda: len(fake.comments_on(REPO, 1)) == 1, 30, "the comment")
        finally:
            bot.stop()
        assert bot.proc.returncode == 0, bot.lines[-5:]  # SIGINT: a clean, graceful stop
        again = BotProcess(["serve", "--port", "0", "--queue", queue], env).wait_ready()
        try:
            assert deliver(again.url, "one") == (200, "duplicate delivery: already handled")
        finally:
            again.stop()
    (c,) = fake.comments_on(REPO, 1)
    assert f"at {pulls[0].heads[-1][:7]}" in c.body
    assert [j["outcome"] for j in bot.events("job")] == ["created"]


def test_without_the_bot_extra_the_bot_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['huey'] = None; from nbreview.cli.main import main; "
        f"sys.exit(main(['bot', 'jobs', '--queue', 'sqlite://{tmp_path / 'q.db'}']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "nbreview: error: the bot needs huey: pip install 'nbreview[bot]'\n"


def test_the_clients_rules_decide_what_the_queue_retries() -> None:
    """Transient: rate limits, 5xx after the client's own retries, an unreachable API; not: 401/403/404/422."""
    from github import GithubException, RateLimitExceededException
    from requests import exceptions as rq

    from nbreview.hosts.github.client import explain

    for exc in (
        GithubException(502, {"message": "Bad Gateway"}),
        GithubException(429, {"message": "slow down"}),
        RateLimitExceededException(403, {"message": "API rate limit exceeded"}),
        rq.ConnectionError("refused"),
        rq.RetryError("too many 503"),
    ):
        assert explain(exc, "reading", REPO).transient, exc
    for status in (401, 403, 404, 422):
        assert not explain(GithubException(status, {"message": "no"}), "reading", REPO).transient
