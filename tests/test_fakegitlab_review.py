"""The fake GitLab's review endpoints (tests/fakegitlab), driven through python-gitlab, the client the
GitLab adapter uses: each test holds the fake to what GitLab's API documentation (and, where it is
silent, GitLab's source) says: merge request versions, positioned discussions refused with GitLab's
400 when the line is in no diff, replies and resolution, draft notes seen by their author only and
published at once, approvals, paging.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

import gitlab
import pytest
import requests

from fakegitlab import FakeGitLab, line_code, serve

PATH = "analysis.txt"
OLD = [f"line {i}" for i in range(1, 31)]
# line 10 changed, a line added after old 20 (new 21), old line 25 removed: two hunks,
# old 7-13 and old 18-28; old 14-17 and 29-30 are unchanged lines outside them.
NEW = OLD[:9] + ["ten"] + OLD[10:20] + ["added"] + OLD[20:24] + OLD[25:]
LINE_CODE_400 = "400 Bad request - Note {:line_code=>[\"can't be blank\", \"must be a valid line code\"]}"


def text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def fake() -> FakeGitLab:
    fake = FakeGitLab()
    fake.open_mr(5, {PATH: text(OLD), "same.txt": b"x\n"}, {PATH: text(NEW), "same.txt": b"x\n"})
    return fake


@pytest.fixture
def url(fake: FakeGitLab) -> Iterator[str]:
    with serve(fake) as url:
        yield url


def mr_as(url: str, token: str = "glpat-ann") -> Any:
    gl = gitlab.Gitlab(url, private_token=token)
    return gl.projects.get(7, lazy=True).mergerequests.get(5, lazy=True)


def position(fake: FakeGitLab, old_line: int | None = None, new_line: int | None = None, **kw: Any) -> dict[str, Any]:
    """A text position on the merge request's latest version (its refs from the fake's versions)."""
    v = fake.mrs[5].versions[-1]
    pos: dict[str, Any] = {"position_type": "text", "base_sha": v.base_sha, "start_sha": v.start_sha,
                           "head_sha": v.head_sha, "old_path": PATH, "new_path": PATH}
    pos |= {k: val for k, val in (("old_line", old_line), ("new_line", new_line)) if val is not None}
    return pos | kw


def refused(mr: Any, pos: dict[str, Any]) -> str:
    with pytest.raises(gitlab.GitlabCreateError) as err:
        mr.discussions.create({"body": "here", "position": pos})
    assert err.value.response_code == 400
    return str(err.value.error_message)


def test_versions_are_listed_newest_first_and_a_push_adds_one(fake: FakeGitLab, url: str) -> None:
    mr = mr_as(url)
    first = mr.diffs.list(get_all=True)
    assert len(first) == 1 and first[0].head_commit_sha == fake.mrs[5].head_sha
    assert first[0].base_commit_sha == first[0].start_commit_sha == fake.mrs[5].base_sha
    head = fake.push(5, {PATH: text(NEW + ["appended"]), "same.txt": b"x\n"})
    versions = mr.diffs.list(get_all=True)
    assert [v.head_commit_sha for v in versions] == [head, first[0].head_commit_sha]
    assert versions[0].state == "collected" and versions[0].created_at > versions[1].created_at
    one = mr.diffs.get(versions[0].id)
    assert [d["new_path"] for d in one.diffs] == [PATH] and "+appended" in one.diffs[0]["diff"]


def test_diff_threads_follow_the_added_removed_unchanged_rule(fake: FakeGitLab, url: str) -> None:
    mr = mr_as(url)
    added = mr.discussions.create({"body": "why add this?", "position": position(fake, new_line=21)})
    note = added.attributes["notes"][0]
    assert re.fullmatch(r"[0-9a-f]{40}", added.id) and added.individual_note is False
    assert note["type"] == "DiffNote" and note["resolvable"] is True and note["resolved"] is False
    assert note["resolved_by"] is None and note["author"]["username"] == "ann"
    assert note["position"]["new_line"] == 21 and note["position"]["old_line"] is None
    for ok in (position(fake, old_line=25), position(fake, 19, 19), position(fake, 22, 23)):
        assert mr.discussions.create({"body": "ok", "position": ok}).attributes["notes"][0]["type"] == "DiffNote"
    for bad in (position(fake, new_line=25), position(fake, old_line=21, new_line=21),
                position(fake, 10, 10), position(fake, old_line=21), position(fake, new_line=40)):
        assert refused(mr, bad) == LINE_CODE_400


def test_unchanged_lines_outside_the_hunks_are_unfolded_as_gitlab_does(fake: FakeGitLab, url: str) -> None:
    """lines_unfolder.rb: an unchanged line between or below the hunks is accepted when its new line
    number follows from the next hunk's offset; a wrong offset or a line past the file is refused."""
    mr = mr_as(url)
    for ok in (position(fake, 15, 15), position(fake, 2, 2), position(fake, 30, 30), position(fake, 29, 29)):
        assert mr.discussions.create({"body": "ok", "position": ok}).attributes["notes"][0]["position"] == ok | {
            "line_range": None}
    for bad in (position(fake, 15, 16), position(fake, 30, 31), position(fake, 31, 31)):
        assert refused(mr, bad) == LINE_CODE_400


