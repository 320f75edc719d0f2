"""``nbreview pr`` on a GitLab merge request, against the fake GitLab API of tests/fakegitlab
(built from GitLab's API documentation; each rule names its page there).

One note per merge request, edited in place on every push; pictures uploaded once as project
uploads (project_markdown_uploads.md) and linked from the note; notebook text that would ping,
reference or run a quick action on GitLab stays inert, checked on the note as rendered by cmarkgfm.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

import cmarkgfm
import pytest

from fakegitlab import FakeGitLab, serve
from nbreview.hosts.gitlab.client import GitLabError, connect
from nbreview.hosts.gitlab.comment import MARKER, MAX_BODY
from nbreview.hosts.gitlab.mr import Settings, update_merge_request
from support.notebooks import code_cell, md_cell, notebook
from support.paths import ROOT

BOT = "project_7_bot"  # the fake's user for the token glpat-bot (a project access token's bot user)
# Notebook text that acts on GitLab when posted (doc/user/markdown.md "GitLab-specific references",
# doc/user/project/quick_actions.md): pings, references of every kind, commit ids, quick actions.
HOSTILE = (
    "/close\n/label ~bug\n"
    '@all @alice #12 !12 ~bug ~"needs review" %v1.0 %"Sprint 3" $12 &7 [[Home]] 9ba12248 deadbeefcafe\n'
    "group/proj#3 group/proj!4 group/proj@9ba12248 http://gitlab.example.com/g/p/-/issues/1 $x^2$\n"
    "/merge\n  /approve\nwindows line\r\n/spend 1h\r\n"
)
# What would act in the note's rendered text (outside code and links): GitLab's reference prefixes.
ACTIVE = re.compile(
    r"(?<![\w\u200d])@[A-Za-z0-9_]|#\d|!\d|~[\w\"]|%[\w\"]|\$\d|&\d|\[\[|(?<![0-9a-fA-F])[0-9a-fA-F]{7,}"
)


def png(colour: tuple[int, int, int]) -> str:
    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (24, 12), colour).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def nb_bytes(cells: list[dict[str, Any]]) -> bytes:
    return json.dumps(notebook(cells, minor=5), indent=1).encode()


def plot(colour: tuple[int, int, int], text: str = "") -> bytes:
    data = {"image/png": png(colour), "text/plain": "<Figure>"}
    out = [{"output_type": "display_data", "metadata": {}, "data": data}]
    return nb_bytes([md_cell("# Sales"), code_cell("plot(df)\n" + text, out, 1)])


INTRO = "".join(f"Intro line {i} of the analysis, which stays the same in both versions.\n" for i in range(12))


def hostile(extra: str = "") -> bytes:
    """Hostile text in a markdown cell (shown as prose, outside code), a code cell and its output."""
    stream = {"output_type": "stream", "name": "stdout", "text": HOSTILE + extra}
    return nb_bytes([md_cell(INTRO + HOSTILE + extra, "intro"), code_cell("print(x)\n" + HOSTILE, [stream], 2, "run")])


def base_files() -> dict[str, bytes]:
    # 30 other files sort before the notebooks: the notebooks are only on page 2 of /diffs (20 per page)
    files = {f"a/{i:02d}.txt": b"x" for i in range(30)}
    files["z/plot.ipynb"] = plot((200, 30, 30))
    before = INTRO + "Please review the results below carefully.\n"
    files["z/evil @all !3 ~x.ipynb"] = nb_bytes([md_cell(before, "intro"), code_cell("print(x)\n", [], 1, "run")])
    return files


def head_files(colour: tuple[int, int, int], extra: str = "") -> dict[str, bytes]:
    files = {f"a/{i:02d}.txt": b"y" for i in range(30)}
    files["z/plot.ipynb"] = plot(colour, extra)
    files["z/evil @all !3 ~x.ipynb"] = hostile(extra)
    return files


def run(url: str, fake: FakeGitLab, token: str = "glpat-bot", **kw: Any) -> Any:
    lines: list[str] = []
    settings = Settings(project=str(fake.project_id), iid=5, url=url, log=lines.append, **kw)
    return update_merge_request(connect(url, token), settings)


def our_notes(fake: FakeGitLab) -> list[Any]:
    return [n for n in fake.mrs[5].notes if n.username == BOT and n.body.startswith(MARKER)]


class _Text(HTMLParser):
    """The rendered note's text outside code, pre and links: where GitLab's reference filters act."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "pre", "a"):
            self.depth += 1
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre", "a"):
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.text.append(data)


