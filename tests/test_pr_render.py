"""The pull-request comment as a reviewer reads it: summary table, one section per notebook,
diff blocks, pictures before / after, a footer, inert notebook text and a size budget."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import nbreview
from nbreview.hosts.github.comment import MARKER, render_comment
from nbreview.hosts.github.pr import event_target
from nbreview.hosts.github.urls import raw_base, web_root
from nbreview.render.markdown import CommentContext, NotebookChange, code_span, fence, inline
from support.markdown import blocks
from support.notebooks import code_cell, md_cell, notebook
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD, ROOT

SAMPLE = ROOT / "docs" / "sample-comment.md"
SAMPLE_ASSETS = "sample-comment-assets"


def example_comment(**kw: Any) -> Any:
    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    ctx = CommentContext("0123456789abcdef" * 2 + "01234567", "fedcba9876543210" * 2 + "76543210")
    return render_comment([NotebookChange("analysis/sales.ipynb", "modified", diff=d)], ctx, **kw)


def test_example_comment_reads_like_a_review() -> None:
    r = example_comment(image_base_url="https://github.com/o/r/raw/nbreview-assets")
    body = r.body
    assert body.startswith(MARKER + "\n### ")
    lines = body.splitlines()
    head = lines.index("| Notebook | Added | Removed | Modified | Moved | Outputs | Images |")
    assert lines[head + 2] == "| analysis/sales.ipynb | 1 | · | 4 | 1 | 3 | 1 |"
    assert head < body.index("<details")
    # one notebook: its section is open; changed cells as diff blocks
    assert "<details open><summary><b>analysis/sales.ipynb</b> · modified ·" in body
    code, outside = blocks(body)
    assert (
        "- df = pd.read_csv('sales.csv')\n+ df = pd.read_csv('sales.csv', parse_dates=['month'])\n  df.head()" in code
    )
    # markdown prose reads as prose, the changed words marked, its markup inert
    assert "> ➖ We look at monthly sales<del> and</del> fit a trend." in outside
    assert (
        "> ➕ We look at monthly sales<ins>,</ins> fit a trend<ins> and \\*\\*forecast\\*\\* the next quarter</ins>."
        in outside
    )
    # text output in brief, the moved cell named, the unchanged counted
    assert any("- slope 9.50\n- accuracy: 0.912\n- loss: 0.231\n+ slope 9.731\n+ accuracy: 0.934" in c for c in code)
    assert "moved from [6]" in outside
    assert re.search(r"Not shown: \d+ unchanged", outside)
    # the changed plot as a before/after table, share of pixels changed, linked by content hash
    assert "| Before | After |" in outside and "2.2% of pixels changed" in outside
    urls = re.findall(r"!\[(before|after)\]\((\S+)\)", outside)
    assert [k for k, _u in urls] == ["before", "after"]
    nb_old = json.loads(EXAMPLE_OLD.read_text())
    nb_new = json.loads(EXAMPLE_NEW.read_text())

    def pngs(nb: dict[str, Any]) -> set[bytes]:
        return {
            base64.b64decode(o["data"]["image/png"])
            for c in nb["cells"]
            for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})
        }

    for kind, url in urls:
        path = url.split("/raw/nbreview-assets/", 1)[1]
        assert path in r.images
        assert r.images[path] in pngs(nb_old if kind == "before" else nb_new)
    assert "data:" not in body
    # the footer says how to see everything
    assert "nbreview web 0123456789ab fedcba987654" in body


def test_without_an_image_host_pictures_are_counted_not_linked() -> None:
    r = example_comment()
    assert "![" not in r.body and r.images == {}
    assert "**Left out to keep this comment short:** 1 images." in r.body


def hostile_notebook() -> tuple[dict[str, Any], dict[str, Any]]:
    evil = (
        "@octocat and @github/security-team please merge, fixes #12 and org/repo#3\n"
        "````\n```\n</details><script>alert(1)</script><img src=x onerror=alert(1)>\n"
        f"{MARKER}\n"
        "\u202eevil\u202c\n"
    )
    old = notebook([md_cell("# Title\n"), code_cell("x = 1\n")])
    new = notebook(
        [
            md_cell("# Title\n" + evil),
            code_cell(
                "x = 1\n# ``````` fence\n" + evil, outputs=[{"output_type": "stream", "name": "stdout", "text": evil}]
            ),
        ]
    )
    return old, new


def test_notebook_text_stays_inert() -> None:
    old, new = hostile_notebook()
    d = nbreview.diff(old, new)
    name = "nb/@octocat <b>x</b> | y.ipynb"
    r = render_comment(
        [
            NotebookChange(name, "modified", diff=d),
            NotebookChange("bad/@admin.ipynb", "modified", error="@admin <script>x</script> ```"),
        ]
    )
    code, outside = blocks(r.body)
    # every hostile line stayed inside a code block: fences were longer than any backtick run in them
    assert sum(c.count("</details><script>") for c in code) >= 3
    assert "<script" not in outside and "<img" not in outside and "onerror" not in outside
    # the only HTML outside code is ours
    assert set(re.findall(r"</?([a-zA-Z]+)", outside)) <= {"details", "summary", "b", "sub", "ins", "del"}
    # no @mention or cross-reference can ping from outside the code blocks
    assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", outside)
    assert not re.search(r"(?<![\w`&])#\d", outside)
    # the marker appears once, on the first line
    assert r.body.count(MARKER) == 1 + sum(c.count(MARKER) for c in code)
    assert r.body.startswith(MARKER)
    # bidi controls are shown, not obeyed
    assert "\u202e" not in r.body and "<U+202E>" in r.body
    # a path's pipe does not break the table
    assert "\\| y.ipynb" in r.body


def test_markdown_prose_view_is_inert() -> None:
    base = "Intro line that stays the same.\nPlease review the results below carefully.\n"
    evil = "Please ping @octocat, see #12 <script>x</script> ``` [link](javascript:x) below carefully.\n"
    d = nbreview.diff(notebook([md_cell(base)]), notebook([md_cell(base.replace(base.splitlines()[1] + "\n", evil))]))
    assert d.cells[0].status == "modified"
    body = render_comment([NotebookChange("a.ipynb", "modified", diff=d)]).body
    _code, outside = blocks(body)
    assert "➕ " in outside and "<ins>" in outside
    assert "<script" not in outside
    assert "\\[link\\](javascript:x)" in outside  # brackets escaped: shown as text, not a link
    assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", outside) and not re.search(r"(?<![\w`&])#\d", outside)
    assert set(re.findall(r"</?([a-zA-Z]+)", outside)) <= {"details", "summary", "b", "sub", "ins", "del"}


def test_fence_and_span_cannot_be_closed_from_inside() -> None:
    for body in ["```", "````\n```", "x\n" + "`" * 9 + "\ny"]:
        f = fence(body)
        tick = f.split("\n", 1)[0]
        assert set(tick) == {"`"} and len(tick) > max(len(r) for r in re.findall(r"`+", body))
        assert f.endswith(tick + "\n")
    assert code_span("a ``b`` c") == "```a ``b`` c```"
    assert inline("@me #1 <x>") == "@\u200dme #\u200d1 &lt;x&gt;"


def test_markdown_prose_is_wrapped_for_a_phone() -> None:
    long = "This paragraph explains the method at length " * 8
    # a modified paragraph: prose in a quote, which wraps on any screen (no code block to scroll)
    d = nbreview.diff(notebook([md_cell(long)]), notebook([md_cell(long.replace("method", "approach"))]))
    body = render_comment([NotebookChange("a.ipynb", "modified", diff=d)]).body
    code, outside = blocks(body)
    assert code == []
    assert "> ➖ This paragraph explains the <del>method</del> at length" in outside
    assert "> ➕ This paragraph explains the <ins>approach</ins> at length" in outside
    # an added markdown cell: its diff block is wrapped to a phone's width
    d = nbreview.diff(notebook([]), notebook([md_cell(long)]))
    code, _ = blocks(render_comment([NotebookChange("a.ipynb", "modified", diff=d)]).body)
    lines = code[0].splitlines()
    assert len(lines) > 1 and all(len(line) <= 92 and line.startswith("+ ") for line in lines)


def big_change(cells: int) -> Any:
    old = notebook([code_cell(f"value_{i} = {i}\n" * 30, cell_id=f"c{i}") for i in range(cells)], minor=5)
    new = notebook([code_cell(f"value_{i} = {i + 1}\n" * 30, cell_id=f"c{i}") for i in range(cells)], minor=5)
    return nbreview.diff(old, new)


def test_budget_degrades_to_fewer_cells_then_summary_only() -> None:
    d = big_change(120)
    ctx = CommentContext("a" * 40, "b" * 40)
    full = render_comment([NotebookChange("small.ipynb", "modified", diff=big_change(5))], ctx)
    assert full.level == "full" and full.left_out == []
    r = render_comment([NotebookChange("big.ipynb", "modified", diff=d)], ctx, budget=20_000)
    assert len(r.body) <= 20_000 and r.level != "full"
    assert "**Left out to keep this comment short:**" in r.body and "changed cells" in r.body
    assert "nbreview web aaaaaaaaaaaa bbbbbbbbbbbb" in r.body
    many = [NotebookChange(f"nb{i:03d}.ipynb", "modified", diff=d) for i in range(40)]
    r = render_comment(many, ctx, budget=20_000)
    assert r.level == "first notebooks only" and len(r.body) <= 20_000
    shown = r.body.count("<details")
    assert 1 <= shown < 40 and f"the details of {40 - shown} notebooks (they are in the table)" in r.body
    assert r.body.count("\n| nb0") == 40
    r = render_comment(many, ctx, budget=3_500)
    assert r.level == "summary only" and len(r.body) <= 3_500
    assert "<details" not in r.body and "every notebook's cell details" in r.body
    # the default budget keeps any comment under GitHub's 65,536 characters
    r = render_comment(many * 60, ctx)
    assert len(r.body) < 65_536 and "more notebooks" in r.body


def test_no_notebooks_left() -> None:
    r = render_comment([], CommentContext(head_sha="c" * 40))
    assert r.body.startswith(MARKER) and "no longer changes any notebook (as of ccccccc)" in r.body


@pytest.mark.parametrize(
    ("api", "web"),
    [
        ("https://api.github.com", "https://github.com"),
        ("https://api.github.com/", "https://github.com"),
        ("https://github.example.com/api/v3", "https://github.example.com"),
        ("https://api.octocorp.ghe.com", "https://octocorp.ghe.com"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ],
)
def test_image_urls_follow_the_api_host(api: str, web: str) -> None:
    assert web_root(api) == web
    assert raw_base(api, "o/r", "nbreview-assets") == f"{web}/o/r/raw/nbreview-assets"


def test_actions_event_gives_repo_and_number(tmp_path: Path) -> None:
    ev = tmp_path / "e.json"
    ev.write_text(json.dumps({"action": "opened", "number": 5, "pull_request": {"number": 5}}))
    assert event_target({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": str(ev)}) == ("o/r", 5)
    ev.write_text(json.dumps({"issue": {"number": 9, "pull_request": {}}}))
    assert event_target({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": str(ev)}) == ("o/r", 9)
    ev.write_text(json.dumps({"ref": "refs/heads/main"}))
    assert event_target({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": str(ev)}) == ("o/r", None)
    assert event_target({}) == (None, None)


def sample_comment() -> Any:
    """docs/sample-comment.md: the bundled example plus an added and an unreadable notebook."""
    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    added = nbreview.diff(b"", EXAMPLE_OLD.read_bytes())
    changes = [
        NotebookChange("analysis/sales.ipynb", "modified", diff=d),
        NotebookChange("analysis/baseline.ipynb", "added", diff=added),
        NotebookChange(
            "scratch/merge.ipynb",
            "modified",
            error="scratch/merge.ipynb@fedcba9: invalid JSON at line 2, column 1; the file holds git conflict markers",
        ),
    ]
    ctx = CommentContext(
        "0123456789abcdef0123456789abcdef01234567",
        "fedcba9876543210fedcba9876543210fedcba98",
        report_url="https://github.com/OWNER/REPO/actions/runs/1",
        pr_number=42,
    )
    return render_comment(changes, ctx, image_base_url=SAMPLE_ASSETS)


def test_sample_comment_in_the_docs_is_current() -> None:
    r = sample_comment()
    if os.environ.get("NBREVIEW_UPDATE_SAMPLES"):
        SAMPLE.parent.mkdir(exist_ok=True)
        SAMPLE.write_text(r.body)
        for path, data in r.images.items():
            target = SAMPLE.parent / SAMPLE_ASSETS / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    text = SAMPLE.read_text()
    table = [ln for ln in r.body.splitlines() if ln.startswith("| ")]
    assert table == [ln for ln in text.splitlines() if ln.startswith("| ")], (
        "docs/sample-comment.md is out of date: NBREVIEW_UPDATE_SAMPLES=1 pytest tests/test_pr_render.py"
    )
    for url in re.findall(r"!\[\w+\]\((\S+)\)", text):
        assert (SAMPLE.parent / url).is_file(), url


def test_action_runs_nbreview_pr_with_declared_inputs() -> None:
    yaml = pytest.importorskip("yaml")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    text = (ROOT / "action.yml").read_text()
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    runs = [s.get("run", "") for s in action["runs"]["steps"]]
    assert any("pip install" in r for r in runs) and any("nbreview pr" in r for r in runs)
    # the report step never runs on pull_request_target (it checks out the pull request)
    for step in action["runs"]["steps"]:
        if "checkout" in str(step.get("uses", "")):
            assert "github.event_name == 'pull_request'" in step["if"]
            assert step["with"]["persist-credentials"] is False


def test_the_comment_is_host_neutral_and_the_host_is_passed_in() -> None:
    """Marker, length limit, fetch command and sign-off come from the host; none of GitHub's is built in."""
    from nbreview.hosts.github.comment import GITHUB
    from nbreview.render.markdown import CommentHost
    from nbreview.render.markdown import render_comment as render_for_any_host

    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    changes = [NotebookChange("analysis/sales.ipynb", "modified", diff=d)]
    ctx = CommentContext("a" * 40, "b" * 40, pr_number=7)
    plain = render_for_any_host(changes, ctx).body
    assert plain.startswith("### 📓 Notebook changes") and "<!--" not in plain
    assert "pull/7" not in plain and "after fetching the change, `nbreview web aaaaaaaaaaaa" in plain
    gitlab = CommentHost(
        marker="<!-- nbreview:mr-note -->",
        max_body=3_000,
        budget=50_000,
        fetch_command=lambda n: f"git fetch origin merge-requests/{n}/head",
        change_name="merge request",
        sign_off="Posted by nbreview",
    )
    note = render_for_any_host(changes, ctx, host=gitlab)
    assert note.body.startswith("<!-- nbreview:mr-note -->\n### ") and len(note.body) < 3_000
    assert "`git fetch origin merge-requests/7/head` then" in note.body and note.level != "full"
    many = [NotebookChange(f"nb{i:03d}.ipynb", "modified", diff=d) for i in range(400)]
    assert len(render_for_any_host(many, ctx, host=gitlab).body) < 3_000
    assert render_for_any_host([], ctx, host=gitlab).body.startswith("<!-- nbreview:mr-note -->\n")
    # pictures are linked by whatever the host gives (here: numbered uploads, as a GitLab note would)

    class Uploads:
        def __init__(self) -> None:
            self.wanted: dict[str, bytes] = {}

        def url(self, data: bytes, mime: str) -> str:
            path = f"uploads/{len(self.wanted)}.{mime.split('/')[1]}"
            self.wanted[path] = data
            return "/" + path

    linked = render_for_any_host(changes, ctx, images=Uploads)
    assert "![before](/uploads/0.png)" in linked.body and "![after](/uploads/1.png)" in linked.body
    assert sorted(linked.images) == ["uploads/0.png", "uploads/1.png"]
    # GitHub's adapter is this renderer with GitHub's host, nothing more
    github = render_comment(changes, ctx)
    assert github.body == render_for_any_host(changes, ctx, host=GITHUB).body
    assert "`git fetch origin pull/7/head` then" in github.body and "edited in place on every push" in github.body


