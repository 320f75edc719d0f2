"""A small fake of the GitLab REST API v4 (the part ``nbreview pr`` uses on a merge request), as a
Flask app run on 127.0.0.1 on a free port: ``with serve(fake) as url: ...``.

Each rule comes from GitLab's own API documentation (gitlabhq/gitlabhq, ``doc/api/``):

- authentication, ``rest/authentication.md``: the token in the ``PRIVATE-TOKEN`` header; a wrong
  token answers 401 ``{"message": "401 Unauthorized"}`` (``rest/troubleshooting.md``, status codes);
  without one a public project reads anonymously and writes answer 401 too.
- pagination, ``rest/_index.md`` "Offset-based pagination": ``page`` and ``per_page`` (default 20,
  max 100), the ``Link`` header (rel prev/next/first/last) and ``x-next-page``, ``x-page``,
  ``x-per-page``, ``x-prev-page``, ``x-total``, ``x-total-pages``.
- ``merge_requests.md``: a merge request's ``diff_refs`` (``base_sha``, ``head_sha``, ``start_sha``);
  "List merge request diffs" ``GET …/diffs`` (15.7+, paginated: ``old_path``, ``new_path``,
  ``new_file``, ``renamed_file``, ``deleted_file``, ``diff``); the older ``GET …/changes`` (the fake
  can play a server before 15.7, where ``/diffs`` is a 404); unknown ids answer ``404 Not found``.
- ``notes.md`` "Merge requests": list (sorted ``desc`` by ``created_at`` by default), create
  (``body`` "Limited to 1,000,000 characters"), modify (``PUT …/notes/:note_id``), delete; an
  over-long body answers 400 with ``{"message": {"note": ["is too long …"]}}``, the validation
  shape of ``rest/troubleshooting.md``.
- ``repository_files.md``: ``GET /projects/:id/repository/files/:file_path/raw?ref=`` gives the
  bytes, 404 ``{"message": "404 File Not Found"}`` otherwise.
- ``project_markdown_uploads.md``: ``POST /projects/:id/uploads`` (multipart ``file``) answers 201
  with ``id``, ``alt``, ``url`` (``/uploads/<32-hex secret>/<name>``), ``full_path``, ``markdown``.
- ``user/project/quick_actions.md``: a note whose line starts with ``/command`` runs the command
  when posted, and (GitLab's ``app/services/notes/update_service.rb``) when edited too. GitLab's
  ``lib/gitlab/quick_actions/extractor.rb`` drops ``\r`` first, then matches ``^/name`` outside
  fences of exactly three backticks, HTML blocks and ``>>>`` quotes. The fake records every
  ``^/word`` line it receives (``fake.commands``), in code blocks too: stricter than GitLab.

Only numeric project ids are served (werkzeug decodes ``%2F`` in paths before routing).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request

NOTE_LIMIT = 1_000_000  # notes.md: "Limited to 1,000,000 characters."
QUICK_ACTION = re.compile(r"(?m)^/([A-Za-z_]+)")


@dataclass
class Note:
    id: int
    body: str
    username: str
    created: int  # a tick of the fake's clock: the list's default order is created_at desc
    system: bool = False


@dataclass
class MergeRequest:
    iid: int
    base_files: dict[str, bytes]
    head_files: dict[str, bytes]
    base_sha: str = ""
    head_sha: str = ""
    notes: list[Note] = field(default_factory=list)


@dataclass
class FakeGitLab:
    project_id: int = 7
    tokens: dict[str, str] = field(default_factory=lambda: {"glpat-bot": "project_7_bot", "glpat-ann": "ann"})
    blobs: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (sha, path) -> bytes
    mrs: dict[int, MergeRequest] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)  # url -> bytes
    commands: list[str] = field(default_factory=list)  # quick actions received in note bodies
    before_15_7: bool = False  # no /diffs endpoint
    no_uploads: set[str] = field(default_factory=set)  # users the project refuses uploads (403)
    faults: list[int] = field(default_factory=list)  # statuses (502, 503...) the next requests answer
    clock: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _commit(self, files: dict[str, bytes]) -> str:
        sha = hashlib.sha1(repr(sorted(files.items())).encode()).hexdigest()
        for path, data in files.items():
            self.blobs[(sha, path)] = data
        return sha

    def open_mr(self, iid: int, base_files: dict[str, bytes], head_files: dict[str, bytes]) -> MergeRequest:
        mr = MergeRequest(iid, dict(base_files), dict(head_files))
        mr.base_sha, mr.head_sha = self._commit(mr.base_files), self._commit(mr.head_files)
        self.mrs[iid] = mr
        return mr

    def push(self, iid: int, head_files: dict[str, bytes]) -> str:
        """A new head on the merge request's source branch; its diff_refs follow."""
        mr = self.mrs[iid]
        mr.head_files = dict(head_files)
        mr.head_sha = self._commit(mr.head_files)
        return mr.head_sha

    def add_note(self, iid: int, body: str, username: str, system: bool = False) -> Note:
        with self.lock:
            self.clock += 1
            note = Note(1000 + self.clock, body, username, self.clock, system)
            self.mrs[iid].notes.append(note)
        self.commands += QUICK_ACTION.findall(body.replace("\r", ""))
        return note


