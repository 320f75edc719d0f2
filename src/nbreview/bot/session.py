"""One pull request opened for review: its notebooks read through the REST API, its threads, and writing.

Reading is ``nbreview pr``'s (contents API at the merge base and the head, blobs past 1 MB).
Writing goes to this pull request only, with the user's own token: a review with its line
comments is one ``POST /pulls/{n}/reviews`` (it lands whole or not at all); a comment whose line
lies outside the diff's hunks becomes a file-level comment (``subject_type: file``) that quotes
the cell and lines; replies go to ``/comments/{id}/replies``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nbreview.errors import NbreviewError
from nbreview.threads.anchor import Anchor, write_body
from nbreview.threads.hunks import parse_patch
from nbreview.threads.place import NotebookFile, Thread, place

if TYPE_CHECKING:
    from github import Github

    from nbreview.io.git import NotebookPair

EVENTS = {"COMMENT", "APPROVE", "REQUEST_CHANGES"}
MAX_BODY = 60_000
NOTEBOOK_SUFFIX = ".ipynb"


class ReviewInputError(NbreviewError):
    """The page asked for something this pull request does not have (a cell, a line, a thread)."""


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
        body = data.get("body")
        file, cell, side = data.get("file"), data.get("cell"), data.get("side")
        if not isinstance(body, str) or not body.strip():
            raise ReviewInputError("a comment needs some text")
        if len(body) > MAX_BODY:
            raise ReviewInputError(f"a comment is limited to {MAX_BODY} characters")
        if not isinstance(file, int) or not isinstance(cell, int) or side not in ("old", "new"):
            raise ReviewInputError("a comment needs a notebook, a side (old/new) and a cell")
        lines = data.get("lines")
        span: tuple[int, int] | None = None
        if lines is not None:
            if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(x, int) and x > 0 for x in lines)):
                raise ReviewInputError("lines must be [first, last]")
            span = (min(lines), max(lines))
        output = data.get("output")
        if output is not None and not (isinstance(output, int) and output >= 0):
            raise ReviewInputError("output must be a number")
        mime = data.get("mime") if isinstance(data.get("mime"), str) else None
        return cls(file, side, cell, body, span, output, mime)


class PullRequestSession:
    """The pull request the page was opened for; every write goes here and nowhere else."""

    def __init__(self, gh: Github, repo_name: str, number: int, log: Callable[[str], None] | None = None) -> None:
        self.gh = gh
        self.repo_name = repo_name
        self.number = number
        from nbreview.render.terminal import log_line  # guarded: file names are a fork's to choose

        self.log: Callable[[str], None] = log or log_line
        self.files: list[NotebookFile] = []
        self.head_sha = ""
        self.base_sha = ""
        self.pr_url = ""
        self.html_url = ""
        self._known: set[int] = set()

    # ------------------------------------------------------------ reading
    def open(self, max_notebooks: int = 50) -> list[NotebookPair]:
        """Read the pull request and its notebooks; the pairs the review page shows."""
        from github import GithubException
        from requests.exceptions import RequestException

        from nbreview.bot.client import explain
        from nbreview.bot.pr import merge_base, read_file
        from nbreview.io.git import NotebookPair
        from nbreview.io.load import empty_notebook, from_object, load

        doing = f"reading pull request #{self.number}"
        try:
            self.repo = self.gh.get_repo(self.repo_name)
            self.pr = self.pr_obj = self.repo.get_pull(self.number)
            self.head_sha, self.pr_url, self.html_url = self.pr.head.sha, self.pr.url, self.pr.html_url
            self.base_sha = merge_base(self.repo, self.pr)
            pairs: list[NotebookPair] = []
            for f in self.pr.get_files():
                if not (f.filename.endswith(NOTEBOOK_SUFFIX) or (f.previous_filename or "").endswith(NOTEBOOK_SUFFIX)):
                    continue
                if len(self.files) >= max_notebooks:
                    self.log(f"nbreview: more than {max_notebooks} notebooks; showing the first {max_notebooks}")
                    break
                old_path = f.previous_filename or f.filename
                old = b"" if f.status == "added" else read_file(self.repo, old_path, self.base_sha)
                new = b"" if f.status == "removed" else read_file(self.repo, f.filename, self.head_sha)
                notebook_file = NotebookFile(
                    f.filename, old_path, f.status, old.decode("utf-8", "replace"), new.decode("utf-8", "replace"),
                    f.patch,
                )
                label_old, label_new = f"{old_path}@{self.base_sha[:7]}", f"{f.filename}@{self.head_sha[:7]}"
                old_nb = load(old, label_old) if old else from_object(empty_notebook(), label_old)
                new_nb = load(new, label_new) if new else from_object(empty_notebook(), label_new)
                status = {"added": "added", "removed": "deleted"}.get(f.status, "modified")
                self.files.append(notebook_file)
                pairs.append(NotebookPair(f.filename, old_nb, new_nb, status))
            return pairs
        except GithubException as err:
            raise explain(err, doing, self.repo_name) from None
        except RequestException as err:
            raise explain(err, doing, self.repo_name) from None

    def threads(self, render: Callable[[str], str]) -> list[Thread]:
        """The review threads on this pull request's notebooks, placed on cells."""
        from github import GithubException
        from requests.exceptions import RequestException

        from nbreview.bot.client import explain
        from nbreview.bot.pr import read_file

        def fetch(path: str, sha: str) -> str | None:
            try:
                return read_file(self.repo, path, sha).decode("utf-8", "replace")
            except (GithubException, NbreviewError):
                return None

        try:
            raw = [c.raw_data for c in self.pr.get_review_comments()]
        except (GithubException, RequestException) as err:
            raise explain(err, f"reading the review comments of pull request #{self.number}", self.repo_name) from None
        self._known = {int(c["id"]) for c in raw if isinstance(c.get("id"), int)}
        return place(raw, self.files, self.head_sha, fetch, render)

    # ------------------------------------------------------------ writing
    def comment_payload(self, draft: Draft) -> dict[str, Any]:
        """The review comment for a draft: on its JSON line(s) when GitHub takes them, else file-level."""
        if not 0 <= draft.file < len(self.files):
            raise ReviewInputError(f"no notebook {draft.file} in this pull request")
        notebook_file = self.files[draft.file]
        json_map = notebook_file.map(draft.side)
        cell = json_map.cell(draft.cell)
        if cell is None:
            raise ReviewInputError(f"{notebook_file.path} has no cell [{draft.cell}] on the {draft.side} side")
        n_lines = len(cell.line_json)
        if draft.lines and draft.lines[1] > n_lines:
            raise ReviewInputError(f"cell [{draft.cell}] of {notebook_file.path} has {n_lines} lines, "
                                   f"not {draft.lines[1]}")
        if draft.output is not None and draft.output >= len(cell.outputs):
            raise ReviewInputError(f"cell [{draft.cell}] of {notebook_file.path} has no output {draft.output + 1}")
        anchor = Anchor(draft.side, draft.cell, cell.cell_id, draft.lines, draft.output)
        src_lines = cell.source.splitlines()
        quote = ""
        if draft.lines:
            quote = "\n".join(src_lines[draft.lines[0] - 1 : draft.lines[1]])
        elif draft.output is None:
            quote = "\n".join(src_lines)
        language = "python" if _cell_type(notebook_file, draft) == "code" else ""
        body = write_body(anchor, draft.body, quote, language)
        side = "LEFT" if draft.side == "old" else "RIGHT"
        candidates: list[tuple[int, int]] = []
        if draft.lines:
            a, b = json_map.json_line(draft.cell, draft.lines[0]), json_map.json_line(draft.cell, draft.lines[1])
            if a is not None and b is not None:
                candidates.append((a, b))
        elif draft.output is not None:
            at = json_map.output_line(draft.cell, draft.output, draft.mime)
            if at is not None:
                candidates.append((at, at))
        elif n_lines:
            a, b = cell.line_json[0], cell.line_json[-1]
            candidates += [(a, b), (a, a)]
        hunks = parse_patch(notebook_file.patch)
        for a, b in candidates:
            if hunks.accepts(side, a, b):
                out: dict[str, Any] = {"path": notebook_file.path, "body": body, "line": b, "side": side}
                if a != b:
                    out.update(start_line=a, start_side=side)
                return out
        return {"path": notebook_file.path, "body": body, "subject_type": "file"}

    def submit(self, event: str, body: str, drafts: Sequence[Draft]) -> dict[str, Any]:
        """Submit a review: its line comments in ONE request; file-level ones after it, each whole."""
        if event not in EVENTS:
            raise ReviewInputError(f"the review must be one of {', '.join(sorted(EVENTS))}")
        if len(body) > MAX_BODY:
            raise ReviewInputError(f"the review text is limited to {MAX_BODY} characters")
        if event == "REQUEST_CHANGES" and not body.strip() and not drafts:
            raise ReviewInputError("say what should change: write a summary or a comment")
        payloads = [self.comment_payload(d) for d in drafts]  # every input checked before anything is sent
        inline = [p for p in payloads if "line" in p]
        file_level = [p for p in payloads if "line" not in p]
        review: dict[str, Any] = {"commit_id": self.head_sha, "event": event, "comments": inline}
        if body.strip() or event != "APPROVE":
            review["body"] = body.strip() or _summary(file_level)
        data = self._post(f"{self.pr_url}/reviews", review, "submitting the review")
        posted = self._post_file_level(file_level, "the review was submitted, but ")
        return {"review": data.get("id"), "inline": len(inline), "file_level": posted}

    def single(self, draft: Draft) -> dict[str, Any]:
        """One comment on its own (not part of a review)."""
        payload = self.comment_payload(draft)
        payload["commit_id"] = self.head_sha
        return self._post(f"{self.pr_url}/comments", payload, "posting the comment")

    def reply(self, comment_id: int, body: str) -> dict[str, Any]:
        if comment_id not in self._known:
            raise ReviewInputError(f"no review thread {comment_id} on pull request #{self.number}")
        if not body.strip():
            raise ReviewInputError("a reply needs some text")
        if len(body) > MAX_BODY:
            raise ReviewInputError(f"a reply is limited to {MAX_BODY} characters")
        return self._post(f"{self.pr_url}/comments/{comment_id}/replies", {"body": body.strip()}, "posting the reply")

    def _post_file_level(self, payloads: list[dict[str, Any]], prefix: str) -> int:
        done = 0
        for p in payloads:
            try:
                self._post(f"{self.pr_url}/comments", {**p, "commit_id": self.head_sha}, "posting a file comment")
            except NbreviewError as err:
                left = len(payloads) - done
                raise NbreviewError(f"{prefix}{left} file-level comment(s) were not posted: {err}") from None
            done += 1
        return done

    def _post(self, url: str, payload: dict[str, Any], doing: str) -> dict[str, Any]:
        from github import GithubException
        from requests.exceptions import RequestException

        from nbreview.bot.client import explain

        try:
            _headers, data = self.gh.requester.requestJsonAndCheck("POST", url, input=payload)
        except (GithubException, RequestException) as err:
            raise explain(err, doing, f"{self.repo_name}#{self.number}") from None
        return data if isinstance(data, dict) else {}


def _cell_type(notebook_file: NotebookFile, draft: Draft) -> str:
    import json

    try:
        text = notebook_file.base_text if draft.side == "old" else notebook_file.head_text
        return str(json.loads(text)["cells"][draft.cell].get("cell_type", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


def _summary(file_level: list[dict[str, Any]]) -> str:
    n = len(file_level)
    return f"Reviewed with nbreview; {n} comment(s) on lines outside the diff follow as file comments." if n else ""
