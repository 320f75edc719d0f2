"""Untrusted text made inert in GitHub-flavoured markdown: no markup, pings, references or bidi tricks.

A leaf of the comment renderer, shared by :mod:`.markdown` and the blocks it includes
(:mod:`.markdown_results`) so neither imports the other.
"""

from __future__ import annotations

import re

_ZWJ = "\u200d"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_MENTION = re.compile(r"(?<![\w`])@(?=[A-Za-z0-9_-])")
_XREF = re.compile(r"#(?=\d)")
_ESCAPE_MD = re.compile(r"([\\`*_\[\]|!~])")


def _visible_bidi(text: str) -> str:
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def inline(text: str) -> str:
    """Untrusted text made inert for a markdown table cell, heading or summary line."""
    text = _visible_bidi(re.sub(r"\s+", " ", text))
    text = text.replace("&", "&amp;")
    text = _ESCAPE_MD.sub(r"\\\1", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MENTION.sub("@" + _ZWJ, text)
    return _XREF.sub("#" + _ZWJ, text)


def code_span(text: str) -> str:
    """Untrusted text as an inline code span (backtick run longer than any inside)."""
    text = _visible_bidi(" ".join(text.split())).replace("|", "¦")
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{tick}{pad}{text}{pad}{tick}"


def fence(body: str, lang: str = "") -> str:
    """A fenced code block no line of ``body`` can close: the fence is longer than any backtick run."""
    body = _visible_bidi(body)
    longest = max((len(r) for r in re.findall(r"`+", body)), default=0)
    tick = "`" * max(3, longest + 1)
    if not body.endswith("\n"):
        body += "\n"
    return f"{tick}{lang}\n{body}{tick}\n"
