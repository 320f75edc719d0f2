"""Numbers in text outputs: found, labelled, told apart from volatile ones, and paired old to new.

Only the changed lines of an output's text diff are read. A replaced line is paired with its
counterpart token by token (numbers masked, so ``accuracy: 0.912`` and ``accuracy: 0.934``
line up); numbers left over in a hunk are paired by their label (the words before them). Volatile
numbers (the engine's timings, addresses and progress rates, plus dates, times, versions, seeds,
ids and anything in time units) are parsed, so they align, but never reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from nbreview import lazy_re
from nbreview.engine.model import TextDiff
from nbreview.engine.text import volatile_spans
from nbreview.records import dataclass
from nbreview.results.noise import ELLIPSIS, THROUGHPUT_AFTER, THROUGHPUT_LABEL, noise_spans, same_at_precision

MAX_CHANGED_LINES = 20_000  # changed lines of one output read for numbers; beyond, a note
MAX_LINE_CHARS = 2_000  # a longer line (minified data, a base64 blob) is not read for numbers

_ANSI = lazy_re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_SCAN = lazy_re.compile(
    r"""
    (?P<skip>
        \d{4}-\d{2}-\d{2}(?:[T\ ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?   # dates and timestamps
      | \d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?                              # clock times, durations
      | 0[xX][0-9a-fA-F]+                                               # addresses
      | [0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}            # uuids
      | \d+(?:\.\d+){2,}                                                # versions, IP addresses
    )
    | (?P<num>
        (?<![\w.])[-+\u2212]?   # not inside a word (conv2d) or after a dot
        (?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)
        (?P<pct>\s?%)?
        (?P<unit>[^\W\d]\w*(?:/[^\W\d]+)?)?
    )
    """,
    re.X,
)
_TIME_UNITS = frozenset("s ms us µs μs ns sec secs second seconds min mins minute minutes hr hrs hour hours it".split())
_RATE = lazy_re.compile(r"^(?:\w+/(?:s|sec|step|it|epoch|batch)|s/\w+|ms/\w+)$")
_AFTER = lazy_re.compile(
    r"\s?(?:s|ms|us|µs|ns|sec|secs|seconds|minutes|mins?)\b|" + THROUGHPUT_AFTER.pattern
)
_VOLATILE_LABEL = lazy_re.compile(
    r"\b(?:time|times|elapsed|took|duration|eta|wall|cpu|seed|pid|port|address|timestamp|date|"
    r"runtime|speed|throughput|memory|mem|ram|rss|uuid|hash|execution_count)\b|\bid$",
    re.I,
)
_LOCALE = lazy_re.compile(r"(?<![\d,.(\[])\d{1,3}(?:\.\d{3})+,\d+|(?<![\w,.(\[])0,\d{2,}(?![\d,])")
_TOKENS = lazy_re.compile(r"\w+|\s+|[^\w\s]")
_DIGIT = lazy_re.compile(r"\d")
_SEPARATORS = ":,;|="
_FILLER = frozenset("is was are were of at in to now be by from than ~ ≈ -> →".split())
_NUM_TOKEN = "\x00#"
_ARRAY_ROW = lazy_re.compile(r"^\s*(?:\(?(?:array|tensor)\()?\[+\s*[-+\d.]")
_LOOP_LABEL = lazy_re.compile(r"(?i)^(?:ep|epoch|iter|iteration|it|step|global step|batch|round)$")


def _keyed(seg: str) -> bool:
    """The text before a number ends in ``key=`` or ``key:`` (quotes and spaces allowed)."""
    t = seg.rstrip(" \t'\"")
    if not t or t[-1] not in "=:":
        return False
    t = t[:-1].rstrip()
    return bool(t) and (t[-1].isalnum() or t[-1] in "_'\"]")



@dataclass(slots=True)
class Num:
    """A number as printed on a line: its value, text, label and whether it is volatile."""

    value: int | float
    text: str
    label: str
    start: int
    end: int
    volatile: bool
    key: str = ""  # the label when written as ``key=value`` or ``key: value`` (a repr, a dict, a namespace)
    counter: bool = False  # a loop counter (``Ep 3``, ``Step 000300``): it names the line, it is not a result


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text) if "\x1b" in text else text


def parse_value(body: str) -> int | float | None:
    """``1,234`` → 1234, ``−0.5`` → -0.5, ``93.4%`` → 93.4, ``1.3e-2`` → 0.013; None if not a number."""
    t = body.strip().replace("\u2212", "-").replace(",", "").rstrip("%").strip()
    try:
        return float(t) if ("." in t or "e" in t or "E" in t) else int(t)
    except ValueError:
        return None


_LAST_SEPARATOR = lazy_re.compile(r"[:,;|=(\[{]([^:,;|=(\[{]*)$")
_LETTER = lazy_re.compile(r"[^\W\d_]")


@lru_cache(maxsize=4096)
def _base_label(seg: str) -> str:
    """The words right before a number, after the last separator: ``Test set: Average loss: `` → ``Average loss``."""
    seg = seg.rstrip(" \t:=([{")
    m = _LAST_SEPARATOR.search(seg)
    if m:
        seg = m.group(1)
    words: list[str] = []
    parts = seg.split()
    while parts and parts[-1].lower() in _FILLER:
        parts.pop()
    for w in reversed(parts):
        w = w.strip(".-*'\"`")
        if not w or not _LETTER.search(w):
            break
        words.append(w)
        if len(words) == 3:
            break
    return " ".join(reversed(words))


@lru_cache(maxsize=4096)
def _volatile_label(label: str) -> bool:
    return bool(_VOLATILE_LABEL.search(label) or THROUGHPUT_LABEL.search(label))


def numbers_in_line(line: str) -> list[Num]:
    """Every number on a line (ANSI codes already removed), labelled, volatile ones flagged."""
    out: list[Num] = []
    if len(line) > MAX_LINE_CHARS or not _DIGIT.search(line):
        return out
    vol = volatile_spans(line) + noise_spans(line)
    prev_end = 0
    prev_label = ""
    inherited: dict[str, int] = {}
    for m in _SCAN.finditer(line):
        if m.group("num") is None:
            continue
        unit = m.group("unit") or ""
        start, end = m.span()
        if unit and any(ch.isdigit() for ch in unit):  # a hash such as 9f8a7b6c
            prev_end = end
            continue
        body = line[start : end - len(unit)] if unit else line[start:end]
        value = parse_value(body)
        if value is None:
            continue
        seg = line[prev_end:start]
        stripped = seg.strip()
        if stripped in ("±", "+/-", "+-") and prev_label:
            label = prev_label + " ±"
        elif stripped == "/" and prev_label:
            label = prev_label + " /"
        else:
            label = _base_label(seg)
            if label:
                prev_label = label
            elif prev_label:
                k = inherited.get(prev_label, 0) + 1
                inherited[prev_label] = k
                label = f"{prev_label}[{k}]"
        volatile = bool(
            (vol and any(a < end and start < b for a, b in vol))
            or _volatile_label(label)
            or (
                unit.lower() in _TIME_UNITS or _RATE.match(unit) or THROUGHPUT_AFTER.match(line, end - len(unit))
                if unit
                else not m.group("pct") and end < len(line) and _AFTER.match(line, end)
            )
        )
        key = label if _keyed(seg) else ""
        # "Ep 3", "Step 000300", or an integer naming its row ("Batch size 24: ...", "Layer 2: ...")
        counter = isinstance(value, int) and bool(
            _LOOP_LABEL.match(label) or label and not key and line.startswith(":", end)
        )
        out.append(Num(value, body.strip(), label, start, end, volatile or counter, key, counter))
        prev_end = end
    return out


def _skeleton(line: str, nums: list[Num]) -> tuple[list[str], list[int]]:
    """Tokens of a line with each number as one placeholder, and the token index of each number."""
    toks: list[str] = []
    where: list[int] = []
    pos = 0
    for n in nums:
        toks += _TOKENS.findall(line[pos : n.start])
        where.append(len(toks))
        toks.append(_NUM_TOKEN)
        pos = n.end
    toks += _TOKENS.findall(line[pos:])
    return toks, where


def pair_line(
    old: str, new: str, old_nums: list[Num] | None = None, new_nums: list[Num] | None = None
) -> tuple[list[tuple[Num, Num]], list[Num], list[Num]]:
    """Numbers of two paired lines matched by position in a token alignment; the leftovers of each side.
    The lines' numbers are read here unless the caller already has them."""
    a = numbers_in_line(old) if old_nums is None else old_nums
    b = numbers_in_line(new) if new_nums is None else new_nums
    if not a or not b:
        return [], a, b
    if bool(ELLIPSIS.search(old)) != bool(ELLIPSIS.search(new)):
        return [], [], []  # printed truncated on one side only: the positions differ, nothing is compared
    if len(a) != len(b) and _ARRAY_ROW.match(old) and _ARRAY_ROW.match(new):
        return [], [], []  # rows of arrays of another shape: the positions are other elements
    if [n.value for n in a if n.counter] != [n.value for n in b if n.counter]:
        return [], [], []  # lines of different epochs or steps: not one line changed, nothing to pair
    if len(a) == len(b) and _masked(old, a) == _masked(new, b):  # the usual case: only numbers differ
        return list(zip(a, b, strict=True)), [], []
    skeleton_a, where_a = _skeleton(old, a)
    skeleton_b, where_b = _skeleton(new, b)
    at_a = {t: k for k, t in enumerate(where_a)}
    at_b = {t: k for k, t in enumerate(where_b)}
    pairs: list[tuple[Num, Num]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, skeleton_a, skeleton_b, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for d in range(i2 - i1):
                num_a, num_b = at_a.get(i1 + d), at_b.get(j1 + d)
                if num_a is not None and num_b is not None and a[num_a].key == b[num_b].key:
                    pairs.append((a[num_a], b[num_b]))
                    used_a.add(num_a)
                    used_b.add(num_b)
    return pairs, [n for k, n in enumerate(a) if k not in used_a], [n for k, n in enumerate(b) if k not in used_b]


def _by_label(old: list[Num], new: list[Num]) -> list[tuple[Num, Num]]:
    """Pair leftovers whose label is non-empty and unique on both sides."""

    def unique(nums: list[Num]) -> dict[str, Num]:
        seen: dict[str, Num] = {}
        dup: set[str] = set()
        for n in nums:
            if not n.label:
                continue
            if n.label in seen:
                dup.add(n.label)
            seen[n.label] = n
        return {k: v for k, v in seen.items() if k not in dup}

    unique_old, unique_new = unique(old), unique(new)
    return [(unique_old[k], unique_new[k]) for k in unique_old if k in unique_new]


@dataclass(slots=True)
class PairedNumber:
    old: Num
    new: Num
    line: int | None  # 1-based line of the new text


@dataclass(slots=True)
class _Line:
    text: str
    nums: list[Num]
    line: int | None  # 1-based line number in its own text
    partner: int  # index of the other side's line the text diff paired it with, or -1
    hunk: int
    used: bool = False


def _key(line: _Line, volatile_only: bool) -> str:
    """The line with its volatile numbers (or all of them but its loop counters) masked."""
    out, pos = [], 0
    for n in line.nums:
        if n.volatile and volatile_only or not volatile_only and not n.counter:
            out += [line.text[pos : n.start], "#"]
            pos = n.end
    out.append(line.text[pos:])
    return "".join(out)


def _pair_equal_keys(old: list[_Line], new: list[_Line], volatile_only: bool, out: list[PairedNumber]) -> None:
    """Pair, in order, unused lines whose keys are equal; report their numbers that differ."""
    open_old = [k for k, x in enumerate(old) if not x.used]
    open_new = [k for k, x in enumerate(new) if not x.used]
    if not open_old or not open_new:
        return
    keys_old = [_key(old[k], volatile_only) for k in open_old]
    keys_new = [_key(new[k], volatile_only) for k in open_new]
    opcodes: Sequence[tuple[str, int, int, int, int]] = [("equal", 0, len(keys_old), 0, len(keys_new))]
    if keys_old != keys_new:
        opcodes = SequenceMatcher(None, keys_old, keys_new, False).get_opcodes()
    for tag, i1, i2, j1, _j2 in opcodes:
        if tag != "equal":
            continue
        for d in range(i2 - i1):
            a, b = old[open_old[i1 + d]], new[open_new[j1 + d]]
            if not volatile_only and not a.nums:
                continue  # a line without numbers pairs nothing (and stays free for its diff partner)
            a.used = b.used = True
            out.extend(PairedNumber(x, y, b.line) for x, y in zip(a.nums, b.nums, strict=False) if _reportable(x, y))


def _changed_lines(td: TextDiff) -> tuple[list[_Line], list[_Line]] | str:
    """Each side's changed lines (ANSI codes stripped), numbered by hunk and linked to the line the
    text diff replaced them with; or why the text is not read (an unrecognised number locale)."""
    old: list[_Line] = []
    new: list[_Line] = []
    hunk = -1
    in_hunk = False
    for op in td.lines:
        if op.op == "equal":
            in_hunk = False
            continue
        if not in_hunk:
            hunk += 1
            in_hunk = True
        old_text = strip_ansi((op.old_text or "").rstrip("\r\n"))
        new_text = strip_ansi((op.new_text or "").rstrip("\r\n"))
        if _LOCALE.search(old_text) or _LOCALE.search(new_text):
            return "numbers not compared: decimal commas (an unrecognised number locale)"
        if op.op == "replace":
            old.append(_Line(old_text, numbers_in_line(old_text), op.old, len(new), hunk))
            new.append(_Line(new_text, numbers_in_line(new_text), op.new, len(old) - 1, hunk))
        elif op.op == "delete":
            old.append(_Line(old_text, numbers_in_line(old_text), op.old, -1, hunk))
        else:
            new.append(_Line(new_text, numbers_in_line(new_text), op.new, -1, hunk))
    return old, new


def _pair_partners_then_labels(old: list[_Line], new: list[_Line], out: list[PairedNumber]) -> None:
    """The last two passes: each unused line with its unused text-diff partner, token by token; then
    what is left in each hunk, by label."""
    # Per hunk: the old numbers left, and the new ones left with the line they are on.
    pools: dict[int, tuple[list[Num], list[tuple[Num, int | None]]]] = {}
    for a in old:
        if a.used:
            continue
        pool = pools.setdefault(a.hunk, ([], []))
        b = new[a.partner] if a.partner >= 0 else None
        if b is not None and not b.used:
            pairs, unpaired_old, unpaired_new = pair_line(a.text, b.text, a.nums, b.nums)
            out.extend(PairedNumber(x, y, b.line) for x, y in pairs if _reportable(x, y))
            b.used = True
            pool[0].extend(unpaired_old)
            pool[1].extend((n, b.line) for n in unpaired_new)
        else:
            pool[0].extend(_unnamed(a.nums))
    for b in new:
        if not b.used:
            pools.setdefault(b.hunk, ([], []))[1].extend((n, b.line) for n in _unnamed(b.nums))
    for old_left, new_left in pools.values():
        if old_left and new_left:
            line_of = {id(n): ln for n, ln in new_left}
            for x, y in _by_label(old_left, [n for n, _ in new_left]):
                if _reportable(x, y):
                    out.append(PairedNumber(x, y, line_of.get(id(y))))


def changed_numbers(
    td: TextDiff, old_text: str | None = None, new_text: str | None = None
) -> tuple[list[PairedNumber], str | None]:
    """The numbers that changed in a text diff, and a note when the text was not read.

    An output of the same shape on both sides (same lines, only digits differ) pairs line by line:
    a line diff would match equal lines at other positions (batch 2's ``[8, 61]`` with batch 1's)
    and pair what is left in the wrong order. Otherwise the changed lines are paired in four
    passes, each on the lines the previous ones left: lines equal once volatile numbers are masked
    (a re-run's timings: nothing to report, and they cannot pair with the wrong epoch); lines
    equal once every number but loop counters is masked (only numbers changed: paired in order);
    the text diff's own line pairs, matched token by token; and what is left in a hunk by label.
    """
    changed_lines = sum(1 for op in td.lines if op.op != "equal")
    if changed_lines > MAX_CHANGED_LINES:
        return [], f"numbers not compared: more than {MAX_CHANGED_LINES:,} changed lines"
    same_shape = _same_shape(
        td.old_text() if old_text is None else old_text, td.new_text() if new_text is None else new_text
    )
    if same_shape is not None:
        return same_shape
    lines = _changed_lines(td)
    if isinstance(lines, str):
        return [], lines
    old, new = lines
    out: list[PairedNumber] = []
    _pair_equal_keys(old, new, True, out)
    _pair_equal_keys(old, new, False, out)
    _pair_partners_then_labels(old, new, out)
    out.sort(key=lambda p: p.line or 0)
    return out, None


MAX_SAME_SHAPE_LINES = 5_000  # longer outputs go through the line diff only
_DIGITS = lazy_re.compile(r"\d+")


def _same_shape(old_text: str, new_text: str) -> tuple[list[PairedNumber], str | None] | None:
    """Line-by-line pairs when both texts have the same lines once digits are masked; None otherwise."""
    if old_text.count("\n") != new_text.count("\n"):
        return None
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    if len(old_lines) != len(new_lines) or len(old_lines) > MAX_SAME_SHAPE_LINES:
        return None
    changed = [(k, a, b) for k, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    if not changed or any(_DIGITS.sub("#", a) != _DIGITS.sub("#", b) for _, a, b in changed):
        return None
    out: list[PairedNumber] = []
    for k, a, b in changed:
        a, b = strip_ansi(a), strip_ansi(b)
        if _LOCALE.search(a) or _LOCALE.search(b):
            return [], "numbers not compared: decimal commas (an unrecognised number locale)"
        pairs, _, _ = pair_line(a, b)
        out.extend(PairedNumber(x, y, k + 1) for x, y in pairs if _reportable(x, y))
    return out, None


def _unnamed(nums: list[Num]) -> list[Num]:
    """The numbers of a line left for pairing by label: none when a loop counter names the line."""
    return [] if any(n.counter for n in nums) else nums


def _masked(line: str, nums: list[Num]) -> str:
    """The line with its numbers replaced by ``#``: equal for two lines that differ only in numbers."""
    out, pos = [], 0
    for n in nums:
        out += [line[pos : n.start], "#"]
        pos = n.end
    out.append(line[pos:])
    return "".join(out)


def _reportable(a: Num, b: Num) -> bool:
    """Both values count and they differ beyond how they were printed."""
    if a.volatile or b.volatile or a.value == b.value:
        return False
    return not same_at_precision(float(a.value), float(b.value), a.text, b.text)


# ---------------------------------------------------------------- a whole array

ARRAY_MIN_VALUES = 4  # an array print with fewer changed values keeps them listed one by one
_ARRAY_START = lazy_re.compile(r"^\s*\(?(?P<kind>array|tensor)?\(?\[")
_ARRAY_WORDS = lazy_re.compile(
    r"(?:array|tensor)\(|dtype=[\w.]+|device='[^']*'|grad_fn=<\w+>|requires_grad=True|\.\.\.|…"
)
_ARRAY_CHARS = lazy_re.compile(r"^[\s\[\](),.\d+\-eE]*$")


def array_kind(text: str) -> str | None:
    """``array``/``tensor``/``list`` when a text is nothing but a printed array of numbers (numpy, torch, a list)."""
    m = _ARRAY_START.match(text)
    if m is None or not _ARRAY_CHARS.match(_ARRAY_WORDS.sub("", text)):
        return None
    return m.group("kind") or "list"


def whole_array_change(old_text: str, new_text: str, pairs: list[PairedNumber]) -> tuple[str, str, str] | None:
    """(label, old excerpt, new excerpt) when several values of an array print changed: one change to
    read (new weights, another model's logits), not one line per element."""
    kind = array_kind(new_text)
    if kind is None or array_kind(old_text) is None or len(pairs) < ARRAY_MIN_VALUES:
        return None
    shown = sum(1 for line in new_text.splitlines() for n in numbers_in_line(line) if not n.volatile)

    def excerpt(nums: list[Num]) -> str:
        return "[" + ", ".join(n.text for n in nums[:3]) + (", …]" if len(nums) > 3 else "]")

    label = f"{kind}: {len(pairs)} of {shown} shown values changed"
    return label, excerpt([p.old for p in pairs]), excerpt([p.new for p in pairs])
