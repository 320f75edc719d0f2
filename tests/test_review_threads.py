"""Review threads outside the browser: the fake's review endpoints and GitHub's diff rule, the comment
bodies nbreview writes (rendered as GitHub does, with cmarkgfm), the sticky comment's thread list,
and the `nbreview review` / `nbreview web --pr` commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fakegithub import SHARED_API, serve
from nbreview.cli.main import main
from nbreview.threads.anchor import Anchor, read_anchor, reader_text, write_body
from nbreview.threads.hunks import parse_patch
from nbreview.threads.jsonmap import NotebookMap
from support.notebooks import code_cell, notebook
from support.review_world import OTHER, PATH, REPO, REVIEWER, World, api

pytestmark = pytest.mark.skipif(
    not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present"
)


def comment(w: World, cell: int, line: int, body: str = "note", **extra: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    jl = NotebookMap(w.head_text()).json_line(cell, line)
    payload = {"body": body, "path": PATH, "line": jl, "side": "RIGHT",
               "commit_id": w.fake.refs[REPO]["refs/heads/feature"], **extra}
    return api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/comments", payload)


def test_fake_takes_line_comments_only_inside_the_diff(world: World) -> None:
    w = world
    status, files = api(w.url, "GET", f"/repos/{REPO}/pulls/{w.number}/files")
    hunks = parse_patch(files[0]["patch"])
    m = NotebookMap(w.head_text())
    inside, outside = m.json_line(2, 1) or 0, m.json_line(15, 2) or 0
    assert hunks.accepts("new", inside, inside) and not hunks.accepts("new", outside, outside)
    ok, c = comment(w, 2, 1)
    assert ok == 201 and c["line"] == inside and c["side"] == "RIGHT" and "position" in c
    refused, err = comment(w, 15, 2)
    assert refused == 422 and "part of the diff" in err["message"]
    file_level, f = api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/comments", {
        "body": "on the file", "path": PATH, "subject_type": "file",
        "commit_id": w.fake.refs[REPO]["refs/heads/feature"]})
    assert file_level == 201 and f["subject_type"] == "file" and "line" not in f
    # get, update (own comments only), reply, delete
    cid = c["id"]
    assert api(w.url, "GET", f"/repos/{REPO}/pulls/comments/{cid}")[1]["body"] == "note"
    assert api(w.url, "PATCH", f"/repos/{REPO}/pulls/comments/{cid}", {"body": "x"}, token=REVIEWER)[0] == 403
    assert api(w.url, "PATCH", f"/repos/{REPO}/pulls/comments/{cid}", {"body": "edited"})[1]["body"] == "edited"
    st, r = api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/comments/{cid}/replies", {"body": "yes"}, REVIEWER)
    assert st == 201 and r["in_reply_to_id"] == cid
    assert api(w.url, "DELETE", f"/repos/{REPO}/pulls/comments/{r['id']}")[0] == 204
    listed = api(w.url, "GET", f"/repos/{REPO}/pulls/{w.number}/comments")[1]
    assert [x["id"] for x in listed] == [cid, f["id"]]
    # a review is whole or nothing: one comment outside the diff and none is kept
    st, err = api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/reviews", {
        "event": "COMMENT", "body": "two", "comments": [
            {"path": PATH, "body": "in", "line": inside, "side": "RIGHT"},
            {"path": PATH, "body": "out", "line": outside, "side": "RIGHT"}]}, REVIEWER)
    assert st == 422 and w.fake.reviews == {}
    assert len(api(w.url, "GET", f"/repos/{REPO}/pulls/{w.number}/comments")[1]) == 2


def test_comment_body_reads_well_on_github_and_keeps_its_anchor() -> None:
    import cmarkgfm

    anchor = Anchor("new", 12, "abc-1", (3, 4))
    code = "x = 1\nprint(```)"
    body = write_body(anchor, "Rename **x**. @octocat", code, "python")
    html = cmarkgfm.github_flavored_markdown_to_html(body)
    assert "<strong>cell [12], lines 3–4</strong>" in html
    assert '<pre lang="python"><code>x = 1\nprint(```)\n</code></pre>' in html  # fence longer than the code's
    assert "nbreview:anchor" not in re.sub(r"<!--.*?-->", "", html)  # hidden on GitHub
    assert read_anchor(body) == anchor
    assert reader_text(body) == "Rename **x**. @octocat"
    # anchors are read strictly: anything else is no anchor
    for bad in ('<!-- nbreview:anchor {"side": "x", "cell": 1} -->', '<!-- nbreview:anchor {"side": "new"} -->',
                "<!-- nbreview:anchor {not json} -->", '<!-- nbreview:anchor {"side": "new", "cell": -4} -->'):
        assert read_anchor(bad) is None


def test_sticky_comment_lists_open_threads_per_cell(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cmarkgfm

    w = world
    first = comment(w, 2, 1, "one")[1]
    api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/comments/{first['id']}/replies", {"body": "re"})
    comment(w, 2, 2, "two")
    comment(w, 7, 2, "three")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", OTHER)
    code = main(["pr", "--repo", REPO, "--pr", str(w.number), "--api-url", w.url, "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "💬 nb/example.ipynb: 3 open threads: cell [2] (2), cell [7] (1)" in out
    assert "3 open threads: cell [2] (2), cell [7] (1)" in cmarkgfm.github_flavored_markdown_to_html(out)


def test_review_command_serves_the_pull_request_with_its_threads(world: World, tmp_path: Path) -> None:
    w = world
    comment(w, 2, 1, "seen by the command")
    env = {**os.environ, "MY_TOKEN": REVIEWER}
    env.pop("GITHUB_TOKEN", None)
    cli = "import sys; from nbreview.cli.main import main; sys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", cli, "review", "--repo", REPO, "--pr", str(w.number),
         "--api-url", w.url, "--token-env", "MY_TOKEN", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.match(r"Serving on (http://127\.0\.0\.1:\d+/[\w-]+)/", line)
        assert m, line
        with urllib.request.urlopen(m.group(1) + "/api/threads") as r:  # noqa: S310 - our own server
            data = json.loads(r.read())
        assert data["pr"]["number"] == w.number
        [t] = data["threads"]
        assert (t["anchor"], t["lines"], t["side"]) == ("n2", [1, 1], "new")
        assert "seen by the command" in t["comments"][0]["html"]
        with urllib.request.urlopen(m.group(1) + "/f/0") as r:  # noqa: S310
            assert "threads.js" in r.read().decode()
        # a write without the page's token header and Origin is refused
        req = urllib.request.Request(m.group(1) + "/api/reply", data=b'{"to": 1, "body": "x"}', method="POST",
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req)  # noqa: S310
        assert refused.value.code == 403
    finally:
        proc.terminate()
        proc.wait(10)


def test_review_command_errors_are_one_line(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert main(["review", "--repo", REPO, "--pr", "1", "--api-url", world.url, "--no-browser"]) == 2
    assert capsys.readouterr().err.startswith("nbreview: error: no GitHub token: set GITHUB_TOKEN")
    monkeypatch.setenv("GITHUB_TOKEN", REVIEWER)
    assert main(["review", "--repo", REPO, "--pr", "9", "--api-url", world.url, "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "GitHub found nothing while reading pull request #9" in err and err.count("\n") == 1
    assert main(["web", "--pr", "octo/notebooks", "--no-browser"]) == 2
    assert "expected OWNER/NAME#NUMBER" in capsys.readouterr().err


def test_outdated_threads_keep_their_cell_by_id_or_content() -> None:
    """Outdated comments: placed in the revision they were written on, then found again by id or content."""
    from nbreview.hosts.github.threads import threads as github_threads
    from nbreview.threads.place import NotebookFile, place
    from support.notebooks import code_cell, md_cell, notebook

    def text(cells: list[dict]) -> str:  # type: ignore[type-arg]
        return json.dumps(notebook(cells), indent=1) + "\n"

    then = text([md_cell("# Title"), code_cell("a = 1\nb = 2\n"), code_cell("plot(a, b)\nshow()", cell_id="p")])
    # now: a cell inserted before both, the first edited a little, the second moved and rewritten (same id)
    now = text([md_cell("intro"), md_cell("# Title"), code_cell("a = 1\nb = 3\n"),
                code_cell("x = 0"), code_cell("plot(b, a)", cell_id="p")])
    nbf = NotebookFile("n.ipynb", "n.ipynb", "modified", text([]), now)
    m_then = NotebookMap(then)

    def outdated(cid: int, cell: int, line: int) -> dict:  # type: ignore[type-arg]
        return {"id": cid, "path": "n.ipynb", "side": "RIGHT", "original_line": m_then.json_line(cell, line),
                "original_commit_id": "c0ffee", "body": f"on {cell}:{line}", "user": {"login": "ada"},
                "created_at": f"2026-01-0{cid}T00:00:00Z"}

    reply = {"id": 3, "in_reply_to_id": 1, "path": "n.ipynb", "body": "re", "user": {"login": "bo"},
             "created_at": "2026-01-05T00:00:00Z"}
    raw = github_threads([outdated(1, 1, 2), outdated(2, 2, 1), reply])
    threads = place(raw, [nbf], lambda path, sha: then if sha == "c0ffee" else None, lambda t: t)
    by_text = {t.comments[0]["html"]: t for t in threads}
    similar, same_id = by_text["on 1:2"], by_text["on 2:1"]
    # most similar source; the source is one JSON string, so its JSON line holds lines 1-2
    assert (similar.cell, similar.outdated, similar.lines) == (2, True, (1, 2))
    assert (same_id.cell, same_id.outdated) == (4, True)  # by cell id, though rewritten
    assert [c["html"] for c in similar.comments] == ["on 1:2", "re"]


def open_app(w: World) -> tuple[Any, Any]:
    """``nbreview review``'s app for the pull request, and a test client that writes as the page does."""
    from github import Auth

    from nbreview.hosts.github.client import connect
    from nbreview.hosts.github.review import GitHubReview
    from nbreview.hosts.review import ReviewSession
    from nbreview.web.app import create_app

    gh = connect(w.url, Auth.Token(REVIEWER), retries=1, max_rate_wait=0)
    session = ReviewSession(GitHubReview(gh, REPO, w.number))
    app = create_app({"SOURCES": session.open(), "TOKEN": APP_TOKEN, "PR_SESSION": session})
    return session, app.test_client()


