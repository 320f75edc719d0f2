"""`nbreview pr` end to end: a real git repository of corpus notebooks, a pull request in a fake
GitHub (PyGithub talks to it over HTTP), and the comment a reviewer would read."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fakegithub import SHARED_API, FakeGitHub, Token, serve
from nbreview.cli.main import main
from nbreview.hosts.github.comment import MARKER
from support.paths import CORPUS, EXAMPLE_NEW
from support.pr_bot import IMAGE_PAIR, IMAGE_PAIR_2, REPO, TOKEN, build_repo, commit_files, git, run_pr

pytestmark = [
    pytest.mark.skipif(not (SHARED_API / "openapi-subset.json").exists(), reason="../shared/github-api is not present"),
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present"),
]

@pytest.fixture(autouse=True)
def _github_log_to_current_stderr() -> None:
    """PyGithub binds a log handler to the stderr of import time; point it at this test's."""
    import logging
    import sys

    for h in logging.getLogger("github").handlers:
        if isinstance(h, logging.StreamHandler):
            h.stream = sys.stderr


@pytest.fixture
def pr_world(tmp_path: Path) -> Any:
    """The fake GitHub holding a pull request of the example notebook: (fake, url, number, repo)."""
    repo = build_repo(tmp_path)
    fake = FakeGitHub()
    refs = fake.store.import_git(repo)
    fake.add_repo(REPO, refs)
    fake.tokens[TOKEN] = Token("nbreview-bot", write=True, user_id=41)
    fake.tokens["ghp_other"] = Token("someone", write=True, user_id=42)
    number = fake.open_pull(REPO, "main", "feature")
    with serve(fake) as url:
        yield fake, url, number, repo


def nb_images(path: Path) -> set[bytes]:

    nb = json.loads(path.read_text())
    found = set()
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            for mime, v in (o.get("data") or {}).items():
                if mime.startswith("image/") and mime != "image/svg+xml":
                    found.add(base64.b64decode("".join(v) if isinstance(v, list) else v))
    return found


