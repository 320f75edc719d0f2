"""The local server's guard (nbreview.web.security) through Flask's test client.

Who may read (the secret path prefix), who may write (token header and the server's own
Origin), and what a write body may be (400, never 500). First on a bare app, to show the guard
is one reusable piece; then on the review app's endpoints and the mergetool's save. The same
attacks from a real second origin in chromium are in tests/browser/test_browser_attacker.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbreview.web import security
from nbreview.web.app import Lifecycle, create_app
from nbreview.web.mergetool import MergeSession, create_mergetool_app, offered, page_context
from support.merge_tool import write_triple

TOKEN = "security-test-token-0123456789"
P = f"/{TOKEN}"
ORIGIN = "http://localhost"  # the test client's server
WRITER = {"X-Nbreview-Token": TOKEN, "Origin": ORIGIN}
DEEP = "[" * 100_000 + "]" * 100_000


# -- the guard on a bare app (how a new write endpoint uses it) ------------------------------------
@pytest.fixture()
def bare() -> tuple[FlaskClient, list[Any]]:
    app = Flask("bare")
    seen: list[Any] = []

    @app.get("/page")
    def page() -> str:
        return "page"

    @app.post("/api/echo")
    def echo() -> Any:
        body = security.read_json()
        seen.append(body)
        return jsonify(ok=True)

    @app.post("/api/ping")
    def ping() -> str:
        seen.append("ping")
        return "pong"

    security.install(app, TOKEN)
    return app.test_client(), seen


def test_reads_need_the_prefix_and_nothing_else(bare: Any) -> None:
    client, _ = bare
    assert client.get(P + "/page").status_code == 200
    assert client.get("/page").status_code == 403
    assert client.get("/page", headers=WRITER).status_code == 403, "the header opens no page outside the prefix"
    assert client.get(f"/page?token={TOKEN}").status_code == 403
    assert client.get(P.upper() + "/page").status_code == 403
    assert client.get(P + "/page", headers={"Host": "evil.example"}).status_code == 403


@pytest.mark.parametrize(
    "headers, message",
    [
        ({}, "X-Nbreview-Token header is missing"),
        ({"Origin": ORIGIN}, "X-Nbreview-Token header is missing"),
        ({"X-Nbreview-Token": "wrong-token-0123456789abcd", "Origin": ORIGIN}, "missing or wrong"),
        ({"X-Nbreview-Token": TOKEN[:-1], "Origin": ORIGIN}, "missing or wrong"),
        ({"X-Nbreview-Token": TOKEN}, "no Origin header"),
        ({"X-Nbreview-Token": TOKEN, "Origin": "http://127.0.0.1:5555"}, "is not this server"),
        ({"X-Nbreview-Token": TOKEN, "Origin": "http://localhost:5555"}, "is not this server"),
        ({"X-Nbreview-Token": TOKEN, "Origin": "https://localhost"}, "is not this server"),
        ({"X-Nbreview-Token": TOKEN, "Origin": "http://evil.example"}, "is not this server"),
        ({"X-Nbreview-Token": TOKEN, "Origin": "null"}, "is not this server"),
        ({"X-Nbreview-Token": TOKEN, "Origin": "http://localhost/x"}, "is not this server"),
        ({"X-Nbreview-Token": TOKEN, "Origin": "http://localhost:99999"}, "is not this server"),
    ],
)
def test_a_write_needs_the_token_header_and_the_servers_own_origin(bare: Any, headers: dict[str, str],
                                                                   message: str) -> None:
    client, seen = bare
    resp = client.post(P + "/api/ping", headers=headers)
    assert resp.status_code == 403
    assert message in resp.get_json()["error"]
    assert seen == [], "the handler never ran"


def test_a_write_outside_the_prefix_is_refused_even_with_the_header(bare: Any) -> None:
    client, seen = bare
    assert client.post("/api/ping", headers=WRITER).status_code == 403
    assert seen == []


@pytest.mark.parametrize("host, origin", [("localhost", "http://localhost:80"), ("LocalHost:8123", "http://localhost:8123"),
                                          ("127.0.0.1:40000", "http://127.0.0.1:40000"), ("[::1]:9", "http://[::1]:9")])
def test_the_same_origin_in_another_spelling_may_write(bare: Any, host: str, origin: str) -> None:
    client, seen = bare
    resp = client.post(P + "/api/ping", headers={"X-Nbreview-Token": TOKEN, "Origin": origin, "Host": host})
    assert resp.status_code == 200 and seen == ["ping"]


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_every_state_changing_method_is_guarded(bare: Any, method: str) -> None:
    client, _ = bare
    assert getattr(client, method)(P + "/api/ping").status_code == 403
    # Through the guard: 405 (no such route), or Flask's automatic answer to OPTIONS.
    assert getattr(client, method)(P + "/api/ping", headers=WRITER).status_code == (200 if method == "options" else 405)


@pytest.mark.parametrize(
    "body, content_type, status, message",
    [
        (b"{", "application/json", 400, "not valid JSON"),
        (b"", "application/json", 400, "not valid JSON"),
        (b'{"a": NaN', "application/json", 400, "not valid JSON"),
        (b'"\\ud83d"', "application/json", 400, "lone surrogate"),
        (b'{"\\udc00": 1}', "application/json", 400, "lone surrogate"),
        (b'{"choices": {"0": {"edit": "x\\ud83d"}}}', "application/json", 400, "lone surrogate"),
        (DEEP.encode(), "application/json", 400, "nests deeper"),
        (b"[" * 65 + b"]" * 65, "application/json", 400, "nests deeper"),
        (b"1" * 5000, "application/json", 400, "not valid JSON"),
        (b'"\xff"', "application/json", 400, "not valid UTF-8"),
        (b"choices=0", "application/x-www-form-urlencoded", 415, "application/json"),
        (b'{"choices": {}}', "text/plain", 415, "application/json"),
    ],
)
def test_bad_bodies_are_4xx_with_a_message(bare: Any, body: bytes, content_type: str, status: int,
                                            message: str) -> None:
    client, seen = bare
    resp = client.post(P + "/api/echo", headers=WRITER, data=body, content_type=content_type)
    assert resp.status_code == status, resp.data[:200]
    assert message in resp.get_json()["error"]
    assert seen == []


def test_good_bodies_pass_including_a_real_surrogate_pair_and_64_levels(bare: Any) -> None:
    client, seen = bare
    for body in (b'{"a": "\\ud83d\\ude00"}', b"[" * 64 + b"]" * 64, b"null"):
        resp = client.post(P + "/api/echo", headers=WRITER, data=body, content_type="application/json")
        assert resp.status_code == 200
    assert seen[0] == {"a": "\U0001f600"}


def test_a_body_over_the_limit_is_413(bare: Any) -> None:
    client, seen = bare
    client.application.config["MAX_CONTENT_LENGTH"] = 1000
    resp = client.post(P + "/api/echo", headers=WRITER, data=b'"' + b"x" * 2000 + b'"', content_type="application/json")
    assert resp.status_code == 413 and seen == []
    assert resp.get_json()["error"] == "the body is larger than 1,000 bytes"


def test_install_refuses_a_weak_or_unsafe_token() -> None:
    for token in ("short", "has/slash-0123456789", "has space 0123456789", "ünïcode-0123456789ab"):
        with pytest.raises(ValueError):
            security.install(Flask("x"), token)


def test_no_cookie_is_ever_set() -> None:
    """The old design's cookie was sent to every other local port: cookies are not port-scoped."""
    life = Lifecycle()
    client = create_app({"SOURCES": [], "TOKEN": TOKEN, "LIFECYCLE": life}).test_client()
    beat = client.post(P + "/api/heartbeat", headers=WRITER)
    for resp in (client.get(P + "/"), client.get(f"/?token={TOKEN}"), beat):
        assert "Set-Cookie" not in resp.headers


