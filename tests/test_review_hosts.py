"""The review session on every host: one suite, run on a GitHub pull request (the fake GitHub) and a
GitLab merge request (the fake GitLab), through the same host-neutral session the review page uses.

Threads read and placed on cells, an outdated one carried to its cell after a push, a line comment,
a range, a reply, resolve and unresolve, a pending review kept on disk and submitted whole (GitHub:
one review; GitLab: draft notes and one bulk publish), and a position the host refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.review_hosts import GitHubSide, example_texts, gitlab_side
from support.review_world import PATH

ADDED = (6, 1)  # cell [6] line 1: an added line (the whole cell is new in the example)
RANGE = (6, (1, 3))  # three added lines of cell [6]
UNCHANGED = (7, 1)  # cell [7] line 1: an unchanged line inside a hunk (GitLab: both old_line and new_line)
OUTSIDE = (15, 2)  # a padding cell far from every change: no line comment there


@pytest.fixture(params=["github", "gitlab"])
def side(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # where pending reviews are kept
    if request.param == "github":
        from fakegithub import SHARED_API

        if not (SHARED_API / "openapi-subset.json").exists():
            pytest.skip("../shared/github-api is not present")
        yield GitHubSide(request.getfixturevalue("world"))
    else:
        with gitlab_side(tmp_path) as gl:
            yield gl


def session(side: Any) -> Any:
    from nbreview.hosts.review import open_review

    return open_review(side.host(), log=lambda line: None)


def draft(cell: int, lines: tuple[int, int] | None, body: str, side: str = "new") -> Any:
    from nbreview.hosts.review import Draft

    return Draft(0, side, cell, body, lines)


def placed(s: Any) -> list[Any]:
    threads, _pending = s.threads(lambda text: text)
    return threads


def test_threads_are_read_and_placed_on_their_cells(side: Any) -> None:
    root = side.seed(*ADDED, "why a new cell?")
    side.seed(*UNCHANGED, "this plot again")
    s = session(side)
    assert [p.path for p in s.pairs] == [PATH]
    threads = {t.comments[0]["html"]: t for t in placed(s)}
    new_cell, plot = threads["why a new cell?"], threads["this plot again"]
    assert (new_cell.cell, new_cell.lines, new_cell.side, new_cell.outdated) == (6, (1, 1), "new", False)
    assert (plot.cell, plot.lines, plot.outdated) == (7, (1, 1), False)
    assert new_cell.comments[0]["id"] == root and new_cell.comments[0]["author"] in ("someone", "bob")
    assert new_cell.resolved is False  # both hosts say so (GitHub through GraphQL)


def test_an_outdated_thread_is_carried_to_its_cell_after_a_push(side: Any) -> None:
    from support.notebooks import md_cell
    from support.review_world import dump

    side.seed(*ADDED, "on the forecast")
    nb = json.loads(side.texts()[1])
    nb["cells"].insert(0, md_cell("a new introduction"))
    nb["cells"][7]["source"] = ["forecast = model.predict(horizon=24)\n", "show(forecast)"]  # was cell [6]
    side.push(dump(nb))
    [t] = placed(session(side))
    assert t.outdated and t.cell == 7 and t.side == "new"  # by the cell's id, one cell further down
    assert "future = np.arange(13, 16)" in t.comments[0]["snippet"]  # the code it was written on


def test_a_line_comment_and_a_range_land_on_their_lines(side: Any) -> None:
    from support.review_world import json_line

    s = session(side)
    s.single(draft(ADDED[0], (ADDED[1], ADDED[1]), "one line"))
    s.single(draft(RANGE[0], RANGE[1], "three lines"))
    s.single(draft(UNCHANGED[0], (UNCHANGED[1], UNCHANGED[1]), "an unchanged line"))
    head = side.texts()[1]
    held = {_text(h.body): h for h in side.held()}
    one, three, same = held["one line"], held["three lines"], held["an unchanged line"]
    assert one.line == json_line(head, 6, 1) and one.start is None
    assert (three.start, three.line) == (json_line(head, 6, 1), json_line(head, 6, 3))
    assert same.line == json_line(head, 7, 1)
    back = {t.comments[0]["html"].split("\n")[0]: t for t in placed(session(side))}
    assert {(t.cell, t.lines) for t in back.values()} == {(6, (1, 1)), (6, (1, 3)), (7, (1, 1))}


def _text(body: str) -> str:
    """The reviewer's own words in a body nbreview wrote (after the location and the quote)."""
    from nbreview.threads.anchor import reader_text

    lines = [x for x in reader_text(body).split("\n") if x.strip() and not x.startswith("<!--")]
    return lines[-1]


