"""The fake GitLab's state: merge requests with their versions, notes grouped into discussions,
draft notes, approvals, users and tokens, and the seeding helpers tests use to set a scene."""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from .positions import normalize

QUICK_ACTION = re.compile(r"(?m)^/([A-Za-z_]+)")


@dataclass
class Note:
    """One note. ``kind`` is GitLab's note ``type``: None (a plain note, its own individual
    discussion), ``"DiscussionNote"`` (in a thread) or ``"DiffNote"`` (in a thread on a diff line)."""

    id: int
    body: str
    username: str
    created: int  # a tick of the fake's clock: the list's default order is created_at desc
    system: bool = False
    discussion_id: str = ""
    kind: str | None = None
    position: dict[str, Any] | None = None
    resolved_by: str | None = None  # discussions.md: notes of a thread carry resolved/resolved_by

    @property
    def resolvable(self) -> bool:
        """discussions.md: thread notes are resolvable, single comments and system notes are not."""
        return self.kind is not None and not self.system


@dataclass
class Version:
    """merge_requests.md "Get merge request diff versions": one per push, with its own diff."""

    id: int
    base_sha: str
    start_sha: str
    head_sha: str
    created: int
    head_files: dict[str, bytes]


@dataclass
class DraftNote:
    """draft_notes.md: a pending note, visible to its author only, published later."""

    id: int
    username: str
    note: str
    position: dict[str, Any] | None = None
    discussion_id: str | None = None  # set by in_reply_to_discussion_id
    resolve_discussion: bool = False
    commit_id: str | None = None


@dataclass
class MergeRequest:
    iid: int
    base_files: dict[str, bytes]
    head_files: dict[str, bytes]
    base_sha: str = ""  # the merge base of the source and target branches
    start_sha: str = ""  # the target branch's head: the merge base until the target moves on
    head_sha: str = ""
    notes: list[Note] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)  # oldest first; the API lists newest first
    drafts: list[DraftNote] = field(default_factory=list)
    approved_by: list[str] = field(default_factory=list)
    # merge_requests.md: the MR's ``reviewers``, each with its reviewer ``state`` (unreviewed,
    # requested_changes, ...); ``/request_changes`` sets the state of a reviewer (quick_actions.md)
    reviewers: dict[str, str] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)  # new path -> old path (a rename)

    def thread(self, discussion_id: str) -> list[Note]:
        """The notes of one discussion, oldest first (empty when there is no such discussion)."""
        return [n for n in self.notes if n.discussion_id == discussion_id]

    def discussion_ids(self) -> list[str]:
        """Every discussion id, in the order of their first notes."""
        return list(dict.fromkeys(n.discussion_id for n in sorted(self.notes, key=lambda n: n.created)))

    def version(self, base_sha: str, start_sha: str, head_sha: str) -> Version | None:
        """The version whose diff refs are exactly these, if any."""
        want = (base_sha, start_sha, head_sha)
        return next((v for v in self.versions if (v.base_sha, v.start_sha, v.head_sha) == want), None)