def test_comment_posted_with_sections_table_and_images(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url, number, _repo = pr_world
    code, out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 0, err
    comments = fake.comments_on(REPO, number)
    assert len(comments) == 1
    body = comments[0].body
    assert comments[0].login == "nbreview-bot"
    assert body.startswith(MARKER)
    assert len(body) < 65536
    # the summary table comes first, one row per notebook
    table_at = body.index("| Notebook | Added | Removed | Modified | Moved | Outputs | Images |")
    assert table_at < body.index("<details")
    for name in (
        "nb/gradient.ipynb",
        "nb/ch04.ipynb",
        "nb/matplotlib.ipynb",
        "nb/added.ipynb",
        "nb/retired.ipynb",
        "nb/broken.ipynb",
    ):
        assert re.search(rf"^\| {re.escape(name.replace('_', chr(92) + '_'))}", body, re.M), name
    assert "nb/old-name.ipynb → nb/new-name.ipynb" in body
    assert "notes.txt" not in body
    # a collapsible section per notebook; the broken one is listed as such while the others render
    assert body.count("<details") == 7
    assert re.search(r"<b>nb/broken\.ipynb</b> · could not be diffed</summary>\n\n⚠️ .*invalid JSON", body)
    assert "```diff" in body
    # images: before/after table, links resolve on the assets branch to the notebooks' own bytes
    assert "| Before | After |" in body
    assert "data:" not in body
    links = re.findall(r"!\[(?:before|after)\]\(([^)]+)\)", body)
    assert links
    assets = fake.branch_files(REPO, "nbreview-assets")
    import requests

    expected = (
        nb_images(IMAGE_PAIR / "new.ipynb")
        | nb_images(IMAGE_PAIR_2 / "new.ipynb")
        | nb_images(IMAGE_PAIR_2 / "old.ipynb")
        | nb_images(EXAMPLE_NEW)  # the added notebook's plot
    )
    for link in links:
        assert link.startswith(f"{url}/{REPO}/raw/nbreview-assets/img/")
        got = requests.get(link, timeout=10)
        assert got.status_code == 200
        assert got.content in expected
        assert assets[link.split("/raw/nbreview-assets/", 1)[1]] == got.content
    assert "of pixels changed" in body
    for pair in (IMAGE_PAIR, IMAGE_PAIR_2):  # chosen for it: the corpus says their image outputs changed
        assert json.loads((pair / "meta.json").read_text())["change"]["image_outputs_changed"] is True
    # no pings: outside code blocks every @mention and #reference is broken by a zero-width joiner
    from support.markdown import blocks

    _code, outside = blocks(body)
    assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", outside)
    assert not re.search(r"(?<![\w`&])#\d", outside)
    # the 1 MB notebook came through the blobs API
    assert any(m == "GET" and "/git/blobs/" in p for m, p, _s in fake.log)
    # the token never shows up
    assert TOKEN not in out + err + body
    assert not fake.schema_errors, fake.schema_errors[:5]


def test_second_push_edits_the_same_comment(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url, number, repo = pr_world
    assert run_pr(url, number, monkeypatch, capsys)[0] == 0
    first = fake.comments_on(REPO, number)
    assert len(first) == 1
    cid, first_body = first[0].id, first[0].body
    uploads = [p for m, p, _s in fake.log if m == "POST" and p.endswith("/git/blobs")]
    # someone quotes the marker in their own comment: it must not be taken for ours
    fake.comments[999] = type(first[0])(999, number, REPO, first_body, "someone", 42, 0, 0)
    # push again: one more notebook changes, the images stay the same
    edited = EXAMPLE_NEW.read_bytes().replace(b"synthetic", b"made up")
    head = commit_files(repo, {"nb/added.ipynb": edited}, "second push")
    fake.refs[REPO].update(fake.store.import_git(repo))
    assert fake.refs[REPO]["refs/heads/feature"] == head
    fake.log.clear()
    code, _out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 0, err
    ours = [c for c in fake.comments_on(REPO, number) if c.login == "nbreview-bot"]
    assert [c.id for c in ours] == [cid]
    assert ours[0].body != first_body and head[:7] in ours[0].body
    assert fake.comments[999].body == first_body
    assert any(m == "PATCH" and p.endswith(f"/issues/comments/{cid}") for m, p, _s in fake.log)
    assert not any(m == "POST" and p.endswith("/comments") for m, p, _s in fake.log)
    # content-hashed pictures already on the branch are not uploaded again
    assert not any(m == "POST" and p.endswith("/git/blobs") for m, p, _s in fake.log)
    assert uploads
    # the PR stops changing notebooks: the same comment says so
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "docs-only")
    commit_files(repo, {"README.md": b"# notebooks!\n"}, "docs")
    fake.refs[REPO].update(fake.store.import_git(repo))
    fake.pulls[(REPO, number)].head_ref = "docs-only"
    code, _out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 0, err
    ours = [c for c in fake.comments_on(REPO, number) if c.login == "nbreview-bot"]
    assert [c.id for c in ours] == [cid]
    assert "no longer changes any notebook" in ours[0].body
    assert not fake.schema_errors, fake.schema_errors[:5]


def test_dry_run_prints_and_changes_nothing(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url, number, _repo = pr_world
    code, out, err = run_pr(url, number, monkeypatch, capsys, "--dry-run", "--report-url", "https://ci.example/runs/7")
    assert code == 0, err
    assert out.startswith(MARKER) and "| Notebook |" in out
    assert "the [full HTML report](https://ci.example/runs/7)" in out
    assert "would upload" in err
    assert not fake.comments_on(REPO, number)
    assert "refs/heads/nbreview-assets" not in fake.refs[REPO]
    assert all(m in ("GET", "HEAD") or p == "/graphql" for m, p, _s in fake.log)  # GraphQL: reads resolved states
    assert not fake.resolved


def test_rate_limit_and_5xx_are_retried(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    fake, url, number, _repo = pr_world
    fake.fail(
        "GET",
        r"/pulls/\d+$",
        403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()))},
        message="API rate limit exceeded for user ID 41.",
    )
    fake.fail("GET", r"/pulls/\d+/files$", 429, headers={"Retry-After": "1"}, message="slow down")
    fake.fail("POST", r"/issues/\d+/comments$", 502, times=2)
    t0 = time.monotonic()
    code, _out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 0, err
    assert time.monotonic() - t0 >= 1.0  # Retry-After was honoured
    statuses = [s for _m, _p, s in fake.log]
    assert statuses.count(502) == 2 and 403 in statuses and 429 in statuses
    assert len(fake.comments_on(REPO, number)) == 1