# -- the review app's writes --------------------------------------------------------------------
@pytest.mark.parametrize("route", ["/api/closed", "/api/heartbeat"])
def test_review_writes_refused_without_header_or_origin_change_nothing(route: str) -> None:
    life = Lifecycle()
    client = create_app({"SOURCES": [], "TOKEN": TOKEN, "LIFECYCLE": life, "DIFFTOOL": True}).test_client()
    attempts = [
        client.post(route),  # the old URL
        client.post(P + route),  # a form POST: no header can be set
        client.post(P + route, headers={"Origin": "http://127.0.0.1:5555"}, data="x=1",
                    content_type="application/x-www-form-urlencoded"),
        client.post(P + route, headers={"X-Nbreview-Token": TOKEN, "Origin": "http://127.0.0.1:5555"}),
    ]
    assert [r.status_code for r in attempts] == [403] * 4
    assert life.closed_at == 0 and life.last_seen == 0
    assert client.post(P + route, headers=WRITER).status_code == 204
    assert (life.closed_at if route == "/api/closed" else life.last_seen) > 0


# -- the mergetool's save ----------------------------------------------------------------------
@pytest.fixture()
def merge(tmp_path: Path) -> tuple[FlaskClient, MergeSession, Path]:
    from nbreview.merge import merge_structured

    files = write_triple(tmp_path)
    session = MergeSession(merge_structured(files["base"], files["local"], files["remote"]), str(files["merged"]))
    app = create_mergetool_app(session, TOKEN)
    return app.test_client(), session, files["merged"]


