"""The PR comment spends its budget on what changed (issue 20): a deleted notebook is one line,
the changed pictures and results of the modified notebooks are all there, tables read as tables,
object reprs never show, and names cannot smuggle control characters into the summary table.

Rendered through cmarkgfm (GitHub's markdown) and read as a reviewer would read the page."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from nbreview.hosts.github.comment import render_comment
from nbreview.render.markdown import NotebookChange
from nbreview.results import pipeline
from nbreview.view import build, is_raster
from support.paths import CORPUS, EXAMPLE_NEW, EXAMPLE_OLD, needs_corpus

DELETED = CORPUS / "ageron_handson-ml3__tools_pandas.ipynb__d507ec81__2f7ab702"  # 307 cells, tables
IMAGE_PAIR = CORPUS / "ageron_handson-ml3__extra_gradient_descent_comparison.ipynb__bbc11139__0a28fab5"
IMAGE_PAIR_2 = CORPUS / "rasbt_LLMs-from-scratch__ch04_01_main-chapter-code_ch04.ipynb__87a4340c__f550bd5b"
BASE_URL = "https://github.com/o/r/raw/nbreview-assets"


def github_html(body: str) -> str:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    html: str = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    return html


class _Text(HTMLParser):
    """The text a reader sees, and the images shown."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        elif tag == "table":
            self.tables += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read(body: str) -> _Text:
    parser = _Text()
    parser.feed(github_html(body))
    return parser


def _diff(old: bytes, new: bytes, path: str) -> Any:
    return pipeline.diff(old, new, old_label=f"{path}@base", new_label=f"{path}@head")


def three_notebooks() -> list[NotebookChange]:
    """A deleted notebook listed first (GitHub's file order), then two modified ones whose plots changed."""
    return [
        NotebookChange("nb/pandas.ipynb", "removed", diff=_diff((DELETED / "new.ipynb").read_bytes(), b"", "pandas")),
        NotebookChange(
            "nb/gradient.ipynb",
            "modified",
            diff=_diff((IMAGE_PAIR / "old.ipynb").read_bytes(), (IMAGE_PAIR / "new.ipynb").read_bytes(), "gradient"),
        ),
        NotebookChange(
            "nb/ch04.ipynb",
            "modified",
            diff=_diff((IMAGE_PAIR_2 / "old.ipynb").read_bytes(), (IMAGE_PAIR_2 / "new.ipynb").read_bytes(), "ch04"),
        ),
    ]


def changed_pictures(ch: NotebookChange) -> list[bytes]:
    """The bytes of every raster picture of the notebook that came or has other pixels (after side)."""
    out: list[bytes] = []
    for c in ch.view().cells:
        for o in c.outputs if c.diff.status == "modified" else []:
            for pair in o.images:
                if is_raster(pair.mime) and not pair.pixels_equal:
                    data = pair.new_bytes() or pair.old_bytes()
                    assert data is not None
                    out.append(data)
    return out


@needs_corpus
def test_a_deleted_notebook_is_one_line_and_every_changed_plot_is_shown() -> None:
    changes = three_notebooks()
    r = render_comment(changes, image_base_url=BASE_URL)
    page = read(r.body)
    text = "".join(page.text)
    # the deleted notebook: one line with its cell count, none of its 307 cells
    assert re.search(r"^🗑️ \*\*nb/pandas\.ipynb\*\* · deleted · 307 cells$", r.body, re.M)
    assert "<b>nb/pandas.ipynb</b>" not in r.body
    assert "Tools - pandas" not in text  # its first markdown cell
    assert "the cells of 1 added or deleted notebook" in text
    # the modified notebooks come first and keep every changed picture, linked by content hash
    assert r.body.index("<b>nb/gradient.ipynb</b>") < r.body.index("nb/pandas.ipynb** · deleted")
    wanted = [p for ch in changes[1:] for p in changed_pictures(ch)]
    assert len(wanted) >= 2
    for data in wanted:
        digest = hashlib.sha256(data).hexdigest()
        assert any(digest in src for src in page.images), "a changed plot of a modified notebook was dropped"
        assert r.images[f"img/{digest[:2]}/{digest}.png"] == data
    assert not any("image" in x for x in r.left_out)
    # the summary table counts the re-executed cell whose plot changed
    assert "| nb/gradient.ipynb | · | · | 1 | · | 1 | 1 |" in r.body
    # no object reprs, no raw markup, clear before / after wording
    assert "<Figure" not in text and " at 0x" not in text
    assert "<td>" not in text
    assert "(old)" not in text and "Before" in text and "After" in text


@needs_corpus
def test_a_deleted_notebook_is_listed_in_full_when_room_is_left() -> None:
    small = NotebookChange("nb/gone.ipynb", "removed", diff=_diff(EXAMPLE_OLD.read_bytes(), b"", "gone"))
    modified = three_notebooks()[1]
    r = render_comment([small, modified], image_base_url=BASE_URL)
    assert "<b>nb/gone.ipynb</b> · removed" in r.body and r.level == "full"
    assert "deleted ·" not in r.body and not r.left_out


