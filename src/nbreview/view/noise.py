"""Output lines that tell a reviewer nothing: object and figure reprs, memory addresses.

``<Figure size 640x480 with 1 Axes>``, ``<matplotlib.lines.Line2D at 0x7f3a…>``, ``[<Axes: …>]``:
a plotting cell prints them beside its picture; the picture is the result, the repr is not. The
PR comment leaves such lines out of its ``diff`` blocks (decided here, once, for any renderer).
"""

from __future__ import annotations

import re

_REPR = r"<[A-Za-z_][\w.]*(?:[ :][^<>\n]*)?>"
_REPRS_ONLY = re.compile(rf"[\[(]?\s*{_REPR}(?:\s*,\s*{_REPR})*\s*,?\s*[\])]?")
_SAYS_NOTHING = re.compile(r" at 0x[0-9a-fA-F]+>| object>|<Figure size |<(?:[\w.]*\.)?(?:Axes|AxesSubplot)\b")


def repr_only(line: str) -> bool:
    """True for a line that is only object reprs naming an address, a figure or axes."""
    text = line.strip()
    if not text.startswith(("<", "[", "(")) or not text.endswith((">", "]", ")")):
        return False
    return bool(_REPRS_ONLY.fullmatch(text)) and bool(_SAYS_NOTHING.search(text))
