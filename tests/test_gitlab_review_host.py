"""GitLab's review host beyond the shared suite: whole-file comments with ``position_type: file``
(GitLab 16.4+, the old marker before), "Request changes" through GitLab's ``/request_changes`` quick
action for a reviewer of the merge request, and GitLab's ``RateLimit-*`` headers on the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.review_hosts import gitlab_side
from support.review_world import PATH


def session(side: Any) -> Any:
    from nbreview.hosts.review import open_review

    return open_review(side.host(), log=lambda line: None)


def whole_file() -> Any:
    from nbreview.hosts.protocol import Spot

    return Spot(PATH, PATH, "new")


@pytest.fixture
def gl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with gitlab_side(tmp_path) as side:
        yield side


def test_a_whole_file_comment_is_a_file_position_where_gitlab_has_it(gl: Any) -> None:
    s = session(gl)
    s.host.comment(whole_file(), "about the whole notebook")
    [note] = gl.mr.notes
    assert note.kind == "DiffNote" and note.body == "about the whole notebook"
    assert (note.position["position_type"], note.position["new_path"]) == ("file", PATH)
    assert note.position["head_sha"] == gl.mr.head_sha and note.position["new_line"] is None
    [t] = s.threads(lambda text: text)[0]
    assert (t.path, t.file_level, t.cell) == (PATH, True, None)


def test_before_16_4_a_whole_file_comment_names_the_file_instead(gl: Any) -> None:
    """A server that answers ``position_type: file`` with Grape's 400 (values text, image): the
    comment goes without a position, the file named in its body; asked once per session."""
    gl.fake.position_types = ("text", "image")
    s = session(gl)
    s.host.comment(whole_file(), "first")
    s.host.comment(whole_file(), "second")
    assert [n.position for n in gl.mr.notes] == [None, None]
    assert all(f"`{PATH}`" in n.body and "nbreview:file" in n.body for n in gl.mr.notes)
    assert s.host.file_positions is False
    assert [(t.path, t.file_level) for t in s.threads(lambda text: text)[0]] == [(PATH, True)] * 2


@pytest.mark.parametrize("types", [("text", "image", "file"), ("text", "image")])
def test_a_reviews_whole_file_comment_is_a_draft_note_on_the_file(gl: Any, types: tuple[str, ...]) -> None:
    gl.fake.position_types = types
    s = session(gl)
    result = s.host.submit("COMMENT", "summary", [(whole_file(), "the notebook as a whole")])
    assert result["file_level"] == 1 and gl.publications() == 1 and gl.fake.dropped_drafts == []
    by_body = {n.body.split("\n")[-2] if n.position is None and "nbreview:file" in n.body else n.body: n
               for n in gl.mr.notes}
    note = by_body["the notebook as a whole"]
    assert (note.position or {}).get("position_type") == ("file" if "file" in types else None)
    assert [t.file_level for t in s.threads(lambda text: text)[0]] == [True]


def test_a_reviewer_of_the_merge_request_can_request_changes(gl: Any) -> None:
    """GitLab's "Request changes" is the ``/request_changes`` quick action of a reviewer: sent in a
    note of its own after the one ``bulk_publish``; GitLab keeps no note of it (202)."""
    from nbreview.hosts.review import Draft

    gl.mr.reviewers["ann"] = "unreviewed"
    s = session(gl)
    assert s.host.events == ("COMMENT", "APPROVE", "REQUEST_CHANGES")
    s.add_draft(Draft(0, "new", 6, "this cell needs a test", (1, 1)))
    result = s.submit("REQUEST_CHANGES", "A few things first.")
    assert result["state"] == "CHANGES_REQUESTED" and s.last_review["label"] == "changes requested"
    assert gl.mr.reviewers["ann"] == "requested_changes" and gl.publications() == 1
    assert len(gl.mr.notes) == 2 and "/request_changes" not in "".join(n.body for n in gl.mr.notes)
    assert gl.fake.commands == ["request_changes"]


def test_request_changes_is_not_offered_to_someone_not_reviewing(gl: Any) -> None:
    from nbreview.hosts.protocol import ReviewInputError

    gl.mr.reviewers["bob"] = "unreviewed"
    s = session(gl)
    assert s.host.events == ("COMMENT", "APPROVE")
    with pytest.raises(ReviewInputError, match="one of COMMENT, APPROVE"):
        s.submit("REQUEST_CHANGES", "no")
    assert gl.mr.notes == [] and gl.fake.commands == []


def test_a_change_request_gitlab_keeps_as_text_is_taken_back(gl: Any) -> None:
    """Removed as a reviewer after the page opened: GitLab posts ``/request_changes`` as a plain note;
    it is deleted again and the review stands as a comment."""
    gl.mr.reviewers["ann"] = "unreviewed"
    s = session(gl)
    del gl.mr.reviewers["ann"]
    result = s.submit("REQUEST_CHANGES", "A few things first.")
    assert result["state"] == "COMMENTED" and [n.body for n in gl.mr.notes] == ["A few things first."]


def test_gitlabs_rate_limit_headers_reach_the_page(gl: Any) -> None:
    """``RateLimit-*`` on GitLab's answers: the page's ``pr.rate`` (it warns under a tenth left)."""
    from nbreview.web.app import create_app

    gl.fake.rate_limit, gl.fake.rate_observed = 600, 560
    s = session(gl)
    client = create_app({"SOURCES": s.pairs, "TOKEN": "t" * 24, "PR_SESSION": s}).test_client()
    rate = client.get(f"/{'t' * 24}/api/threads?file=0").get_json()["pr"]["rate"]
    assert rate["limit"] == 600 and rate["remaining"] == 600 - gl.fake.rate_observed < 40
    assert rate["reset"] % 60 == 0 and rate["reset"] > 0


def test_no_rate_limit_headers_no_rate(gl: Any) -> None:
    s = session(gl)
    assert s.host.rate == {}