def rendered_text(body: str) -> _Text:
    html = cmarkgfm.github_flavored_markdown_to_html(body, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    parser = _Text()
    parser.feed(html)
    return parser


def active_references(body: str, head: str) -> list[str]:
    text = " ".join(rendered_text(body).text).replace(f"at {head[:7]}", "at HEAD")  # the header names our head
    return ACTIVE.findall(text)


@pytest.fixture
def fake() -> FakeGitLab:
    fake = FakeGitLab()
    fake.open_mr(5, base_files(), head_files((30, 30, 200)))
    # 25 notes by people (the list is 20 per page, newest first: ours ends up on a later page),
    # one quoting our marker: only a note by our own user counts as ours (notes.md "author")
    fake.add_note(5, MARKER + "\nquoted by a reviewer", "ann")
    for i in range(25):
        fake.add_note(5, f"looks good {i}", "ann")
    return fake


def test_two_pushes_update_one_note_and_upload_each_picture_once(fake: FakeGitLab) -> None:
    with serve(fake) as url:
        first = run(url, fake)
        assert first.action == "created" and first.notebooks == 2
        assert len(our_notes(fake)) == 1 and first.images_uploaded == 2  # before and after
        for i in range(25):
            fake.add_note(5, f"reply {i}", "ann")  # the note is now on page 3 of the list
        head = fake.push(5, head_files((30, 200, 30), extra="more\n"))
        second = run(url, fake)
        assert second.action == "edited" and second.note_id == first.note_id and second.head_sha == head
        assert second.images_uploaded == 1  # the "before" picture is reused from the note, not uploaded again
        third = run(url, fake)
        assert third.action == "unchanged" and third.images_uploaded == 0
    notes = our_notes(fake)
    assert len(notes) == 1 and notes[0].id == first.note_id
    assert notes[0].body == second.body and head[:7] in notes[0].body
    assert [n.body for n in fake.mrs[5].notes if n.username == "ann"][0].endswith("quoted by a reviewer")
    links = re.findall(r"!\[[a-z]+\]\((/uploads/[0-9a-f]{32}/[0-9a-f]{64}\.png)\)", second.body)
    assert len(links) == 2 and all(link in fake.uploads for link in links)
    assert len(fake.uploads) == 3
    assert "nbreview-upload:" not in second.body
    assert "git fetch origin merge-requests/5/head" in second.body


def test_notebook_text_cannot_ping_reference_or_run_a_quick_action(fake: FakeGitLab) -> None:
    with serve(fake) as url:
        out = run(url, fake)
    body = our_notes(fake)[0].body
    assert "<ins>" in body and "approve" in body and "Home" in body  # the hostile text is shown, as prose too
    assert fake.commands == []  # no line of the note starts with /command
    assert not re.search(r"(?m)^/", body)
    assert active_references(body, out.head_sha) == []
    page = rendered_text(body)
    assert all(h.startswith("/uploads/") for h in page.hrefs), page.hrefs  # no autolinks from notebook text
    assert "<details" in body and len(body) < MAX_BODY


def test_the_detector_sees_what_github_rendering_would_leave_active(fake: FakeGitLab) -> None:
    """The same changes rendered for GitHub keep GitLab's references live: the check above can fail."""
    import nbreview
    from nbreview.hosts.github.comment import render_comment
    from nbreview.render.markdown import CommentContext, NotebookChange

    mr = fake.mrs[5]
    d = nbreview.diff(mr.base_files["z/evil @all !3 ~x.ipynb"], mr.head_files["z/evil @all !3 ~x.ipynb"])
    body = render_comment([NotebookChange("z/evil @all !3 ~x.ipynb", "modified", diff=d)], CommentContext()).body
    found = set(active_references(body, "0" * 40))
    assert {"!1", "~b", "&7", "[["} <= found, found


def test_a_server_before_15_7_is_read_through_changes(fake: FakeGitLab) -> None:
    fake.before_15_7 = True
    with serve(fake) as url:
        out = run(url, fake, dry_run=True)
    assert out.action == "dry-run" and out.notebooks == 2 and our_notes(fake) == []


def test_a_refused_token_is_one_line_and_posts_nothing(fake: FakeGitLab) -> None:
    with serve(fake) as url, pytest.raises(GitLabError, match=r"refused the token \(401\)"):
        run(url, fake, token="glpat-wrong")
    assert our_notes(fake) == [] and fake.uploads == {}


def test_a_twin_left_by_a_retried_post_is_deleted(fake: FakeGitLab) -> None:
    first = fake.add_note(5, MARKER + "\nold", BOT)
    fake.add_note(5, MARKER + "\nold twin", BOT)
    with serve(fake) as url:
        out = run(url, fake)
    assert out.action == "edited" and out.note_id == first.id and [n.id for n in our_notes(fake)] == [first.id]
    assert len(our_notes(fake)) == 1 and our_notes(fake)[0].body == out.body


def test_transient_server_errors_are_retried(fake: FakeGitLab) -> None:
    fake.faults = [502, 503]
    with serve(fake) as url:
        out = run(url, fake)
    assert out.action == "created" and fake.faults == [] and len(our_notes(fake)) == 1


def test_an_unreachable_server_is_one_line_soon() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "GITLAB_"))}
    cmd = [sys.executable, "-m", "nbreview", "pr", "--gitlab-url", "http://127.0.0.1:9", "--project", "7", "--mr", "5"]
    out = subprocess.run(cmd, env={**env, "NBREVIEW_GITLAB_TOKEN": "x"}, capture_output=True, text=True,
                         timeout=60, cwd=ROOT)  # python-gitlab's own default would retry for 100 s
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "cannot reach http://127.0.0.1:9" in out.stderr and "Traceback" not in out.stderr


