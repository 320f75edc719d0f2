"""The fake's Flask app: authentication, merge requests, versions, diffs, notes, files, uploads and
approvals here; discussions and draft notes in their own modules."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify, request

from .positions import diff_json, version_files
from .rest import NOT_FOUND, error, note_json, page, params, stamp, user_json
from .store import QUICK_ACTION, FakeGitLab, MergeRequest

NOTE_LIMIT = 1_000_000  # notes.md: "Limited to 1,000,000 characters."
API = "/api/v4"
MR = f"{API}/projects/<int:pid>/merge_requests/<int:iid>"


@dataclass
class Context:
    """What the route modules share: the fake and who is asking."""

    fake: FakeGitLab

    def user(self) -> str | None:
        return self.fake.tokens.get(request.headers.get("PRIVATE-TOKEN", ""))

    def mr(self, pid: int, iid: int) -> MergeRequest | None:
        return self.fake.mrs.get(iid) if pid == self.fake.project_id else None


def diffs(mr: MergeRequest) -> list[dict[str, Any]]:
    """The merge request's changed files, as ``GET …/diffs`` lists them (paths in sorted order)."""
    return [diff_json(*entry) for entry in version_files(mr, mr.versions[-1])]


def body_arg() -> tuple[str | None, Response | None]:
    body = params().get("body")
    if body is None:
        return None, error(400, "400 Bad request - body is missing")
    if len(body) > NOTE_LIMIT:
        return None, error(400, {"note": [f"is too long (maximum is {NOTE_LIMIT} characters)"]})
    return str(body), None


