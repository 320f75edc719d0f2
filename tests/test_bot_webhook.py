"""`nbreview bot serve`: signed webhook deliveries, stale and duplicate ones refused, the work done
off the request thread as the GitHub App's installation."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLE_NEW, EXAMPLE_OLD
from fakegithub import SHARED_API, FakeGitHub, serve
from nbreview.bot.webhook import AppConfig, DeliveryLog, create_app, signature, verify_signature

SECRET = "It's a Secret to Everybody"


def test_githubs_documented_test_vector() -> None:
    # docs.github.com, "Validating webhook deliveries" → "Testing the webhook payload validation"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature(SECRET.encode(), b"Hello, World!") == expected
    assert verify_signature(SECRET.encode(), b"Hello, World!", expected)
    assert not verify_signature(SECRET.encode(), b"Hello, World?", expected)
    assert not verify_signature(SECRET.encode(), b"Hello, World!", expected.replace("sha256=", "sha1="))
    assert not verify_signature(SECRET.encode(), b"Hello, World!", None)
    assert not verify_signature(b"", b"Hello, World!", signature(b"", b"Hello, World!"))


def test_delivery_log_is_bounded() -> None:
    log = DeliveryLog(size=3)
    assert log.first_time("a") and not log.first_time("a")
    for d in "bcd":
        assert log.first_time(d)
    assert log.first_time("a")  # forgotten once more than `size` others came after it


def payload(number: int = 1, updated: float | None = None, action: str = "synchronize") -> dict[str, Any]:
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if updated is None else updated))
    return {
        "action": action,
        "number": number,
        "pull_request": {"number": number, "updated_at": ts},
        "repository": {"full_name": "octo/notebooks"},
        "installation": {"id": 7},
    }


def post(
    client: Any,
    body: dict[str, Any] | bytes,
    delivery: str = "d-1",
    event: str = "pull_request",
    secret: str | None = SECRET,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = signature(secret.encode(), raw)
    return client.post("/webhook", data=raw, headers=headers)


@pytest.fixture
def offline_app(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app with the job replaced by a recorder: checks what reaches the work queue."""
    import threading

    import nbreview.bot.webhook as wh

    done: list[dict[str, Any]] = []

    def record(state: Any, p: dict[str, Any]) -> str:
        assert threading.current_thread().name.startswith("nbreview-bot")  # not the request's thread
        done.append(p)
        return "recorded"

    monkeypatch.setattr(wh, "handle_pull_request", record)
    app = create_app(AppConfig(SECRET, "1", "key"))
    return app, done


def test_signed_delivery_is_queued_and_answered_at_once(offline_app: Any) -> None:
    app, done = offline_app
    client = app.test_client()
    t0 = time.monotonic()
    r = post(client, payload())
    assert r.status_code == 202 and r.get_json()["message"] == "queued"
    assert time.monotonic() - t0 < 1.0
    app.extensions["nbreview_bot"].wait()
    assert [p["pull_request"]["number"] for p in done] == [1]


def test_unsigned_wrongly_signed_and_stale_deliveries_are_refused(offline_app: Any) -> None:
    app, done = offline_app
    client = app.test_client()
    assert post(client, payload(), secret=None).status_code == 401
    assert post(client, payload(), secret="not the secret").status_code == 401
    # a body changed after signing
    raw = json.dumps(payload()).encode()
    r = client.post(
        "/webhook",
        data=raw + b" ",
        headers={
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": "x",
            "X-Hub-Signature-256": signature(SECRET.encode(), raw),
        },
    )
    assert r.status_code == 401
    r = post(client, payload(updated=time.time() - 7 * 3600), delivery="old")
    assert r.status_code == 400 and "stale" in r.get_json()["message"]
    assert post(client, payload(), delivery="").status_code == 400
    assert post(client, b"not json").status_code == 400
    app.extensions["nbreview_bot"].wait()
    assert done == []