def test_positions_on_unknown_refs_unchanged_files_or_missing_keys_are_refused(fake: FakeGitLab, url: str) -> None:
    mr = mr_as(url)
    assert refused(mr, position(fake, new_line=21, head_sha="f" * 40)) == LINE_CODE_400
    assert refused(mr, position(fake, 1, 1, old_path="same.txt", new_path="same.txt")) == LINE_CODE_400
    missing = position(fake, new_line=21)
    del missing["start_sha"]
    assert refused(mr, missing) == "position[start_sha] is missing"
    with pytest.raises(gitlab.GitlabCreateError) as err:
        mr.discussions.create({"body": "x" * 1_000_001})
    assert err.value.error_message == (
        "400 Bad request - Note {:note=>[\"is too long (maximum is 1000000 characters)\"]}")
    assert refused(mr, position(fake, new_line=21, position_type="line")) == (
        "position[position_type] does not have a valid value")


def test_a_moved_target_branch_needs_all_three_refs_of_the_version() -> None:
    """start_sha (the target's head) differs from base_sha once the target moves on; the fake holds
    positions to a version's exact refs (stricter than GitLab, see fakegitlab/positions.py)."""
    fake = FakeGitLab()
    fake.open_mr(5, {PATH: text(OLD)}, {PATH: text(NEW)}, target_files={PATH: text(OLD + ["on main"])})
    with serve(fake) as url:
        mr = mr_as(url)
        v = mr.diffs.list(get_all=True)[0]
        assert v.start_commit_sha != v.base_commit_sha == fake.mrs[5].base_sha
        refs = gitlab.Gitlab(url, private_token="glpat-ann").projects.get(7, lazy=True).mergerequests.get(5).diff_refs
        assert refs == {"base_sha": v.base_commit_sha, "start_sha": v.start_commit_sha, "head_sha": v.head_commit_sha}
        swapped = position(fake, new_line=21, base_sha=v.start_commit_sha, start_sha=v.base_commit_sha)
        assert refused(mr, swapped) == LINE_CODE_400
        assert mr.discussions.create({"body": "ok", "position": position(fake, new_line=21)})


def test_a_renamed_file_is_one_diff_and_positions_name_both_paths() -> None:
    fake = FakeGitLab()
    fake.open_mr(5, {"a.txt": text(OLD)}, {"b.txt": text(NEW)}, renames={"b.txt": "a.txt"})
    with serve(fake) as url:
        mr = mr_as(url)
        (one,) = mr.diffs.list(get_all=True)
        diff = mr.diffs.get(one.id).diffs
        assert [(d["old_path"], d["new_path"], d["renamed_file"]) for d in diff] == [("a.txt", "b.txt", True)]
        assert "-line 10\n+ten\n" in diff[0]["diff"]
        renamed = position(fake, new_line=10, old_path="a.txt", new_path="b.txt")
        assert mr.discussions.create({"body": "ok", "position": renamed})
        assert refused(mr, renamed | {"old_path": "b.txt"}) == LINE_CODE_400


