"""Numbers a reviewer never judges a change by, found on real revision history.

Each rule is one noise class seen while judging real pairs (``benchmarks/judged``): object and
figure reprs, source locations in log lines, progress bars and counters, throughputs, list
markers, truncated prints; and :func:`same_at_precision`, a value printed to a different
precision (``0.03444`` / ``0.03444444``) or changed only at float rounding level. The engine's
volatile rules (timings, addresses) are the floor; these are added on top.
"""

from __future__ import annotations

import math
import re

from nbreview import lazy_re

# <Figure size 640x480 with 1 Axes>, <matplotlib.lines.Line2D at 0x7f…>, <AxesSubplot:xlabel='x'>,
# <BarContainer object of 10 artists>, <Foo object at 0x…>: says what an object is, not a result
# (a repr that carries a value, <tf.Tensor: shape=(), numpy=108>, is read)
_OBJECT_REPR = lazy_re.compile(
    r"<(?:[\w.]*\.)?(?:Figure|Axes\w*|matplotlib[\w.]*|\w*Container|\w*Collection|Line2D|Text|Legend|\w*Image)"
    r"\b[^<>\n]*>|<[A-Za-z_][\w.]*[^<>\n]*?(?: at 0x[0-9a-fA-F]+| object of \d+ \w+)>"
)
# cuda_blas.cc:1786], train.py:12: the line of a source file that logged a message
# tqdm: " 45%|####5     | 9/20 [00:03<00:04, 2.6it/s]"; a bar made of # or █ with a percentage
_TQDM = lazy_re.compile(r"\d+%\|[^|\n]*\|")
# keras: "535/535 [======] - 36s 57ms/step - loss: 0.52"; the counter, not the metrics after it
_KERAS_COUNTER = lazy_re.compile(r"\b\d+/\d+\s*\[[=.>\-]*\]")
_ETA = lazy_re.compile(r"\bETA\b")
# "Step 700/7000", "Epoch 3/10", "Batch 12 of 50": where a loop is, not what it measured
_COUNTER = lazy_re.compile(
    r"(?i)\b(?:epoch|step|batch|iter|iteration|round|fold|trial|chunk|shard)\s*[:#]?\s*\d+\s*(?:/|of)\s*\d+\b"
)
# markdown or generated ordered lists: "4. Leaves: ...", "2) second"
_LIST_MARKER = lazy_re.compile(r"^\s*\d{1,3}[.)](?=\s+[^\W\d])")
# text cut by the front-end or by numpy/pandas: the positions after it differ between sides
_MORE_LINES = lazy_re.compile(
    r"<<\s*\d+ more lines?\s*>>|\.\.\.\s*\d+ more (?:lines|items|rows)|\[\d+ rows x \d+ columns\]"
)
ELLIPSIS = lazy_re.compile(r"(?<!\.)\.\.\.(?!\.)|…")
# units and labels of a throughput or a speed: measured by the clock, different every run
THROUGHPUT_AFTER = lazy_re.compile(
    r"\s?(?:[kMGTP]?FLOPS|[kMGTP]?FLOP/s|(?:samples|tokens|examples|images|steps|it|batches)/(?:s|sec|second)"
    r"|s/(?:it|step|batch|epoch)|MB/s|GB/s|kB/s|B/s|it/s|ms/step|us/sample|µs/sample|ms/sample)\b"
)
THROUGHPUT_LABEL = lazy_re.compile(
    r"(?:/s|/sec|per second|per sec)$|\b(?:mfu|flops|tflops|gflops|global_step/sec|samples_per_second|"
    r"steps_per_second|tokens_per_second|iterations per second|latency|fps)\b",
    re.I,
)
# %timeit: "186 ms ± 2.94 ms per loop (mean ± std. dev. of 7 runs, 10 loops each)"; %memit: "peak memory: 9 MiB"
_TIMEIT = lazy_re.compile(r"per loop \(mean|loops? each\)|\bbest of \d+\b|peak memory:|increment:")
# glog/absl lines (TensorFlow, JAX, XLA): "2022-07-19 18:11:01.44: I tensorflow/...cc:1532] ..." "I0719 18:11:01"
_LOG_LINE = lazy_re.compile(r"^(?:\d{4}-\d\d-\d\d[ T][\d:.,]+:? ?)?[IWEF](?:\d{4} [\d:.]+\s+\d+)?\s[\w./-]+\.\w+:\d+\]")
FLOAT_ROUNDING = 1e-6  # a relative change below this is float rounding (float32 is ~1.2e-7 per step)
FLOAT_ZERO = 1e-6  # a value that flips sign below this size is float noise around zero (a mean of 0: -5.96e-08)


