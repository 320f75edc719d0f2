"""Line-wise three-way merge of one text (diff3), with git-style conflict markers.

Both sides are diffed against the base with the engine's line diff (:func:`engine.text.line_opcodes`:
common head and tail, then SequenceMatcher, with its size budget: a changed middle too large to
align is one block); changed base ranges from the two sides that overlap or touch form one hunk.
When both sides replaced half of the base lines or more (rival rewrites) and a hunk conflicts,
lines only one side changed are not merged into the other's rewrite: the whole text is one
conflict. A hunk changed on one side takes that side; changed identically on both takes it once;
anything else is a conflict that keeps all three versions, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbreview.engine.text import line_opcodes, split_lines
from nbreview.merge.labels import MarkerStyle

MARK_SEP = "======="  # between the two sides of a conflict, whatever the labels


@dataclass
class TextConflict:
    """A hunk both sides changed differently: the base lines and each side's lines."""

    base: str
    local: str
    remote: str


Piece = str | TextConflict
# A changed range: base lines [base_start, base_end) became side lines [side_start, side_end).
Change = tuple[int, int, int, int]
# Base lines [start, end) that one or both sides changed, with each side's changes inside them.
Hunk = tuple[int, int, list[Change], list[Change]]


def _changes(base: list[str], side: list[str]) -> list[Change]:
    """Where one side differs from the base, line by line (line endings count)."""
    if base == side:
        return []
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in line_opcodes(base, side) if tag != "equal"]


REWRITE_SHARE = 0.5  # a side that replaced at least this share of the base lines rewrote the text


def _rewritten(base: list[str], changes: list[Change]) -> bool:
    if not base:
        return bool(changes)
    return sum(base_end - base_start for base_start, base_end, _, _ in changes) >= REWRITE_SHARE * len(base)


def _side_text(base: list[str], side: list[str], changes: list[Change], start: int, end: int) -> str:
    """Base lines ``start:end`` with one side's ``changes`` (all inside that range) applied."""
    out: list[str] = []
    pos = start
    for base_start, base_end, side_start, side_end in changes:
        out.extend(base[pos:base_start])
        out.extend(side[side_start:side_end])
        pos = base_end
    out.extend(base[pos:end])
    return "".join(out)


def _hunks(local_changes: list[Change], remote_changes: list[Change]) -> list[Hunk]:
    """Both sides' changes grouped into hunks: ``(start, end, local's, remote's)`` over base lines.

    Changes that overlap or touch (one ends where the next starts) belong to one hunk, so a
    hunk is decided as a whole: taken from one side, or a conflict.
    """
    events = sorted([(c[0], c[1], 0, c) for c in local_changes] + [(c[0], c[1], 1, c) for c in remote_changes])
    hunks: list[Hunk] = []
    for start, end, side, change in events:
        if hunks and start <= hunks[-1][1]:
            first, last, local, remote = hunks[-1]
            hunks[-1] = (first, max(last, end), local, remote)
        else:
            hunks.append((start, end, [], []))
        (hunks[-1][3] if side else hunks[-1][2]).append(change)
    return hunks


def merge_text(base: str, local: str, remote: str) -> list[Piece]:
    """Merge three versions of a text into clean pieces and conflicts, in order."""
    if local == remote or remote == base:
        return [local] if local else []
    if local == base:
        return [remote] if remote else []
    base_lines, local_lines, remote_lines = split_lines(base), split_lines(local), split_lines(remote)
    local_changes, remote_changes = _changes(base_lines, local_lines), _changes(base_lines, remote_lines)
    pieces: list[Piece] = []
    pos = 0
    one_sided = False  # a hunk only one side changed, merged in
    for start, end, local_hunk, remote_hunk in _hunks(local_changes, remote_changes):
        _add(pieces, "".join(base_lines[pos:start]))
        local_text = _side_text(base_lines, local_lines, local_hunk, start, end)
        remote_text = _side_text(base_lines, remote_lines, remote_hunk, start, end)
        if not remote_hunk or local_text == remote_text:
            one_sided |= not remote_hunk
            _add(pieces, local_text)
        elif not local_hunk:
            one_sided = True
            _add(pieces, remote_text)
        else:
            pieces.append(TextConflict("".join(base_lines[start:end]), local_text, remote_text))
        pos = end
    _add(pieces, "".join(base_lines[pos:]))
    if one_sided and any(isinstance(p, TextConflict) for p in pieces) and _rewritten(base_lines, local_changes) \
            and _rewritten(base_lines, remote_changes):
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
    opening = f"<<<<<<< {style.local} {local_note}".rstrip()
    closing = f">>>>>>> {style.remote} {remote_note}".rstrip()
    middle = f"||||||| {style.base}\n{_nl(base)}" if style.diff3 and base is not None else ""
    return f"{opening}\n{_nl(local)}{middle}{MARK_SEP}\n{_nl(remote)}{closing}\n"


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
