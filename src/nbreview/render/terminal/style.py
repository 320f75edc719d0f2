"""How the terminal draws: SGR colour codes, line tints per theme, the style options, and
untrusted text made printable.

The leaf of the terminal renderer: every other module of the package imports it, it imports none.
"""

from __future__ import annotations

import os
import sys

from nbreview import lazy_re
from nbreview.io.unsafe import INVISIBLE, under_actions, workflow_inert
from nbreview.records import dataclass

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
BLUE = "\x1b[34m"
MAGENTA = "\x1b[35m"
CYAN = "\x1b[36m"

# (line background, emphasised background) for removed and added lines, per terminal theme.
LINE_TINTS = {
    "dark": {"-": ("48;5;52", "48;5;124"), "+": ("48;5;22", "48;5;28")},
    "light": {"-": ("48;5;224", "48;5;217"), "+": ("48;5;194", "48;5;157")},
}

_ANSI_SGR = lazy_re.compile(r"\x1b\[[0-9;]*m")
# Every character a terminal may act on: C0 (but tab and newline), DEL, C1 (8-bit CSI, OSC, DCS...),
# lone surrogates (from file names; no encoder accepts them), and what reorders or hides text
# (bidi controls and marks, zero-width and other invisible format characters).
_CONTROL_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + INVISIBLE
# None of them is printable (str.isprintable), so printable text skips the patterns (and their compiling:
# ~1.5 ms for these character classes, in a git diff driver that prints plain text).
_CONTROL = lazy_re.compile(f"[{_CONTROL_CHARS}]")
# The only escape sequence nbreview writes: SGR (colour) with a few numeric parameters.
_UNSAFE = lazy_re.compile(f"(\x1b\\[(?:[0-9]{{1,3}}(?:;[0-9]{{1,3}}){{0,7}})?m)|[{_CONTROL_CHARS}]")
# Inside a GitHub Actions step the runner reads what we print: no line may pass for a workflow command.
_ACTIONS = under_actions()


@dataclass
class TerminalStyle:
    """How to draw: colours on or off, the width, and what the quiet defaults hide."""

    color: bool = False
    width: int = 100
    context: int = 3
    show_unchanged: bool = False
    show_transient: bool = False
    syntax: bool = True
    theme: str = "dark"
    output_lines: int = 40  # at most this many lines of one output's diff or text
    results_only: bool = False  # --results: only the Results section, every change listed

    def paint(self, code: str, text: str) -> str:
        """``text`` in colour ``code`` (unchanged without colours)."""
        return f"{code}{text}{RESET}" if self.color and text else text


def theme_from_env() -> str:
    """``NBREVIEW_THEME=light`` (or ``COLORFGBG`` with a light background) selects light tints."""
    theme = os.environ.get("NBREVIEW_THEME", "").lower()
    if theme in LINE_TINTS:
        return theme
    background = os.environ.get("COLORFGBG", "").split(";")[-1]
    return "light" if background in ("7", "15") else "dark"


def _visible(char: str) -> str:
    """A control character as its escape (``\\x1b``, ``\\u202e``, ``\\U000e0041``)."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def clean(text: str) -> str:
    """Untrusted text made safe to print: colour codes dropped, other control characters escaped."""
    if not text.isprintable():
        text = _CONTROL.sub(lambda m: _visible(m.group()), _ANSI_SGR.sub("", text))
    return workflow_inert(text) if _ACTIONS else text


def terminal_safe(text: str) -> str:
    """The one terminal guard, applied to everything nbreview prints: SGR colour codes pass,
    every other control character (ESC of an OSC/DCS/CSI, C1, BEL, CR...) is shown escaped
    (``\\x1b``), so no notebook can set the title or clipboard or move the cursor. Inside a
    GitHub Actions step, no line passes for a workflow command either."""
    if not _plain(text) and _UNSAFE.search(text):
        text = _UNSAFE.sub(lambda m: m.group(1) or _visible(m.group()), text)
    return workflow_inert(text) if _ACTIONS else text


def _plain(text: str) -> bool:
    """Whether ``text`` holds no character the guard acts on (line breaks and tabs are none of them);
    coloured text (with ESC) is not plain, and goes through the pattern without the copies."""
    return text.isprintable() or ("\x1b" not in text and text.replace("\n", "").replace("\t", "").isprintable())


def terminal_line(text: str) -> str:
    """Untrusted text as one terminal line: :func:`terminal_safe`, with line breaks shown escaped
    too (a file name may hold a newline; the next line must not look like our own output)."""
    return terminal_safe(text.replace("\n", "\\n"))


def log_line(text: str) -> None:
    """One line of a command's log on stderr (``nbreview pr``, the review page's session), guarded
    by :func:`terminal_line`: the log names files from pull requests, which anyone can name."""
    sys.stderr.write(terminal_line(text) + "\n")
    sys.stderr.flush()
