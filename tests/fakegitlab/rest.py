"""What every endpoint of the fake shares: errors, pagination, request parameters, JSON entities."""

from __future__ import annotations

import re
import zlib
from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, request

from .store import FakeGitLab, MergeRequest, Note

NOT_FOUND = "404 Not found"


def error(status: int, message: Any) -> Response:
    resp = jsonify({"message": message})
    resp.status_code = status
    return resp


def invalid(message: str) -> Response:
    """Grape's answer to a parameter that fails its declaration: 400 with ``{"error": ...}``."""
    resp = jsonify({"error": message})
    resp.status_code = 400
    return resp


def too_long(body: str) -> Response | None:
    """notes.md: a body is "Limited to 1,000,000 characters"; over it, the discussions endpoints
    answer with the note's validation errors (``bad_request!("Note #{note.errors.messages}")``)."""
    if len(body) <= 1_000_000:
        return None
    return error(400, "400 Bad request - Note {:note=>[\"is too long (maximum is 1000000 characters)\"]}")


def page(items: list[Any]) -> Response:
    """One page of ``items`` with GitLab's pagination headers (rest/_index.md)."""
    number = max(1, int(request.args.get("page", 1)))
    per_page = min(100, max(1, int(request.args.get("per_page", 20))))
    pages = max(1, -(-len(items) // per_page))
    resp = jsonify(items[(number - 1) * per_page : number * per_page])
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

    def link(n: int) -> str:
        return f"{request.base_url}?{urlencode({**args, 'page': n, 'per_page': per_page})}"

    rels = [(number - 1, "prev")] if number > 1 else []
    rels += [(number + 1, "next")] if number < pages else []
    rels += [(1, "first"), (pages, "last")]
    resp.headers["Link"] = ", ".join(f'<{link(n)}>; rel="{rel}"' for n, rel in rels)
    resp.headers.update({
        "X-Page": str(number), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
        "X-Total-Pages": str(pages), "X-Next-Page": str(number + 1) if number < pages else "",
        "X-Prev-Page": str(number - 1) if number > 1 else "",
    })
    return resp


def params() -> dict[str, Any]:
    """The request's parameters from the query, a form or a JSON body, as Grape merges them; form
    keys like ``position[line_range][start][line_code]`` become nested dicts (Rack's rule)."""
    out: dict[str, Any] = {}
    for source in (request.args, request.form):
        for key, value in source.items():
            parts = re.findall(r"[^\[\]]+", key)
            node = out
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            if parts:
                node[parts[-1]] = value
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        out.update(body)
    return out


def flag(value: Any) -> bool:
    """A Grape Boolean from JSON (true) or a query/form string ("true")."""
    return value is True or str(value).lower() in ("true", "1")


def user_json(name: str) -> dict[str, Any]:
    return {"id": zlib.crc32(name.encode()) % 100000, "username": name, "name": name, "state": "active"}


def stamp(tick: int) -> str:
    return f"2026-01-01T{tick // 3600 % 24:02d}:{tick // 60 % 60:02d}:{tick % 60:02d}Z"


def note_json(fake: FakeGitLab, mr: MergeRequest, n: Note) -> dict[str, Any]:
    """A note entity (notes.md, discussions.md): thread notes add resolvable/resolved/resolved_by,
    diff notes their ``position`` as it was posted (it keeps the SHAs of its version)."""
    out = {
        "id": n.id, "type": n.kind, "body": n.body, "attachment": None, "author": user_json(n.username),
        "created_at": stamp(n.created), "updated_at": stamp(n.created), "system": n.system,
        "noteable_id": 500 + mr.iid, "noteable_type": "MergeRequest", "project_id": fake.project_id,
        "noteable_iid": mr.iid, "resolvable": n.resolvable, "confidential": False, "internal": False,
    }
    if n.resolvable:
        out["resolved"] = n.resolved_by is not None
        out["resolved_by"] = user_json(n.resolved_by) if n.resolved_by else None
        out["resolved_at"] = stamp(n.created) if n.resolved_by else None
    if n.position is not None:
        out["position"] = n.position
        out["commit_id"] = n.position.get("head_sha")
    return out


def discussion_json(fake: FakeGitLab, mr: MergeRequest, discussion_id: str) -> dict[str, Any]:
    """discussions.md: ``id`` (40 hex), ``individual_note`` (a single comment), ``notes``."""
    notes = mr.thread(discussion_id)
    return {
        "id": discussion_id, "individual_note": notes[0].kind is None,
        "notes": [note_json(fake, mr, n) for n in notes],
    }
