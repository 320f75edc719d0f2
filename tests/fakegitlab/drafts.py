"""Draft notes (doc/api/draft_notes.md; lib/api/draft_notes.rb where the page is silent): pending
comments visible to their author only, published one at a time or all at once.

- every endpoint reads ``merge_request.draft_notes.authored_by(current_user)``: another user's draft
  is absent from the list and a 404 ``{"message": "404 Not found"}`` by id (``find`` raises);
- create: ``note`` required; an unknown ``in_reply_to_discussion_id`` is a validation error, 400
  ``{"message": {"base": ["Thread to reply to cannot be found"]}}`` (draft_notes/create_service.rb);
  the position is stored unchecked (a draft has no line_code validation);
- modify: without ``note`` a 400 ``400 Bad request - Missing params to modify``;
- publish and bulk_publish answer 204 with no body. publish_service.rb: a published reply
  resolves its thread when ``resolve_discussion`` is set and *unresolves* it otherwise; a single
  publish that cannot save its note fails (the fake: 500, the draft kept); bulk publish creates
  what it can and then deletes all the user's drafts, so a draft whose position GitLab refuses
  is silently lost (the fake keeps it in ``fake.dropped_drafts`` for tests to see).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify

from .discussions import missing
from .positions import normalize, position_line_code
from .rest import NOT_FOUND, error, flag, invalid, params
from .store import DraftNote, FakeGitLab, MergeRequest

if TYPE_CHECKING:
    from .app import Context

DRAFTS = "/api/v4/projects/<int:pid>/merge_requests/<int:iid>/draft_notes"


def draft_json(mr: MergeRequest, d: DraftNote) -> dict[str, Any]:
    """draft_notes.md's entity: a draft without a position still has every position key, null."""
    from .rest import user_json

    position = d.position or normalize({"position_type": "text"}, int)
    code = position_line_code(mr, d.position) if d.position else None
    return {
        "id": d.id, "author_id": user_json(d.username)["id"], "merge_request_id": 500 + mr.iid,
        "resolve_discussion": d.resolve_discussion, "discussion_id": d.discussion_id, "note": d.note,
        "commit_id": d.commit_id, "line_code": code, "position": position,
    }


def publish(fake: FakeGitLab, mr: MergeRequest, d: DraftNote) -> bool:
    """Turn one draft into a note (a reply, a diff thread or a thread); False if GitLab would not
    save it (a reply to a vanished thread, a position on no diff line)."""
    if d.discussion_id is not None:
        if not mr.thread(d.discussion_id):
            return False
        fake.add_reply(mr.iid, d.discussion_id, d.username, d.note)
        fake.resolve(mr.iid, d.discussion_id, d.username if d.resolve_discussion else None)
    elif d.position is not None:
        if d.position.get("position_type") == "text" and position_line_code(mr, d.position) is None:
            return False
        fake._note(mr.iid, d.note, d.username, None, "DiffNote", d.position)
    else:
        fake._note(mr.iid, d.note, d.username, None, "DiscussionNote")
    return True


def routes(app: Flask, ctx: Context) -> None:
    fake = ctx.fake

    def mine(pid: int, iid: int, draft_id: int | None = None) -> tuple[MergeRequest | None, DraftNote | None]:
        mr = ctx.mr(pid, iid)
        if mr is None or draft_id is None:
            return mr, None
        return mr, next((d for d in mr.drafts if d.id == draft_id and d.username == ctx.user()), None)

    @app.get(DRAFTS)
    def list_drafts(pid: int, iid: int) -> Any:
        mr, _ = mine(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        return jsonify([draft_json(mr, d) for d in mr.drafts if d.username == ctx.user()])

    @app.get(f"{DRAFTS}/<int:draft_id>")
    def get_draft(pid: int, iid: int, draft_id: int) -> Any:
        mr, d = mine(pid, iid, draft_id)
        if mr is None or d is None:
            return error(404, NOT_FOUND)
        return draft_json(mr, d)

    @app.post(DRAFTS)
    def create_draft(pid: int, iid: int) -> Any:
        mr, args = ctx.mr(pid, iid), params()
        if mr is None:
            return error(404, NOT_FOUND)
        if args.get("note") is None:
            return invalid("note is missing")
        reply_to = args.get("in_reply_to_discussion_id") or None
        if reply_to is not None and not mr.thread(str(reply_to)):
            return error(400, {"base": ["Thread to reply to cannot be found"]})
        position, err = _position(mr, args, fake.position_types)
        if err is not None:
            return err
        d = fake.add_draft(iid, str(ctx.user()), str(args["note"]), position, reply_to,
                           flag(args.get("resolve_discussion", False)))
        return jsonify(draft_json(mr, d)), 201

    _change_routes(app, ctx, mine)


def _position(mr: MergeRequest, args: dict[str, Any],
              types: tuple[str, ...]) -> tuple[dict[str, Any] | None, Response | None]:
    """A draft's position: Grape's required keys checked, the line itself not (see the docstring)."""
    if "position" not in args:
        return None, None
    err = missing(args["position"], types)
    return (None, err) if err is not None else (normalize(args["position"], int), None)


def _change_routes(app: Flask, ctx: Context, mine: Any) -> None:
    """Modify, delete, publish one, publish all (draft_notes.md)."""
    fake = ctx.fake

    @app.put(f"{DRAFTS}/<int:draft_id>")
    def update_draft(pid: int, iid: int, draft_id: int) -> Any:
        mr, args = ctx.mr(pid, iid), params()
        if not args.get("note"):
            return error(400, "400 Bad request - Missing params to modify")
        mr, d = mine(pid, iid, draft_id)
        if mr is None or d is None:
            return error(404, NOT_FOUND)
        position, err = _position(mr, args, fake.position_types)
        if err is not None:
            return err
        d.note = str(args["note"])
        d.position = position if position is not None else d.position
        return draft_json(mr, d)

    @app.delete(f"{DRAFTS}/<int:draft_id>")
    def delete_draft(pid: int, iid: int, draft_id: int) -> Any:
        mr, d = mine(pid, iid, draft_id)
        if mr is None or d is None:
            return error(404, NOT_FOUND)
        mr.drafts.remove(d)
        return Response(status=204)

    @app.put(f"{DRAFTS}/<int:draft_id>/publish")
    def publish_one(pid: int, iid: int, draft_id: int) -> Any:
        mr, d = mine(pid, iid, draft_id)
        if mr is None or d is None:
            return error(404, NOT_FOUND)
        if not publish(fake, mr, d):
            return Response(status=500)
        mr.drafts.remove(d)
        return Response(status=204)

    @app.post(f"{DRAFTS}/bulk_publish")
    def bulk_publish(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        for d in [d for d in mr.drafts if d.username == ctx.user()]:
            if not publish(fake, mr, d):
                fake.dropped_drafts.append(d)
            mr.drafts.remove(d)
        return Response(status=204)
