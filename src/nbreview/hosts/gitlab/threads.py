"""GitLab's merge-request discussions as host-neutral threads (:class:`~nbreview.threads.model.HostThread`).

A diff discussion's first note carries a ``position`` (``discussions.md``): ``old_line``/``new_line``
(an added line has only its new number, a removed one only its old, an unchanged one both; the
hidden nbreview anchor says which side an unchanged line was commented on), ``line_range`` for a
range, and the SHAs of the MR version it was written on. A thread on an earlier version than the
latest is outdated here and placed through that version's file (``head_sha`` for the new side,
``base_sha`` for the old). GitLab sends no diff hunk with a note: the placing shows the cell's
lines then. A comment on a whole file is a diff discussion with ``position_type: file`` (GitLab
16.4+, ``discussions.md`` "Create a new thread in the merge request diff"), or, on an older server, a
discussion without a position that names the file in a hidden marker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from nbreview.threads.anchor import read_anchor
from nbreview.threads.model import HostThread, Note

FILE_MARK = "<!-- nbreview:file {} -->"
_FILE_MARK = re.compile(r"<!-- nbreview:file (\{[^<>]{0,1200}\}) -->")


def file_body(path: str, body: str) -> str:
    """A whole-file comment's body: the file named first, visibly and in the hidden marker."""
    from nbreview.render.markdown.inert import code_span

    mark = FILE_MARK.format(json.dumps({"path": path}).replace("<", "\\u003c").replace(">", "\\u003e"))
    return f"{code_span(path)}\n\n{body}\n{mark}"  # a file name is anyone's: a code span, no ping


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def note(n: dict[str, Any], web_url: str) -> Note:
    return Note(int(n["id"]), str((n.get("author") or {}).get("username") or "ghost"), str(n.get("created_at") or ""),
                f"{web_url}#note_{n['id']}" if web_url else "", str(n.get("body") or ""))


def diff_threads(discussions: Sequence[dict[str, Any]], head: str, web_url: str = "") -> list[HostThread]:
    """The diff discussions (and nbreview's whole-file ones) as threads; general comments and system
    notes are left out. ``head``: the latest version's head, against which a thread is current."""
    out = []
    for d in discussions:
        notes = [n for n in d.get("notes") or [] if isinstance(n, dict) and not n.get("system")]
        if not notes or d.get("individual_note"):
            continue
        first = notes[0]
        thread = placed(d["id"], first.get("position"), str(first.get("body") or ""), head)
        if thread is not None:
            thread.notes = [note(n, web_url) for n in notes]
            thread.resolved = bool(first.get("resolved")) if first.get("resolvable") else None
            out.append(thread)
    return out


def placed(tid: int | str, position: Any, body: str, head: str) -> HostThread | None:
    """Where a thread sits, from its first note's position (or the whole-file marker); no notes yet."""
    anchor = read_anchor(body)
    if isinstance(position, dict) and position.get("position_type") == "file":
        named = str(position.get("new_path") or position.get("old_path") or "")
        return HostThread(tid, named, anchor.side if anchor else "new", [], file_level=True) if named else None
    if not isinstance(position, dict):
        m = _FILE_MARK.search(body)
        path = json.loads(m.group(1)).get("path") if m else None
        if not isinstance(path, str):
            return None
        return HostThread(tid, path, anchor.side if anchor else "new", [], file_level=True)
    old_line, new_line = _int(position.get("old_line")), _int(position.get("new_line"))
    side = "old" if new_line is None or (old_line is not None and anchor and anchor.side == "old") else "new"
    line = old_line if side == "old" else new_line
    path = str(position.get("new_path") or position.get("old_path") or "")
    thread = HostThread(tid, path, side, [])
    if str(position.get("head_sha") or "") == head:
        thread.line, thread.start = line, _range_start(position, side)
    else:  # written on an earlier version: placed through that version's file
        thread.original_line = line
        thread.original_commit = str(position.get("base_sha" if side == "old" else "head_sha") or "")
    return thread


def _range_start(position: dict[str, Any], side: str) -> int | None:
    line_range = position.get("line_range")
    start = line_range.get("start") if isinstance(line_range, dict) else None
    if not isinstance(start, dict):
        return None
    return _int(start.get("old_line")) if side == "old" else _int(start.get("new_line"))


def draft_thread(d: dict[str, Any], threads: dict[str, HostThread], head: str, user: str) -> HostThread | None:
    """One of the user's draft notes as a one-note pending thread (a reply sits where its thread does)."""
    body = str(d.get("note") or "")
    position = d.get("position")
    has_line = isinstance(position, dict) and bool(
        position.get("new_line") or position.get("old_line") or position.get("position_type") == "file")
    thread = placed(d["id"], position if has_line else None, body, head)
    parent = threads.get(str(d.get("discussion_id") or ""))
    if thread is None and parent is not None:
        thread = HostThread(d["id"], parent.path, parent.side, [], parent.line, parent.start,
                            parent.original_line, parent.original_commit, parent.file_level)
    if thread is not None:
        thread.notes = [Note(int(d["id"]), user, "", "", body)]
    return thread
