"""Line-wise three-way merge of one text (diff3), with git-style conflict markers.

Both sides are diffed against the base with difflib; changed base ranges from the two
sides that overlap or touch form one hunk. When both sides replaced half of the base lines
or more (rival rewrites) and a hunk conflicts, lines only one side changed are not merged
into the other's rewrite: the whole text is one conflict. A hunk changed on one side takes that side;
changed identically on both takes it once; anything else is a conflict that keeps all
three versions, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from nbreview.engine.text import split_lines
from nbreview.merge.labels import MarkerStyle

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


REWRITE_SHARE = 0.5  # a side that replaced at least this share of the base lines rewrote the text


def _rewritten(base: list[str], hunks: list[tuple[int, int, int, int]]) -> bool:
    if not base:
        return bool(hunks)
    return sum(i2 - i1 for i1, i2, _, _ in hunks) >= REWRITE_SHARE * len(base)


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
    lo_hunks, re_hunks = _hunks(b, lo_lines), _hunks(b, re_lines)
    events = sorted([(h[0], h[1], 0, h) for h in lo_hunks] + [(h[0], h[1], 1, h) for h in re_hunks])
    pieces: list[Piece] = []
    pos = 0
    k = 0
    one_sided = False  # a hunk only one side changed, merged in
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
            one_sided |= not rh
            _add(pieces, ltext)
        elif not lh:
            one_sided = True
            _add(pieces, rtext)
        else:
            pieces.append(TextConflict("".join(b[start:end]), ltext, rtext))
        pos = end
    _add(pieces, "".join(b[pos:]))
    if one_sided and any(isinstance(p, TextConflict) for p in pieces) and _rewritten(b, lo_hunks) \
            and _rewritten(b, re_hunks):
        # Both sides rewrote the text and their hunks conflict: one conflict holding each version
        # whole, rather than one side's lines merged into the other's rewrite.
        return [TextConflict(base, local, remote)]
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


def markers(local: str, remote: str, local_note: str = "", remote_note: str = "", *,
            style: MarkerStyle | None = None, base: str | None = None) -> str:
    """A conflict written the way git writes one, each part ending in a newline.

    ``style`` gives the labels (git's own under git) and, with ``diff3``, the ``|||||||``
    section showing ``base``.
    """
    style = style or MarkerStyle()
    lo = f"<<<<<<< {style.local} {local_note}".rstrip()
    re = f">>>>>>> {style.remote} {remote_note}".rstrip()
    middle = f"||||||| {style.base}\n{_nl(base)}" if style.diff3 and base is not None else ""
    return f"{lo}\n{_nl(local)}{middle}{MARK_SEP}\n{_nl(remote)}{re}\n"


def join_both(local: str, remote: str) -> str:
    """Local's lines then remote's, as one text."""
    return _nl(local) + remote if local and remote else local + remote


def marker_lines(text: str) -> list[int]:
    """Line numbers (from 1) where a git-style conflict block starts: a ``<<<<<<<`` line followed
    by a ``=======`` and then a ``>>>>>>>`` line, whatever the labels."""
    lines = text.splitlines()
    found: list[int] = []
    k = 0
    while k < len(lines):
        if _is_mark(lines[k], "<"):
            sep = next((j for j in range(k + 1, len(lines)) if lines[j] == MARK_SEP), None)
            end = next((j for j in range(sep + 1, len(lines)) if _is_mark(lines[j], ">")), None) if sep else None
            if end is not None:
                found.append(k + 1)
                k = end
        k += 1
    return found


def _is_mark(line: str, char: str) -> bool:
    return line.startswith(char * 7) and (len(line) == 7 or line[7] == " ")


def has_markers(text: str) -> bool:
    """True when a text still holds a git-style conflict block."""
    return bool(marker_lines(text))
