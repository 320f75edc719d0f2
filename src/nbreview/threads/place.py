"""Put a pull request's review comments on the cells, lines and outputs they point at.

A comment names a line of the ``.ipynb`` file (``line``/``side``, ``start_line``); the file's JSON
map turns it into a cell and source lines or an output. Outdated comments (GitHub has dropped
their ``line``) are placed through ``original_line`` in the revision they were written on, then
re-anchored to the same cell in the current one (by cell id, else identical source, else the
most similar source), and marked outdated. nbreview's own hidden anchor, when present, decides.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbreview.threads.anchor import Anchor, read_anchor, reader_text
from nbreview.threads.jsonmap import CellSpan, Location, NotebookMap

SIMILAR_ENOUGH = 0.6
SNIPPET_LINES = 8


@dataclass
class NotebookFile:
    """One notebook of the pull request, both sides as text and as JSON maps."""

    path: str
    old_path: str
    status: str
    base_text: str
    head_text: str
    patch: str | None = None
    _maps: dict[str, NotebookMap] = field(default_factory=dict, repr=False)

    def map(self, side: str) -> NotebookMap:
        if side not in self._maps:
            text = self.base_text if side == "old" else self.head_text
            try:
                self._maps[side] = NotebookMap(text, self.path) if text else NotebookMap('{"cells": []}')
            except Exception:  # noqa: BLE001 - an unreadable side takes file-level comments only
                self._maps[side] = NotebookMap('{"cells": []}')
        return self._maps[side]


@dataclass
class Thread:
    """A conversation: the first comment, its replies, and where it sits."""

    path: str
    side: str  # old | new
    cell: int | None
    lines: tuple[int, int] | None
    output: int | None
    outdated: bool
    file_level: bool
    comments: list[dict[str, Any]]
    row: int | None = None  # the table row of ``output`` it was written on (a line of its text/html)

    @property
    def root_id(self) -> int:
        return int(self.comments[0]["id"])


def _same_cell(cells: Sequence[CellSpan], was: CellSpan) -> CellSpan | None:
    """``was`` in another revision: the cell with its id, else its exact source, else the most similar."""
    if was.cell_id:
        hit = next((c for c in cells if c.cell_id == was.cell_id), None)
        if hit is not None:
            return hit
    hit = next((c for c in cells if c.source == was.source), None)
    if hit is not None or not was.source.strip():
        return hit
    best, score = None, SIMILAR_ENOUGH
    for c in cells:
        m = difflib.SequenceMatcher(None, was.source, c.source, autojunk=False)
        if m.real_quick_ratio() < score or m.quick_ratio() < score:
            continue
        r = m.ratio()
        if r >= score:
            best, score = c, r
    return best


def _pick(found: list[Location], anchor: Anchor | None) -> Location | None:
    if anchor is not None:
        hit = next((x for x in found if x.cell == anchor.cell), None)
        if hit is not None:
            return hit
    return found[0] if found else None


def _from_anchor(nbf: NotebookFile, anchor: Anchor) -> tuple[int | None, bool]:
    """The cell an anchor names in the current revision (id first); True when it moved or changed."""
    cells = nbf.map(anchor.side).cells
    if anchor.cell_id:
        hit = next((c for c in cells if c.cell_id == anchor.cell_id), None)
        if hit is not None:
            return hit.index, hit.index != anchor.cell
    if 0 <= anchor.cell < len(cells):
        return anchor.cell, False
    return None, True


def _comment(c: dict[str, Any], render: Callable[[str], str]) -> dict[str, Any]:
    """One comment as the page shows it: id, author, time, link, and its text as safe HTML."""
    item = {
        "id": int(c["id"]),
        "author": str((c.get("user") or {}).get("login") or "ghost"),
        "created_at": str(c.get("created_at") or ""),
        "url": str(c.get("html_url") or ""),
        "html": render(reader_text(str(c.get("body") or ""))),
    }
    if c.get("line") is None and isinstance(c.get("original_line"), int) and c.get("diff_hunk"):
        # outdated: the code it was written on, as GitHub shows it (the hunk's last lines)
        item["snippet"] = "\n".join(str(c["diff_hunk"]).split("\n")[-SNIPPET_LINES:])
        item["original_line"] = c["original_line"]
    return item


def _place_by_anchor(thread: Thread, nbf: NotebookFile, anchor: Anchor | None) -> None:
    """A file-level comment: on the cell nbreview's hidden anchor names, if it has one."""
    if anchor is None:
        return
    thread.side = anchor.side
    thread.cell, moved = _from_anchor(nbf, anchor)
    thread.lines, thread.output = anchor.lines, anchor.output
    thread.outdated = moved and thread.cell is not None