def test_a_form_encoded_position_with_a_line_range_is_read_like_rack(fake: FakeGitLab, url: str) -> None:
    start, end = line_code(PATH, 19, 19), line_code(PATH, 21, 21)
    form = {"body": "a range", **{f"position[{k}]": str(v) for k, v in position(fake, new_line=21).items()},
            "position[line_range][start][line_code]": start, "position[line_range][start][type]": "old",
            "position[line_range][start][old_line]": "19", "position[line_range][start][new_line]": "19",
            "position[line_range][end][line_code]": end, "position[line_range][end][type]": "new",
            "position[line_range][end][new_line]": "21"}
    resp = requests.post(f"{url}/api/v4/projects/7/merge_requests/5/discussions", data=form,
                         headers={"PRIVATE-TOKEN": "glpat-bob"}, timeout=10)
    assert resp.status_code == 201
    pos = resp.json()["notes"][0]["position"]
    assert pos["new_line"] == 21 and pos["old_line"] is None
    # lib/api/discussions.rb declares the line_range's line numbers as String, draft_notes.rb as Integer
    assert pos["line_range"] == {"start": {"line_code": start, "type": "old", "old_line": "19", "new_line": "19"},
                                 "end": {"line_code": end, "type": "new", "new_line": "21"}}
    ranged = position(fake, new_line=21, line_range={"start": {"line_code": start, "type": "old", "old_line": 19,
                                                                "new_line": 19}})
    draft = mr_as(url).draft_notes.create({"note": "range", "position": ranged})
    assert draft.position["line_range"]["start"]["old_line"] == 19
    # discussions.md "Line code": <SHA1 of the filename>_<old>_<new>
    assert line_code(PATH, 19, 20) == hashlib.sha1(b"analysis.txt").hexdigest() + "_19_20"


def test_discussions_page_with_gitlabs_headers(fake: FakeGitLab, url: str) -> None:
    for i in range(25):
        fake.add_discussion(5, "bob", f"thread {i}")
    fake.add_note(5, "a plain comment", "bob")
    resp = requests.get(f"{url}/api/v4/projects/7/merge_requests/5/discussions", params={"per_page": 10, "page": 2},
                        headers={"PRIVATE-TOKEN": "glpat-ann"}, timeout=10)
    assert [d["notes"][0]["body"] for d in resp.json()] == [f"thread {i}" for i in range(10, 20)]
    assert (resp.headers["X-Total"], resp.headers["X-Total-Pages"], resp.headers["X-Next-Page"]) == ("26", "3", "3")
    assert 'rel="next"' in resp.headers["Link"] and 'rel="prev"' in resp.headers["Link"]
    every = mr_as(url).discussions.list(get_all=True, per_page=10)
    assert len(every) == 26 and every[-1].individual_note is True
    assert every[-1].attributes["notes"][0]["type"] is None and every[-1].attributes["notes"][0]["resolvable"] is False