APP_TOKEN = "unit-test-token-0123456789"
WRITE = {"X-Nbreview-Token": APP_TOKEN, "Origin": "http://localhost"}


def post(client: Any, route: str, body: Any) -> tuple[int, Any]:
    r = client.post(f"/{APP_TOKEN}{route}", json=body, headers=WRITE)
    return r.status_code, r.get_json()


def test_json_endpoints_check_types(world: World) -> None:
    """`true` is not notebook 1, nor a thread id: 400 with a clear message, nothing sent to GitHub."""
    _session, client = open_app(world)
    before = len(world.fake.log)
    good = {"file": 0, "side": "new", "cell": 5, "lines": [2, 2], "body": "x"}
    for route, body, word in [
        ("/api/comment", {**good, "file": True}, "notebook"),
        ("/api/drafts", {**good, "cell": "5"}, "cell"),
        ("/api/drafts", {**good, "lines": [True, 2]}, "lines"),
        ("/api/drafts", {**good, "mime": 3}, "mime"),
        ("/api/reply", {"to": True, "body": "x"}, "'to'"),
        ("/api/reply", {"to": 1, "body": 5}, "reply"),
        ("/api/review", {"event": "COMMENT", "body": None}, "'body'"),
        ("/api/drafts/edit", {"id": None, "body": "x"}, "'id'"),
        ("/api/drafts/delete", [1], "object"),
    ]:
        status, data = post(client, route, body)
        assert status == 400 and word in data["error"], (route, body, data)
    assert [x for x in world.fake.log[before:] if x[0] != "GET"] == []