def _place_on_line(thread: Thread, side_map: NotebookMap, line: int, start: Any, anchor: Anchor | None) -> None:
    """A current comment on ``line`` (from ``start``, for a range) of the side's ``.ipynb`` text."""
    loc = _pick(side_map.locate_all(line), anchor)
    if loc is None:
        return
    thread.file_level = False
    thread.cell, thread.output, thread.row = loc.cell, loc.output, loc.row
    first = _pick(side_map.locate_all(start), anchor) if isinstance(start, int) else loc
    if loc.lines:
        first_line = first.lines[0] if first and first.cell == loc.cell and first.lines else loc.lines[0]
        thread.lines = (first_line, loc.lines[1])
    if anchor is not None and anchor.cell == loc.cell:
        whole_cell = anchor.lines is None and anchor.output is None and loc.output is None
        thread.lines = None if whole_cell else anchor.lines or thread.lines
        if anchor.output is not None and anchor.output != thread.output:
            thread.output, thread.row = anchor.output, None


def _map_at(
    nbf: NotebookFile,
    sha: str,
    fetch: Callable[[str, str], str | None],
    cache: dict[tuple[str, str], NotebookMap | None],
) -> NotebookMap | None:
    """The JSON map of the new side as it was at commit ``sha`` (fetched once per path and commit)."""
    key = (nbf.path, sha)
    if key not in cache:
        text = fetch(nbf.path, sha) if sha else None
        try:
            cache[key] = NotebookMap(text, nbf.path) if text else None
        except Exception:  # noqa: BLE001 - unreadable: file level
            cache[key] = None
    return cache[key]


def _place_outdated(
    thread: Thread, nbf: NotebookFile, c: dict[str, Any], anchor: Anchor | None, was_map: NotebookMap | None
) -> None:
    """A comment GitHub dropped the ``line`` of: placed by ``original_line`` in ``was_map`` (the
    revision it was written on), then carried to the same cell now; outdated either way."""
    thread.outdated = True
    original_line = c.get("original_line")
    loc = _pick(was_map.locate_all(original_line), anchor) if was_map and isinstance(original_line, int) else None
    was = was_map.cell(loc.cell) if was_map and loc else None
    if anchor is not None and anchor.side == thread.side:
        thread.cell, _ = _from_anchor(nbf, anchor)
    elif was is not None:
        now = _same_cell(nbf.map(thread.side).cells, was)
        thread.cell = now.index if now else None
    if loc is not None:
        thread.lines, thread.output = loc.lines, loc.output
    thread.file_level = thread.cell is None


def place(
    comments: Sequence[dict[str, Any]],
    files: Sequence[NotebookFile],
    head_sha: str,
    fetch: Callable[[str, str], str | None],
    render: Callable[[str], str],
) -> list[Thread]:
    """Threads from GitHub's review comments (``GET /pulls/{n}/comments``) on the given notebooks.

    ``fetch(path, sha)`` reads a file at an older commit (for outdated comments); ``render``
    turns a comment's markdown into safe HTML. A reply joins its thread (replies come later).
    """
    by_path = {f.path: f for f in files}
    roots: dict[int, Thread] = {}
    order: list[Thread] = []
    old_maps: dict[tuple[str, str], NotebookMap | None] = {}
    for c in sorted(comments, key=lambda c: (str(c.get("created_at", "")), int(c.get("id", 0)))):
        item = _comment(c, render)
        parent = c.get("in_reply_to_id")
        if isinstance(parent, int) and parent in roots:
            roots[parent].comments.append(item)
            roots[item["id"]] = roots[parent]
            continue
        nbf = by_path.get(str(c.get("path") or ""))
        if nbf is None:
            continue  # not one of the notebooks shown
        anchor = read_anchor(str(c.get("body") or ""))
        side = "old" if c.get("side") == "LEFT" else "new"
        thread = Thread(nbf.path, side, None, None, None, False, True, [item])
        line = c.get("line")
        if c.get("subject_type") == "file" or (line is None and c.get("original_line") is None):
            _place_by_anchor(thread, nbf, anchor)
        elif isinstance(line, int):
            _place_on_line(thread, nbf.map(side), line, c.get("start_line"), anchor)
        else:  # outdated: an old-side comment is read on the base, a new-side one at its own commit
            sha = str(c.get("original_commit_id") or "")
            was_map = nbf.map("old") if side == "old" else _map_at(nbf, sha, fetch, old_maps)
            _place_outdated(thread, nbf, c, anchor, was_map)
        roots[item["id"]] = thread
        order.append(thread)
    return order


def thread_counts(threads: Sequence[Thread]) -> dict[str, list[tuple[str, int]]]:
    """Per notebook path, ``("cell [12]", 2)`` pairs in cell order (file-level ones as "the file"; a
    thread on the base side's cell as ``base cell [12]``: "(old)" would read like "outdated")."""
    out: dict[str, dict[tuple[int, int, str], int]] = {}
    for t in threads:
        if t.cell is None:
            key = (0, -1, "the file")
        else:
            key = (1 if t.side == "new" else 2, t.cell, ("base " if t.side == "old" else "") + f"cell [{t.cell}]")
        per = out.setdefault(t.path, {})
        per[key] = per.get(key, 0) + 1
    return {p: [(k[2], n) for k, n in sorted(d.items())] for p, d in out.items()}
