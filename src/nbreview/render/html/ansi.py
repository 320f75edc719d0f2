"""ANSI colours in streams and tracebacks as HTML classes (``ansi-fg-1``, ``ansi-bold``...).

Only SGR colour and weight codes are kept; every other escape sequence is dropped, and the
text between them is escaped, so a stream can never inject markup or move a cursor.
"""

from __future__ import annotations

import re

from nbreview.render.escape import esc

_ANSI = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b\][^\x07]*\x07|\x1b.")


class _Style:
    """The SGR state in effect: foreground and background palette numbers (0-15) and bold."""

    def __init__(self) -> None:
        self.fg: str | None = None
        self.bg: str | None = None
        self.bold = False

    def apply(self, codes: list[int]) -> None:
        """Apply one ``ESC[...m`` sequence's codes; 256-colour beyond 16 and RGB colours are dropped."""
        k = 0
        while k < len(codes):
            code = codes[k]
            if code == 0:
                self.fg = self.bg = None
                self.bold = False
            elif code in (1, 22):
                self.bold = code == 1
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.fg = str(code - 30 if code < 90 else code - 90 + 8)
            elif 40 <= code <= 47 or 100 <= code <= 107:
                self.bg = str(code - 40 if code < 100 else code - 100 + 8)
            elif code == 39:
                self.fg = None
            elif code == 49:
                self.bg = None
            elif code in (38, 48) and k + 2 < len(codes) and codes[k + 1] == 5:  # 256 colours: 38;5;n
                value = str(codes[k + 2]) if codes[k + 2] < 16 else None
                if code == 38:
                    self.fg = value
                else:
                    self.bg = value
                k += 2
            elif code in (38, 48) and k + 4 < len(codes) and codes[k + 1] == 2:  # RGB: 38;2;r;g;b
                k += 4
            k += 1

    def classes(self) -> str:
        """The CSS classes of this state, "" when it is the default."""
        names = (self.fg and f"ansi-fg-{self.fg}", self.bg and f"ansi-bg-{self.bg}", self.bold and "ansi-bold")
        return " ".join(name for name in names if name)


def ansi_to_html(text: str) -> str:
    """Escaped text with SGR colours as classes (``ansi-fg-1``, ``ansi-bold``...)."""
    if "\x1b" not in text:
        return esc(text)
    out: list[str] = []
    style = _Style()
    position = 0
    opened = False
    for escape in _ANSI.finditer(text):
        out.append(esc(text[position : escape.start()]))
        position = escape.end()
        if escape.group(2) != "m":
            continue
        if opened:
            out.append("</span>")
            opened = False
        style.apply([int(c) if c.isdigit() else 0 for c in (escape.group(1) or "0").split(";")])
        classes = style.classes()
        if classes:
            out.append(f'<span class="{classes}">')
            opened = True
    out.append(esc(text[position:]))
    if opened:
        out.append("</span>")
    return "".join(out)