def test_pending_review_survives_a_restart_and_is_submitted_once(world: World) -> None:
    w = world
    session, client = open_app(w)
    status, d = post(client, "/api/drafts", {"file": 0, "side": "new", "cell": 5, "lines": [2, 2], "body": "one"})
    assert status == 200 and d["anchor"] == "n5"
    post(client, "/api/drafts", {"file": 0, "side": "new", "cell": 15, "lines": [2, 2], "body": "far"})
    status, e = post(client, "/api/drafts", {"file": 0, "side": "new", "cell": 7, "lines": [2, 3], "body": "edit me"})
    assert post(client, "/api/drafts/edit", {"id": e["id"], "body": "edited"})[0] == 200
    assert session.store is not None and session.store.path.is_file()
    assert w.fake.reviews == {} and w.fake.review_comments == {}  # nothing on GitHub yet
    _session2, client2 = open_app(w)  # a restart: a new server reads the same pending review
    data = client2.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()
    assert [p["body"] for p in data["pending"]] == ["one", "far", "edited"]
    assert data["pr"]["user"] == "reviewer" and data["pr"]["title"] == "Update notebooks"
    assert data["commentable"]["new"]["5"] and "15" not in data["commentable"]["new"]
    status, r = post(client2, "/api/review", {"event": "REQUEST_CHANGES", "body": "see inline"})
    assert status == 200 and r["state"] == "CHANGES_REQUESTED" and (r["inline"], r["file_level"]) == (2, 1)
    assert [m for m, p, _ in w.fake.log if m == "POST" and p.endswith("/reviews")] == ["POST"]
    assert client2.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()["pending"] == []


