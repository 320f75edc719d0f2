"""``nbreview diff --stat``: a line per notebook with a bar of ``+``/``-``/``~`` and a total line."""

from __future__ import annotations

from nbreview.records import dataclass
from nbreview.render.terminal.style import BLUE, DIM, GREEN, RED, YELLOW, TerminalStyle, clean, terminal_safe
from nbreview.view import Summary
from nbreview.view.summary import NO_CHANGES, stat_items

# The counts the closing line adds up over every notebook (those stat_items words).
_COUNTED = (
    "added",
    "removed",
    "modified",
    "reexecuted",
    "moved",
    "outputs_changed",
    "images_changed",
    "metadata_changed",
)


@dataclass
class StatRow:
    """One notebook of ``--stat``: its path, its summary and a note."""

    path: str
    summary: Summary
    note: str = ""  # "new", "deleted", "renamed from x", or an error


def _stat_words(s: Summary) -> str:
    """``4 modified, 1 added, 1 moved``: a notebook's changes in the view's words (:func:`stat_items`)."""
    return ", ".join(item.text for item in stat_items(s)) or NO_CHANGES


def _stat_bar(s: Summary, scale: float, st: TerminalStyle) -> tuple[str, int]:
    """The coloured ``+-~→`` bar of one notebook and its visible width."""
    bar, width = "", 0
    for colour, ch, n in ((GREEN, "+", s.added), (RED, "-", s.removed), (YELLOW, "~", s.modified + s.reexecuted)):
        k = round(n * scale) if n * scale >= 0.5 else (1 if n else 0)
        bar += st.paint(colour, ch * k)
        width += k
    if s.moved:
        bar += st.paint(BLUE, "→")
        width += 1
    return bar, width


def render_stat(rows: list[StatRow], st: TerminalStyle) -> str:
    """``git diff --stat`` for notebooks: a line per notebook, a bar of +/-/~ and a total."""
    if not rows:
        return ""
    name_w = min(max(len(r.path) for r in rows), max(20, st.width // 2))
    totals = [r.summary.added + r.summary.removed + r.summary.modified + r.summary.reexecuted for r in rows]
    count_w = max(len(str(t)) for t in totals)
    bar_max = max(10, min(30, st.width - name_w - count_w - 40))
    biggest = max(totals) or 1
    bars: list[tuple[str, int]] = []
    for r in rows:
        bars.append(_stat_bar(r.summary, min(1.0, bar_max / biggest), st))
    bar_w = max(n for _, n in bars)
    out: list[str] = []
    for r, total, (bar, n) in zip(rows, totals, bars, strict=True):
        path = clean(r.path)
        if len(path) > name_w:
            path = "…" + path[-(name_w - 1) :]
        words = r.note if r.note.startswith("error: ") else _stat_words(r.summary) + (f" ({r.note})" if r.note else "")
        pad = " " * (bar_w - n)
        out.append(f" {path.ljust(name_w)} | {str(total).rjust(count_w)} {bar}{pad}  {st.paint(DIM, words)}")
    n = len(rows)
    overall = Summary()
    for r in rows:
        for key in _COUNTED:
            setattr(overall, key, getattr(overall, key) + getattr(r.summary, key))
    unread = sum(r.note.startswith("error: ") for r in rows)
    words = ", ".join(([_stat_words(overall)] if unread < n else []) + ([f"{unread} not read"] if unread else []))
    out.append(f" {n} notebook{'s' if n != 1 else ''} changed: {words}")
    return terminal_safe("\n".join(out) + "\n")