def test_a_changed_table_is_a_table_not_td_lines() -> None:
    d = _diff(EXAMPLE_OLD.read_bytes(), EXAMPLE_NEW.read_bytes(), "sales")
    assert d.results.tables, "the example's DataFrame changed"
    r = render_comment([NotebookChange("analysis/sales.ipynb", "modified", diff=d)])
    section = r.body[r.body.index("<details open>") :]
    assert "<td>" not in section  # the markup is not diffed line by line
    assert "~~120~~ **125**" in section
    page = read(r.body)
    assert page.tables >= 2  # the summary table and the changed DataFrame


def test_object_reprs_never_reach_the_comment() -> None:
    from support.notebooks import code_cell, notebook

    png_old, png_new = _png(0), _png(255)

    def cell(png: str, addr: str) -> dict[str, Any]:
        outs = [
            {"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/plain": f"[<matplotlib.lines.Line2D at {addr}>]"}},
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"}},
        ]
        return code_cell("plt.plot(x)", outs, 1)

    old = notebook([cell(png_old, "0x7f00aa11bb22")])
    new = notebook([cell(png_new, "0x7f99cc33dd44"), cell(png_new, "0x7f99cc33dd55")])
    import json

    d = _diff(json.dumps(old).encode(), json.dumps(new).encode(), "plot")
    r = render_comment([NotebookChange("plot.ipynb", "modified", diff=d)], image_base_url=BASE_URL)
    text = "".join(read(r.body).text)
    assert "Figure size" not in text and "0x7f" not in text and "Line2D" not in text
    assert len(read(r.body).images) == 3  # before / after of the changed plot, and the new cell's plot


def _png(shade: int) -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, 0, 0)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_control_characters_in_a_name_are_made_visible() -> None:
    d = _diff(EXAMPLE_OLD.read_bytes(), EXAMPLE_NEW.read_bytes(), "x")
    name = "x\x1b]0;TITLE\x07\x9b2J\u202e.ipynb"
    body = render_comment([NotebookChange(name, "modified", diff=d)]).body
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", body.replace("\n", ""))
    row = next(ln for ln in body.splitlines() if ln.startswith("| x"))
    assert row.startswith(r"| x\\x1b\]0;TITLE\\x07\\x9b2J&lt;U+202E&gt;.ipynb |")
    text = "".join(read(body).text)
    assert r"x\x1b]0;TITLE\x07\x9b2J<U+202E>.ipynb" in text  # what a reader sees: the escapes, spelled out


def test_the_view_marks_result_cells_for_the_comment() -> None:
    d = _diff(EXAMPLE_OLD.read_bytes(), EXAMPLE_NEW.read_bytes(), "x")
    view = build(d)
    assert all(cv.visibility == "shown" for cv in view.cells if cv.result)
    assert {(cv.diff.old_index, cv.diff.new_index) for cv in view.cells if cv.result}


def _rotated(nb_bytes: bytes, cell: int) -> tuple[bytes, bytes]:
    """The notebook with the first PNG of cell ``cell`` turned a quarter, and the new PNG's bytes."""
    import base64
    import io
    import json

    from PIL import Image

    nb = json.loads(nb_bytes)
    output = next(o for o in nb["cells"][cell]["outputs"] if "image/png" in o.get("data", {}))
    raw = output["data"]["image/png"]
    img = Image.open(io.BytesIO(base64.b64decode("".join(raw) if isinstance(raw, list) else raw)))
    buf = io.BytesIO()
    img.rotate(90, expand=True).save(buf, "PNG")
    output["data"]["image/png"] = base64.b64encode(buf.getvalue()).decode()
    return json.dumps(nb, indent=1).encode(), buf.getvalue()


