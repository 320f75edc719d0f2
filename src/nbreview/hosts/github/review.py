"""GitHub's side of reviewing a pull request (:class:`~nbreview.hosts.protocol.ReviewHost`), over REST.

Lists are read from their list answers with ETags (:class:`~.client.ApiReader`). A review goes in
ONE ``POST /pulls/{n}/reviews`` with its line comments (it lands whole or not at all); comments on
the file (``subject_type: file``) follow it. A pending review the user started on GitHub is read
(GitHub lists it to its author only), its comments edited or deleted, and it is submitted through
``/reviews/{id}/events``; GitHub's API cannot add to it. Resolving needs GraphQL (:mod:`.resolved`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nbreview.errors import NbreviewError
from nbreview.hosts.github.client import ApiReader, GitHubError, explain
from nbreview.hosts.github.notebooks import merge_base, read_file, read_notebooks
from nbreview.hosts.github.resolved import Resolution
from nbreview.hosts.github.threads import threads as github_threads
from nbreview.hosts.protocol import Opened, ReviewInputError, Spot
from nbreview.threads.model import HostThread

if TYPE_CHECKING:
    from github import Github


def github_review(repo: str, number: int, *, api_url: str | None = None, token_env: str = "GITHUB_TOKEN",
                  log: Callable[[str], None] | None = None) -> GitHubReview:
    """A pull request to review with the user's token; a page must not hang on a rate limit, so it
    gives up at once and says so (retries stay for 5xx)."""
    from nbreview.hosts.github.client import api_root, connect, token_auth

    gh = connect(api_root(api_url), token_auth(token_env), retries=2, max_rate_wait=0)
    return GitHubReview(gh, repo, number, log)


class GitHubReview:
    """One pull request on one GitHub server, read and written with one token."""

    name = "GitHub"
    change_name = "pull request"
    events: tuple[str, ...] = ("COMMENT", "APPROVE", "REQUEST_CHANGES")
    unfolds = False  # a line comment only inside the diff's hunks (else 422)
    inert = "github"

    def __init__(self, gh: Github, repo_name: str, number: int, log: Callable[[str], None] | None = None) -> None:
        from nbreview.render.terminal import log_line  # guarded: file names are a fork's to choose

        self.gh, self.repo_name, self.number = gh, repo_name, number
        self.reader = ApiReader(gh.requester, log or log_line)  # its rate warnings and notes go to the log
        self.resolution = Resolution(gh.requester, repo_name, number)
        self.pr_url = ""
        self.head = ""
        self.user = ""
        self.pending_review: dict[str, Any] | None = None  # one the user started on GitHub itself
        self.pending_count = 0

    @property
    def rate(self) -> dict[str, int]:
        return self.reader.rate

    def _call(self, doing: str, call: Callable[[], Any]) -> Any:
        """``call()``, with GitHub's and the network's failures as one line."""
        from github import GithubException
        from requests.exceptions import RequestException

        try:
            return call()
        except (GithubException, RequestException) as err:
            raise explain(err, doing, self.repo_name) from None

    def store_key(self) -> tuple[str, str, int]:
        return self.gh.requester.base_url.split("://", 1)[-1].split("/", 1)[0], self.repo_name, self.number

    def open(self, max_notebooks: int) -> Opened:
        doing = f"reading pull request #{self.number}"
        self.repo = self._call(doing, lambda: self.gh.get_repo(self.repo_name))
        self.pr_url = f"{self.repo.url}/pulls/{self.number}"
        data = self._call(doing, lambda: self.reader.get(self.pr_url)[0])
        self.head = str(data["head"]["sha"])
        info = {
            "repo": self.repo_name, "number": self.number, "url": str(data.get("html_url") or ""),
            "title": str(data.get("title") or ""), "author": str((data.get("user") or {}).get("login") or ""),
            "base": str(data["base"].get("ref") or ""), "head_ref": str(data["head"].get("ref") or ""),
            "head": self.head, "state": str(data.get("state") or ""),
        }
        base = merge_base(self.repo, str(data["base"]["sha"]), self.head)
        notebooks, skipped = self._call(doing, lambda: read_notebooks(
            self.repo, self.reader, self.pr_url, base, self.head, max_notebooks, self.reader.log))
        return Opened(info, base, self.head, notebooks, skipped)

    def current_head(self) -> str:
        data = self._call(f"reading pull request #{self.number}", lambda: self.reader.get(self.pr_url)[0])
        return str(data["head"]["sha"])

    def whoami(self) -> str:
        try:
            data = self._call("reading who you are", lambda: self.reader.get("/user")[0])
        except GitHubError:
            return ""  # a token that cannot read its user: drafts are kept under "unknown-user"
        self.user = str(data.get("login") or "") if isinstance(data, dict) else ""
        return self.user

    def fetch(self, path: str, sha: str) -> str | None:
        from github import GithubException

        try:
            return read_file(self.repo, path, sha).decode("utf-8", "replace")
        except (GithubException, NbreviewError):
            return None

    def threads(self) -> tuple[list[HostThread], list[HostThread]]:
        doing = f"reading the review comments of pull request #{self.number}"
        raw = self._call(doing, lambda: self.reader.list(f"{self.pr_url}/comments"))
        reviews = self._call(doing, lambda: self.reader.list(f"{self.pr_url}/reviews"))
        # GitHub lists a pending review to its author only: with no readable login, any pending one is ours
        mine = [r for r in reviews if r.get("state") == "PENDING"
                and (not self.user or (r.get("user") or {}).get("login") == self.user)]
        self.pending_review = mine[0] if mine else None
        pending_id = self.pending_review["id"] if self.pending_review else None
        in_pending = [pending_id is not None and c.get("pull_request_review_id") == pending_id for c in raw]
        states = self._call(f"reading which threads of pull request #{self.number} are resolved",
                            self.resolution.read)
        resolved = {root: done for root, (_id, done) in states.items()} if self.resolution.available else None
        pending = github_threads([c for c, p in zip(raw, in_pending, strict=True) if p])
        self.pending_count = len(pending)
        return github_threads([c for c, p in zip(raw, in_pending, strict=True) if not p], resolved), pending

    def can_resolve(self) -> bool:
        return bool(self.resolution.available)

    def resolve(self, thread: HostThread, resolved: bool) -> bool:
        root = int(thread.id)
        if root not in self.resolution.threads:
            raise ReviewInputError(f"no review thread {root} on pull request #{self.number}")
        doing = f"{'resolving' if resolved else 'unresolving'} the thread"
        return bool(self._call(doing, lambda: self.resolution.set(root, resolved)))

    def _payload(self, spot: Spot, body: str) -> dict[str, Any]:
        if spot.file_level:
            return {"path": spot.path, "body": body, "subject_type": "file"}
        side = "LEFT" if spot.side == "old" else "RIGHT"
        out: dict[str, Any] = {"path": spot.path, "body": body, "line": spot.last, "side": side}
        if spot.first != spot.last:
            out.update(start_line=spot.first, start_side=side)
        return out

    def comment(self, spot: Spot, body: str) -> dict[str, Any]:
        payload = {**self._payload(spot, body), "commit_id": self.head}
        return self._send("POST", f"{self.pr_url}/comments", payload, "posting the comment")

    def reply(self, thread: HostThread, body: str) -> dict[str, Any]:
        return self._send("POST", f"{self.pr_url}/comments/{thread.id}/replies", {"body": body}, "posting the reply")

    def edit_pending(self, note_id: int, body: str) -> dict[str, Any]:
        return self._send("PATCH", f"{self.repo.url}/pulls/comments/{note_id}", {"body": body},
                          "editing the pending comment")

    def delete_pending(self, note_id: int) -> None:
        self._send("DELETE", f"{self.repo.url}/pulls/comments/{note_id}", None, "deleting the pending comment")

    def submit(self, event: str, body: str, comments: list[tuple[Spot, str]]) -> dict[str, Any]:
        """Line comments in ONE review; file-level ones after it. A pending review started on GitHub is
        submitted as it is there (GitHub's API cannot add comments to it)."""
        if self.pending_review is not None:
            return self._submit_remote(event, body, bool(comments))
        inline = [self._payload(s, b) for s, b in comments if not s.file_level]
        file_level = [self._payload(s, b) for s, b in comments if s.file_level]
        review: dict[str, Any] = {"commit_id": self.head, "event": event, "comments": inline}
        if body or event != "APPROVE":
            review["body"] = body or _summary(len(file_level))
        data = self._send("POST", f"{self.pr_url}/reviews", review, "submitting the review")
        posted = self._post_file_level(file_level, "the review was submitted, but ")
        return _submitted(data, len(inline), posted)

    def _submit_remote(self, event: str, body: str, local: bool) -> dict[str, Any]:
        assert self.pending_review is not None
        if local:
            raise ReviewInputError(
                "you have a pending review started on GitHub, and GitHub's API cannot add comments to it: "
                "submit it from GitHub first, or delete the comments written here")
        payload: dict[str, Any] = {"event": event}
        if body:
            payload["body"] = body
        rid = self.pending_review["id"]
        data = self._send("POST", f"{self.pr_url}/reviews/{rid}/events", payload, "submitting your pending review")
        self.pending_review = None
        return _submitted(data, self.pending_count, 0)

    def _post_file_level(self, payloads: list[dict[str, Any]], prefix: str) -> int:
        done = 0
        for p in payloads:
            try:
                self._send("POST", f"{self.pr_url}/comments", {**p, "commit_id": self.head}, "posting a file comment")
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


def _submitted(data: dict[str, Any], inline: int, file_level: int) -> dict[str, Any]:
    return {"id": data.get("id"), "state": str(data.get("state") or ""), "url": str(data.get("html_url") or ""),
            "inline": inline, "file_level": file_level}


def _summary(file_level: int) -> str:
    n = file_level
    return f"Reviewed with nbreview; {n} comment(s) on lines outside the diff follow as file comments." if n else ""