def test_persistent_5xx_is_one_line(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url, number, _repo = pr_world
    fake.fail("GET", r"/pulls/\d+$", 503, times=50)
    code, out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "kept failing" in err and "503" in err


@pytest.mark.parametrize(
    ("setup", "expect"),
    [
        ("bad-token", r"rejected the token \(401\)"),
        ("no-repo", r"found nothing .* \(404\).*check the repository"),
        ("read-only-fork", r"refused .* \(403\).*pull_request_target"),
        ("too-long", r"could not process .* \(422\)"),
    ],
)
def test_errors_are_one_clear_line(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], setup: str, expect: str
) -> None:
    fake, url, number, _repo = pr_world
    token = TOKEN
    if setup == "bad-token":
        token = "ghp_wrong"
    elif setup == "no-repo":
        number = 77
    elif setup == "read-only-fork":
        fake.tokens["ghp_ro"] = Token("github-actions[bot]", write=False, can_read_user=False)
        token = "ghp_ro"
        fake.pulls[(REPO, number)].head_repo = "forker/notebooks"
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
    elif setup == "too-long":
        fake.fail("POST", r"/issues/\d+/comments$", 422, message="Validation Failed")
    if setup == "read-only-fork":
        monkeypatch.setenv("GITHUB_TOKEN", token)
        code = main(["pr", "--repo", REPO, "--pr", str(number), "--api-url", url])
        _out, err = capsys.readouterr()
    else:
        code, _out, err = run_pr(url, number, monkeypatch, capsys, token=token)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("nbreview: error:")]
    assert len(lines) == 1 and re.search(expect, lines[0]), err
    assert token not in err and "Traceback" not in err, err