def test_refused_uploads_leave_the_pictures_out_and_say_so(fake: FakeGitLab) -> None:
    fake.no_uploads.add(BOT)
    with serve(fake) as url:
        out = run(url, fake)
    assert out.action == "created" and out.images_uploaded == 0 and fake.uploads == {}
    assert "Pictures were left out" in out.body and "nbreview-upload:" not in out.body and "](/uploads/" not in out.body


def test_explicit_gitlab_url_dry_run_reads_anonymously_and_writes_nothing(fake: FakeGitLab) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "GITLAB_"))}
    with serve(fake) as url:
        cmd = [sys.executable, "-m", "nbreview", "pr", "--gitlab-url", url, "--project", "7", "--mr", "5", "--dry-run"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(MARKER) and "git fetch origin merge-requests/5/head" in out.stdout
    assert "would upload 2 pictures" in out.stderr and our_notes(fake) == [] and fake.uploads == {}


def gitlab_ci_env(url: str, token: str) -> dict[str, str]:
    """What a GitLab CI job in a merge request pipeline sets (doc/ci/variables/predefined_variables.md)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_"))}
    return {**env, "GITLAB_CI": "true", "CI_SERVER_URL": url, "CI_PROJECT_ID": "7",
            "CI_MERGE_REQUEST_IID": "5", "NBREVIEW_GITLAB_TOKEN": token}


def test_nbreview_pr_in_gitlab_ci_posts_the_note(fake: FakeGitLab) -> None:
    with serve(fake) as url:
        ok = subprocess.run([sys.executable, "-m", "nbreview", "pr"], env=gitlab_ci_env(url, "glpat-bot"),
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
        bad = subprocess.run([sys.executable, "-m", "nbreview", "pr"], env=gitlab_ci_env(url, "glpat-nope"),
                             capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "posted note" in ok.stderr and len(our_notes(fake)) == 1
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "401" in bad.stderr
    assert len(our_notes(fake)) == 1


@pytest.mark.parametrize(
    ("text", "kept_from"),
    [
        ("@all", "@all"), ("#12", "#12"), ("!12", "!12"), ("~bug", "~bug"), ('~"a b"', '~"a b"'),
        ("%v1.0", "%v1"), ("$12", "$12"), ("&7", "&7"), ("[[Home]]", "[["), ("9ba12248", "9ba12248"),
        ("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678...0123456", "a1b2c3d"),
    ],
)
def test_each_gitlab_reference_is_broken_in_prose_and_in_html(text: str, kept_from: str) -> None:
    """doc/user/markdown.md lists GitLab's references; each is broken where notebook text is shown."""
    from nbreview.render.markdown.inert import html_text, inline

    for shown in (inline(text, "gitlab"), html_text(text, "gitlab")):
        page = "".join(rendered_text(f"x {shown} y").text).strip()
        assert kept_from not in page and page.replace("\u200d", "") == f"x {text} y", page
    assert inline(text) == inline(text, "github")  # GitHub's text is what it was


def test_quick_actions_and_math_are_text_on_gitlab() -> None:
    from nbreview.render.markdown.inert import fence, inert_for, inline

    assert inline(" /close", "gitlab").startswith(" \u200d/close")
    assert fence("/merge\nok /not\n", "", "gitlab") == "```\n\u200d/merge\nok /not\n```\n"
    assert inline("$x^2$", "gitlab") == "\\$x^2\\$"  # only GitLab's first 50 formulas render: none from notebooks
    with inert_for("gitlab"):
        assert inline("!3") == "\\!\u200d3"
    assert inline("!3") == "\\!3"
    with pytest.raises(ValueError), inert_for("gitea"):
        pass


def test_the_documented_gitlab_ci_job_is_the_readmes_and_runs_nbreview_pr() -> None:
    import yaml

    text = (ROOT / "docs" / "gitlab-ci.yml").read_text(encoding="utf-8")
    assert f"```yaml\n{text}```" in (ROOT / "README.md").read_text(encoding="utf-8")
    job = yaml.safe_load(text)["nbreview"]
    assert job["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert "'nbreview[gitlab]'" in job["script"][0] and job["script"][-1].split("#")[0].strip() == "nbreview pr"
    assert "NBREVIEW_GITLAB_TOKEN" in text