def test_replies_resolve_unresolve_edit_and_delete(fake: FakeGitLab, url: str) -> None:
    seeded = fake.add_discussion(5, "bob", "is this right?", position=position(fake, new_line=21))
    mr = mr_as(url)
    thread = mr.discussions.get(seeded.discussion_id)
    reply = thread.notes.create({"body": "yes"})
    assert reply.type == "DiffNote" and reply.position == seeded.position
    assert [n.body for n in thread.notes.list(get_all=True)] == ["is this right?", "yes"]
    whole = mr.discussions.create({"body": "about the file", "position": position(fake) | {"position_type": "file"}})
    assert whole.attributes["notes"][0]["position"]["position_type"] == "file"
    thread.resolved = True
    thread.save()
    notes = mr.discussions.get(seeded.discussion_id).attributes["notes"]
    assert [n["resolved"] for n in notes] == [True, True] and notes[0]["resolved_by"]["username"] == "ann"
    mr.discussions.update(seeded.discussion_id, {"resolved": False})
    assert not any(n["resolved"] for n in mr.discussions.get(seeded.discussion_id).attributes["notes"])
    reply.body = "yes, checked"
    reply.save()
    assert fake.mrs[5].thread(seeded.discussion_id)[1].body == "yes, checked"
    with pytest.raises(gitlab.GitlabUpdateError) as err:
        mr_as(url, "glpat-bob").discussions.get(seeded.discussion_id).notes.update(reply.id, {"body": "mine now"})
    assert err.value.response_code == 403
    reply.delete()
    assert [n.body for n in fake.mrs[5].thread(seeded.discussion_id)] == ["is this right?"]
    single = fake.add_note(5, "a plain comment", "bob")
    with pytest.raises(gitlab.GitlabUpdateError) as err:
        mr.discussions.update(single.discussion_id, {"resolved": True})
    assert err.value.response_code == 403
    with pytest.raises(gitlab.GitlabUpdateError) as err:
        mr.discussions.get(single.discussion_id).notes.update(single.id, {"resolved": True})
    assert err.value.error_message == "400 Bad request - Note is not resolvable"
    with pytest.raises(gitlab.GitlabGetError) as missing:
        mr.discussions.get("0" * 40)
    assert missing.value.error_message == "404 Discussion Not Found"


def test_a_push_carries_surviving_threads_forward_and_leaves_outdated_ones(fake: FakeGitLab, url: str) -> None:
    """GitLab moves a diff note's position to the new version when its line survives the push; a
    note whose line changed keeps the position (and head_sha) of the version it was written on."""
    on_ten, on_added, on_removed = position(fake, new_line=10), position(fake, new_line=21), position(fake, old_line=25)
    outdated = fake.add_discussion(5, "bob", "ten?", position=on_ten)
    moved = fake.add_discussion(5, "bob", "why?", position=on_added)
    removed = fake.add_discussion(5, "bob", "gone?", position=on_removed)
    done = fake.add_discussion(5, "carol", "fixed?", resolved=True, resolved_by="bob")
    head = fake.push(5, {PATH: text(["top"] + NEW[:9] + ["TEN"] + NEW[10:]), "same.txt": b"x\n"})
    mr = mr_as(url)

    def first(note: Any) -> dict[str, Any]:
        return dict(mr.discussions.get(note.discussion_id).attributes["notes"][0])

    assert first(outdated)["position"] == on_ten | {"old_line": None, "line_range": None}
    assert first(moved)["position"] == on_added | {"head_sha": head, "new_line": 22, "old_line": None,
                                                    "line_range": None}
    assert first(removed)["position"]["head_sha"] == head and first(removed)["position"]["old_line"] == 25
    assert first(done)["resolved_by"]["username"] == "bob" and "position" not in first(done)
    # GitLab still diffs an earlier version's refs: a thread on it is accepted, on its own lines
    assert mr.discussions.create({"body": "late", "position": on_ten}).attributes["notes"][0]["position"] == on_ten | {
        "old_line": None, "line_range": None}
    assert refused(mr, position(fake, new_line=1) | {"head_sha": on_ten["head_sha"]}) == LINE_CODE_400
    assert mr.discussions.create({"body": "new", "position": position(fake, new_line=1)})


def test_drafts_are_seen_by_their_author_only_and_published_at_once(fake: FakeGitLab, url: str) -> None:
    thread = fake.add_discussion(5, "bob", "please look", position=position(fake, old_line=25), resolved=True)
    ann, bob = mr_as(url), mr_as(url, "glpat-bob")
    d1 = ann.draft_notes.create({"note": "on the added line", "position": position(fake, new_line=21)})
    ann.draft_notes.create({"note": "overall fine"})
    ann.draft_notes.create({"note": "still wrong", "in_reply_to_discussion_id": thread.discussion_id})
    assert d1.line_code == line_code(PATH, 21, 21) and d1.position["new_line"] == 21
    assert len(ann.draft_notes.list(get_all=True)) == 3 and bob.draft_notes.list(get_all=True) == []
    with pytest.raises(gitlab.GitlabGetError) as err:
        bob.draft_notes.get(d1.id)
    assert err.value.response_code == 404
    bob.draft_notes.bulk_publish()  # bob has no drafts: ann's stay pending
    assert len(fake.mrs[5].drafts) == 3 and len(fake.mrs[5].discussion_ids()) == 1
    ann.draft_notes.bulk_publish()
    assert ann.draft_notes.list(get_all=True) == [] and fake.mrs[5].drafts == []
    firsts = [d.attributes["notes"][0] for d in ann.discussions.list(get_all=True)]
    kinds = {n["body"]: n["type"] for n in firsts}
    assert kinds == {"please look": "DiffNote", "on the added line": "DiffNote", "overall fine": "DiscussionNote"}
    replied = ann.discussions.get(thread.discussion_id).attributes["notes"]
    # publish_service.rb: a reply published without resolve_discussion unresolves its thread
    assert [n["body"] for n in replied] == ["please look", "still wrong"] and not replied[0]["resolved"]


