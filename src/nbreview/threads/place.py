"""Put a change's review threads (:class:`~nbreview.threads.model.HostThread`, any host's) on the
cells, lines and outputs they point at.

A thread names a line of the ``.ipynb`` file of its side (``line``, ``start`` for a range); the
file's JSON map turns it into a cell and source lines or an output. Outdated threads (the host
dropped their ``line``) are placed through ``original_line`` in the revision they were written on,
then re-anchored to the same cell in the current one (by cell id, else identical source, else the
most similar source), and marked outdated. nbreview's own hidden anchor, when present, decides.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbreview.threads.anchor import Anchor, read_anchor, reader_text
from nbreview.threads.jsonmap import CellSpan, Location, NotebookMap
from nbreview.threads.model import HostThread, Note

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
    """A conversation placed: the first comment, its replies, and where it sits on the notebook."""

    path: str
    side: str  # old | new
    cell: int | None
    lines: tuple[int, int] | None
    output: int | None
    outdated: bool
    file_level: bool
    comments: list[dict[str, Any]]
    row: int | None = None  # the table row of ``output`` it was written on (a line of its text/html)
    id: int | str = 0  # the host's id of the thread (what a reply or a resolve names)
    resolved: bool | None = None  # None: the host cannot say

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


def _comment(n: Note, render: Callable[[str], str]) -> dict[str, Any]:
    """One comment as the page shows it: id, author, time, link, and its text as safe HTML."""
    return {"id": n.id, "author": n.author or "ghost", "created_at": n.created, "url": n.url,
            "html": render(reader_text(n.body))}


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
    side: str,
    sha: str,
    fetch: Callable[[str, str], str | None],
    cache: dict[tuple[str, str], NotebookMap | None],
) -> NotebookMap | None:
    """The JSON map of ``side``'s file as it was at commit ``sha`` (fetched once per path and commit);
    the side's own file now when no commit is named."""
    if not sha:
        return nbf.map(side)
    path = nbf.old_path if side == "old" else nbf.path
    key = (path, sha)
    if key not in cache:
        text = fetch(path, sha)
        try:
            cache[key] = NotebookMap(text, path) if text else None
        except Exception:  # noqa: BLE001 - unreadable: file level
            cache[key] = None
    return cache[key]


def _place_outdated(
    thread: Thread, nbf: NotebookFile, original_line: int | None, anchor: Anchor | None, was_map: NotebookMap | None
) -> str:
    """A thread the host dropped the ``line`` of: placed by ``original_line`` in ``was_map`` (the
    revision it was written on), then carried to the same cell now; outdated either way. Returns the
    cell's source lines it was written on (up to its last line), for a host that sends no snippet."""
    thread.outdated = True
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
    if was is None or loc is None or not loc.lines:
        return ""
    return "\n".join(was.source.splitlines()[: loc.lines[1]][-SNIPPET_LINES:])


def place(
    threads: Sequence[HostThread],
    files: Sequence[NotebookFile],
    fetch: Callable[[str, str], str | None],
    render: Callable[[str], str],
) -> list[Thread]:
    """The host's threads on the given notebooks, placed on cells, lines and outputs (threads on
    other files are left out). ``fetch(path, sha)`` reads a file at an older commit (for outdated
    threads); ``render`` turns a comment's markdown into safe HTML."""
    by_path = {f.path: f for f in files}
    order: list[Thread] = []
    old_maps: dict[tuple[str, str], NotebookMap | None] = {}
    for ht in threads:
        nbf = by_path.get(ht.path) or next((f for f in files if f.old_path == ht.path), None)
        if nbf is None or not ht.notes:
            continue  # not one of the notebooks shown
        items = [_comment(n, render) for n in ht.notes]
        anchor = read_anchor(ht.notes[0].body)
        thread = Thread(nbf.path, ht.side, None, None, None, False, True, items, id=ht.id, resolved=ht.resolved)
        if ht.file_level or (ht.line is None and ht.original_line is None):
            _place_by_anchor(thread, nbf, anchor)
        elif ht.line is not None:
            _place_on_line(thread, nbf.map(ht.side), ht.line, ht.start, anchor)
        else:
            was_map = _map_at(nbf, ht.side, ht.original_commit, fetch, old_maps)
            lines_then = _place_outdated(thread, nbf, ht.original_line, anchor, was_map)
            snippet = ht.snippet or lines_then
            if snippet:  # the code it was written on (the host's diff hunk, else the cell's lines then)
                items[0].update(snippet=snippet, original_line=ht.original_line)
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
