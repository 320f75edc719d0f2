"""Field and metadata changes as terminal lines: ``~ metadata.tags: ["a"] → ["b"]``.

Values are JSON, shortened to fit a line and escaped (they are notebook content).
"""

from __future__ import annotations

import json

from nbreview.render.terminal.style import DIM, GREEN, RED, YELLOW, TerminalStyle, clean
from nbreview.view import ValueChange


def _short(value: object, limit: int = 60) -> str:
    """``value`` as JSON on one line, cut at ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return clean(text if len(text) <= limit else text[: limit - 1] + "…")


def change_text(ch: ValueChange) -> str:
    """``+ path = new`` / ``- path (was old)`` / ``~ path: old → new``."""
    path = ".".join(str(p) for p in ch.path) or "(all)"
    if ch.op == "add":
        return f"+ {path} = {_short(ch.new)}"
    if ch.op == "remove":
        return f"- {path} (was {_short(ch.old)})"
    return f"~ {path}: {_short(ch.old)} → {_short(ch.new)}"


def change_line(ch: ValueChange, st: TerminalStyle, indent: str) -> str:
    """One change, coloured by what happened, marked when it is transient."""
    colour = {"add": GREEN, "remove": RED}.get(ch.op, YELLOW)
    return indent + st.paint(colour, change_text(ch)) + (st.paint(DIM, "  (transient)") if ch.transient else "")


def change_lines(fields: list[ValueChange], metadata: list[ValueChange], st: TerminalStyle, indent: str) -> list[str]:
    """The lines of a cell's or notebook's field and metadata changes (paths of the latter under
    ``metadata.``), transient ones only when asked; a cell's execution count is in its header."""
    out: list[str] = []
    for ch in fields + metadata:
        if ch.transient and not st.show_transient:
            continue
        if ch.path and ch.path[0] == "execution_count":
            continue
        where = "metadata." if ch in metadata else ""
        path: list[str | int] = [f"{where}{'.'.join(str(p) for p in ch.path)}"]
        out.append(change_line(ValueChange(path, ch.op, ch.old, ch.new, ch.transient), st, indent))
    return out