def long_cell_change(w: World) -> int:
    """The last cell made 20 lines long on both sides, then its first line changed on the branch:
    GitHub's hunk holds lines 1-4 of it (3 lines of context), the rest lies outside the diff."""
    from support.review_world import git

    git(w.repo, "checkout", "-q", "main")
    nb = json.loads(w.base_text())
    nb["cells"][-1]["source"] = [f"x{i} = {i}\n" for i in range(20)]
    w.push(nb, "a long cell")  # commits on main here
    git(w.repo, "checkout", "-q", "feature")
    git(w.repo, "merge", "-q", "main", "-m", "merge main")
    nb = json.loads(w.head_text())
    nb["cells"][-1]["source"][0] = "x0 = 100\n"
    w.push(nb, "change its first line")
    return len(nb["cells"]) - 1


def test_a_range_across_a_hunk_edge_is_refused_before_anything_is_sent(world: World) -> None:
    w = world
    cell = long_cell_change(w)
    session, client = open_app(w)
    [(first, last, _hunk)] = session.commentable(0)["new"][cell]
    assert (first, last) == (1, 4)
    status, err = post(client, "/api/drafts", {"file": 0, "side": "new", "cell": cell, "lines": [4, 5],
                                               "body": "across"})
    assert status == 400 and "cross the edge of the pull request's diff" in err["error"]
    assert session.store is not None and session.store.drafts == []
    # wholly outside: kept, and posted as a file comment quoting the lines (the page says so first)
    out = {"file": 0, "side": "new", "cell": cell, "lines": [6, 7], "body": "out"}
    assert post(client, "/api/drafts", out)[0] == 200
    assert post(client, "/api/review", {"event": "COMMENT", "body": ""})[0] == 200
    [c] = w.fake.review_comments.values()
    assert c.subject_type == "file" and "x5 = 5" in c.body


