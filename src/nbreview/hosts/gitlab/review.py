"""GitLab's side of reviewing a merge request (:class:`~nbreview.hosts.protocol.ReviewHost`), with python-gitlab.

Threads are the MR's diff discussions (``discussions.md``): a note's ``position`` names a line by
``old_line``/``new_line`` (an added line has only its new number, a removed one only its old, an
unchanged one both), over the diff of the version its ``base_sha``/``start_sha``/``head_sha``
name. A thread whose version is not the latest is outdated here: it is placed through that
version's file (``head_sha`` for the new side, ``base_sha`` for the old). New threads are written
on the latest version (``GET …/versions``), a range with ``line_range`` and GitLab's line codes
(``sha1(path)_old_new``). A pending review is the user's draft notes (``draft_notes.md``, seen by
their author only), published in one ``bulk_publish``; approving is ``POST …/approve``. A comment on
the whole file is a diff thread with ``position_type: file`` ("introduced in GitLab 16.4",
``discussions.md`` and ``draft_notes.md``); where the server refuses that type (400, an older GitLab)
it goes, from then on, as a thread without a position that names the file (visibly, and in a hidden
marker that places it back).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from nbreview.errors import NbreviewError
from nbreview.hosts.gitlab.client import GitLabError, connect, explain, server_url
from nbreview.hosts.gitlab.threads import diff_threads, draft_thread, file_body
from nbreview.hosts.protocol import Opened, ReviewInputError, Spot
from nbreview.threads.model import HostThread

if TYPE_CHECKING:
    from gitlab import Gitlab
    from gitlab.v4.objects import Project, ProjectMergeRequest

# GitLab's REST API takes no review state (draft_notes.md: ``bulk_publish`` has no parameter); "Request
# changes" is the ``/request_changes`` quick action, available to a reviewer of the merge request only
# (user/project/merge_requests/reviews/_index.md "Submit a review"; lib/gitlab/quick_actions/
# merge_request_actions.rb: ``condition … find_reviewer(current_user)``), so it is offered to them only.
EVENTS: tuple[str, ...] = ("COMMENT", "APPROVE")
REQUEST_CHANGES = "/request_changes"


def gitlab_review(url: str | None, project: str, iid: int, *, token_env: str = "GITLAB_TOKEN",
                  log: Callable[[str], None] | None = None) -> GitLabReview:
    """A merge request to review with the user's token from ``token_env`` (the server: ``url``, else
    ``CI_SERVER_URL``, else gitlab.com)."""
    import os

    token = os.environ.get(token_env, "").strip()
    if not token:
        raise GitLabError(f"no GitLab token: set {token_env} to a personal access token with the api scope")
    root = server_url(url)
    return GitLabReview(connect(root, token), root, project, iid, token_env)


def line_code(path: str, old_pos: int, new_pos: int) -> str:
    """GitLab's ``line_code`` of a diff line: the path's SHA-1, then the line's old and new positions."""
    return f"{hashlib.sha1(path.encode()).hexdigest()}_{old_pos}_{new_pos}"


