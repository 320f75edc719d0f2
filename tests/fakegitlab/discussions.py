"""Merge request discussions (doc/api/discussions.md "Merge requests"): list (paginated), get,
create (with an optional diff ``position``), reply, resolve/unresolve, modify and delete a note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify, request

from .positions import LINE_CODE_ERROR, normalize, position_line_code
from .rest import NOT_FOUND, discussion_json, error, flag, invalid, note_json, page, params, too_long
from .store import MergeRequest

if TYPE_CHECKING:
    from .app import Context

DISCUSSIONS = "/api/v4/projects/<int:pid>/merge_requests/<int:iid>/discussions"
# discussions.md "Create new merge request thread": position[base_sha], [head_sha], [start_sha] and
# [position_type] are required once a position is given (Grape answers a missing one with 400 and
# {"error": "position[base_sha] is missing"}).
REQUIRED = ("base_sha", "start_sha", "head_sha", "position_type")
NO_DISCUSSION = "404 Discussion Not Found"  # discussions.rb: ``not_found!("Discussion")``


def missing(position: Any, types: tuple[str, ...] = ("text", "image", "file")) -> Response | None:
    """Grape's 400 for a position that is no hash, lacks a required key or has a ``position_type``
    out of ``types`` (``file`` "introduced in GitLab 16.4", discussions.md), else None."""
    if not isinstance(position, dict):
        return invalid("position is invalid")
    key = next((k for k in REQUIRED if not position.get(k)), None)
    if key:
        return invalid(f"position[{key}] is missing")
    if position["position_type"] not in types:  # Grape's ``values: %w[text image file]`` (16.4+)
        return invalid("position[position_type] does not have a valid value")
    return None


def check_position(mr: MergeRequest, position: Any,
                   types: tuple[str, ...] = ("text", "image", "file")) -> tuple[dict[str, Any] | None, Response | None]:
    """The position as stored, or GitLab's 400: a missing required key (Grape), or no diff line at
    that position in that version's diff (diff_note.rb's line_code rules, see positions.py)."""
    err = missing(position, types)
    if err is not None:
        return None, err
    pos = normalize(position)
    # diff_note.rb checks the line code only ``if: :on_text?``: image and file positions are kept as given
    if pos["position_type"] == "text" and position_line_code(mr, pos) is None:
        return None, error(400, LINE_CODE_ERROR)
    return pos, None


def routes(app: Flask, ctx: Context) -> None:
    fake = ctx.fake

    @app.get(DISCUSSIONS)
    def list_discussions(pid: int, iid: int) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None:
            return error(404, NOT_FOUND)
        return page([discussion_json(fake, mr, d) for d in mr.discussion_ids()])

    @app.get(f"{DISCUSSIONS}/<did>")
    def get_discussion(pid: int, iid: int, did: str) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None or not mr.thread(did):
            return error(404, NO_DISCUSSION if mr else NOT_FOUND)
        return discussion_json(fake, mr, did)

    @app.post(DISCUSSIONS)
    def create_discussion(pid: int, iid: int) -> Any:
        mr, args = ctx.mr(pid, iid), params()
        if mr is None:
            return error(404, NOT_FOUND)
        if args.get("body") is None:
            return invalid("body is missing")
        if (long := too_long(str(args["body"]))) is not None:
            return long
        position = None
        if "position" in args:
            position, err = check_position(mr, args["position"], fake.position_types)
            if err is not None:
                return err
        note = fake._note(iid, str(args["body"]), str(ctx.user()), None,
                          "DiffNote" if position else "DiscussionNote", position)
        return jsonify(discussion_json(fake, mr, note.discussion_id)), 201

    @app.get(f"{DISCUSSIONS}/<did>/notes")
    def list_thread_notes(pid: int, iid: int, did: str) -> Any:
        mr = ctx.mr(pid, iid)
        if mr is None or not mr.thread(did):  # discussions.rb: ``not_found!("Notes")``
            return error(404, "404 Notes Not Found" if mr else NOT_FOUND)
        return jsonify([note_json(fake, mr, n) for n in mr.thread(did)])

    @app.put(f"{DISCUSSIONS}/<did>")
    def resolve_discussion(pid: int, iid: int, did: str) -> Any:
        mr, args = ctx.mr(pid, iid), params()
        if mr is None or not mr.thread(did):  # (GitLab's find_discussion gives nil here: a 500)
            return error(404, NO_DISCUSSION if mr else NOT_FOUND)
        if "resolved" not in args:
            return invalid("resolved is missing")
        if not any(n.resolvable for n in mr.thread(did)):
            # discussions.rb resolve_discussion: ``forbidden! unless discussion.can_resolve?``
            return error(403, "403 Forbidden")
        fake.resolve(iid, did, str(ctx.user()) if flag(args["resolved"]) else None)
        return discussion_json(fake, mr, did)

    _note_routes(app, ctx)


def _note_routes(app: Flask, ctx: Context) -> None:
    """discussions.md "Add note to existing merge request thread", "Modify an existing merge
    request thread note" (exactly one of ``body`` or ``resolved``), "Delete a merge request thread note"."""
    fake = ctx.fake

    @app.post(f"{DISCUSSIONS}/<did>/notes")
    def reply(pid: int, iid: int, did: str) -> Any:
        mr, args = ctx.mr(pid, iid), params()
        if mr is None or not mr.thread(did):
            return error(404, NO_DISCUSSION if mr else NOT_FOUND)
        if args.get("body") is None:
            return invalid("body is missing")
        if (long := too_long(str(args["body"]))) is not None:
            return long
        note = fake.add_reply(iid, did, str(ctx.user()), str(args["body"]))
        return jsonify(note_json(fake, mr, note)), 201

    @app.route(f"{DISCUSSIONS}/<did>/notes/<int:nid>", methods=["PUT", "DELETE"])
    def change(pid: int, iid: int, did: str, nid: int) -> Any:
        mr, args = ctx.mr(pid, iid), params()
        note = next((n for n in mr.thread(did) if n.id == nid), None) if mr else None
        if mr is None or note is None:
            return error(404, NOT_FOUND)
        if request.method == "DELETE" or "body" in args:
            if note.username != ctx.user():
                return error(403, "403 Forbidden")
            if request.method == "DELETE":
                mr.notes.remove(note)
                return Response(status=204)
        if "body" in args and "resolved" in args:  # Grape's exactly_one_of
            return invalid("body, resolved are mutually exclusive")
        if "body" not in args and "resolved" not in args:
            return invalid("body, resolved are missing, exactly one parameter must be provided")
        if "body" in args:
            note.body = str(args["body"])
        elif note.resolvable:
            note.resolved_by = str(ctx.user()) if flag(args["resolved"]) else None
        else:  # notes_helpers.rb resolve_note
            return error(400, "400 Bad request - Note is not resolvable")
        return note_json(fake, mr, note)