def create_app(fake: FakeGitLab) -> Flask:
    from . import discussions, drafts

    app = Flask("fakegitlab")
    ctx = Context(fake)

    @app.before_request
    def _auth() -> Response | None:
        if fake.faults:
            return error(fake.faults.pop(0), "Bad gateway")
        if "PRIVATE-TOKEN" in request.headers and ctx.user() is None:
            return error(401, "401 Unauthorized")
        if request.method != "GET" and ctx.user() is None:
            return error(401, "401 Unauthorized")
        return None

    @app.after_request
    def _rate(resp: Response) -> Response:
        if fake.rate_limit:
            fake.rate_observed += 1
            reset = (int(time.time()) // 60 + 1) * 60
            resp.headers.update({
                "RateLimit-Name": "throttle_authenticated_api", "RateLimit-Limit": str(fake.rate_limit),
                "RateLimit-Observed": str(fake.rate_observed),
                "RateLimit-Remaining": str(max(0, fake.rate_limit - fake.rate_observed)),
                "RateLimit-Reset": str(reset),
                "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(reset)),
            })
        return resp

    @app.get(f"{API}/user")
    def current_user() -> Any:
        name = ctx.user()
        if name is None:
            return error(401, "401 Unauthorized")
        return {**user_json(name), "bot": name.startswith("project_")}

    for routes in (_mr_routes, _version_routes, _note_routes, _file_routes, _approval_routes,
                   discussions.routes, drafts.routes):
        routes(app, ctx)
    app.wsgi_app = _by_path(app.wsgi_app, fake)  # type: ignore[method-assign]
    return app


def _by_path(inner: Any, fake: FakeGitLab) -> Any:
    """rest/_index.md "Namespaced paths": a project is named by its id or its URL-encoded path; the
    server has decoded ``%2F`` before routing, so ``fake.project_path`` is mapped to the id here."""
    prefix = f"{API}/projects/{fake.project_path}/"

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(prefix):
            environ["PATH_INFO"] = f"{API}/projects/{fake.project_id}/{path[len(prefix):]}"
        return inner(environ, start_response)

    return app


def _mr_routes(app: Flask, ctx: Context) -> None:
    """merge_requests.md: a merge request, its diffs (15.7+) and the older ``/changes``."""

    @app.get(MR)
    def get_mr(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        return {
            "id": 500 + iid, "iid": iid, "project_id": pid, "title": "Notebook changes", "state": "opened",
            "sha": mr.head_sha, "source_branch": "feature", "target_branch": "main",
            "diff_refs": {"base_sha": mr.base_sha, "head_sha": mr.head_sha, "start_sha": mr.start_sha},
            "web_url": f"{request.host_url}{ctx.fake.project_path}/-/merge_requests/{iid}",
            "reviewers": [{**user_json(name), "state": state} for name, state in mr.reviewers.items()],
        }

    @app.get(f"{MR}/diffs")
    def get_diffs(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None or ctx.fake.before_15_7:
            return error(404, NOT_FOUND)
        return page(diffs(mr))

    @app.get(f"{MR}/changes")
    def get_changes(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        return {"iid": iid, "diff_refs": {"base_sha": mr.base_sha, "head_sha": mr.head_sha, "start_sha": mr.start_sha},
                "changes": diffs(mr)}


def _version_routes(app: Flask, ctx: Context) -> None:
    """merge_requests.md "Get merge request diff versions" (newest first) and "Get a single merge
    request diff version" (with its ``diffs``); a push collects a new version."""

    def version_json(mr: MergeRequest, v: Any) -> dict[str, Any]:
        return {
            "id": v.id, "head_commit_sha": v.head_sha, "base_commit_sha": v.base_sha,
            "start_commit_sha": v.start_sha, "created_at": stamp(v.created), "merge_request_id": 500 + mr.iid,
            "state": "collected", "real_size": str(len(version_files(mr, v))), "patch_id_sha": v.head_sha,
        }

    @app.get(f"{MR}/versions")
    def list_versions(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        return page([version_json(mr, v) for v in reversed(mr.versions)])

    @app.get(f"{MR}/versions/<int:vid>")
    def get_version(pid: int, iid: int, vid: int) -> Any:
        mr = ctx.mr(pid, iid)
        v = next((v for v in mr.versions if v.id == vid), None) if mr else None
        if mr is None or v is None:
            return error(404, NOT_FOUND)
        return {**version_json(mr, v), "commits": [], "diffs": [diff_json(*e) for e in version_files(mr, v)]}


def _note_routes(app: Flask, ctx: Context) -> None:
    """notes.md "Merge requests": list (``created_at`` desc by default), create, modify, delete."""

    @app.get(f"{MR}/notes")
    def list_notes(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        order = sorted(mr.notes, key=lambda n: n.created, reverse=request.args.get("sort", "desc") == "desc")
        return page([note_json(ctx.fake, mr, n) for n in order])

    @app.post(f"{MR}/notes")
    def create_note(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        body, err = body_arg()
        if err is not None:
            return err
        who = str(ctx.user())
        if str(body).strip() == "/request_changes" and who in mr.reviewers:
            # quick_actions.md ``/request_changes`` (a reviewer only: merge_request_actions.rb's condition);
            # notes_helpers.rb: a note of only quick actions that ran answers 202 with
            # Entities::NoteCommands and keeps no note. For anyone else the line stays text, a note.
            mr.reviewers[who] = "requested_changes"
            ctx.fake.commands.append("request_changes")
            summary = ["Changes requested to the current merge request."]
            return jsonify({"commands_changes": {}, "summary": summary}), 202
        note = ctx.fake.add_note(iid, str(body), who)
        return jsonify(note_json(ctx.fake, mr, note)), 201

    @app.route(f"{MR}/notes/<int:nid>", methods=["PUT", "DELETE"])
    def change_note(pid: int, iid: int, nid: int) -> Any:
        mr = ctx.mr(pid, iid)
        note = next((n for n in mr.notes if n.id == nid), None) if mr else None
        if mr is None or note is None:
            return error(404, NOT_FOUND)
        if note.username != ctx.user():
            return error(403, "403 Forbidden")
        if request.method == "DELETE":
            mr.notes.remove(note)
            return Response(status=204)
        body, err = body_arg()
        if err is not None:
            return err
        note.body = str(body)
        ctx.fake.commands += QUICK_ACTION.findall(note.body.replace("\r", ""))
        return note_json(ctx.fake, mr, note)


def _file_routes(app: Flask, ctx: Context) -> None:
    """repository_files.md raw files; project_markdown_uploads.md uploads."""

    @app.get(f"{API}/projects/<int:pid>/repository/files/<path:file_path>/raw")
    def raw_file(pid: int, file_path: str) -> Any:
        fake = ctx.fake
        data = fake.blobs.get((request.args.get("ref", ""), file_path)) if pid == fake.project_id else None
        if data is None:
            return error(404, "404 File Not Found")
        return Response(data, content_type="text/plain; charset=utf-8")

    @app.post(f"{API}/projects/<int:pid>/uploads")
    def upload(pid: int) -> Any:
        f = request.files.get("file")
        if pid != ctx.fake.project_id:
            return error(404, "404 Project Not Found")
        if f is None:
            return error(400, "400 Bad request - file is missing")
        if ctx.user() in ctx.fake.no_uploads:
            return error(403, "403 Forbidden")
        name = f.filename or "file"
        url = f"/uploads/{secrets.token_hex(16)}/{name}"
        ctx.fake.uploads[url] = f.read()
        alt = name.rsplit(".", 1)[0]
        return jsonify({"id": len(ctx.fake.uploads), "alt": alt, "url": url,
                        "full_path": f"/-/project/{pid}{url}", "markdown": f"![{alt}]({url})"}), 201


def _approval_routes(app: Flask, ctx: Context) -> None:
    """merge_request_approvals.md "Approve merge request" / "Unapprove a merge request"."""

    def state(mr: MergeRequest) -> dict[str, Any]:
        return {"iid": mr.iid, "project_id": ctx.fake.project_id, "state": "opened",
                "approved": bool(mr.approved_by), "user_has_approved": ctx.user() in mr.approved_by,
                "approved_by": [{"user": user_json(u)} for u in mr.approved_by]}

    @app.post(f"{MR}/approve")
    def approve(pid: int, iid: int) -> Any:
        mr, who = ctx.mr(pid, iid), str(ctx.user())
        if mr is None:
            return error(404, NOT_FOUND)
        sha = params().get("sha")
        if sha and sha != mr.head_sha:  # "sha: The HEAD of the merge request": a stale one is a 409
            return error(409, "SHA does not match HEAD of source branch")
        if who in mr.approved_by:  # a second approval by the same user is refused (401, as GitLab answers)
            return error(401, "401 Unauthorized")
        mr.approved_by.append(who)
        return jsonify(state(mr)), 201

    @app.post(f"{MR}/unapprove")
    def unapprove(pid: int, iid: int) -> Any:
        mr, who = ctx.mr(pid, iid), str(ctx.user())
        if mr is None or who not in mr.approved_by:
            return error(404, NOT_FOUND)
        mr.approved_by.remove(who)
        return jsonify(state(mr)), 201


@contextmanager
def serve(fake: FakeGitLab) -> Iterator[str]:
    """Run the fake on 127.0.0.1 on a free port in a thread; yields the server's root URL."""
    from support.wsgi import serve_wsgi

    with serve_wsgi(create_app(fake)) as url:
        yield url