def test_a_pending_review_started_on_github_is_shown_edited_and_submitted(world: World) -> None:
    w = world
    jl = NotebookMap(w.head_text()).json_line(5, 2)
    st, review = api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/reviews", {
        "comments": [{"path": PATH, "body": "started on GitHub", "line": jl, "side": "RIGHT"}]}, token=REVIEWER)
    assert st == 200 and review["state"] == "PENDING"
    assert api(w.url, "GET", f"/repos/{REPO}/pulls/{w.number}/comments")[1] == []  # others do not see it
    _session, client = open_app(w)
    data = client.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()
    [p] = data["pending"]
    assert data["threads"] == [] and p["remote"] and p["anchor"] == "n5" and p["lines"] == [2, 2]
    assert post(client, "/api/drafts/edit", {"id": p["id"], "body": "edited on the page"})[0] == 200
    status, r = post(client, "/api/review", {"event": "COMMENT", "body": ""})
    assert status == 200 and r["state"] == "COMMENTED"
    [c] = w.fake.review_comments.values()
    assert c.body == "edited on the page" and w.fake.reviews[c.review_id].state == "COMMENTED"


def test_ten_thousand_comments_load_in_few_requests(world: World) -> None:
    """Threads come from the list pages alone: 100 pages for 10,000 comments, then 304s."""
    from fakegithub import create_app as fake_app  # noqa: F401 - the fake is served unvalidated below
    from nbreview.hosts.github.review import GitHubReview
    from nbreview.hosts.review import ReviewSession
    from support.review_world import seed_comments

    w = world
    seed_comments(w.fake, w.number, 10_000, w.head_text())
    with serve(w.fake, validate=False) as url:
        from github import Auth

        from nbreview.hosts.github.client import connect

        gh = connect(url, Auth.Token(REVIEWER), retries=1, max_rate_wait=0)
        session = ReviewSession(GitHubReview(gh, REPO, w.number))
        session.open()
        before = len(w.fake.log)
        threads, _pending = session.threads(lambda text: text)
        rest = [x for x in w.fake.log[before:] if x[1] != "/graphql"]
        assert len(rest) <= 110 and sum(len(t.comments) for t in threads) == 10_000
        assert len(w.fake.log[before:]) - len(rest) == 25  # resolved states: 2,500 threads, 100 a query
        before = len(w.fake.log)
        threads, _pending = session.threads(lambda text: text)
        again = [x for x in w.fake.log[before:] if x[1] != "/graphql"]
        assert len(again) <= 110 and all(code == 304 for _m, _p, code in again)
        assert sum(len(t.comments) for t in threads) == 10_000  # the same threads, from the cache
        assert session.host.rate["limit"] == 5000


