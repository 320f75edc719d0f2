"""GitHub's review comments as host-neutral threads (:class:`~nbreview.threads.model.HostThread`).

``GET /pulls/{n}/comments`` lists every comment flat; a reply names its thread's first comment
(``in_reply_to_id``). A comment's ``line``/``start_line`` count in the file of its ``side``
(``LEFT``: the base's); GitHub drops ``line`` once a push moved the code away (outdated) and keeps
``original_line`` in the head it was written on (``original_commit_id``; a LEFT comment's
original line counts in the base, read as it is now).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nbreview.threads.model import HostThread, Note

SNIPPET_LINES = 8


def note(c: dict[str, Any]) -> Note:
    return Note(int(c["id"]), str((c.get("user") or {}).get("login") or "ghost"), str(c.get("created_at") or ""),
                str(c.get("html_url") or ""), str(c.get("body") or ""))


def _root(c: dict[str, Any], resolved: dict[int, bool] | None) -> HostThread:
    side = "old" if c.get("side") == "LEFT" else "new"
    line, original = c.get("line"), c.get("original_line")
    cid = int(c["id"])
    thread = HostThread(
        cid, str(c.get("path") or ""), side, [note(c)],
        line=line if isinstance(line, int) else None,
        start=c.get("start_line") if isinstance(c.get("start_line"), int) else None,
        original_line=original if isinstance(original, int) else None,
        original_commit=str(c.get("original_commit_id") or "") if side == "new" else "",
        file_level=c.get("subject_type") == "file",
        resolved=None if resolved is None else resolved.get(cid),
    )
    if thread.outdated and c.get("diff_hunk"):  # the code it was written on, as GitHub shows it
        thread.snippet = "\n".join(str(c["diff_hunk"]).split("\n")[-SNIPPET_LINES:])
    return thread


def threads(comments: Sequence[dict[str, Any]], resolved: dict[int, bool] | None = None) -> list[HostThread]:
    """The comments grouped into threads, oldest first (a reply joins the thread of the comment it
    answers); ``resolved`` by first comment id, None where GitHub cannot say (no GraphQL)."""
    roots: dict[int, HostThread] = {}
    order: list[HostThread] = []
    for c in sorted(comments, key=lambda c: (str(c.get("created_at", "")), int(c.get("id", 0)))):
        parent = c.get("in_reply_to_id")
        if isinstance(parent, int) and parent in roots:
            roots[parent].notes.append(note(c))
            roots[int(c["id"])] = roots[parent]
            continue
        thread = _root(c, resolved)
        roots[int(c["id"])] = thread
        order.append(thread)
    return order