def diffs(mr: MergeRequest) -> list[dict[str, Any]]:
    """The merge request's changed files, as ``GET …/diffs`` lists them (paths in sorted order)."""
    out = []
    for path in sorted(set(mr.base_files) | set(mr.head_files)):
        old, new = mr.base_files.get(path), mr.head_files.get(path)
        if old == new:
            continue
        out.append({
            "old_path": path, "new_path": path, "a_mode": "100644", "b_mode": "100644",
            "diff": "@@ -1 +1 @@\n", "new_file": old is None, "renamed_file": False,
            "deleted_file": new is None, "generated_file": False,
        })
    return out


def _error(status: int, message: Any) -> Response:
    resp = jsonify({"message": message})
    resp.status_code = status
    return resp


def _page(items: list[Any]) -> Response:
    """One page of ``items`` with GitLab's pagination headers (rest/_index.md)."""
    page = max(1, int(request.args.get("page", 1)))
    per_page = min(100, max(1, int(request.args.get("per_page", 20))))
    pages = max(1, -(-len(items) // per_page))
    resp = jsonify(items[(page - 1) * per_page : page * per_page])
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

    def link(n: int) -> str:
        return f"{request.base_url}?{urlencode({**args, 'page': n, 'per_page': per_page})}"

    rels = [(page - 1, "prev")] if page > 1 else []
    rels += [(page + 1, "next")] if page < pages else []
    rels += [(1, "first"), (pages, "last")]
    resp.headers["Link"] = ", ".join(f'<{link(n)}>; rel="{rel}"' for n, rel in rels)
    resp.headers.update({
        "X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
        "X-Total-Pages": str(pages), "X-Next-Page": str(page + 1) if page < pages else "",
        "X-Prev-Page": str(page - 1) if page > 1 else "",
    })
    return resp


def _note_json(fake: FakeGitLab, mr: MergeRequest, n: Note) -> dict[str, Any]:
    stamp = f"2026-01-01T00:{n.created // 60 % 60:02d}:{n.created % 60:02d}Z"
    return {
        "id": n.id, "type": None, "body": n.body, "attachment": None,
        "author": {"id": hash(n.username) % 1000, "username": n.username, "name": n.username, "state": "active"},
        "created_at": stamp, "updated_at": stamp, "system": n.system, "noteable_id": 500 + mr.iid,
        "noteable_type": "MergeRequest", "project_id": fake.project_id, "noteable_iid": mr.iid,
        "resolvable": False, "confidential": False, "internal": False,
    }


def create_app(fake: FakeGitLab) -> Flask:  # noqa: C901 - one route per documented endpoint
    app = Flask("fakegitlab")
    api = "/api/v4"

    def user() -> str | None:
        return fake.tokens.get(request.headers.get("PRIVATE-TOKEN", ""))

    @app.before_request
    def _auth() -> Response | None:
        if fake.faults:
            return _error(fake.faults.pop(0), "Bad gateway")
        if "PRIVATE-TOKEN" in request.headers and user() is None:
            return _error(401, "401 Unauthorized")
        if request.method != "GET" and user() is None:
            return _error(401, "401 Unauthorized")
        return None

    def find_mr(pid: int, iid: int) -> MergeRequest | None:
        return fake.mrs.get(iid) if pid == fake.project_id else None

    @app.get(f"{api}/user")
    def current_user() -> Any:
        name = user()
        if name is None:
            return _error(401, "401 Unauthorized")
        return {"id": hash(name) % 1000, "username": name, "name": name, "state": "active", "bot": True}

    @app.get(f"{api}/projects/<int:pid>/merge_requests/<int:iid>")
    def get_mr(pid: int, iid: int) -> Any:
        mr = find_mr(pid, iid)
        if mr is None:
            return _error(404, "404 Not found")
        return {
            "id": 500 + iid, "iid": iid, "project_id": pid, "title": "Notebook changes", "state": "opened",
            "sha": mr.head_sha, "source_branch": "feature", "target_branch": "main",
            "diff_refs": {"base_sha": mr.base_sha, "head_sha": mr.head_sha, "start_sha": mr.base_sha},
            "web_url": f"{request.host_url}group/project/-/merge_requests/{iid}",
        }

    @app.get(f"{api}/projects/<int:pid>/merge_requests/<int:iid>/diffs")
    def get_diffs(pid: int, iid: int) -> Any:
        mr = find_mr(pid, iid)
        if mr is None or fake.before_15_7:
            return _error(404, "404 Not found")
        return _page(diffs(mr))

    @app.get(f"{api}/projects/<int:pid>/merge_requests/<int:iid>/changes")
    def get_changes(pid: int, iid: int) -> Any:
        mr = find_mr(pid, iid)
        if mr is None:
            return _error(404, "404 Not found")
        return {"iid": iid, "diff_refs": {"base_sha": mr.base_sha, "head_sha": mr.head_sha}, "changes": diffs(mr)}

    @app.get(f"{api}/projects/<int:pid>/merge_requests/<int:iid>/notes")
    def list_notes(pid: int, iid: int) -> Any:
        mr = find_mr(pid, iid)
        if mr is None:
            return _error(404, "404 Not found")
        order = sorted(mr.notes, key=lambda n: n.created, reverse=request.args.get("sort", "desc") == "desc")
        return _page([_note_json(fake, mr, n) for n in order])

    def body_arg() -> tuple[str | None, Response | None]:
        data = request.get_json(silent=True) or request.form or request.args
        body = data.get("body")
        if body is None:
            return None, _error(400, "400 Bad request - body is missing")
        if len(body) > NOTE_LIMIT:
            return None, _error(400, {"note": [f"is too long (maximum is {NOTE_LIMIT} characters)"]})
        return str(body), None

    @app.post(f"{api}/projects/<int:pid>/merge_requests/<int:iid>/notes")
    def create_note(pid: int, iid: int) -> Any:
        mr = find_mr(pid, iid)
        if mr is None:
            return _error(404, "404 Not found")
        body, err = body_arg()
        if err is not None:
            return err
        note = fake.add_note(iid, str(body), str(user()))
        return jsonify(_note_json(fake, mr, note)), 201

    @app.route(f"{api}/projects/<int:pid>/merge_requests/<int:iid>/notes/<int:nid>", methods=["PUT", "DELETE"])
    def change_note(pid: int, iid: int, nid: int) -> Any:
        mr = find_mr(pid, iid)
        note = next((n for n in mr.notes if n.id == nid), None) if mr else None
        if mr is None or note is None:
            return _error(404, "404 Not found")
        if note.username != user():
            return _error(403, "403 Forbidden")
        if request.method == "DELETE":
            mr.notes.remove(note)
            return Response(status=204)
        body, err = body_arg()
        if err is not None:
            return err
        note.body = str(body)
        fake.commands += QUICK_ACTION.findall(note.body.replace("\r", ""))
        return _note_json(fake, mr, note)

    @app.get(f"{api}/projects/<int:pid>/repository/files/<path:file_path>/raw")
    def raw_file(pid: int, file_path: str) -> Any:
        data = fake.blobs.get((request.args.get("ref", ""), file_path)) if pid == fake.project_id else None
        if data is None:
            return _error(404, "404 File Not Found")
        return Response(data, content_type="text/plain; charset=utf-8")

    @app.post(f"{api}/projects/<int:pid>/uploads")
    def upload(pid: int) -> Any:
        f = request.files.get("file")
        if pid != fake.project_id:
            return _error(404, "404 Project Not Found")
        if f is None:
            return _error(400, "400 Bad request - file is missing")
        if user() in fake.no_uploads:
            return _error(403, "403 Forbidden")
        name = f.filename or "file"
        url = f"/uploads/{secrets.token_hex(16)}/{name}"
        fake.uploads[url] = f.read()
        alt = name.rsplit(".", 1)[0]
        return jsonify({"id": len(fake.uploads), "alt": alt, "url": url,
                        "full_path": f"/-/project/{pid}{url}", "markdown": f"![{alt}]({url})"}), 201

    return app


@contextmanager
def serve(fake: FakeGitLab) -> Iterator[str]:
    """Run the fake on 127.0.0.1 on a free port in a thread; yields the server's root URL."""
    from support.wsgi import serve_wsgi

    with serve_wsgi(create_app(fake)) as url:
        yield url