def kinds(session: MergeSession) -> dict[str, int]:
    """Conflict id by kind (the triple has one delete, one value and two source conflicts)."""
    return {c.kind: c.id for c in session.result.conflicts}


def test_offered_choices_are_the_pages_buttons(merge: Any) -> None:
    client, session, _ = merge
    page = client.get(P + "/merge").get_data(as_text=True)
    import re

    for c in session.result.conflicts:
        section = re.search(rf'<section class="conflict" id="conflict-{c.id}".*?</section>', page, re.S)
        assert section, c.id
        buttons = re.findall(r'data-choice="(\w+)"', section.group(0))
        assert sorted(buttons) == sorted(offered(c)), (c.kind, buttons)
    assert {c.kind for c in session.result.conflicts} == {"source", "delete", "value"}
    with client.application.test_request_context():
        assert page_context(session)["total"] == 4


def save(client: FlaskClient, body: Any, raw: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    data = raw if raw is not None else json.dumps(body)
    return client.post(P + "/merge/api/save", headers=headers or WRITER, data=data, content_type="application/json")


@pytest.mark.parametrize(
    "make_body, message",
    [
        (lambda k: {"choices": {"99": "local"}}, "no conflict 99: this merge has 4"),
        (lambda k: {"choices": {"-1": "local"}}, "bad conflict id"),
        (lambda k: {"choices": {"abc": "local"}}, "bad conflict id"),
        (lambda k: {"choices": {" 1": "local"}}, "bad conflict id"),
        (lambda k: {"choices": {"1e3": "local"}}, "bad conflict id"),
        (lambda k: {"choices": {"9" * 5000: "local"}}, "bad conflict id"),
        (lambda k: {"choices": {str(k["value"]): "both"}}, "offer \"both\"; choose one of local, remote, base"),
        (lambda k: {"choices": {str(k["value"]): {"edit": "x"}}}, "cannot be edited"),
        (lambda k: {"choices": {str(k["source"]): "base"}}, "does not offer \"base\""),
        (lambda k: {"choices": {str(k["delete"]): "both"}}, "does not offer \"both\""),
        (lambda k: {"choices": {str(k["source"]): "edit"}}, "does not offer \"edit\""),
        (lambda k: {"choices": {str(k["source"]): "mine"}}, "does not offer \"mine\""),
        (lambda k: {"choices": {str(k["source"]): 1}}, "does not offer 1"),
        (lambda k: {"choices": {str(k["source"]): ["local"]}}, "does not offer [\"local\"]"),
        (lambda k: {"choices": {str(k["source"]): True}}, "does not offer true"),
        (lambda k: {"choices": {str(k["source"]): {"edit": 5}}}, "an edit is"),
        (lambda k: {"choices": {str(k["source"]): {"edit": "x", "more": 1}}}, "an edit is"),
        (lambda k: {"choices": {str(k["source"]): {}}}, "an edit is"),
        (lambda k: {"choices": ["local"]}, "choices must be an object"),
        (lambda k: {"choices": "local"}, "choices must be an object"),
        (lambda k: {"choices": None}, "choices must be an object"),
        (lambda k: {"choices": {}, "extra": 1}, 'the body must be {"choices"'),
        (lambda k: ["choices"], 'the body must be {"choices"'),
        (lambda k: "choices", 'the body must be {"choices"'),
        (lambda k: None, 'the body must be {"choices"'),
    ],
)
def test_a_save_with_a_choice_the_conflict_does_not_offer_is_400_and_writes_nothing(merge: Any, make_body: Any,
                                                                                     message: str) -> None:
    client, session, merged = merge
    before = merged.read_bytes()
    resp = save(client, make_body(kinds(session)))
    assert resp.status_code == 400
    assert message in resp.get_json()["error"], resp.get_json()
    assert merged.read_bytes() == before and not session.saved


@pytest.mark.parametrize(
    "raw, message",
    [
        (b'{"choices": {"0": {"edit": "\\ud83d"}}}', "lone surrogate"),
        (DEEP.encode(), "nests deeper"),
        (b'{"choices": {"0": ' * 50_000 + b"1" + b"}}" * 50_000, "nests deeper"),
        (b'{"choices": {"0": "local"}', "not valid JSON"),
        (b'{"choices": {"0": 1' + b"0" * 5000 + b"}}", "not valid JSON"),
    ],
)
def test_malformed_save_bodies_are_400_not_500(merge: Any, raw: bytes, message: str) -> None:
    client, session, merged = merge
    before = merged.read_bytes()
    resp = save(client, None, raw=raw)
    assert resp.status_code == 400 and message in resp.get_json()["error"]
    assert merged.read_bytes() == before and not session.saved


def test_a_save_from_another_origin_writes_nothing(merge: Any) -> None:
    client, session, merged = merge
    before = merged.read_bytes()
    body = {"choices": {str(c.id): "local" for c in session.result.conflicts}}
    for headers in ({"Origin": "http://127.0.0.1:5555"}, {"X-Nbreview-Token": TOKEN, "Origin": "http://127.0.0.1:5555"},
                    {"X-Nbreview-Token": TOKEN}):
        assert save(client, body, headers=headers).status_code == 403
    # A text/plain form crafted to look like JSON (the classic JSON CSRF) is refused before parsing.
    resp = client.post(P + "/merge/api/save", data={'{"choices": {"0": "local"}, "x": "': '"}'},
                       content_type="text/plain")
    assert resp.status_code == 403
    assert merged.read_bytes() == before and not session.saved
    assert save(client, body).status_code == 200 and session.saved


def test_null_leaves_a_conflict_unresolved(merge: Any) -> None:
    client, session, _ = merge
    k = kinds(session)
    resp = save(client, {"choices": {str(k["value"]): None, str(k["delete"]): "remote"}})
    assert resp.status_code == 200 and resp.get_json()["unresolved"] == 3


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)
_choice_values = st.sampled_from(["local", "remote", "both", "base", "edit", "", None]) | st.fixed_dictionaries(
    {"edit": st.text(max_size=8)}) | _json_values
_bodies = st.fixed_dictionaries(
    {"choices": st.dictionaries(st.sampled_from(["0", "1", "2", "3", "4", "-1", "x"]), _choice_values, max_size=4)}
) | _json_values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies)
def test_any_json_body_is_saved_or_refused_with_a_message_never_500(merge: Any, body: Any) -> None:
    """400: not what the page can send; 422: a valid choice whose result is no valid notebook
    (e.g. base's missing kernelspec name); either way nothing is written."""
    client, session, merged = merge
    before = merged.read_bytes()
    resp = save(client, body)
    assert resp.status_code in (200, 400, 422), (body, resp.status_code)
    if resp.status_code != 200:
        assert resp.get_json()["error"] and merged.read_bytes() == before
