"""Line diffs with intraline emphasis, fast on big texts.

Lines are matched with difflib's SequenceMatcher (hash-indexed, near-linear on real
edits); inside each replaced block, old and new lines are paired in order by a cheap
similarity within a small window, and only paired lines get a token-level diff. The
cost stays linear in the block size, so a 1,000-line cell with every line edited
takes milliseconds, where an all-pairs pairing would be quadratic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from difflib import SequenceMatcher

from nbreview import lazy_re
from nbreview.engine.model import LineOp, TextDiff

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.engine.model import Span

_TOKEN = lazy_re.compile(r"\w+|\s+|[^\w\s]")
_WS = lazy_re.compile(r"\s+")
_PAIR_WINDOW = 8
_PAIR_MIN_SIMILARITY = 0.45
_INTRALINE_MAX_CHARS = 4000
_MAX_ALIGN_LINES = 100_000  # beyond this, a changed middle is one block
_MAX_PAIRED_LINES = 10_000  # beyond this, a block's lines get no intraline pairing
_MAX_VOLATILE_CHARS = 2_000_000  # changed text beyond this is not checked for volatile bits
HUGE_TEXT_CHARS = 2_000_000  # output texts beyond this (both sides) are diffed with bounded work
SHOWN_CHANGED_LINES = 400  # a huge output's diff lists this many changed lines; the rest are counted
_RESYNC_WINDOW = 64  # how far the bounded diff looks ahead to find the two texts in step again
_CONTEXT = 3  # equal lines kept around each listed change of a huge output

# Volatile bits of output text: memory addresses, timings, progress-bar rates.
_VOLATILE = lazy_re.compile(
    r"0x[0-9a-fA-F]{6,}"
    r"|(?<=Wall time: )[\d.]+\s*[µnmu]?s"
    r"|(?<=CPU times: )[^\n]*"
    r"|\[\d+:\d+(?::\d+)?<[^\]]*\]"
    r"|\d+(?:\.\d+)?\s*(?:it/s|s/it)"
)


def volatile_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of volatile bits (addresses, timings, progress rates): what results leave out."""
    return [m.span() for m in _VOLATILE.finditer(text)]


SHOWN_OUTPUT_LINES = 2_000  # a huge whole output shows its first and last half of this many lines


def head_and_tail(text: str, lines: int = SHOWN_OUTPUT_LINES) -> tuple[str, str, int]:
    """The first and last ``lines // 2`` lines of a long text and how many lines lie between
    (``(text, "", 0)`` when it is short); found by scanning for newlines, without splitting it all."""
    half = lines // 2
    if len(text) < 200 * lines and text.count("\n", 0, 200 * lines + 1) <= lines:
        return text, "", 0
    if text.count("\n", 0, 200 * lines + 1) < 2:  # one enormous line: cut it by characters
        return text[: 100 * lines], text[-100 * lines :], 0
    cut = -1
    for _ in range(half):
        cut = text.find("\n", cut + 1)
        if cut < 0:
            return text, "", 0
    start = len(text)
    for _ in range(half):
        start = text.rfind("\n", 0, start - 1 if start else 0)
        if start <= cut:
            return text, "", 0
    hidden = text.count("\n", cut + 1, start + 1)
    if hidden < 1:
        return text, "", 0
    cap = 100 * lines  # characters per half, however long its lines
    return text[: cut + 1][:cap], text[start + 1 :][-cap:], hidden


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


def _tokens(line: str) -> list[str]:
    """Tokens of a line (without its ending); a very long line is one token."""
    line = line.rstrip("\r\n")
    if len(line) > _INTRALINE_MAX_CHARS:
        return [line]
    return _TOKEN.findall(line)


def _spans(matcher: SequenceMatcher[str], tokens_a: list[str], tokens_b: list[str]) -> tuple[list[Span], list[Span]]:
    """Character ranges that differ between two paired lines, on token boundaries."""
    offsets_a = _offsets(tokens_a)
    offsets_b = _offsets(tokens_b)
    spans_a: list[Span] = []
    spans_b: list[Span] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            _add_span(spans_a, offsets_a[i1], offsets_a[i2])
        if j2 > j1:
            _add_span(spans_b, offsets_b[j1], offsets_b[j2])
    return spans_a, spans_b


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