def test_reply_resolve_and_unresolve(side: Any) -> None:
    root = side.seed(*ADDED, "is this right?")
    s = session(side)
    placed(s)
    s.reply(root, "yes, checked")
    s.resolve(root, True)
    [t] = placed(s)
    assert [c["html"] for c in t.comments] == ["is this right?", "yes, checked"] and t.resolved is True
    s.resolve(root, False)
    [t] = placed(s)
    assert t.resolved is False


def test_a_pending_review_is_kept_on_disk_and_submitted_whole(side: Any) -> None:
    s = session(side)
    s.add_draft(draft(ADDED[0], (ADDED[1], ADDED[1]), "first thought"))
    s.add_draft(draft(RANGE[0], RANGE[1], "a range"))
    s.add_draft(draft(OUTSIDE[0], (OUTSIDE[1], OUTSIDE[1]), "far from the change"))
    assert side.held() == []  # nothing sent yet
    again = session(side)  # a new page, a restarted server: the pending review is still there
    assert [d.body for d in again.store.drafts] == ["first thought", "a range", "far from the change"]
    result = again.submit("APPROVE", "looks good")
    unfolds = side.name == "gitlab"  # GitLab takes an unchanged line outside the hunks; GitHub: on the file
    assert (result["inline"], result["file_level"], result["state"]) == (2 + unfolds, 1 - unfolds, "APPROVED")
    assert again.store.drafts == [] and session(side).store.drafts == []
    assert side.submitted() == ["APPROVED"] and side.publications() == 1
    bodies = [_text(h.body) for h in side.held()]
    assert {"first thought", "a range", "far from the change"} <= set(bodies)
    threads = {t.comments[0]["html"].split("\n")[0]: t for t in placed(session(side))}
    assert sorted((t.cell, t.lines, t.file_level) for t in threads.values()) == [
        (6, (1, 1), False), (6, (1, 3), False), (15, (2, 2), not unfolds)]


def test_a_position_the_host_refuses_is_refused(side: Any) -> None:
    """An unchanged line outside the diff named by its new number alone: GitHub answers 422 (not part
    of the diff), GitLab 400 (no line code: an unchanged line needs both numbers), shown as one line."""
    from nbreview.errors import NbreviewError
    from nbreview.hosts.protocol import Spot
    from support.review_world import json_line

    s = session(side)
    at = json_line(side.texts()[1], *OUTSIDE)
    outside = Spot(PATH, PATH, "new", at, at, (None, at), (None, at), ((at, at), (at, at)))
    with pytest.raises(NbreviewError) as err:  # a line outside the diff, as the host answers it
        s.host.comment(outside, "not part of the diff")
    said = str(err.value)
    assert ("422" in said and "part of the diff" in said) or ("400" in said and "line_code" in said)
    assert side.held() == []


