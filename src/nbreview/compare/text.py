"""Line diffs with intraline emphasis, fast on big texts.

Lines are matched with difflib's SequenceMatcher (hash-indexed, near-linear on real
edits); inside each replaced block, old and new lines are paired in order by a cheap
similarity within a small window, and only paired lines get a token-level diff. The
cost stays linear in the block size, so a 1,000-line cell with every line edited
takes milliseconds, where an all-pairs pairing would be quadratic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher

from ..model import LineOp, Span, TextDiff

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WS = re.compile(r"\s+")
_PAIR_WINDOW = 8
_PAIR_MIN_SIMILARITY = 0.45
_INTRALINE_MAX_CHARS = 4000

# Volatile bits of output text: memory addresses, timings, progress-bar rates.
_VOLATILE = re.compile(
    r"0x[0-9a-fA-F]{6,}"
    r"|(?<=Wall time: )[\d.]+\s*[µnmu]?s"
    r"|(?<=CPU times: )[^\n]*"
    r"|\[\d+:\d+(?::\d+)?<[^\]]*\]"
    r"|\d+(?:\.\d+)?\s*(?:it/s|s/it)"
)


def strip_volatile(text: str) -> str:
    """Text with addresses, timings and progress rates masked, to tell volatile changes apart."""
    return _VOLATILE.sub("…", text)


def split_lines(text: str) -> list[str]:
    """Lines keeping their endings, so joining them gives the text back exactly."""
    return text.splitlines(keepends=True)


def _key_exact(line: str) -> str:
    return line.rstrip("\r\n")


def _key_whitespace(line: str) -> str:
    return _WS.sub(" ", line).strip()


def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    sm = SequenceMatcher(None, a, b, autojunk=False)
    upper = sm.quick_ratio()
    if upper < _PAIR_MIN_SIMILARITY or len(a) + len(b) > 600:
        return upper
    return sm.ratio()


def intraline(a: str, b: str) -> tuple[list[Span], list[Span]]:
    """Character ranges that differ between two paired lines, on token boundaries."""
    a = a.rstrip("\r\n")
    b = b.rstrip("\r\n")
    if len(a) + len(b) > _INTRALINE_MAX_CHARS:
        return ([(0, len(a))] if a else []), ([(0, len(b))] if b else [])
    ta = _TOKEN.findall(a)
    tb = _TOKEN.findall(b)
    sm = SequenceMatcher(None, ta, tb, autojunk=False)
    pa = _offsets(ta)
    pb = _offsets(tb)
    sa: list[Span] = []
    sb: list[Span] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            _add_span(sa, pa[i1], pa[i2])
        if j2 > j1:
            _add_span(sb, pb[j1], pb[j2])
    return sa, sb


def _offsets(tokens: list[str]) -> list[int]:
    out = [0]
    for t in tokens:
        out.append(out[-1] + len(t))
    return out


def _add_span(spans: list[Span], start: int, end: int) -> None:
    if spans and spans[-1][1] == start:
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))


def _pair_block(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Pair lines of a replaced block in order; each old line looks a few lines ahead."""
    pairs: list[tuple[int, int]] = []
    j = 0
    for i, line in enumerate(old):
        if j >= len(new):
            break
        best, best_j = _PAIR_MIN_SIMILARITY, -1
        for k in range(j, min(len(new), j + _PAIR_WINDOW)):
            s = _similarity(line, new[k])
            if s > best:
                best, best_j = s, k
                if s > 0.9:
                    break
        if best_j >= 0:
            pairs.append((i, best_j))
            j = best_j + 1
    return pairs


def diff_text(old: str, new: str, ignore_whitespace: bool = False, volatile: bool = False) -> TextDiff:
    """Line diff of two texts. ``volatile`` marks a diff that vanishes once volatile bits are masked."""
    a = split_lines(old)
    b = split_lines(new)
    key: Callable[[str], str] = _key_whitespace if ignore_whitespace else _key_exact
    ka = [key(x) for x in a]
    kb = [key(x) for x in b]
    ops: list[LineOp] = []
    added = removed = 0
    opcodes: list[tuple[str, int, int, int, int]]
    if ka == kb:
        opcodes = [("equal", 0, len(a), 0, len(b))]
    else:
        opcodes = list(SequenceMatcher(None, ka, kb).get_opcodes())
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for di in range(i2 - i1):
                i, j = i1 + di, j1 + di
                if a[i] == b[j] or ignore_whitespace:
                    ops.append(LineOp("equal", i + 1, j + 1, a[i], b[j]))
                else:  # equal keys but different line endings
                    ops.append(LineOp("replace", i + 1, j + 1, a[i], b[j], [], []))
                    added += 1
                    removed += 1
            continue
        block_a = a[i1:i2]
        block_b = b[j1:j2]
        removed += len(block_a)
        added += len(block_b)
        pairs = _pair_block([x.rstrip("\r\n") for x in block_a], [x.rstrip("\r\n") for x in block_b])
        nj = 0
        ni = 0
        for pi, pj in pairs:
            while ni < pi:
                ops.append(
                    LineOp("delete", i1 + ni + 1, None, block_a[ni], None, [(0, len(block_a[ni].rstrip("\r\n")))])
                )
                ni += 1
            while nj < pj:
                ops.append(
                    LineOp("insert", None, j1 + nj + 1, None, block_b[nj], [], [(0, len(block_b[nj].rstrip("\r\n")))])
                )
                nj += 1
            sa, sb = intraline(block_a[pi], block_b[pj])
            ops.append(LineOp("replace", i1 + pi + 1, j1 + pj + 1, block_a[pi], block_b[pj], sa, sb))
            ni, nj = pi + 1, pj + 1
        while ni < len(block_a):
            ops.append(LineOp("delete", i1 + ni + 1, None, block_a[ni], None, [(0, len(block_a[ni].rstrip("\r\n")))]))
            ni += 1
        while nj < len(block_b):
            ops.append(
                LineOp("insert", None, j1 + nj + 1, None, block_b[nj], [], [(0, len(block_b[nj].rstrip("\r\n")))])
            )
            nj += 1
    transient = False
    if volatile and (added or removed) and strip_volatile(old) == strip_volatile(new):
        transient = True
    return TextDiff(ops, added, removed, transient)