class GitLabReview:
    """One merge request on one GitLab server, read and written with one token."""

    name = "GitLab"
    change_name = "merge request"
    events = EVENTS
    unfolds = True  # an unchanged line outside the hunks takes a position too (lines_unfolder.rb)
    inert = "gitlab"  # quoted notebook lines run no quick action

    def __init__(self, gl: Gitlab, url: str, project: str, iid: int, token_env: str = "GITLAB_TOKEN") -> None:
        self.gl, self.url, self.project_id, self.iid, self.token_env = gl, url, project, iid, token_env
        self.project: Project = gl.projects.get(project, lazy=True)
        self.mr: ProjectMergeRequest | None = None
        self.refs: dict[str, str] = {}  # the latest version's base_sha/start_sha/head_sha
        self.web_url = ""
        self.events = EVENTS  # with REQUEST_CHANGES once open() found the user among the reviewers
        self.file_positions = True  # False once the server refused ``position_type: file`` (before 16.4)

    @property
    def rate(self) -> dict[str, int]:
        """The last ``RateLimit-*`` headers GitLab sent (the page warns under a tenth left). GitLab
        documents no conditional requests (ETag) for the REST endpoints the page polls: its ETag
        caching is for its own web app's polling routes (development/polling.md), so none are made."""
        return dict(getattr(self.gl, "rate", {}) or {})

    def _call(self, doing: str, call: Callable[[], Any]) -> Any:
        """``call()``, GitLab's and the network's failures as one line (a 400 is the page's to fix)."""
        from gitlab.exceptions import GitlabError
        from requests import RequestException

        try:
            return call()
        except (GitlabError, RequestException) as err:
            if isinstance(err, GitlabError) and err.response_code == 400:
                said = " ".join(str(err.error_message).split())[:300]
                raise ReviewInputError(f"{doing}: GitLab refused it (400: {said})") from None
            raise explain(err, doing, self.url, self.token_env) from None

    def store_key(self) -> tuple[str, str, int]:
        return urlsplit(self.url).netloc or self.url, str(self.project_id), self.iid

    def _doing(self) -> str:
        return f"reading merge request !{self.iid} of {self.project_id}"

    def open(self, max_notebooks: int) -> Opened:
        from nbreview.hosts.gitlab.mr import read_notebooks

        doing = self._doing()
        mr = self._call(doing, lambda: self.project.mergerequests.get(self.iid))
        self.mr, self.web_url = mr, str(getattr(mr, "web_url", "") or "")
        self.refs = self._call(doing, self._latest_version)
        reviewers = {str(r.get("username")) for r in getattr(mr, "reviewers", None) or [] if isinstance(r, dict)}
        self.events = EVENTS + (("REQUEST_CHANGES",) if self.whoami() in reviewers else ())
        base, head = self.refs["base_sha"], self.refs["head_sha"]
        notebooks, skipped = self._call(doing, lambda: read_notebooks(self.gl, self.project, mr, base, head,
                                                                      max_notebooks))
        author = getattr(mr, "author", None) or {}
        info = {
            "repo": str(self.project_id), "number": self.iid, "url": self.web_url,
            "title": str(getattr(mr, "title", "") or ""), "author": str(author.get("username") or ""),
            "base": str(getattr(mr, "target_branch", "") or ""),
            "head_ref": str(getattr(mr, "source_branch", "") or ""),
            "head": head, "state": str(getattr(mr, "state", "") or ""),
        }
        return Opened(info, base, head, notebooks, skipped)

    def _latest_version(self) -> dict[str, str]:
        """The newest diff version's SHAs (what a new position must name), else the MR's ``diff_refs``."""
        assert self.mr is not None
        v = next(iter(self.mr.diffs.list(per_page=1, get_all=False)), None)
        if v is not None:
            return {"base_sha": str(v.base_commit_sha), "start_sha": str(v.start_commit_sha),
                    "head_sha": str(v.head_commit_sha)}
        refs = self.mr.diff_refs or {}
        if not refs.get("head_sha"):
            raise GitLabError(f"merge request !{self.iid} has no diff yet (GitLab is preparing it); try again")
        return {k: str(refs.get(k) or refs.get("base_sha")) for k in ("base_sha", "start_sha", "head_sha")}

    def _mr(self) -> ProjectMergeRequest:
        if self.mr is None:
            raise ReviewInputError(f"merge request !{self.iid} is not open yet")
        return self.mr

    def current_head(self) -> str:
        def read() -> str:
            mr = self.project.mergerequests.get(self.iid)
            return str((mr.diff_refs or {}).get("head_sha") or getattr(mr, "sha", "") or "")

        return str(self._call(self._doing(), read))

    def whoami(self) -> str:
        if self.gl.user:
            return str(self.gl.user.username)
        try:
            self._call("reading who you are", self.gl.auth)
        except GitLabError:
            return ""
        return str(self.gl.user.username) if self.gl.user else ""

    def fetch(self, path: str, sha: str) -> str | None:
        from gitlab.exceptions import GitlabError
        from requests import RequestException

        try:
            data = self.project.files.raw(file_path=path, ref=sha)
        except (GitlabError, RequestException):
            return None
        return bytes(data).decode("utf-8", "replace") if isinstance(data, (bytes, bytearray)) else None

    # ------------------------------------------------------------ threads
    def threads(self) -> tuple[list[HostThread], list[HostThread]]:
        mr = self._mr()
        doing = f"reading the discussions of merge request !{self.iid}"
        discussions = self._call(doing, lambda: mr.discussions.list(get_all=True, per_page=100))
        drafts = self._call(f"reading your draft notes on merge request !{self.iid}", self._drafts)
        head, user = self.refs.get("head_sha", ""), self.gl.user.username if self.gl.user else ""
        threads = diff_threads([dict(d.attributes) for d in discussions], head, self.web_url)
        by_id = {str(t.id): t for t in threads}
        return threads, [t for d in drafts if (t := draft_thread(dict(d.attributes), by_id, head, user)) is not None]

    def _drafts(self) -> list[Any]:
        """The user's draft notes; none on a server without the draft notes API (a 404 there)."""
        from gitlab.exceptions import GitlabListError

        try:
            return list(self._mr().draft_notes.list(get_all=True, per_page=100))
        except GitlabListError as err:
            if err.response_code != 404:
                raise
            return []

    def can_resolve(self) -> bool:
        return True

    def resolve(self, thread: HostThread, resolved: bool) -> bool:
        mr = self._mr()
        doing = f"{'resolving' if resolved else 'unresolving'} the thread"
        data = self._call(doing, lambda: mr.discussions.update(str(thread.id), {"resolved": resolved}))
        notes = (data or {}).get("notes") or [{}]
        return bool(notes[0].get("resolved", resolved))

    # ------------------------------------------------------------ writing
    def position(self, spot: Spot) -> dict[str, Any]:
        """The ``position`` of a line (or range) comment on the latest version."""
        (old, new), path = spot.end, spot.path
        pos: dict[str, Any] = {"position_type": "text", **self.refs, "old_path": spot.old_path, "new_path": path}
        if old is not None:
            pos["old_line"] = old
        if new is not None:
            pos["new_line"] = new
        if spot.first != spot.last:
            pos["line_range"] = {"start": self._range_end(spot, spot.start, spot.codes[0]),
                                 "end": self._range_end(spot, spot.end, spot.codes[1])}
        return pos

    @staticmethod
    def _range_end(spot: Spot, pair: tuple[int | None, int | None], code: tuple[int, int]) -> dict[str, Any]:
        old, new = pair
        kind = "new" if old is None else "old" if new is None else ("old" if spot.side == "old" else "new")
        out: dict[str, Any] = {"line_code": line_code(spot.path, *code), "type": kind}
        if old is not None:
            out["old_line"] = old
        if new is not None:
            out["new_line"] = new
        return out

    def _file_position(self, spot: Spot) -> dict[str, Any]:
        """A whole-file ``position`` on the latest version (``position_type: file``, GitLab 16.4+)."""
        return {"position_type": "file", **self.refs, "old_path": spot.old_path, "new_path": spot.path}

    def _post(self, doing: str, post: Callable[[dict[str, Any]], Any], key: str, spot: Spot | None, text: str) -> Any:
        """``post`` a comment (``key``: ``body`` or a draft's ``note``) at ``spot`` (None: on the whole
        change). A whole-file one takes a ``file`` position unless the server refused that type (its
        400 names ``position_type``), then it names the file in its body instead."""
        if spot is None:
            return self._call(doing, lambda: post({key: text}))
        if not spot.file_level:
            return self._call(doing, lambda: post({key: text, "position": self.position(spot)}))
        if self.file_positions:
            try:
                return self._call(doing, lambda: post({key: text, "position": self._file_position(spot)}))
            except ReviewInputError as err:
                if "position_type" not in str(err):
                    raise
                self.file_positions = False
        return self._call(doing, lambda: post({key: file_body(spot.path, text)}))

    def comment(self, spot: Spot, body: str) -> dict[str, Any]:
        mr = self._mr()
        made = self._post(f"posting the comment (!{self.iid})", mr.discussions.create, "body", spot, body)
        notes = made.attributes.get("notes") or [{}]
        return {"id": notes[0].get("id"), "discussion": made.get_id()}

    def reply(self, thread: HostThread, body: str) -> dict[str, Any]:
        mr = self._mr()

        def post() -> Any:
            return mr.discussions.get(str(thread.id), lazy=True).notes.create({"body": body})

        made = self._call(f"posting the reply (!{self.iid})", post)
        return {"id": made.get_id()}

    def edit_pending(self, note_id: int, body: str) -> dict[str, Any]:
        mr = self._mr()
        self._call("editing the draft note", lambda: mr.draft_notes.update(note_id, {"note": body}))
        return {"id": note_id}

    def delete_pending(self, note_id: int) -> None:
        mr = self._mr()
        self._call("deleting the draft note", lambda: mr.draft_notes.delete(note_id))

    def submit(self, event: str, body: str, comments: list[tuple[Spot, str]]) -> dict[str, Any]:
        """Every comment as a draft note, the summary as one more, then ONE ``bulk_publish`` (with the
        user's other drafts); ``APPROVE`` then approves, ``REQUEST_CHANGES`` then requests changes
        (:meth:`_request_changes`). A draft failing half-way is deleted again."""
        mr = self._mr()
        drafts: list[tuple[Spot | None, str]] = [*comments, *([(None, body)] if body else [])]
        made: list[Any] = []
        try:
            for spot, text in drafts:
                made.append(self._post("keeping a draft note", mr.draft_notes.create, "note", spot, text).get_id())
        except NbreviewError:
            for draft_id in made:  # nothing half-sent: the drafts of this attempt go again
                self._call("removing a draft note again", lambda: mr.draft_notes.delete(draft_id))  # noqa: B023
            raise
        self._call(f"publishing your review (!{self.iid})", mr.draft_notes.bulk_publish)
        state = "COMMENTED"
        if event == "APPROVE":
            self._call(f"approving merge request !{self.iid}", mr.approve)
            state = "APPROVED"
        elif event == "REQUEST_CHANGES" and self._request_changes(mr):
            state = "CHANGES_REQUESTED"
        inline = sum(1 for s, _ in comments if not s.file_level)
        return {"id": None, "state": state, "url": self.web_url, "inline": inline,
                "file_level": len(comments) - inline}

    def _request_changes(self, mr: ProjectMergeRequest) -> bool:
        """``/request_changes`` in a note of its own, after the review is out. GitLab runs a note of only
        quick actions and keeps no note (202 with ``commands_changes``, lib/api/helpers/notes_helpers.rb),
        answers 400 when the action fails, and keeps the text as a plain note where the action is not
        available (not a reviewer): that note is deleted again. False when changes were not requested
        (the review itself stands, as a comment)."""
        try:
            made = self._call(f"requesting changes on !{self.iid}", lambda: mr.notes.create({"body": REQUEST_CHANGES}))
        except NbreviewError:
            return False
        kept = made.get_id()
        if kept is not None:  # posted as text: GitLab did not take the action
            self._call("removing the /request_changes note again", lambda: mr.notes.delete(kept))
            return False
        return True