def test_draft_edit_publish_one_resolve_and_refusals(fake: FakeGitLab, url: str) -> None:
    thread = fake.add_discussion(5, "bob", "typo here", position=position(fake, 19, 19))
    ann = mr_as(url)
    d = ann.draft_notes.create({"note": "fixed", "in_reply_to_discussion_id": thread.discussion_id,
                                "resolve_discussion": True})
    d.note = "fixed in the next push"
    d.save()
    assert ann.draft_notes.get(d.id).note == "fixed in the next push"
    with pytest.raises(gitlab.GitlabUpdateError) as err:
        ann.draft_notes.update(d.id, {"position": position(fake, new_line=21)})
    assert err.value.error_message == "400 Bad request - Missing params to modify"
    d.publish()
    notes = ann.discussions.get(thread.discussion_id).attributes["notes"]
    assert notes[-1]["body"] == "fixed in the next push" and all(n["resolved"] for n in notes)
    with pytest.raises(gitlab.GitlabCreateError) as bad:
        ann.draft_notes.create({"note": "x", "in_reply_to_discussion_id": "0" * 40})
    assert bad.value.response_code == 400 and "Thread to reply to cannot be found" in str(bad.value.error_message)
    gone = ann.draft_notes.create({"note": "bye"})
    gone.delete()
    assert fake.mrs[5].drafts == []


def test_a_draft_on_no_diff_line_is_lost_by_bulk_publish(fake: FakeGitLab, url: str) -> None:
    """publish_service.rb creates what it can, then deletes every draft of the user."""
    ann = mr_as(url)
    ann.draft_notes.create({"note": "nowhere", "position": position(fake, 10, 10)})
    ann.draft_notes.create({"note": "somewhere", "position": position(fake, new_line=21)})
    ann.draft_notes.bulk_publish()
    assert [n.body for n in fake.mrs[5].notes] == ["somewhere"] and [d.note for d in fake.dropped_drafts] == ["nowhere"]
    one = ann.draft_notes.create({"note": "nowhere again", "position": position(fake, 10, 10)})
    with pytest.raises(gitlab.GitlabHttpError) as err:
        one.publish()
    assert err.value.response_code == 500 and len(fake.mrs[5].drafts) == 1


def test_approve_and_unapprove_are_recorded(fake: FakeGitLab, url: str) -> None:
    ann = mr_as(url)
    ann.approve(sha=fake.mrs[5].head_sha)
    assert fake.mrs[5].approved_by == ["ann"]
    with pytest.raises(gitlab.GitlabAuthenticationError):
        ann.approve()
    with pytest.raises(gitlab.GitlabMRApprovalError) as err:
        mr_as(url, "glpat-bob").approve(sha="0" * 40)
    assert err.value.response_code == 409 and fake.mrs[5].approved_by == ["ann"]
    ann.unapprove()
    assert fake.mrs[5].approved_by == []


def test_a_new_user_token_writes_as_that_user(fake: FakeGitLab, url: str) -> None:
    token = fake.add_user("dana")
    made = mr_as(url, token).discussions.create({"body": "hello"})
    assert made.attributes["notes"][0]["author"]["username"] == "dana"
    with pytest.raises(gitlab.GitlabAuthenticationError):
        mr_as(url, "glpat-nobody").discussions.list(get_all=True)