def _pair_block(old: list[list[str]], new: list[list[str]]) -> list[tuple[int, int, list[Span], list[Span]]]:
    """Pair token lines of a replaced block in order; each old line looks a few lines ahead.

    The matcher that scored a pair gives its intraline spans, so the two lines are not
    compared a second time. A new line keeps one matcher while it is in the window (its index
    of tokens is built once, not once per old line); none outlives the window.
    """
    pairs: list[tuple[int, int, list[Span], list[Span]]] = []
    matchers: dict[int, SequenceMatcher[str]] = {}
    j = 0
    for i, tokens_a in enumerate(old):
        if j >= len(new):
            break
        best, best_j, best_matcher = _PAIR_MIN_SIMILARITY, -1, None
        for k in range(j, min(len(new), j + _PAIR_WINDOW)):
            matcher = matchers.get(k)
            if matcher is None:
                matcher = matchers[k] = SequenceMatcher(None, tokens_a, new[k], autojunk=False)
            else:
                matcher.set_seq1(tokens_a)
            if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
                continue
            s = matcher.ratio()
            if s > best:
                best, best_j, best_matcher = s, k, matcher
                if s > 0.9 or (k == j and s >= 0.6):  # nearest good partner: stop looking
                    break
        if best_matcher is not None:
            pairs.append((i, best_j, *_spans(best_matcher, tokens_a, new[best_j])))
            j = best_j + 1
            for k in [k for k in matchers if k < j]:
                del matchers[k]
    return pairs


