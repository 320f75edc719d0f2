"""Which lines of a file a host takes a line comment on: those inside the hunks of the change's diff.

GitHub answers 422 to a line comment outside them and sends the hunks as the ``patch`` of each
file in ``GET /pulls/{n}/files`` (no ``patch`` when the diff is too large: then no line at all);
GitLab sends the same unified hunks as each file's ``diff``, wants both numbers of an
unchanged line in a position (:meth:`Hunks.pair`), and takes an unchanged line outside the hunks
too, numbered by the offset of the next hunk's header (:meth:`Hunks.unfolded`, as its
``lines_unfolder.rb`` unfolds the diff).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Hunk:
    left: set[int] = field(default_factory=set)  # old-file lines: context and deletions
    right: set[int] = field(default_factory=set)  # new-file lines: context and additions
    same: dict[int, int] = field(default_factory=dict)  # an unchanged line's new-file number -> its old one
    # where each line stands in the other file (an added line: the old file's line counter there):
    # the two numbers of GitLab's ``line_code``
    right_at: dict[int, int] = field(default_factory=dict)
    left_at: dict[int, int] = field(default_factory=dict)
    old_start: int = 0  # the header's numbers
    new_start: int = 0


@dataclass
class Hunks:
    hunks: list[Hunk] = field(default_factory=list)
    last: tuple[int, int] = (0, 0)  # the (old, new) counters of the diff's last line

    def accepts(self, side: str, start: int, end: int) -> bool:
        """A comment on lines ``start``..``end`` of ``side`` (old/new) lies inside one hunk."""
        for h in self.hunks:
            lines = h.left if side == "old" else h.right
            if start in lines and end in lines:
                return True
        return False

    def hunk_of(self, side: str, line: int) -> int | None:
        """The index of the hunk holding ``line`` of ``side`` (old/new), None outside every hunk."""
        for k, h in enumerate(self.hunks):
            if line in (h.left if side == "old" else h.right):
                return k
        return None

    def touches(self, side: str, start: int, end: int) -> bool:
        """Some line of ``start``..``end`` lies inside a hunk."""
        lines = set(range(start, end + 1))
        return any(lines & (h.left if side == "old" else h.right) for h in self.hunks)


    def pair(self, side: str, line: int) -> tuple[int | None, int | None]:
        """``line`` of ``side`` (old/new) as (old line, new line) by the added/removed/unchanged rule:
        an unchanged line has both numbers, an added one only its new, a removed one only its old."""
        for h in self.hunks:
            if side == "new" and line in h.right:
                return h.same.get(line), line
            if side == "old" and line in h.left:
                new = next((n for n, o in h.same.items() if o == line), None)
                return line, new
        return (line, None) if side == "old" else (None, line)

    def unfolded(self, side: str, line: int) -> tuple[int, tuple[int, int]] | None:
        """An unchanged line outside every hunk as GitLab unfolds it: (a negative id of its gap between
        hunks, its (old, new) numbers by the next hunk's header offset, or the last line's below the
        last hunk); None inside a hunk, or without hunks."""
        if not self.hunks or self.hunk_of(side, line) is not None:
            return None
        starts = [h.old_start if side == "old" else h.new_start for h in self.hunks]
        k = next((i for i, start in enumerate(starts) if start > line), len(self.hunks))
        nxt = self.hunks[k] if k < len(self.hunks) else None
        offset = nxt.new_start - nxt.old_start if nxt else self.last[1] - self.last[0]
        return -(k + 1), ((line, line + offset) if side == "old" else (line - offset, line))

    def position(self, side: str, line: int) -> tuple[int, int]:
        """``line`` of ``side`` as (old, new) line counters of the diff at it (GitLab's ``line_code``)."""
        for h in self.hunks:
            if side == "new" and line in h.right_at:
                return h.right_at[line], line
            if side == "old" and line in h.left_at:
                return line, h.left_at[line]
        return (line, line)


def parse_patch(patch: str | None) -> Hunks:
    """The hunks of a unified diff body as GitHub sends it (``@@`` headers, then `` ``/``-``/``+`` lines)."""
    out = Hunks()
    if not patch:
        return out
    old = new = 0
    current: Hunk | None = None
    for line in (patch[:-1] if patch.endswith("\n") else patch).split("\n"):
        m = _HEADER.match(line)
        if m:
            old, new = int(m.group(1)), int(m.group(3))
            current = Hunk(old_start=old, new_start=new)
            out.hunks.append(current)
            continue
        if current is None or line.startswith("\\"):
            continue
        out.last = (old, new)
        if line.startswith("-"):
            current.left.add(old)
            current.left_at[old] = new
            old += 1
        elif line.startswith("+"):
            current.right.add(new)
            current.right_at[new] = old
            new += 1
        elif line.startswith(" ") or line == "":
            if line == "" and old == 0:
                continue
            current.left.add(old)
            current.right.add(new)
            current.same[new] = old
            current.left_at[old], current.right_at[new] = new, old
            old += 1
            new += 1
    return out