def test_form_encoded_deliveries_are_read_too(offline_app: Any) -> None:
    from urllib.parse import urlencode

    app, done = offline_app
    raw = urlencode({"payload": json.dumps(payload(3))}).encode()
    r = app.test_client().post(
        "/webhook",
        data=raw,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": "form",
            "X-Hub-Signature-256": signature(SECRET.encode(), raw),
        },
    )
    assert r.status_code == 202
    app.extensions["nbreview_bot"].wait()
    assert [p["pull_request"]["number"] for p in done] == [3]


def test_duplicate_deliveries_are_done_once(offline_app: Any) -> None:
    app, done = offline_app
    client = app.test_client()
    assert post(client, payload(), delivery="same").status_code == 202
    r = post(client, payload(), delivery="same")
    assert r.status_code == 200 and "duplicate" in r.get_json()["message"]
    assert post(client, payload(), delivery="other").status_code == 202
    app.extensions["nbreview_bot"].wait()
    assert len(done) == 2


def test_other_events_and_actions_are_ignored(offline_app: Any) -> None:
    app, done = offline_app
    client = app.test_client()
    assert post(client, {"zen": "hi"}, event="ping").status_code == 200
    assert post(client, payload(action="closed"), delivery="c").get_json()["message"].startswith("ignored")
    assert post(client, {"ref": "x"}, event="push", delivery="p").status_code == 202
    for action in ("opened", "reopened"):
        assert post(client, payload(action=action), delivery=action).get_json()["message"] == "queued"
    app.extensions["nbreview_bot"].wait()
    assert [p["action"] for p in done] == ["opened", "reopened"]


def _git(cwd: Path, *args: str) -> str:
    pre = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *pre, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present")
def test_app_installation_posts_the_comment(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "a.ipynb").write_bytes(EXAMPLE_OLD.read_bytes())
    _git(repo, "add", "a.ipynb")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "change")
    (repo / "a.ipynb").write_bytes(EXAMPLE_NEW.read_bytes())
    _git(repo, "commit", "-q", "-am", "change")
    fake = FakeGitHub()
    fake.add_repo("octo/notebooks", fake.store.import_git(repo))
    number = fake.open_pull("octo/notebooks", "main", "change")
    fake.app_installations[7] = "ghs_installation_token"
    with serve(fake) as url:
        app = create_app(AppConfig(SECRET, "12345", pem, api_url=url))
        client = app.test_client()
        assert post(client, payload(number), delivery="e2e").status_code == 202
        app.extensions["nbreview_bot"].wait()
        assert post(client, payload(number), delivery="e2e-2").status_code == 202
        app.extensions["nbreview_bot"].wait()
    (c,) = fake.comments_on("octo/notebooks", number)
    assert c.login == "nbreview-app[bot]"
    assert "| Notebook |" in c.body and "| Before | After |" in c.body
    assert any(p.endswith("/app/installations/7/access_tokens") for _m, p, _s in fake.log)
    assert not fake.schema_errors, fake.schema_errors[:5]


def test_serve_needs_its_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("NBREVIEW_", "GITHUB_APP"))}
    proc = subprocess.run(
        [sys.executable, "-m", "nbreview", "bot", "serve"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "nbreview: error: set NBREVIEW_WEBHOOK_SECRET to the GitHub App's webhook secret"


WEBHOOK_SCHEMA = SHARED_API / "webhook-pull_request.schema.json"


@pytest.mark.skipif(not WEBHOOK_SCHEMA.exists(), reason="../shared/github-api is not present")
@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened"])
def test_fields_the_app_reads_are_in_githubs_payload_schema(action: str) -> None:
    """Contract: every field the app reads is documented (and required) in GitHub's webhook schema."""
    schema = json.loads(WEBHOOK_SCHEMA.read_text())

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

    event = schema["$defs"][f"webhook-pull-request-{action}"]
    assert prop(event, "action")[0]["enum"] == [action]
    for path in (
        ["pull_request", "number"],
        ["pull_request", "updated_at"],
        ["repository", "full_name"],
        ["installation", "id"],
        ["number"],
    ):
        node = event
        for name in path:
            node, required = prop(node, name)
            assert required or name == "installation", (action, path)  # installation: only for apps