@dataclass
class FakeGitLab:
    project_id: int = 7
    project_path: str = "group/project"  # the project's path, which names it as its id does
    tokens: dict[str, str] = field(
        default_factory=lambda: {"glpat-bot": "project_7_bot", "glpat-ann": "ann", "glpat-bob": "bob"}
    )
    blobs: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (sha, path) -> bytes
    mrs: dict[int, MergeRequest] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)  # url -> bytes
    commands: list[str] = field(default_factory=list)  # quick actions received in note bodies
    before_15_7: bool = False  # no /diffs endpoint
    # discussions.md, draft_notes.md: ``position_type`` "Allowed values: text, image, or file. file
    # introduced in GitLab 16.4"; a test plays an older server with ("text", "image")
    position_types: tuple[str, ...] = ("text", "image", "file")
    no_uploads: set[str] = field(default_factory=set)  # users the project refuses uploads (403)
    faults: list[int] = field(default_factory=list)  # statuses (502, 503...) the next requests answer
    dropped_drafts: list[DraftNote] = field(default_factory=list)  # published with a bad position
    # user_and_ip_rate_limits.md "Response headers": RateLimit-Limit (each minute), -Observed,
    # -Remaining (limit - observed), -Reset (Unix time), -ResetTime; 0: no rate limit, no headers
    rate_limit: int = 0
    rate_observed: int = 0
    clock: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def _tick(self) -> int:
        with self.lock:
            self.clock += 1
            return self.clock

    def _commit(self, files: dict[str, bytes]) -> str:
        sha = hashlib.sha1(repr(sorted(files.items())).encode()).hexdigest()
        for path, data in files.items():
            self.blobs[(sha, path)] = data
        return sha

    def add_user(self, username: str) -> str:
        """A new user; returns the token that authenticates as them."""
        token = f"glpat-{username}"
        self.tokens[token] = username
        return token

    def open_mr(self, iid: int, base_files: dict[str, bytes], head_files: dict[str, bytes],
                target_files: dict[str, bytes] | None = None, renames: dict[str, str] | None = None) -> MergeRequest:
        """A merge request from ``base_files`` (the merge base) to ``head_files``; ``target_files``
        a target branch that moved on since, so ``start_sha`` differs from ``base_sha``. The diff is
        base..head either way (GitLab's DiffRefs#compare_in compares start...head, three dots).
        ``renames`` maps a new path to the old path it was renamed from."""
        mr = MergeRequest(iid, dict(base_files), dict(head_files), renames=dict(renames or {}))
        mr.base_sha = self._commit(mr.base_files)
        mr.start_sha = mr.base_sha if target_files is None else self._commit({**target_files, ".target": b""})
        self.mrs[iid] = mr
        self.push(iid, head_files)
        return mr

    def push(self, iid: int, head_files: dict[str, bytes]) -> str:
        """A new head on the merge request's source branch: its diff_refs follow and a new version
        is collected (merge_requests.md "Get merge request diff versions")."""
        mr = self.mrs[iid]
        mr.head_files = dict(head_files)
        mr.head_sha = self._commit(mr.head_files)
        number = 1 + sum(len(m.versions) for m in self.mrs.values())
        mr.versions.append(Version(100 + number, mr.base_sha, mr.start_sha, mr.head_sha, self._tick(), mr.head_files))
        if len(mr.versions) > 1:
            self._trace(mr, *mr.versions[-2:])
        return mr.head_sha

    def _trace(self, mr: MergeRequest, before: Version, after: Version) -> None:
        """Carry each diff note whose line survives the push to the new version (positions.trace)."""
        from .positions import trace

        for note in mr.notes:
            moved = trace(mr, before, after, note.position) if note.position else None
            if moved is not None:
                note.position = moved

    def add_note(self, iid: int, body: str, username: str, system: bool = False) -> Note:
        """A plain merge request note (notes.md): its own individual discussion."""
        return self._note(iid, body, username, None, system=system)

    def _note(self, iid: int, body: str, username: str, discussion_id: str | None, kind: str | None = None,
              position: dict[str, Any] | None = None, system: bool = False) -> Note:
        with self.lock:
            tick = self._tick()
            did = discussion_id or hashlib.sha1(f"discussion {tick}".encode()).hexdigest()
            note = Note(1000 + tick, body, username, tick, system, did, kind, position)
            self.mrs[iid].notes.append(note)
        self.commands += QUICK_ACTION.findall(body.replace("\r", ""))
        return note

    def add_discussion(self, iid: int, author: str, body: str, position: dict[str, Any] | None = None,
                       resolved: bool = False, resolved_by: str | None = None) -> Note:
        """Seed a thread as another reviewer would start it (no validation: seeds may be outdated
        or anything a test needs); returns its first note (``.discussion_id`` names the thread)."""
        pos = normalize(position) if position else None
        note = self._note(iid, body, author, None, "DiffNote" if pos else "DiscussionNote", pos)
        if resolved:
            self.resolve(iid, note.discussion_id, resolved_by or author)
        return note

    def add_reply(self, iid: int, discussion_id: str, author: str, body: str) -> Note:
        """Seed a reply in an existing thread (same type and position as its first note)."""
        first = self.mrs[iid].thread(discussion_id)[0]
        kind = first.kind or "DiscussionNote"
        first.kind = kind  # discussions.md: replying to a single comment makes it a thread
        return self._note(iid, body, author, discussion_id, kind, first.position)

    def resolve(self, iid: int, discussion_id: str, username: str | None) -> None:
        """Resolve (a username) or unresolve (None) every resolvable note of a thread."""
        for note in self.mrs[iid].thread(discussion_id):
            if note.resolvable:
                note.resolved_by = username

    def add_draft(self, iid: int, author: str, note: str, position: dict[str, Any] | None = None,
                  in_reply_to_discussion_id: str | None = None, resolve_discussion: bool = False) -> DraftNote:
        """Seed a draft note of ``author`` (draft_notes.md "Create a draft note")."""
        pos = normalize(position, int) if position else None
        draft = DraftNote(self._tick(), author, note, pos, in_reply_to_discussion_id, resolve_discussion)
        self.mrs[iid].drafts.append(draft)
        return draft