def noise_spans(line: str) -> list[tuple[int, int]]:
    """Spans of a line whose numbers never count (in addition to the engine's volatile spans); the
    whole line for a progress update, a ``%timeit``/``%memit`` result or a glog/absl log line.
    Substring checks first: this runs on every changed line that has a digit."""
    spans: list[tuple[int, int]] = []
    if "<" in line:
        spans += [m.span() for m in _OBJECT_REPR.finditer(line)]
        if "more" in line:
            spans += [m.span() for m in _MORE_LINES.finditer(line)]
    if ":" in line:
        if "]" in line and line[:1] in _LOG_FIRST and _LOG_LINE.match(line):
            return [(0, len(line))]
        spans += _source_locations(line)
    if "|" in line and "%|" in line and _TQDM.search(line) or "ETA" in line and _ETA.search(line):
        return [(0, len(line))]  # a progress update: every number on it is where the loop was
    if any(w in line for w in _TIMEIT_WORDS) and _TIMEIT.search(line):
        return [(0, len(line))]
    if "/" in line or " of " in line:
        if "[" in line:
            spans += [m.span() for m in _KERAS_COUNTER.finditer(line)]
        low = line.lower()
        if any(w in low for w in _COUNTER_WORDS):
            spans += [m.span() for m in _COUNTER.finditer(line)]
    if line[:1].isdigit() or line[:1] == " ":
        m = _LIST_MARKER.match(line)
        if m:
            spans.append(m.span())
    return spans


_LOG_FIRST = frozenset("IWEF0123456789")
_TIMEIT_WORDS = ("per loop", "loops each", "loop each", "best of", "peak memory", "increment:")
_COUNTER_WORDS = ("epoch", "step", "batch", "iter", "round", "fold", "trial", "chunk", "shard")
_DIGITS_AFTER_COLON = lazy_re.compile(r":(\d+)\b")
_FILE_BEFORE = lazy_re.compile(r"[\w-]\.[A-Za-z]{1,5}$")
_LINE_N = lazy_re.compile(r"\bline (\d+)\b")


def _source_locations(line: str) -> list[tuple[int, int]]:
    """``cuda_blas.cc:1786``, ``train.py:12``, ``line 12``: where a message was logged from."""
    out = [
        m.span(1)
        for m in _DIGITS_AFTER_COLON.finditer(line)
        if _FILE_BEFORE.search(line, max(0, m.start() - 7), m.start())
    ]
    if "line " in line:
        out += [m.span(1) for m in _LINE_N.finditer(line)]
    return out


def resolution(text: str) -> float:
    """The step of the last printed digit: ``0.0344`` → 1e-4, ``85`` → 1, ``1.0e+14`` → 1e13."""
    t = text.strip().replace(",", "").rstrip("%").strip().lstrip("+-\u2212")
    mantissa, _, exp = t.lower().partition("e")
    try:
        e = int(exp) if exp else 0
    except ValueError:
        e = 0
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return 10.0 ** (e - decimals)


MIN_FORMAT_DIGITS = 3  # the coarser side of a format change shows at least this many significant digits


def significant_digits(text: str) -> int:
    """``0.03444`` → 4, ``0.9`` → 1, ``1.0e+14`` → 2, ``85`` → 2."""
    mantissa = text.strip().lower().replace(",", "").rstrip("%").strip().lstrip("+-\u2212").partition("e")[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def same_at_precision(old: float, new: float, old_text: str, new_text: str) -> bool:
    """True when two printed values are one value: equal at the coarser side's printed precision
    (``0.03444`` / ``0.03444444``, ``85`` / ``85.0``; not ``0.9`` / ``0.88``: a short repr is exact),
    apart only by float rounding, or float noise around zero (``-5.9605e-08`` / ``9.9341e-09``)."""
    if old == new:
        return True
    if not (math.isfinite(old) and math.isfinite(new)):
        return False
    scale = max(abs(old), abs(new))
    if abs(new - old) <= FLOAT_ROUNDING * scale or scale < FLOAT_ZERO and (old < 0) != (new < 0):
        return True
    ra, rb = resolution(old_text), resolution(new_text)
    if ra == rb or significant_digits(old_text if ra > rb else new_text) < MIN_FORMAT_DIGITS:
        return False  # Python prints 0.9 for 0.9: a short repr is not a rounded one
    coarse = max(ra, rb)
    fine_value = new if rb < ra else old
    coarse_value = old if rb < ra else new
    # the finer value rounds to the coarser one (half a step either way, with float slack)
    return abs(fine_value - coarse_value) <= coarse / 2 * (1 + 1e-9)
