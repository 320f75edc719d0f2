"""Which lines of a file GitHub takes a line comment on: those inside the hunks of the pull request's diff.

GitHub answers 422 to a line comment outside them; it sends the hunks as the ``patch`` of each
file in ``GET /pulls/{n}/files`` (no ``patch`` when the diff is too large: then no line at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Hunk:
    left: set[int] = field(default_factory=set)  # old-file lines: context and deletions
    right: set[int] = field(default_factory=set)  # new-file lines: context and additions


@dataclass
class Hunks:
    hunks: list[Hunk] = field(default_factory=list)

    def accepts(self, side: str, start: int, end: int) -> bool:
        """A comment on lines ``start``..``end`` of ``side`` (LEFT/RIGHT) lies inside one hunk."""
        for h in self.hunks:
            lines = h.left if side == "LEFT" else h.right
            if start in lines and end in lines:
                return True
        return False

    def hunk_of(self, side: str, line: int) -> int | None:
        """The index of the hunk holding ``line`` of ``side`` (LEFT/RIGHT), None outside every hunk."""
        for k, h in enumerate(self.hunks):
            if line in (h.left if side == "LEFT" else h.right):
                return k
        return None

    def touches(self, side: str, start: int, end: int) -> bool:
        """Some line of ``start``..``end`` lies inside a hunk."""
        lines = set(range(start, end + 1))
        return any(lines & (h.left if side == "LEFT" else h.right) for h in self.hunks)


def parse_patch(patch: str | None) -> Hunks:
    """The hunks of a unified diff body as GitHub sends it (``@@`` headers, then `` ``/``-``/``+`` lines)."""
    out = Hunks()
    if not patch:
        return out
    old = new = 0
    current: Hunk | None = None
    for line in patch.split("\n"):
        m = _HEADER.match(line)
        if m:
            old, new = int(m.group(1)), int(m.group(3))
            current = Hunk()
            out.hunks.append(current)
            continue
        if current is None or line.startswith("\\"):
            continue
        if line.startswith("-"):
            current.left.add(old)
            old += 1
        elif line.startswith("+"):
            current.right.add(new)
            new += 1
        elif line.startswith(" ") or line == "":
            if line == "" and old == 0:
                continue
            current.left.add(old)
            current.right.add(new)
            old += 1
            new += 1
    return out