def line_opcodes(keys_a: list[str], keys_b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes over line keys: common head and tail first, SequenceMatcher on the middle (also the merge's line diff).

    A middle beyond ``_MAX_ALIGN_LINES`` (a runaway output) is one replaced block, so the
    cost stays linear whatever the text.
    """
    if keys_a == keys_b:
        return [("equal", 0, len(keys_a), 0, len(keys_b))]
    head = 0
    while head < len(keys_a) and head < len(keys_b) and keys_a[head] == keys_b[head]:
        head += 1
    tail = 0
    while tail < len(keys_a) - head and tail < len(keys_b) - head and keys_a[-1 - tail] == keys_b[-1 - tail]:
        tail += 1
    end_a, end_b = len(keys_a) - tail, len(keys_b) - tail
    out: list[tuple[str, int, int, int, int]] = []
    if head:
        out.append(("equal", 0, head, 0, head))
    if (end_a - head) + (end_b - head) > _MAX_ALIGN_LINES:
        out.append(("replace", head, end_a, head, end_b))
    else:
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys_a[head:end_a], keys_b[head:end_b]).get_opcodes():
            out.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        out.append(("equal", end_a, len(keys_a), end_b, len(keys_b)))
    return out


def _block_ops(block_a: list[str], block_b: list[str], i1: int, j1: int) -> list[LineOp]:
    """Ops of one changed block (old lines from ``i1``, new from ``j1``, 0-based): similar lines paired."""
    ops: list[LineOp] = []
    small = len(block_a) + len(block_b) <= _MAX_PAIRED_LINES
    toks_a = [_tokens(x) for x in block_a] if small else []
    toks_b = [_tokens(x) for x in block_b] if small else []
    next_old = next_new = 0
    pairs = _pair_block(toks_a, toks_b) if small else []
    # Unpaired lines before each pair (and after the last) are whole deletions and insertions.
    for paired_old, paired_new, spans_a, spans_b in [*pairs, (len(block_a), len(block_b), [], [])]:
        ops += [_deleted(block_a[k], i1 + k + 1) for k in range(next_old, paired_old)]
        ops += [_inserted(block_b[k], j1 + k + 1) for k in range(next_new, paired_new)]
        if paired_old < len(block_a):
            ops.append(LineOp("replace", i1 + paired_old + 1, j1 + paired_new + 1, block_a[paired_old],
                              block_b[paired_new], spans_a, spans_b))
        next_old, next_new = paired_old + 1, paired_new + 1
    return ops


def _deleted(line: str, number: int) -> LineOp:
    return LineOp("delete", number, None, line, None, [(0, len(line.rstrip("\r\n")))])


def _inserted(line: str, number: int) -> LineOp:
    return LineOp("insert", None, number, None, line, [], [(0, len(line.rstrip("\r\n")))])


def _resync(keys_a: list[str], keys_b: list[str], i: int, j: int) -> tuple[int, int]:
    """Lengths of the old and new runs to skip from ``(i, j)`` until the texts are in step again.

    Looks at most ``_RESYNC_WINDOW`` lines ahead (a deletion, an insertion or a replaced run);
    if nothing lines up that close, the whole window counts as replaced, so the work stays linear.
    """
    n, m = len(keys_a), len(keys_b)
    for d in range(1, _RESYNC_WINDOW + 1):
        if i + d < n and j + d < m and keys_a[i + d] == keys_b[j + d]:
            return d, d
        if i + d < n and keys_a[i + d] == keys_b[j]:
            return d, 0
        if j + d < m and keys_a[i] == keys_b[j + d]:
            return 0, d
    return min(_RESYNC_WINDOW, n - i), min(_RESYNC_WINDOW, m - j)


def _bounded_diff(a: list[str], b: list[str], keys_a: list[str], keys_b: list[str]) -> TextDiff:
    """A huge output's diff with linear work and bounded size: lines compared by key (hashed
    equality), changes found by a windowed walk, the first :data:`SHOWN_CHANGED_LINES` changed
    lines listed with a few lines of context, the rest only counted (``elided``)."""
    ops: list[LineOp] = []
    added = removed = listed = 0
    recent: deque[int] = deque(maxlen=_CONTEXT)  # old indices of the equal lines just before a change
    trailing = 0  # equal lines still to keep after the last listed change
    offset = 0  # new index minus old index, inside equal runs
    i = j = 0
    n, m = len(keys_a), len(keys_b)
    while i < n or j < m:
        if i < n and j < m and keys_a[i] == keys_b[j]:
            if trailing:
                ops.append(LineOp("equal", i + 1, j + 1, a[i], b[j]))
                trailing -= 1
            elif listed < SHOWN_CHANGED_LINES:
                recent.append(i)
            i += 1
            j += 1
            continue
        if i >= n:
            skip_old, skip_new = 0, m - j
        elif j >= m:
            skip_old, skip_new = n - i, 0
        else:
            skip_old, skip_new = _resync(keys_a, keys_b, i, j)
        removed += skip_old
        added += skip_new
        if listed < SHOWN_CHANGED_LINES:
            offset = j - i
            ops += [LineOp("equal", k + 1, k + offset + 1, a[k], b[k + offset]) for k in recent]
            recent.clear()
            ops += _block_ops(a[i : i + skip_old], b[j : j + skip_new], i, j)
            listed += skip_old + skip_new
            trailing = _CONTEXT
        else:
            trailing = 0
        i += skip_old
        j += skip_new
    return TextDiff(ops, added, removed, False, added + removed - listed)


def diff_text(old: str, new: str, ignore_whitespace: bool = False, volatile: bool = False) -> TextDiff:
    """Line diff of two texts. ``volatile`` marks a diff that vanishes once volatile bits are masked.

    ``volatile`` texts are outputs, whose diffs are for display (an output diff carries the new
    output whole): beyond :data:`HUGE_TEXT_CHARS` they get the bounded diff of :func:`_bounded_diff`.
    """
    if volatile and len(old) + len(new) > HUGE_TEXT_CHARS:
        a, b = split_lines(old), split_lines(new)
        if ignore_whitespace:
            return _bounded_diff(a, b, [_key_whitespace(x) for x in a], [_key_whitespace(x) for x in b])
        return _bounded_diff(a, b, a, b)
    a = split_lines(old)
    b = split_lines(new)
    key: Callable[[str], str] = _key_whitespace if ignore_whitespace else _key_exact
    keys_a = [key(x) for x in a]
    keys_b = [key(x) for x in b]
    ops: list[LineOp] = []
    added = removed = 0
    opcodes = line_opcodes(keys_a, keys_b)
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for step in range(i2 - i1):
                i, j = i1 + step, j1 + step
                if a[i] == b[j] or ignore_whitespace or _continued(a, b, i, j):
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
        ops += _block_ops(block_a, block_b, i1, j1)
    transient = volatile and (added or removed) and _only_volatile(ops)
    return TextDiff(ops, added, removed, bool(transient))


def _continued(a: list[str], b: list[str], i: int, j: int) -> bool:
    """An old last line without its newline that the other side merely continued (lines appended).

    ``"x"`` → ``"x\ny"`` changes line 1 only by the newline that appending needs; showing it
    as removed and added would be noise. Both sides ending there (only the final newline
    added or dropped) stays a change.
    """
    last_a, last_b = i == len(a) - 1, j == len(b) - 1
    if last_a == last_b:
        return False
    line_a, line_b = a[i], b[j]
    bare = line_a if last_a else line_b
    return not bare.endswith(("\n", "\r")) and line_a.rstrip("\r\n") == line_b.rstrip("\r\n")


def _only_volatile(ops: list[LineOp]) -> bool:
    """Whether the changed lines agree once volatile bits are masked (changed lines only: fast)."""
    old = "".join(op.old_text or "" for op in ops if op.op in ("delete", "replace"))
    new = "".join(op.new_text or "" for op in ops if op.op in ("insert", "replace"))
    if len(old) + len(new) > _MAX_VOLATILE_CHARS:
        return False
    return strip_volatile(old) == strip_volatile(new)
