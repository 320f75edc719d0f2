"""One pull request opened for review: its notebooks read through the REST API, its threads, and writing.

Reading is ``nbreview pr``'s (contents API at the merge base and the head, blobs past 1 MB);
lists are read from their list answers with ETags (:class:`~nbreview.bot.client.ApiReader`).
A pending review lives in a :class:`~nbreview.threads.drafts.DraftStore` on disk until it is
submitted: its line comments go in ONE ``POST /pulls/{n}/reviews`` (it lands whole or not at
all); a comment on lines outside the diff's hunks (the page says so before it is written)
becomes a file-level comment (``subject_type: file``) that quotes the cell and lines; a range
that crosses the edge of a hunk is refused. A pending review the user started on GitHub is
shown, its comments edited or deleted, and it is submitted through ``/reviews/{id}/events``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nbreview.bot.resolved import Resolution
from nbreview.errors import NbreviewError
from nbreview.threads.anchor import Anchor, write_body
from nbreview.threads.drafts import DraftStore, StoredDraft, reanchor
from nbreview.threads.hunks import Hunks, parse_patch
from nbreview.threads.place import NotebookFile, Thread, place

if TYPE_CHECKING:
    from github import Github

    from nbreview.bot.client import ApiReader
    from nbreview.io.git import NotebookPair

EVENTS = {"COMMENT", "APPROVE", "REQUEST_CHANGES"}
MAX_BODY = 60_000
NOTEBOOK_SUFFIX = ".ipynb"
STATES = {"APPROVED": "approved", "CHANGES_REQUESTED": "changes requested", "COMMENTED": "commented"}


class ReviewInputError(NbreviewError):
    """The page asked for something this pull request does not have (a cell, a line, a thread)."""


def is_int(value: Any) -> bool:
    """A JSON integer (``true`` is not notebook 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def text_field(data: dict[str, Any], key: str, what: str) -> str:
    """``data[key]`` when it is text with something in it, within :data:`MAX_BODY`; else a clear 400."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReviewInputError(f"{what} needs some text")
    if len(value) > MAX_BODY:
        raise ReviewInputError(f"{what} is limited to {MAX_BODY} characters")
    return value


@dataclass(frozen=True)
class Draft:
    """A comment a reviewer wrote on the page: notebook ``file``, ``side``, ``cell``, lines or output."""

    file: int
    side: str
    cell: int
    body: str
    lines: tuple[int, int] | None = None
    output: int | None = None
    mime: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Draft:
        if not isinstance(data, dict):
            raise ReviewInputError("a comment must be an object")
        body = text_field(data, "body", "a comment")
        file, cell, side = data.get("file"), data.get("cell"), data.get("side")
        if not is_int(file) or not is_int(cell) or side not in ("old", "new"):
            raise ReviewInputError("a comment needs a notebook (a number), a side (old/new) and a cell (a number)")
        lines = data.get("lines")
        span: tuple[int, int] | None = None
        if lines is not None:
            if not (isinstance(lines, list) and len(lines) == 2 and all(is_int(x) and x > 0 for x in lines)):
                raise ReviewInputError("lines must be [first, last]")
            span = (min(lines), max(lines))
        output = data.get("output")
        if output is not None and not (is_int(output) and output >= 0):
            raise ReviewInputError("output must be a number")
        mime = data.get("mime")
        if mime is not None and not isinstance(mime, str):
            raise ReviewInputError("mime must be text")
        return cls(int(file), side, int(cell), body, span, output, mime)  # type: ignore[arg-type]


class PullRequestSession:
    """The pull request the page was opened for; every write goes here and nowhere else."""

    def __init__(self, gh: Github, repo_name: str, number: int, log: Callable[[str], None] | None = None) -> None:
        from nbreview.bot.client import ApiReader

        self.gh = gh
        self.repo_name = repo_name
        self.number = number
        from nbreview.render.terminal import log_line  # guarded: file names are a fork's to choose

        self.log: Callable[[str], None] = log or log_line
        self.reader: ApiReader = ApiReader(gh.requester, self.log)
        self.resolution = Resolution(gh.requester, repo_name, number)
        self.files: list[NotebookFile] = []
        self.head_sha = self.base_sha = self.pr_url = self.html_url = ""
        self.info: dict[str, Any] = {}
        self.user = ""
        self.store: DraftStore | None = None
        self.pending_review: dict[str, Any] | None = None  # one the user started on GitHub itself
        self.pending_remote: list[dict[str, Any]] = []  # its comments, as GitHub lists them
        self.last_review: dict[str, Any] | None = None
        self._known: set[int] = set()
        self._hunks: dict[str, Hunks] = {}

    # ------------------------------------------------------------ reading
    def _call(self, doing: str, call: Callable[[], Any]) -> Any:
        """``call()``, with GitHub's and the network's failures as one line."""
        from github import GithubException
        from requests.exceptions import RequestException

        from nbreview.bot.client import explain

        try:
            return call()
        except (GithubException, RequestException) as err:
            raise explain(err, doing, self.repo_name) from None

    def open(self, max_notebooks: int = 50) -> list[NotebookPair]:
        """Read the pull request and its notebooks; the pairs the review page shows."""
        doing = f"reading pull request #{self.number}"
        self.repo = self._call(doing, lambda: self.gh.get_repo(self.repo_name))
        self.pr_url = f"{self.repo.url}/pulls/{self.number}"
        self._read_pull(self._call(doing, lambda: self.reader.get(self.pr_url)[0]))
        if not self.user:
            self.user = self._whoami()
            host = self.gh.requester.base_url.split("://", 1)[-1].split("/", 1)[0]
            self.store = DraftStore(host, self.repo_name, self.number, self.user or "unknown-user")
        pairs: list[NotebookPair] = self._call(doing, lambda: self._read_notebooks(max_notebooks))
        return pairs

    def _read_pull(self, data: dict[str, Any]) -> None:
        self.head_sha, self.html_url = str(data["head"]["sha"]), str(data.get("html_url") or "")
        self.info = {
            "repo": self.repo_name, "number": self.number, "url": self.html_url,
            "title": str(data.get("title") or ""), "author": str((data.get("user") or {}).get("login") or ""),
            "base": str(data["base"].get("ref") or ""), "head_ref": str(data["head"].get("ref") or ""),
            "head": self.head_sha, "state": str(data.get("state") or ""),
        }
        self._base_tip = str(data["base"]["sha"])

    def _whoami(self) -> str:
        from nbreview.bot.client import BotError

        try:
            data = self._call("reading who you are", lambda: self.reader.get("/user")[0])
        except BotError:
            return ""  # a token that cannot read its user: drafts are kept under "unknown-user"
        return str(data.get("login") or "") if isinstance(data, dict) else ""

    def _read_notebooks(self, max_notebooks: int) -> list[NotebookPair]:
        from nbreview.bot.pr import read_file
        from nbreview.io.git import NotebookPair
        from nbreview.io.load import empty_notebook, from_object, load

        try:
            self.base_sha = str(self.repo.compare(self._base_tip, self.head_sha).merge_base_commit.sha)
        except Exception:  # noqa: BLE001 - no compare: the base tip, as merge_base() does
            self.base_sha = self._base_tip
        files: list[NotebookFile] = []
        pairs: list[NotebookPair] = []
        for f in self.reader.list(f"{self.pr_url}/files"):
            name, before, status = str(f["filename"]), str(f.get("previous_filename") or ""), str(f["status"])
            if not (name.endswith(NOTEBOOK_SUFFIX) or before.endswith(NOTEBOOK_SUFFIX)):
                continue
            if len(files) >= max_notebooks:
                self.log(f"nbreview: more than {max_notebooks} notebooks; showing the first {max_notebooks}")
                break
            old_path = before or name
            old = b"" if status == "added" else read_file(self.repo, old_path, self.base_sha)
            new = b"" if status == "removed" else read_file(self.repo, name, self.head_sha)
            files.append(NotebookFile(name, old_path, status, old.decode("utf-8", "replace"),
                                      new.decode("utf-8", "replace"), f.get("patch")))
            label_old, label_new = f"{old_path}@{self.base_sha[:7]}", f"{name}@{self.head_sha[:7]}"
            old_nb = load(old, label_old) if old else from_object(empty_notebook(), label_old)
            new_nb = load(new, label_new) if new else from_object(empty_notebook(), label_new)
            pairs.append(NotebookPair(name, old_nb, new_nb, {"added": "added", "removed": "deleted"}.get(
                status, "modified")))
        self.files, self._hunks = files, {}
        return pairs

    def current_head(self) -> str:
        """The pull request's head now (a conditional request: a 304 while nothing was pushed)."""
        data = self._call(f"reading pull request #{self.number}", lambda: self.reader.get(self.pr_url)[0])
        return str(data["head"]["sha"])

    def refresh(self, max_notebooks: int = 50) -> list[NotebookPair] | None:
        """The new notebooks when the head moved (drafts carried to it or flagged), else None."""
        data = self._call(f"reading pull request #{self.number}", lambda: self.reader.get(self.pr_url)[0])
        if str(data["head"]["sha"]) == self.head_sha:
            return None
        self._read_pull(data)
        pairs: list[NotebookPair] = self._call(
            f"reading pull request #{self.number}", lambda: self._read_notebooks(max_notebooks))
        if self.store is not None:
            by_path = {f.path: f for f in self.files}
            for d in self.store.drafts:
                nbf = by_path.get(d.path)
                if nbf is None:
                    d.flag = d.flag or "its notebook is no longer part of the pull request"
                elif d.side == "new" or d.head != self.head_sha:
                    reanchor(d, nbf.map(d.side), self.head_sha)
            self.store.save()
        return pairs

    def threads(self, render: Callable[[str], str]) -> tuple[list[Thread], list[Thread]]:
        """The review threads on this pull request's notebooks, placed on cells, and the comments of
        the user's own pending review on GitHub (placed the same way)."""
        from github import GithubException

        from nbreview.bot.pr import read_file

        def fetch(path: str, sha: str) -> str | None:
            try:
                return read_file(self.repo, path, sha).decode("utf-8", "replace")
            except (GithubException, NbreviewError):
                return None

        doing = f"reading the review comments of pull request #{self.number}"
        raw = self._call(doing, lambda: self.reader.list(f"{self.pr_url}/comments"))
        reviews = self._call(doing, lambda: self.reader.list(f"{self.pr_url}/reviews"))
        # GitHub lists a pending review to its author only: with no readable login, any pending one is ours
        mine = [r for r in reviews if r.get("state") == "PENDING"
                and (not self.user or (r.get("user") or {}).get("login") == self.user)]
        self.pending_review = mine[0] if mine else None
        pending_id = self.pending_review["id"] if self.pending_review else None
        in_pending = [pending_id is not None and c.get("pull_request_review_id") == pending_id for c in raw]
        self.pending_remote = [c for c, p in zip(raw, in_pending, strict=True) if p]
        submitted = [c for c, p in zip(raw, in_pending, strict=True) if not p]
        self._known = {int(c["id"]) for c in raw if is_int(c.get("id"))}
        placed = place(submitted, self.files, self.head_sha, fetch, render)
        self._call(f"reading which threads of pull request #{self.number} are resolved", self.resolution.read)
        return placed, place(self.pending_remote, self.files, self.head_sha, fetch, render)

    def resolved(self, root_id: int) -> bool | None:
        """Whether the thread starting with ``root_id`` is resolved; None where GitHub cannot say."""
        state = self.resolution.threads.get(root_id) if self.resolution.available else None
        return None if state is None else state[1]

    def resolve(self, root_id: int, resolved: bool) -> dict[str, Any]:
        """Resolve or unresolve a thread (GraphQL; refused where the server has none)."""
        if not self.resolution.available:
            raise ReviewInputError("this GitHub server does not say which threads are resolved (no GraphQL API)")
        if root_id not in self.resolution.threads:
            raise ReviewInputError(f"no review thread {root_id} on pull request #{self.number}")
        doing = f"{'resolving' if resolved else 'unresolving'} the thread"
        return {"id": root_id, "resolved": self._call(doing, lambda: self.resolution.set(root_id, resolved))}

    # ------------------------------------------------------------ where comments can go
    def hunks(self, file: int) -> Hunks:
        path = self.files[file].path
        if path not in self._hunks:
            self._hunks[path] = parse_patch(self.files[file].patch)
        return self._hunks[path]

    def commentable(self, file: int) -> dict[str, dict[int, list[list[int]]]]:
        """Per side and cell, the runs ``[first, last, hunk]`` of source lines that take a line comment."""
        hunks, nbf = self.hunks(file), self.files[file]
        out: dict[str, dict[int, list[list[int]]]] = {}
        for side, gh_side in (("old", "LEFT"), ("new", "RIGHT")):
            per: dict[int, list[list[int]]] = {}
            for cell in nbf.map(side).cells:
                runs: list[list[int]] = []
                for k, jl in enumerate(cell.line_json, 1):
                    h = hunks.hunk_of(gh_side, jl)
                    if h is None:
                        continue
                    if runs and runs[-1][1] == k - 1 and runs[-1][2] == h:
                        runs[-1][1] = k
                    else:
                        runs.append([k, k, h])
                if runs:
                    per[cell.index] = runs
            out[side] = per
        return out

    def comment_payload(self, draft: Draft, flagged: str = "") -> dict[str, Any]:
        """The review comment for a draft: on its JSON line(s) when inside one hunk, file-level when
        wholly outside the diff, or when ``flagged`` (lost in a push; the text it was written on); a
        range across a hunk's edge is refused."""
        if not 0 <= draft.file < len(self.files):
            raise ReviewInputError(f"no notebook {draft.file} in this pull request")
        notebook_file = self.files[draft.file]
        json_map = notebook_file.map(draft.side)
        cell = None if flagged else json_map.cell(draft.cell)  # flagged: that cell index means nothing now
        if cell is None and not flagged:
            raise ReviewInputError(f"{notebook_file.path} has no cell [{draft.cell}] on the {draft.side} side")
        n_lines = len(cell.line_json) if cell else 0
        if cell and draft.lines and draft.lines[1] > n_lines:
            raise ReviewInputError(f"cell [{draft.cell}] of {notebook_file.path} has {n_lines} lines, "
                                   f"not {draft.lines[1]}")
        if cell and draft.output is not None and draft.output >= len(cell.outputs):
            raise ReviewInputError(f"cell [{draft.cell}] of {notebook_file.path} has no output {draft.output + 1}")
        src_lines = cell.source.splitlines() if cell else []
        quote = ""
        if flagged:
            quote = flagged  # lost in a push: the lines as they were written on
        elif draft.lines:
            quote = "\n".join(src_lines[draft.lines[0] - 1 : draft.lines[1]])
        elif draft.output is None:
            quote = "\n".join(src_lines)
        anchor = Anchor(draft.side, draft.cell, cell.cell_id if cell else None, draft.lines, draft.output)
        typed = json_map.cell(draft.cell)  # the cell's type as the parsed file says (no second parse)
        language = "python" if typed is not None and typed.cell_type == "code" else ""
        body = write_body(anchor, draft.body, quote, language)
        file_level = {"path": notebook_file.path, "body": body, "subject_type": "file"}
        if flagged or cell is None:
            return file_level
        side = "LEFT" if draft.side == "old" else "RIGHT"
        hunks = self.hunks(draft.file)
        for a, b in _candidates(draft, json_map, n_lines):
            if hunks.accepts(side, a, b):
                out: dict[str, Any] = {"path": notebook_file.path, "body": body, "line": b, "side": side}
                if a != b:
                    out.update(start_line=a, start_side=side)
                return out
            if draft.lines and hunks.touches(side, a, b):
                first, last = draft.lines
                raise ReviewInputError(
                    f"lines {first}–{last} of cell [{draft.cell}] cross the edge of the pull request's diff: "
                    "GitHub takes a line comment only on lines inside one hunk; choose lines inside it, "
                    "or comment on each part")
        return file_level

    # ------------------------------------------------------------ the pending review
    def _require_store(self) -> DraftStore:
        if self.store is None:
            raise ReviewInputError("the pull request is not open yet")
        return self.store

    def add_draft(self, draft: Draft) -> StoredDraft:
        """Keep a comment in the pending review (checked now, as it will be sent)."""
        store = self._require_store()
        self.comment_payload(draft)
        nbf = self.files[draft.file]
        cell = nbf.map(draft.side).cell(draft.cell)
        source = cell.source if cell else ""
        quote = "\n".join(source.splitlines()[draft.lines[0] - 1 : draft.lines[1]]) if draft.lines else source
        return store.add(StoredDraft(
            "", nbf.path, draft.side, draft.cell, draft.body, self.head_sha, draft.lines, draft.output, draft.mime,
            cell.cell_id if cell else None, quote))

    def edit_draft(self, draft_id: Any, body: str) -> dict[str, Any]:
        """A pending comment's new text: one kept here, or one of the user's pending review on GitHub."""
        if is_int(draft_id):
            self._own_pending(draft_id)
            return self._send("PATCH", f"{self.repo.url}/pulls/comments/{draft_id}", {"body": body},
                              "editing the pending comment")
        d = self._require_store().edit(str(draft_id), body)
        if d is None:
            raise ReviewInputError("no such pending comment")
        return {"id": d.id}

    def delete_draft(self, draft_id: Any) -> dict[str, Any]:
        if is_int(draft_id):
            self._own_pending(draft_id)
            self._send("DELETE", f"{self.repo.url}/pulls/comments/{draft_id}", None, "deleting the pending comment")
            self.pending_remote = [c for c in self.pending_remote if c.get("id") != draft_id]
            return {"id": draft_id}
        if not self._require_store().delete(str(draft_id)):
            raise ReviewInputError("no such pending comment")
        return {"id": draft_id}

    def _own_pending(self, comment_id: int) -> None:
        if not any(c.get("id") == comment_id for c in self.pending_remote):
            raise ReviewInputError(f"no pending comment {comment_id} of yours on pull request #{self.number}")

    def stored_as_draft(self, d: StoredDraft) -> Draft:
        index = next((i for i, f in enumerate(self.files) if f.path == d.path), -1)
        if index < 0:
            raise ReviewInputError(f"{d.path} is no longer part of the pull request; delete that pending comment")
        return Draft(index, d.side, d.cell, d.body, d.lines, d.output, d.mime)

    def submit(self, event: str, body: str) -> dict[str, Any]:
        """Submit the pending review: its line comments in ONE request; file-level ones after it."""
        if event not in EVENTS:
            raise ReviewInputError(f"the review must be one of {', '.join(sorted(EVENTS))}")
        if len(body) > MAX_BODY:
            raise ReviewInputError(f"the review text is limited to {MAX_BODY} characters")
        store = self._require_store()
        drafts = list(store.drafts)
        if self.pending_review is not None:
            return self._submit_remote(event, body, bool(drafts))
        if event == "REQUEST_CHANGES" and not body.strip() and not drafts:
            raise ReviewInputError("say what should change: write a summary or a comment")
        # every input checked before anything is sent
        payloads = [self.comment_payload(self.stored_as_draft(d), d.flag and (d.quote or " ")) for d in drafts]
        inline = [p for p in payloads if "line" in p]
        file_level = [p for p in payloads if "line" not in p]
        review: dict[str, Any] = {"commit_id": self.head_sha, "event": event, "comments": inline}
        if body.strip() or event != "APPROVE":
            review["body"] = body.strip() or _summary(file_level)
        data = self._send("POST", f"{self.pr_url}/reviews", review, "submitting the review")
        store.clear({d.id for d in drafts})
        posted = self._post_file_level(file_level, "the review was submitted, but ")
        return self._submitted(data, len(inline), posted)

    def _submit_remote(self, event: str, body: str, local: bool) -> dict[str, Any]:
        """The pending review the user started on GitHub, submitted as it is there."""
        assert self.pending_review is not None
        if local:
            raise ReviewInputError(
                "you have a pending review started on GitHub, and GitHub's API cannot add comments to it: "
                "submit it from GitHub first, or delete the comments written here")
        payload: dict[str, Any] = {"event": event}
        if body.strip():
            payload["body"] = body.strip()
        rid = self.pending_review["id"]
        data = self._send("POST", f"{self.pr_url}/reviews/{rid}/events", payload, "submitting your pending review")
        n = len(self.pending_remote)
        self.pending_review, self.pending_remote = None, []
        return self._submitted(data, n, 0)

    def _submitted(self, data: dict[str, Any], inline: int, file_level: int) -> dict[str, Any]:
        state = str(data.get("state") or "")
        self.last_review = {"id": data.get("id"), "state": state, "label": STATES.get(state, state.lower()),
                            "url": str(data.get("html_url") or ""), "inline": inline, "file_level": file_level}
        return {"review": data.get("id"), "state": state, "url": self.last_review["url"], "inline": inline,
                "file_level": file_level}

    def single(self, draft: Draft) -> dict[str, Any]:
        """One comment on its own (not part of a review)."""
        payload = self.comment_payload(draft)
        payload["commit_id"] = self.head_sha
        return self._send("POST", f"{self.pr_url}/comments", payload, "posting the comment")

    def reply(self, comment_id: int, body: str) -> dict[str, Any]:
        if comment_id not in self._known:
            raise ReviewInputError(f"no review thread {comment_id} on pull request #{self.number}")
        return self._send("POST", f"{self.pr_url}/comments/{comment_id}/replies", {"body": body.strip()},
                          "posting the reply")

    def _post_file_level(self, payloads: list[dict[str, Any]], prefix: str) -> int:
        done = 0
        for p in payloads:
            try:
                self._send("POST", f"{self.pr_url}/comments", {**p, "commit_id": self.head_sha},
                           "posting a file comment")
            except NbreviewError as err:
                left = len(payloads) - done
                raise NbreviewError(f"{prefix}{left} file-level comment(s) were not posted: {err}") from None
            done += 1
        return done

    def _send(self, method: str, url: str, payload: dict[str, Any] | None, doing: str) -> dict[str, Any]:
        def call() -> Any:
            return self.gh.requester.requestJsonAndCheck(method, url, input=payload)[1]

        data = self._call(f"{doing} ({self.repo_name}#{self.number})", call)
        return data if isinstance(data, dict) else {}


def _candidates(draft: Draft, json_map: Any, n_lines: int) -> list[tuple[int, int]]:
    """The JSON line spans a draft may take, best first."""
    if draft.lines:
        a, b = json_map.json_line(draft.cell, draft.lines[0]), json_map.json_line(draft.cell, draft.lines[1])
        return [(a, b)] if a is not None and b is not None else []
    if draft.output is not None:
        at = json_map.output_line(draft.cell, draft.output, draft.mime)
        return [(at, at)] if at is not None else []
    cell = json_map.cell(draft.cell)
    return [(cell.line_json[0], cell.line_json[-1]), (cell.line_json[0], cell.line_json[0])] if n_lines else []


def _summary(file_level: list[dict[str, Any]]) -> str:
    n = len(file_level)
    return f"Reviewed with nbreview; {n} comment(s) on lines outside the diff follow as file comments." if n else ""
