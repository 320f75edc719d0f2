"""The fake's pull-request reviews: review comments (list, create, reply, get, update, delete), reviews,
and the little of GitHub's GraphQL API that resolves threads (``reviewThreads { isResolved }``,
``resolveReviewThread``, ``unresolveReviewThread``; off with ``fake.graphql = False``).

GitHub's rules kept here: a line comment (``line``/``side``, ``start_line``/``start_side``; the
old ``position`` form too) must sit inside one hunk of the file's diff between the merge base
and the head, else 422; ``subject_type: file`` comments need no line; a review with its
comments is created whole or not at all. After a push, a comment whose file changed since its
commit is outdated: ``line``/``position`` become null, ``original_*`` keep where it was written
(GitHub keeps unchanged lines in place; the fake marks any change of the file as outdating).
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request


@dataclass
class ReviewComment:
    id: int
    repo: str
    number: int
    path: str
    body: str
    login: str
    user_id: int
    commit_id: str
    line: int | None
    side: str | None
    start_line: int | None
    start_side: str | None
    subject_type: str
    review_id: int
    in_reply_to: int | None
    created: float
    updated: float
    diff_hunk: str = "@@"


@dataclass
class Review:
    id: int
    repo: str
    number: int
    login: str
    user_id: int
    body: str
    state: str
    commit_id: str
    submitted: float


def hunks(old: bytes, new: bytes, context: int = 3) -> tuple[str, list[tuple[set[int], set[int]]]]:
    """The unified diff body (``patch``) and, per hunk, its (left, right) commentable lines."""
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    out: list[str] = []
    sets: list[tuple[set[int], set[int]]] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{i1 + 1},{i2 - i1} +{j1 + 1},{j2 - j1} @@")
        left, right = set(), set()
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                out += [" " + line for line in a[x1:x2]]
                left.update(range(x1 + 1, x2 + 1))
                right.update(range(y1 + 1, y2 + 1))
                continue
            if tag in ("replace", "delete"):
                out += ["-" + line for line in a[x1:x2]]
                left.update(range(x1 + 1, x2 + 1))
            if tag in ("replace", "insert"):
                out += ["+" + line for line in b[y1:y2]]
                right.update(range(y1 + 1, y2 + 1))
        sets.append((left, right))
    return "\n".join(out), sets


def hunk_upto(patch: str, side: str, line: int) -> str:
    """The hunk of ``patch`` holding ``line`` of ``side``, up to that line (GitHub's ``diff_hunk``)."""
    out: list[str] = []
    old = new = 0
    for text in patch.split("\n"):
        if text.startswith("@@"):
            nums = text.split()[1:3]
            old, new = int(nums[0][1:].split(",")[0]), int(nums[1][1:].split(",")[0])
            out = [text]
            continue
        out.append(text)
        here = old if text.startswith("-") or side == "LEFT" else new
        if (side == "LEFT" and not text.startswith("+") and here == line) or (
                side == "RIGHT" and not text.startswith("-") and here == line):
            return "\n".join(out)
        old += 0 if text.startswith("+") else 1
        new += 0 if text.startswith("-") else 1
    return "@@"


def register(app: Flask, fake: Any, h: dict[str, Callable[..., Any]]) -> None:
    js, err, pull, ref_sha, repo_url, user_json, paginate = (
        h["js"], h["err"], h["pull"], h["ref_sha"], h["repo_url"], h["user_json"], h["paginate"]
    )

    def iso(ts: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))

    def file_at(repo: str, sha: str, path: str) -> bytes | None:
        found = fake.store.lookup(sha, path)
        return None if found is None else fake.store.get(found[1])

    def merge_base(repo: str, pr: Any) -> str:
        head = ref_sha(repo, pr.head_ref)
        base_anc = set(fake.store.ancestors(ref_sha(repo, pr.base_ref)))
        return next(s for s in fake.store.ancestors(head) if s in base_anc)

    def diff_sets(repo: str, pr: Any, path: str) -> list[tuple[set[int], set[int]]] | None:
        head = ref_sha(repo, pr.head_ref)
        new = file_at(repo, head, path)
        old = file_at(repo, merge_base(repo, pr), path)
        if new is None and old is None:
            return None
        return hunks(old or b"", new or b"")[1]

    def current(c: ReviewComment, pr: Any) -> tuple[int | None, int | None]:
        """(line, start_line) now: unchanged while the file is as it was at the comment's commit."""
        if c.subject_type == "file" or c.line is None:
            return None, None
        head = ref_sha(c.repo, pr.head_ref)
        if head == c.commit_id or file_at(c.repo, head, c.path) == file_at(c.repo, c.commit_id, c.path):
            return c.line, c.start_line
        return None, None

    def comment_json(c: ReviewComment) -> dict[str, Any]:
        pr = fake.pulls[(c.repo, c.number)]
        line, start = current(c, pr)
        pr_url = f"{repo_url(c.repo)}/pulls/{c.number}"
        html = f"{g.web}/{c.repo}/pull/{c.number}#discussion_r{c.id}"
        j: dict[str, Any] = {
            "url": f"{repo_url(c.repo)}/pulls/comments/{c.id}",
            "pull_request_review_id": c.review_id,
            "id": c.id,
            "node_id": f"PRRC_{c.id}",
            "diff_hunk": c.diff_hunk,
            "path": c.path,
            "position": line,
            "original_position": c.line,
            "commit_id": ref_sha(c.repo, pr.head_ref) if line is not None else c.commit_id,
            "original_commit_id": c.commit_id,
            "user": user_json(c.login, c.user_id),
            "body": c.body,
            "created_at": iso(c.created),
            "updated_at": iso(c.updated),
            "html_url": html,
            "pull_request_url": pr_url,
            "author_association": "CONTRIBUTOR",
            "_links": {"self": {"href": f"{repo_url(c.repo)}/pulls/comments/{c.id}"}, "html": {"href": html},
                       "pull_request": {"href": pr_url}},
            "line": line,
            "original_line": c.line,
            "side": c.side or "RIGHT",
            "subject_type": c.subject_type,
        }
        if c.start_line is not None:
            j.update(start_line=start, original_start_line=c.start_line, start_side=c.start_side or c.side)
        if c.in_reply_to is not None:
            j["in_reply_to_id"] = c.in_reply_to
        for k in ("position", "original_position", "line", "original_line", "start_line", "original_start_line"):
            if k in j and j[k] is None:
                del j[k]  # GitHub sends null (outdated, file-level); the schema has them non-null, so: absent
        return j

    def review_json(r: Review) -> dict[str, Any]:
        pr_url = f"{repo_url(r.repo)}/pulls/{r.number}"
        html = f"{g.web}/{r.repo}/pull/{r.number}#pullrequestreview-{r.id}"
        return {
            "id": r.id, "node_id": f"PRR_{r.id}", "user": user_json(r.login, r.user_id), "body": r.body,
            "state": r.state, "html_url": html, "pull_request_url": pr_url,
            "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
            "submitted_at": iso(r.submitted), "commit_id": r.commit_id, "author_association": "CONTRIBUTOR",
        }

    def check_comment(repo: str, pr: Any, c: dict[str, Any], commit: str) -> tuple[ReviewComment | None, str]:
        """A comment from a request, or why GitHub would refuse it (422)."""
        path, body = c.get("path"), c.get("body")
        if not isinstance(path, str) or not isinstance(body, str) or not body:
            return None, "path and body are required"
        if len(body) > 65536:
            return None, "body is too long (maximum is 65536 characters)"
        sets = diff_sets(repo, pr, path)
        if sets is None:
            return None, f"Path could not be resolved: {path}"
        now = time.time()
        make = lambda **kw: ReviewComment(  # noqa: E731
            0, repo, pr.number, path, body, g.token.login, g.token.user_id, commit, review_id=0, in_reply_to=None,
            created=now, updated=now, **kw)
        if c.get("subject_type") == "file":
            return make(line=None, side=None, start_line=None, start_side=None, subject_type="file"), ""
        line, side = c.get("line"), c.get("side", "RIGHT")
        if "position" in c and line is None:
            return None, "position is not supported by this fake; use line and side"
        if not isinstance(line, int) or side not in ("LEFT", "RIGHT"):
            return None, "line must be part of the diff" if line is None else "side must be LEFT or RIGHT"
        start = c.get("start_line")
        start_side = c.get("start_side", side)
        if start is not None and (not isinstance(start, int) or start > line):
            return None, "start_line must precede the end line"
        first = start if start is not None else line
        idx = 0 if side == "LEFT" else 1
        if not any(first in hs[0 if start_side == "LEFT" else 1] and line in hs[idx] for hs in sets):
            return None, "pull_request_review_thread.line must be part of the diff" if start is None else (
                "pull_request_review_thread.start_line must be part of the same hunk as the line.")
        head = ref_sha(repo, pr.head_ref)
        patch = hunks(file_at(repo, merge_base(repo, pr), path) or b"", file_at(repo, head, path) or b"")[0]
        made = make(line=line, side=side, start_line=start, start_side=start_side if start else None,
                    subject_type="line")
        made.diff_hunk = hunk_upto(patch, side, line)
        return made, ""

    def need(owner: str, name: str, number: int) -> tuple[str, Any]:
        repo = f"{owner}/{name}"
        h["need_repo"](repo)
        return repo, pull(repo, number)

    def visible(c: ReviewComment) -> bool:
        """A pending review's comments are seen by their author only."""
        r = fake.reviews.get(c.review_id)
        return r is None or r.state != "PENDING" or (g.token is not None and g.token.login == r.login)

    @app.get("/repos/<owner>/<name>/pulls/<int:number>/comments")
    def list_review_comments(owner: str, name: str, number: int) -> Response:
        repo, _pr = need(owner, name, number)
        items = sorted((c for c in fake.review_comments.values() if c.repo == repo and c.number == number
                        and visible(c)), key=lambda c: c.id)
        return paginate(items, comment_json)

    @app.post("/repos/<owner>/<name>/pulls/<int:number>/comments")
    def create_review_comment(owner: str, name: str, number: int) -> Response:
        repo, pr = need(owner, name, number)
        body = request.get_json()
        commit = body.get("commit_id") or ref_sha(repo, pr.head_ref)
        if fake.store.get(commit, "commit") is None:
            return err(422, "Validation Failed: commit_id is not part of the pull request")
        c, why = check_comment(repo, pr, body, commit)
        if c is None:
            return err(422, f"Validation Failed: {why}")
        c.id = fake.new_id()
        fake.review_comments[c.id] = c
        return js(comment_json(c), 201)

    @app.post("/repos/<owner>/<name>/pulls/<int:number>/comments/<int:cid>/replies")
    def reply(owner: str, name: str, number: int, cid: int) -> Response:
        repo, pr = need(owner, name, number)
        parent = fake.review_comments.get(cid)
        if parent is None or parent.repo != repo or parent.number != number:
            return err(404, "Not Found")
        text = request.get_json().get("body")
        if not isinstance(text, str) or not text:
            return err(422, "Validation Failed: body is required")
        root = parent.in_reply_to or parent.id
        now = time.time()
        c = ReviewComment(fake.new_id(), repo, number, parent.path, text, g.token.login, g.token.user_id,
                          parent.commit_id, parent.line, parent.side, parent.start_line, parent.start_side,
                          parent.subject_type, parent.review_id, root, now, now, parent.diff_hunk)
        fake.review_comments[c.id] = c
        return js(comment_json(c), 201)

    def own_comment(owner: str, name: str, cid: int) -> ReviewComment | Response:
        c = fake.review_comments.get(cid)
        if c is None or c.repo != f"{owner}/{name}":
            return err(404, "Not Found")
        return c

    @app.get("/repos/<owner>/<name>/pulls/comments/<int:cid>")
    def get_review_comment(owner: str, name: str, cid: int) -> Response:
        c = own_comment(owner, name, cid)
        return c if isinstance(c, Response) else js(comment_json(c))

    @app.patch("/repos/<owner>/<name>/pulls/comments/<int:cid>")
    def update_review_comment(owner: str, name: str, cid: int) -> Response:
        c = own_comment(owner, name, cid)
        if isinstance(c, Response):
            return c
        if c.login != g.token.login:
            return err(403, "You can only edit your own comments")
        c.body, c.updated = request.get_json()["body"], time.time()
        return js(comment_json(c))

    @app.delete("/repos/<owner>/<name>/pulls/comments/<int:cid>")
    def delete_review_comment(owner: str, name: str, cid: int) -> Response:
        c = own_comment(owner, name, cid)
        if isinstance(c, Response):
            return c
        del fake.review_comments[cid]
        return Response(status=204)

    @app.get("/repos/<owner>/<name>/pulls/<int:number>/reviews")
    def list_reviews(owner: str, name: str, number: int) -> Response:
        repo, _pr = need(owner, name, number)
        items = [r for r in fake.reviews.values() if r.repo == repo and r.number == number
                 and (r.state != "PENDING" or (g.token is not None and g.token.login == r.login))]
        return paginate([review_json(r) for r in sorted(items, key=lambda r: r.id)])

    @app.get("/repos/<owner>/<name>/pulls/<int:number>/reviews/<int:rid>/comments")
    def review_comments_of(owner: str, name: str, number: int, rid: int) -> Response:
        repo, _pr = need(owner, name, number)
        if rid not in fake.reviews:
            return err(404, "Not Found")
        items = [comment_json(c) for c in fake.review_comments.values() if c.review_id == rid]
        for item in items:
            for k in ("line", "original_line", "side", "start_line", "original_start_line", "start_side",
                      "subject_type"):
                item.pop(k, None)  # this listing carries the short form
        return paginate(items)

    @app.post("/repos/<owner>/<name>/pulls/<int:number>/reviews")
    def create_review(owner: str, name: str, number: int) -> Response:
        repo, pr = need(owner, name, number)
        body = request.get_json()
        event = body.get("event")
        text = body.get("body") or ""
        commit = body.get("commit_id") or ref_sha(repo, pr.head_ref)
        if event not in ("APPROVE", "REQUEST_CHANGES", "COMMENT", None):
            return err(422, "Validation Failed: event is not included in the list")
        if event in ("REQUEST_CHANGES", "COMMENT") and not text and not body.get("comments"):
            return err(422, "Unprocessable Entity: body is required for this event")
        if event in ("APPROVE", "REQUEST_CHANGES") and g.token.login == pr.user:
            return err(422, f"Unprocessable Entity: Can not {event.lower().replace('_', ' ')} your own pull request")
        if any(r.repo == repo and r.number == number and r.state == "PENDING" and r.login == g.token.login
               for r in fake.reviews.values()):
            return err(422, "Unprocessable Entity: User can only have one pending review per pull request")
        made = []
        for c in body.get("comments") or []:
            rc, why = check_comment(repo, pr, c, commit)
            if rc is None:  # nothing of the review is kept
                return err(422, f"Unprocessable Entity: {why}")
            made.append(rc)
        state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}.get(
            event or "", "PENDING")
        r = Review(fake.new_id(), repo, number, g.token.login, g.token.user_id, text, state, commit, time.time())
        fake.reviews[r.id] = r
        for rc in made:
            rc.id, rc.review_id = fake.new_id(), r.id
            fake.review_comments[rc.id] = rc
        return js(review_json(r))

    @app.post("/repos/<owner>/<name>/pulls/<int:number>/reviews/<int:rid>/events")
    def submit_review(owner: str, name: str, number: int, rid: int) -> Response:
        repo, pr = need(owner, name, number)
        r = fake.reviews.get(rid)
        if r is None or r.repo != repo or r.number != number or r.login != g.token.login:
            return err(404, "Not Found")
        if r.state != "PENDING":
            return err(422, "Unprocessable Entity: Can not submit a review that is not pending")
        body = request.get_json()
        event = body.get("event")
        states = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
        if event not in states:
            return err(422, "Validation Failed: event is not included in the list")
        r.body = body.get("body") or r.body
        if event != "APPROVE" and not r.body and not any(c.review_id == rid for c in fake.review_comments.values()):
            return err(422, "Unprocessable Entity: body is required for this event")
        r.state, r.submitted, r.commit_id = states[event], time.time(), ref_sha(repo, pr.head_ref)
        return js(review_json(r))

    @app.post("/graphql")
    def graphql() -> Response:
        if not fake.graphql:
            return err(404, "Not Found")
        body = request.get_json()
        query, v = str(body.get("query") or ""), body.get("variables") or {}
        if "reviewThreads" in query:
            repo, number = f"{v['owner']}/{v['name']}", v["number"]
            roots = sorted(c.id for c in fake.review_comments.values()
                           if c.repo == repo and c.number == number and c.in_reply_to is None and visible(c))
            start = int(v.get("after") or 0)
            nodes = [{"id": f"PRRT_{r}", "isResolved": r in fake.resolved, "comments": {"nodes": [{"databaseId": r}]}}
                     for r in roots[start : start + 100]]
            info = {"hasNextPage": start + 100 < len(roots), "endCursor": str(start + 100)}
            return js({"data": {"repository": {"pullRequest": {"reviewThreads": {"pageInfo": info, "nodes": nodes}}}}})
        for name in ("unresolveReviewThread", "resolveReviewThread"):  # "resolve…" is inside "unresolve…"
            if name in query:
                root = int(str(v.get("id", "")).removeprefix("PRRT_") or 0)
                if root not in fake.review_comments:
                    return js({"errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a node"}]})
                (fake.resolved.add if name == "resolveReviewThread" else fake.resolved.discard)(root)
                return js({"data": {name: {"thread": {"id": v["id"], "isResolved": root in fake.resolved}}}})
        return js({"errors": [{"message": "this query is not part of the fake"}]})