def test_missing_token_and_target(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    assert main(["pr", "--repo", "a/b", "--pr", "1", "--api-url", "http://127.0.0.1:9"]) == 2
    assert "no GitHub token: set GITHUB_TOKEN" in capsys.readouterr().err
    assert main(["pr", "--pr", "1"]) == 2
    assert "pass --repo OWNER/NAME" in capsys.readouterr().err


def test_actions_event_defaults(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:

    fake, url, number, _repo = pr_world
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": number, "pull_request": {"number": number}}))
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", url)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_actions")
    fake.tokens["ghp_actions"] = Token("github-actions[bot]", write=True, can_read_user=False)
    assert main(["pr"]) == 0, capsys.readouterr().err
    (c,) = fake.comments_on(REPO, number)
    assert c.login == "github-actions[bot]"
    assert main(["pr"]) == 0  # found again through the Actions bot's login
    assert len(fake.comments_on(REPO, number)) == 1


def test_fork_without_contents_write_posts_without_pictures(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url, number, _repo = pr_world
    fake.fail("POST", r"/git/blobs$", 403, message="Resource not accessible by integration")
    code, _out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 0, err
    (c,) = fake.comments_on(REPO, number)
    assert "![before]" not in c.body and "Pictures were left out" in c.body and "contents: write" in c.body
    assert "warning:" in err


def test_size_limit_degrades_gracefully(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake, url, number, repo = pr_world
    # a pull request touching many large notebooks
    files = {
        f"many/nb{i:02d}.ipynb": (p / "new.ipynb").read_bytes() for i, p in enumerate(sorted(CORPUS.iterdir())[:12])
    }
    commit_files(repo, files, "many notebooks")
    fake.refs[REPO].update(fake.store.import_git(repo))
    code, _out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 0, err
    (c,) = fake.comments_on(REPO, number)
    assert len(c.body) < 65536
    assert "Left out to keep this comment short" in c.body
    assert "To see everything" in c.body and "nbreview web" in c.body
    assert c.body.count("\n| many/nb") == 12  # every notebook keeps its summary row


def test_git_object_ids_are_real(tmp_path: Path) -> None:
    repo = build_repo(tmp_path)
    fake = FakeGitHub()
    fake.store.import_git(repo)
    data = b"hello\n"
    proc = subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True)
    assert fake.store.put("blob", data) == proc.stdout.decode().strip()
    head = git(repo, "rev-parse", "HEAD^{tree}")
    flat = fake.store.flatten(head)
    assert fake.store.build_tree(flat) == head  # rebuilding the tree gives git's own id
    shutil.rmtree(repo)


def test_pagination_of_files_and_comments(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fakegithub.app import Comment

    fake, url, number, repo = pr_world
    # 130 more changed files, sorted before the notebooks' folder, and 230 comments by others
    commit_files(repo, {f"a-data/{i:03d}.csv": f"{i}\n".encode() for i in range(130)}, "data")
    fake.refs[REPO].update(fake.store.import_git(repo))
    for i in range(230):
        fake.comments[10_000 + i] = Comment(10_000 + i, number, REPO, f"comment {i}", "someone", 42, 0, 0)
    assert run_pr(url, number, monkeypatch, capsys)[0] == 0
    ours = [c for c in fake.comments_on(REPO, number) if c.login == "nbreview-bot"]
    assert len(ours) == 1 and "nb/gradient.ipynb" in ours[0].body
    pages = [p for m, p, _s in fake.log if m == "GET" and p.endswith(("/files", "/comments"))]
    assert pages.count(f"/repos/{REPO}/pulls/{number}/files") >= 2  # followed the Link header
    assert pages.count(f"/repos/{REPO}/issues/{number}/comments") >= 3
    # ours is on the third page of comments, and is found there on the next run
    fake.log.clear()
    assert run_pr(url, number, monkeypatch, capsys)[0] == 0
    assert len([c for c in fake.comments_on(REPO, number) if c.login == "nbreview-bot"]) == 1


def test_dry_run_needs_no_token_for_a_public_repository(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url, number, _repo = pr_world
    code, out, err = run_pr(url, number, monkeypatch, capsys, "--dry-run", token=None)
    assert code == 0, err
    assert "| nb/gradient.ipynb |" in out
    assert not fake.comments_on(REPO, number)


def test_rate_limit_beyond_the_wait_cap_is_one_line(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    fake, url, number, _repo = pr_world
    reset = str(int(time.time()) + 3 * 3600)
    fake.fail(
        "GET",
        r"/pulls/\d+$",
        403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        message="API rate limit exceeded for user ID 41.",
    )
    t0 = time.monotonic()
    code, _out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 2 and time.monotonic() - t0 < 30
    (line,) = [ln for ln in err.splitlines() if ln.startswith("nbreview: error:")]
    assert "rate limit exhausted" in line and "Traceback" not in err


def test_twin_comments_are_merged_into_one(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fakegithub.app import Comment

    fake, url, number, _repo = pr_world
    for cid in (501, 502):
        fake.comments[cid] = Comment(cid, number, REPO, MARKER + "\nold", "nbreview-bot", 41, 0, 0)
    assert run_pr(url, number, monkeypatch, capsys)[0] == 0
    ours = [c for c in fake.comments_on(REPO, number) if c.login == "nbreview-bot"]
    assert [c.id for c in ours] == [501] and "| Notebook |" in ours[0].body


def test_schema_check_is_not_a_rubber_stamp() -> None:
    from fakegithub import schemas

    sch = schemas(FakeGitHub())
    path = f"/repos/{REPO}/issues/1/comments"
    errors = sch.check_response(path, "POST", 201, {"id": 1})
    assert any("'node_id' is a required property" in e for e in errors)
    assert sch.check_request(path, "POST", {"bdy": "x"})  # 'body' is required
    assert sch.check_response(path, "POST", 418, {}) == [
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments: status 418 is not documented"
    ]


def test_unreachable_api_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _out, err = run_pr(f"http://127.0.0.1:{port}", 1, monkeypatch, capsys)
    assert code == 2
    assert err.startswith("nbreview: error: cannot reach the GitHub API") and err.count("\n") == 1
    assert TOKEN not in err


def test_a_file_the_api_cannot_serve_is_listed_and_the_rest_render(
    pr_world: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url, number, _repo = pr_world
    fake.fail("GET", r"/git/blobs/", 403, times=5, message="This API returns blobs up to 100 MB in size.")
    code, _out, err = run_pr(url, number, monkeypatch, capsys)
    assert code == 0, err
    (c,) = fake.comments_on(REPO, number)
    assert re.search(
        r"<b>nb/matplotlib\.ipynb</b> · could not be diffed</summary>\n\n⚠️ could not be read through "
        r"the API \(403: This API returns blobs up to 100 MB in size\.\)",
        c.body,
    )
    assert "<b>nb/gradient.ipynb</b> · modified" in c.body
