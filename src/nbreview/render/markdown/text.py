"""Text changes in a comment: ``diff`` blocks folded like every other renderer's hunks, and
markdown prose shown as prose with the changed words marked."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

from nbreview.render.markdown.inert import inline
from nbreview.view import grouped_rows, hunks

if TYPE_CHECKING:
    from nbreview.engine.model import TextDiff

HUNK_GAP = "@@ ⋯ @@"  # between two hunks: unchanged lines folded away (or never listed)


def plain(text: str | None) -> str:
    """A line as a ``diff`` block shows it: no line ending, tabs as four spaces."""
    return (text or "").rstrip("\r\n").replace("\t", "    ")


def diff_lines(
    td: TextDiff, context: int = 2, wrap: int | None = None, drop: Callable[[str], bool] | None = None
) -> list[str]:
    """Hunks with ``context`` lines around changes, ``-``/``+`` prefixed, ``@@ ⋯ @@`` between hunks;
    rows whose text ``drop`` rejects (an output's object reprs) are left out before hunking."""
    rows = grouped_rows(td)
    if drop is not None:
        rows = [(sign, op) for sign, op in rows if not drop((op.new_text if sign == "+" else op.old_text) or "")]
    out: list[str] = []
    for k, hunk in enumerate(hunks(rows, context)):
        if k:
            out.append(HUNK_GAP)
        for sign, op in hunk:
            text = plain(op.new_text if sign == "+" else op.old_text)
            if wrap and len(text) > wrap:
                parts = textwrap.wrap(text, wrap, break_long_words=False, break_on_hyphens=False) or [""]
                out.extend(f"{sign} {p}" for p in parts)
            else:
                out.append(f"{sign} {text}")
    if td.elided:
        out.append(f"… {td.elided} more changed lines not listed (output too large to diff in full)")
    return out


def clip(lines: list[str], limit: int) -> list[str]:
    """The first ``limit`` lines, and a last line counting the rest when there are more."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"… {len(lines) - limit} more lines"]


def _marked(text: str, spans: list[tuple[int, int]], tag: str) -> str:
    """A line as inert text with the spans in ``<tag>`` (GitHub keeps ``<ins>`` and ``<del>``)."""
    out: list[str] = []
    pos = 0
    for start, end in spans:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(inline(text[pos:start]))
        out.append(f"<{tag}>{inline(text[start:end])}</{tag}>")
        pos = end
    out.append(inline(text[pos:]))
    return "".join(out).strip()


def _prose_side(text: str, spans: list[tuple[int, int]], tag: str) -> str:
    return _marked(text, spans, tag) if spans else f"<{tag}>{inline(text).strip()}</{tag}>"


def prose_diff(td: TextDiff, max_lines: int) -> str:
    """Markdown changes as readable prose: each changed line once per side, changed words marked."""
    lines: list[str] = []
    last: int | None = None
    for k, op in enumerate(td.lines):
        if op.op == "equal":
            continue
        if last is not None and k != last + 1:
            lines.append("⋯")
        last = k
        old, new = plain(op.old_text), plain(op.new_text)
        if op.op in ("delete", "replace") and old.strip():
            lines.append("➖ " + _prose_side(old, op.old_spans if op.op == "replace" else [], "del"))
        if op.op in ("insert", "replace") and new.strip():
            lines.append("➕ " + _prose_side(new, op.new_spans if op.op == "replace" else [], "ins"))
    return "\n>\n".join(f"> {ln}" for ln in clip(lines, max_lines)) + "\n"