def test_resolved_threads_through_graphql_with_a_rest_only_fallback(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    w = world
    first = comment(w, 2, 1, "one")[1]["id"]
    comment(w, 7, 2, "two")
    _session, client = open_app(w)
    data = client.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()
    assert data["pr"]["resolvable"] and [t["resolved"] for t in data["threads"]] == [False, False]
    assert post(client, "/api/resolve", {"to": first, "resolved": True}) == (200, {"id": first, "resolved": True})
    assert w.fake.resolved == {first}
    data = client.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()
    assert [t["resolved"] for t in data["threads"]] == [True, False]
    assert post(client, "/api/resolve", {"to": first, "resolved": 1})[0] == 400  # a boolean, not a number

    # the sticky comment counts the open threads only
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", OTHER)
    assert main(["pr", "--repo", REPO, "--pr", str(w.number), "--api-url", w.url, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "💬 nb/example.ipynb: 1 open thread: cell [7] (1)\n" in out

    # a server without GraphQL: no resolved state, no error, threads all there
    w.fake.graphql = False
    _session, client = open_app(w)
    data = client.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()
    assert not data["pr"]["resolvable"] and [t["resolved"] for t in data["threads"]] == [None, None]
    status, err = post(client, "/api/resolve", {"to": first, "resolved": False})
    assert status == 400 and "does not say which threads are resolved" in err["error"]


def test_whole_cell_comment_comes_back_on_the_cell(world: World) -> None:
    _session, client = open_app(world)
    assert post(client, "/api/comment", {"file": 0, "side": "new", "cell": 5, "body": "the whole cell"})[0] == 200
    [t] = client.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()["threads"]
    assert (t["anchor"], t["lines"], t["output"]) == ("n5", None, None)  # not "line 1"


def test_a_draft_whose_lines_changed_in_a_push_is_flagged_not_dropped(world: World) -> None:
    w = world
    session, client = open_app(w)
    post(client, "/api/drafts", {"file": 0, "side": "new", "cell": 5, "lines": [2, 2], "body": "about digits"})
    post(client, "/api/drafts", {"file": 0, "side": "new", "cell": 7, "lines": [1, 1], "body": "kept in place"})
    nb = json.loads(w.head_text())
    nb["cells"][5]["source"][1] = "print(f'slope {a:.4f}')"
    nb["cells"].insert(0, {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# Intro"]})
    w.push(nb, "four digits, and an intro")
    assert client.get(f"/{APP_TOKEN}/f/0").status_code == 200  # a page load reads the new head
    data = client.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()
    flagged, moved = data["pending"]
    assert flagged["flag"] == "the lines it was written on changed in the new push" and flagged["anchor"] is None
    assert (moved["flag"], moved["cell"], moved["anchor"], moved["lines"]) == ("", 8, "n8", [1, 1])
    assert post(client, "/api/review", {"event": "COMMENT", "body": ""})[0] == 200
    by_text = {c.body.split("<!-- nbreview:text -->")[1].split("<!--")[0].strip(): c
               for c in w.fake.review_comments.values()}
    assert by_text["about digits"].subject_type == "file" and "slope {a:.3f}" in by_text["about digits"].body
    assert by_text["kept in place"].line is not None and session.head_sha == w.fake.refs[REPO]["refs/heads/feature"]


def test_a_comment_on_a_table_row_comes_back_on_that_row(world: World) -> None:
    """GitHub's comment on the `<td>125</td>` line of cell [2]'s DataFrame (its text/html) keeps the
    output and the table row; the page's output rows say which output they show."""
    w = world
    text = w.head_text()
    line = next(k for k, t in enumerate(text.splitlines(), 1) if t.strip() == '"      <td>125</td>\\n",')
    plain = next(k for k, t in enumerate(text.splitlines(), 1) if t.strip().startswith('"1      2    125'))
    for at in (line, plain):
        status, c = api(w.url, "POST", f"/repos/{REPO}/pulls/{w.number}/comments", {
            "body": f"row at {at}", "path": PATH, "line": at, "side": "RIGHT",
            "commit_id": w.fake.refs[REPO]["refs/heads/feature"]})
        assert status == 201, c
    _session, client = open_app(w)
    threads = client.get(f"/{APP_TOKEN}/api/threads?file=0").get_json()["threads"]
    got = {t["comments"][0]["html"].strip(): (t["anchor"], t["lines"], t["output"], t["row"]) for t in threads}
    # tr 0 is the header, tr 1 the row "0", tr 2 the row "1" that holds 125
    assert got[f"<p>row at {line}</p>"] == ("n2", None, 0, 2)
    assert got[f"<p>row at {plain}</p>"] == ("n2", None, 0, None)  # text/plain: the output, no row
    page = client.get(f"/{APP_TOKEN}/f/0").get_data(as_text=True)
    assert '<div class="orow modified" data-old="2:0" data-new="2:0">' in page


def test_output_rows_name_the_output_of_each_side() -> None:
    """An unchanged output is drawn once but names both sides' outputs, so a thread on either finds it."""
    import nbreview
    from nbreview.render.html import render_notebook
    from nbreview.web.app import ServerLinks

    out = {"output_type": "stream", "name": "stdout", "text": "same\n"}
    new_out = {"output_type": "stream", "name": "stdout", "text": "new\n"}
    old = notebook([code_cell("x = 1", [out], 1)])
    new = notebook([code_cell("y", [new_out], 1), code_cell("x = 2", [out], 1)])
    page = render_notebook(nbreview.diff(old, new), ServerLinks(0))
    rows = re.findall(r'<div class="orow ([^"]+)"([^>]*)>', page)
    assert ("added", ' data-new="0:0"') in rows and ("same", ' data-old="0:0" data-new="1:0"') in rows
