"""Line-wise three-way merge of one text (diff3), with git-style conflict markers.

Both sides are diffed against the base with difflib; changed base ranges from the two
sides that overlap or touch form one hunk. A hunk changed on one side takes that side;
changed identically on both takes it once; anything else is a conflict that keeps all
three versions, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from ..compare.text import split_lines

MARK_LOCAL = "<<<<<<< local"
MARK_SEP = "======="
MARK_REMOTE = ">>>>>>> remote"


@dataclass
class TextConflict:
    """A hunk both sides changed differently: the base lines and each side's lines."""

    base: str
    local: str
    remote: str


Piece = str | TextConflict


def _hunks(base: list[str], side: list[str]) -> list[tuple[int, int, int, int]]:
    if base == side:
        return []
    sm = SequenceMatcher(None, base, side, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal"]


def _side_text(
    base: list[str], side: list[str], hunks: list[tuple[int, int, int, int]], lo: int, hi: int
) -> str:
    out: list[str] = []
    pos = lo
    for i1, i2, j1, j2 in hunks:
        out.extend(base[pos:i1])
        out.extend(side[j1:j2])
        pos = i2
    out.extend(base[pos:hi])
    return "".join(out)


def merge_text(base: str, local: str, remote: str) -> list[Piece]:
    """Merge three versions of a text into clean pieces and conflicts, in order."""
    if local == remote or remote == base:
        return [local] if local else []
    if local == base:
        return [remote] if remote else []
    b, lo_lines, re_lines = split_lines(base), split_lines(local), split_lines(remote)
    events = sorted(
        [(h[0], h[1], 0, h) for h in _hunks(b, lo_lines)] + [(h[0], h[1], 1, h) for h in _hunks(b, re_lines)]
    )
    pieces: list[Piece] = []
    pos = 0
    k = 0
    while k < len(events):
        start, end = events[k][0], events[k][1]
        group = [events[k]]
        k += 1
        while k < len(events) and events[k][0] <= end:  # overlapping or touching: one hunk
            end = max(end, events[k][1])
            group.append(events[k])
            k += 1
        if start > pos:
            _add(pieces, "".join(b[pos:start]))
        lh = [e[3] for e in group if e[2] == 0]
        rh = [e[3] for e in group if e[2] == 1]
        ltext = _side_text(b, lo_lines, lh, start, end)
        rtext = _side_text(b, re_lines, rh, start, end)
        if not rh or ltext == rtext:
            _add(pieces, ltext)
        elif not lh:
            _add(pieces, rtext)
        else:
            pieces.append(TextConflict("".join(b[start:end]), ltext, rtext))
        pos = end
    _add(pieces, "".join(b[pos:]))
    return pieces


def _add(pieces: list[Piece], text: str) -> None:
    if not text:
        return
    if pieces and isinstance(pieces[-1], str):
        pieces[-1] += text
    else:
        pieces.append(text)


def _nl(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def markers(local: str, remote: str, local_note: str = "", remote_note: str = "") -> str:
    """A conflict written the way git writes one, each part ending in a newline."""
    lo = f"{MARK_LOCAL} {local_note}".rstrip()
    re = f"{MARK_REMOTE} {remote_note}".rstrip()
    return f"{lo}\n{_nl(local)}{MARK_SEP}\n{_nl(remote)}{re}\n"


def join_both(local: str, remote: str) -> str:
    """Local's lines then remote's, as one text."""
    return _nl(local) + remote if local and remote else local + remote


def has_markers(text: str) -> bool:
    """True when a text still holds a git-style conflict block."""
    lines = text.splitlines()
    return any(x.startswith(MARK_LOCAL) for x in lines) and any(x.startswith(MARK_REMOTE) for x in lines)