def test_the_sticky_comment_lists_the_open_threads_per_cell(
    side: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``nbreview pr``'s comment (GitHub) or note (GitLab) counts the unresolved threads per cell."""
    import cmarkgfm

    from nbreview.cli.main import main
    from support.review_world import OTHER

    side.seed(*ADDED, "one")
    side.seed(6, 2, "two")
    done = side.seed(*UNCHANGED, "three, resolved")
    s = session(side)
    placed(s)
    s.resolve(done, True)
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITLAB_CI", "CI_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", OTHER)
    monkeypatch.setenv("NBREVIEW_GITLAB_TOKEN", "glpat-bot")
    assert main([*side.pr_args(), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "💬 nb/example.ipynb: 2 open threads: cell [6] (2)" in out
    assert "2 open threads: cell [6] (2)" in cmarkgfm.github_flavored_markdown_to_html(out)


def test_the_same_notebooks_on_both_hosts() -> None:
    """The suite's two changes hold the same notebook, so its expectations mean the same on both."""
    base, head = example_texts()
    assert base != head and '"id": "forecast"' in head


def test_gitlab_positions_match_gitlabs_own_line_codes(tmp_path: Path) -> None:
    """Every line of every hunk of the MR's diff (as ``…/diffs`` sends it), each side: the position
    nbreview writes (old_line/new_line by the added/removed/unchanged rule, and the line code of a
    range's ends) is the one GitLab's diff parser gives that line (the fake's port of parser.rb
    and line_code.rb)."""
    from fakegitlab.positions import position_line_code
    from nbreview.hosts.gitlab.review import line_code
    from nbreview.hosts.protocol import Spot
    from nbreview.threads.hunks import parse_patch

    with gitlab_side(tmp_path) as gl:
        host = gl.host()
        [nb] = host.open(50).notebooks
        hunks = parse_patch(nb.patch)
        checked = 0
        for h in hunks.hunks:
            for side, lines in (("new", h.right), ("old", h.left)):
                for at in sorted(lines):
                    pair, code = hunks.pair(side, at), hunks.position(side, at)
                    spot = Spot(PATH, PATH, side, at, at, pair, pair, (code, code))
                    assert position_line_code(gl.mr, host.position(spot)) == line_code(PATH, *code), (side, at)
                    checked += 1
        lines = hunks.hunks[-1].right_at  # ... and the unchanged lines outside the hunks, as GitLab unfolds them
        for at in range(1, len(nb.new.splitlines()) + 1):
            got = hunks.unfolded("new", at)
            if got is None or at in lines:
                continue
            (old, new) = got[1]
            spot = Spot(PATH, PATH, "new", at, at, (old, new), (old, new), ((old, new), (old, new)))
            assert position_line_code(gl.mr, host.position(spot)) == line_code(PATH, old, new), at
            checked += 1
        assert checked > 250


def test_gitlab_drafts_started_on_gitlab_go_out_with_the_review(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Draft notes the user wrote on GitLab itself show as pending (another user's do not), can be
    edited and deleted from the page, and are published by the same single bulk publish."""
    from support.review_hosts import hunks_of
    from support.review_world import json_line

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with gitlab_side(tmp_path) as gl:
        base, head = gl.texts()
        at = json_line(head, *ADDED)
        v = gl.mr.versions[-1]
        pos = {"position_type": "text", "base_sha": v.base_sha, "start_sha": v.start_sha, "head_sha": v.head_sha,
               "old_path": PATH, "new_path": PATH, "new_line": at}
        assert hunks_of(base, head).pair("new", at) == (None, at)
        mine = gl.fake.add_draft(5, "ann", "written on GitLab", pos)
        gone = gl.fake.add_draft(5, "ann", "to be deleted", pos)
        gl.fake.add_draft(5, "bob", "bob's own draft", pos)
        s = session(gl)
        _threads, pending = s.threads(lambda text: text)
        assert [(t.cell, t.lines, t.comments[0]["html"]) for t in pending] == [
            (6, (1, 1), "written on GitLab"), (6, (1, 1), "to be deleted")]
        s.edit_draft(mine.id, "edited on the page")
        s.delete_draft(gone.id)
        s.add_draft(draft(*RANGE, "kept here"))
        s.submit("COMMENT", "")
        assert gl.publications() == 1 and [d.username for d in gl.mr.drafts] == ["bob"]
        assert {_text(h.body) for h in gl.held()} == {"edited on the page", "kept here"}


def test_gitlab_a_thread_whose_line_survives_a_push_stays_current(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """GitLab moves a diff note to the new version when its line survives (the fake traces it as
    GitLab's position tracer does); the page shows it current, on the same cell one further down."""
    from support.notebooks import md_cell
    from support.review_world import dump

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with gitlab_side(tmp_path) as gl:
        gl.seed(*ADDED, "on the forecast")
        nb = json.loads(gl.texts()[1])
        nb["cells"].insert(0, md_cell("a new introduction"))
        gl.push(dump(nb))
        [t] = placed(session(gl))
        assert (t.cell, t.lines, t.outdated) == (7, (1, 1), False)


def test_gitlab_a_renamed_notebook_on_a_target_branch_that_moved_on(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook renamed in the MR, the target branch moved on since (start_sha apart from base_sha):
    the page reads both sides, and a comment's position names both paths and the version's three SHAs."""
    from fakegitlab import FakeGitLab, serve
    from nbreview.hosts.gitlab.client import connect
    from nbreview.hosts.gitlab.review import GitLabReview
    from nbreview.hosts.review import open_review
    from support.review_hosts import GITLAB_REVIEWER

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    base, head = example_texts()
    fake = FakeGitLab()
    mr = fake.open_mr(5, {"old/name.ipynb": base.encode()}, {PATH: head.encode()},
                      target_files={"old/name.ipynb": base.encode(), "README.md": b"moved on\n"},
                      renames={PATH: "old/name.ipynb"})
    assert mr.start_sha != mr.base_sha
    with serve(fake) as url:
        s = open_review(GitLabReview(connect(url, GITLAB_REVIEWER), url, "7", 5), log=lambda line: None)
        assert [(f.path, f.old_path, f.status) for f in s.files] == [(PATH, "old/name.ipynb", "renamed")]
        s.single(draft(*RANGE, "across three lines"))
        [note] = mr.notes
        v = mr.versions[-1]
        assert (note.position["old_path"], note.position["new_path"]) == ("old/name.ipynb", PATH)
        assert (note.position["base_sha"], note.position["start_sha"], note.position["head_sha"]) == (
            v.base_sha, v.start_sha, v.head_sha)
        [t] = placed(s)
        assert (t.path, t.cell, t.lines) == (PATH, 6, (1, 3))


def test_gitlab_quoted_notebook_lines_run_no_quick_action(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment quotes the notebook's lines; on GitLab a line ``/approve`` there would run when posted
    unless in a fence of exactly three backticks, and a cell holding a ``` run gets a longer one."""
    from support.review_world import dump

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with gitlab_side(tmp_path) as gl:
        nb = json.loads(gl.texts()[1])
        nb["cells"][6]["source"] = ["/approve\n", "```\n", "/merge"]  # the added cell [6]
        gl.push(dump(nb))
        s = session(gl)
        s.single(draft(6, (1, 3), "what is this?"))
        s.single(draft(6, None, "and the whole cell"))
        assert gl.fake.commands == [] and len(gl.mr.notes) == 2
        assert all("\u200d/approve" in n.body and "````" in n.body for n in gl.mr.notes)


def test_gitlab_many_discussions_are_read_a_hundred_a_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """250 threads on the MR: all placed, read in pages of 100 (GitLab's default is 20 a page)."""
    from gitlab.client import Gitlab

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    pages: list[str] = []
    real = Gitlab.http_request

    def counted(self: Any, verb: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if verb == "get" and "/discussions" in path:
            pages.append(path)
        return real(self, verb, path, *args, **kwargs)

    monkeypatch.setattr(Gitlab, "http_request", counted)
    with gitlab_side(tmp_path) as gl:
        for k in range(250):
            gl.seed(*ADDED, f"thread {k}")
        threads = placed(session(gl))
        assert len(threads) == 250 and {t.cell for t in threads} == {6}
        assert len(pages) == 3
