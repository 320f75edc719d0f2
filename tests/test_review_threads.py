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

import pytest

from fakegithub import SHARED_API
from nbreview.cli.main import main
from nbreview.threads.anchor import Anchor, read_anchor, reader_text, write_body
from nbreview.threads.hunks import parse_patch
from nbreview.threads.jsonmap import NotebookMap
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
    assert hunks.accepts("RIGHT", inside, inside) and not hunks.accepts("RIGHT", outside, outside)
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
    threads = place([outdated(1, 1, 2), outdated(2, 2, 1), reply], [nbf], "head",
                    lambda path, sha: then if sha == "c0ffee" else None, lambda t: t)
    by_text = {t.comments[0]["html"]: t for t in threads}
    similar, same_id = by_text["on 1:2"], by_text["on 2:1"]
    # most similar source; the source is one JSON string, so its JSON line holds lines 1-2
    assert (similar.cell, similar.outdated, similar.lines) == (2, True, (1, 2))
    assert (same_id.cell, same_id.outdated) == (4, True)  # by cell id, though rewritten
    assert [c["html"] for c in similar.comments] == ["on 1:2", "re"]