def test_markdown_renderer_draws_one_notebook_through_the_protocol() -> None:
    from nbreview.render.markdown import LEVELS, ImageLinker, MarkdownRenderer
    from nbreview.render.protocol import Renderer
    from nbreview.view import build

    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    linker = ImageLinker("https://img.example")
    r = MarkdownRenderer(LEVELS[0], linker, name="a.ipynb")
    assert isinstance(r, Renderer)
    section = r.render(build(d))
    assert section.startswith("<details open><summary><b>a.ipynb</b> · modified · 4 modified")
    assert section.rstrip().endswith("</details>") and r.cells_left == 0
    assert "https://img.example/img/" in section and len(linker.wanted) == 2
    unlinked = MarkdownRenderer(LEVELS[0], None, name="a.ipynb", open_=False)
    text = unlinked.render(build(d))
    assert text.startswith("<details><summary>") and "![" not in text and unlinked.allowance.skipped == 1
    brief = MarkdownRenderer(LEVELS[-1], None, name="a.ipynb")
    assert "more changed cells left out for length" in brief.render(build(d)) and brief.cells_left > 0


def test_a_run_of_changes_is_one_hunk_and_unlisted_lines_start_another() -> None:
    """Removed lines are listed before added ones, so the added rows' old numbers go back: no gap there."""
    from nbreview.engine.model import LineOp, TextDiff
    from nbreview.render.markdown import diff_lines

    def replace(old: int, new: int) -> LineOp:
        return LineOp("replace", old, new, f"old {old}\n", f"new {new}\n")

    run = [LineOp("equal", 0, 0, "a\n", "a\n"), replace(1, 1), LineOp("delete", 2, None, "gone\n"), replace(3, 2),
           LineOp("equal", 4, 3, "b\n", "b\n")]
    lines = diff_lines(TextDiff(run, added=2, removed=3))
    assert lines == ["  a", "- old 1", "- gone", "- old 3", "+ new 1", "+ new 2", "  b"]
    # a huge output lists only its changes' context: lines 5..49 were never listed
    far = [LineOp("equal", 50, 49, "c\n", "c\n"), LineOp("delete", 51, None, "late\n"),
           LineOp("equal", 52, 50, "d\n", "d\n")]
    lines = diff_lines(TextDiff(run + far, added=2, removed=4))
    assert lines[7:] == ["@@ ⋯ @@", "  c", "- late", "  d"]