@needs_corpus
def test_after_a_second_push_the_new_commits_plot_is_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two pushes to a pull request in the fake GitHub: the sticky comment, edited in place, links
    the plot of the second push's commit (rotated), uploaded to the assets branch."""
    from fakegithub import SHARED_API, FakeGitHub, Token, serve
    from support.pr_bot import REPO, TOKEN, commit_files, git, run_pr

    if not (SHARED_API / "openapi-subset.json").exists():
        pytest.skip("../shared/github-api is not present")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit_files(repo, {"nb/pandas.ipynb": (DELETED / "new.ipynb").read_bytes(),
                        "nb/gradient.ipynb": (IMAGE_PAIR / "old.ipynb").read_bytes(),
                        "nb/ch04.ipynb": (IMAGE_PAIR_2 / "old.ipynb").read_bytes()}, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    commit_files(repo, {"nb/pandas.ipynb": None, "nb/gradient.ipynb": (IMAGE_PAIR / "new.ipynb").read_bytes(),
                        "nb/ch04.ipynb": (IMAGE_PAIR_2 / "new.ipynb").read_bytes()}, "first push")
    fake = FakeGitHub()
    fake.add_repo(REPO, fake.store.import_git(repo))
    fake.tokens[TOKEN] = Token("nbreview-bot", write=True, user_id=41)
    number = fake.open_pull(REPO, "main", "feature")
    with serve(fake) as url:
        assert run_pr(url, number, monkeypatch, capsys)[0] == 0
        first = fake.comments_on(REPO, number)[0]
        first_id, first_body = first.id, first.body
        edited, rotated = _rotated((IMAGE_PAIR_2 / "new.ipynb").read_bytes(), 40)
        head = commit_files(repo, {"nb/ch04.ipynb": edited}, "second push: the plot turned")
        fake.refs[REPO].update(fake.store.import_git(repo))
        code, _out, err = run_pr(url, number, monkeypatch, capsys)
        assert code == 0, err
        ours = fake.comments_on(REPO, number)
        assert [c.id for c in ours] == [first_id] and head[:7] in ours[0].body
        digest = hashlib.sha256(rotated).hexdigest()
        page = read(ours[0].body)
        assert any(src.endswith(f"/img/{digest[:2]}/{digest}.png") for src in page.images)
        assert digest not in first_body
        assert fake.branch_files(REPO, "nbreview-assets")[f"img/{digest[:2]}/{digest}.png"] == rotated
        assert re.search(r"^🗑️ \*\*nb/pandas\.ipynb\*\* · deleted · 307 cells$", ours[0].body, re.M)


@needs_corpus
def test_a_large_added_notebook_alone_shows_its_first_cells() -> None:
    added = NotebookChange("nb/pandas.ipynb", "added", diff=_diff(b"", (DELETED / "new.ipynb").read_bytes(), "pandas"))
    r = render_comment([added], image_base_url=BASE_URL)
    assert "**Cell [ ] → [306]** · code · added" in r.body and not r.left_out  # room for all of it
    r = render_comment([added], image_base_url=BASE_URL, budget=30_000)
    assert "<details open><summary><b>nb/pandas.ipynb</b> · added" in r.body
    assert "**Cell [ ] → [0]** · markdown · added" in r.body and "**Cell [ ] → [306]**" not in r.body
    assert any(x.endswith("changed cells") for x in r.left_out) and len(r.body) <= 30_000
    # beside modified notebooks it gets what they leave: its first cells, or one line
    modified = three_notebooks()[1:]
    r = render_comment([added, *modified], image_base_url=BASE_URL)
    assert r.body.index("<b>nb/ch04.ipynb</b>") < r.body.index("<b>nb/pandas.ipynb</b> · added")
    assert r.left_out == ["282 changed cells"]  # all of the modified ones, 25 cells of the new one
    r = render_comment([added, *modified], image_base_url=BASE_URL, budget=30_000)
    assert re.search(r"^🆕 \*\*nb/pandas\.ipynb\*\* · added · 307 cells$", r.body, re.M)


def test_when_cells_are_cut_the_changed_results_are_kept_first() -> None:
    import json

    from nbreview.render.markdown.notebook import picked
    from support.notebooks import code_cell, notebook

    def plot(shade: int) -> list[dict[str, Any]]:
        return [{"output_type": "display_data", "metadata": {}, "data": {"image/png": _png(shade)}}]

    def text(s: str) -> list[dict[str, Any]]:
        return [{"output_type": "stream", "name": "stdout", "text": s}]

    old = notebook([code_cell("a = 1"), code_cell("load()", text("ok\n"), 1), code_cell("plot()", plot(0), 2)])
    new = notebook([code_cell("a = 2"), code_cell("load()", text("ok again\n"), 3), code_cell("plot()", plot(250), 4)])
    view = build(_diff(json.dumps(old).encode(), json.dumps(new).encode(), "nb"))
    assert [(cv.visibility, cv.result) for cv in view.cells] == [("shown", False), ("quiet", False), ("shown", True)]
    assert [c.diff.new_index for c in picked(view, 1)] == [2]  # the plot, though it comes last
    assert [c.diff.new_index for c in picked(view, 2)] == [0, 2]  # then the source change, in notebook order
    assert [c.diff.new_index for c in picked(view, None)] == [0, 1, 2]


def test_a_thread_on_the_base_side_is_named_base_not_old() -> None:
    """The sticky comment's thread line: "(old)" read like "outdated"; a base-side cell says "base"."""
    from nbreview.render.markdown import CommentContext
    from nbreview.threads.place import Thread, thread_counts

    def thread(side: str, cell: int) -> Thread:
        return Thread("nb.ipynb", side, cell, None, None, False, False, [{"id": cell}])

    counts = thread_counts([thread("new", 4), thread("old", 4), thread("old", 4), thread("new", 9)])
    assert counts == {"nb.ipynb": [("cell [4]", 1), ("cell [9]", 1), ("base cell [4]", 2)]}
    d = _diff(EXAMPLE_OLD.read_bytes(), EXAMPLE_NEW.read_bytes(), "x")
    body = render_comment([NotebookChange("nb.ipynb", "modified", diff=d)], CommentContext(threads=counts)).body
    assert "💬 nb.ipynb: 4 open threads: cell [4] (1), cell [9] (1), base cell [4] (2)" in "".join(read(body).text)
    assert "(old)" not in body
