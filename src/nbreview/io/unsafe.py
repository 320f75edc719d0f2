"""What a terminal, a reader's eye or the GitHub Actions runner would act on, named once.

Every sanitiser of printed text builds on these: the terminal guard
(``render.terminal.terminal_safe``), JSON written to stdout (``io.write.terminal_json``) and
``nbreview pr``'s log. Notebook text and file names are untrusted; none of these may reach
stdout or stderr raw.
"""

from __future__ import annotations

import os

from nbreview import lazy_re

# Characters that reorder or hide text: bidi embeddings, overrides, isolates and marks (the
# "Trojan Source" set, U+061C, U+200E/F, U+202A-E, U+2066-9), and invisible format characters
# that can make two different lines look the same (soft hyphen, zero-width space, word joiner
# and invisible operators, deprecated format controls, BOM, interlinear annotation, tags).
# ZWJ/ZWNJ (U+200C/D) stay: emoji sequences and Persian or Indic words need them.
INVISIBLE = ("\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
             "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f")

# The GitHub Actions runner reads its steps' output line by line (CR, LF): a line that starts
# with ``::`` after leading white space is a workflow command (``::error title=x::data``), and
# ``##[`` anywhere in a line is one in the older form (``##[error]data``). Colour codes before the
# ``::`` count as white space here, in case a log reader strips them first.
_V2_COMMAND = lazy_re.compile(r"(?m)^((?:\s|\x1b\[[0-9;]*m)*):(?=:)")
_V1_COMMAND = "##["


def under_actions() -> bool:
    """True inside a GitHub Actions step, where the runner parses what we print."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def workflow_inert(text: str) -> str:
    """``text`` with nothing the Actions runner would take for a workflow command: the first
    colon of a line-leading ``::`` and the bracket of ``##[`` are shown as ``\\x3a`` / ``\\x5b``.
    Control characters (CR, ESC...) are the caller's terminal guard's to escape."""
    if "::" in text:
        text = _V2_COMMAND.sub(r"\1\\x3a", text)
    if _V1_COMMAND in text:
        text = text.replace(_V1_COMMAND, "##\\x5b")
    return text
