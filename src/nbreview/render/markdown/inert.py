"""Untrusted text made inert in GitHub-flavoured markdown: no markup, pings, references or bidi tricks.

A leaf of the comment renderer: every module of :mod:`nbreview.render.markdown` that writes
notebook text goes through it.
"""

from __future__ import annotations

import re

_ZWJ = "\u200d"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
# C0 (but tab, newline, carriage return), DEL and C1: ESC, BEL... shown as \x1b, like the terminal's guard
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ANSI_SGR = re.compile("\x1b\\[[0-9;]*m")  # colour codes in outputs: dropped, as the terminal's ``clean`` does
_MENTION = re.compile(r"(?<!\w)@(?=[A-Za-z0-9_-])")  # a backtick before it pings too: `@user
_XREF = re.compile(r"#(?=\d)")  # #12 and owner/repo#12
_GH_XREF = re.compile(r"\b(gh)-(?=\d)", re.I)  # GH-12
_AUTOLINK = re.compile(r"\b(https?|ftp)(?=://)|\b(www)(?=\.)", re.I)  # issue URLs become references
_ESCAPE_MD = re.compile(r"([\\`*_\[\]|!~])")


def _visible_controls(text: str) -> str:
    """Bidi controls as ``<U+202E>``; colour codes dropped; other control characters as ``\\x1b``
    (a file name or an output never brings a raw ESC, BEL or C1 character into the comment)."""
    text = _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", _ANSI_SGR.sub("", text))


def no_pings(text: str) -> str:
    """Every form GitHub would turn into a ping or a cross-reference, broken by a zero-width joiner:
    ``@user``, ``#12``, ``owner/repo#12``, ``GH-12`` and autolinked URLs (issue URLs become references)."""
    text = _MENTION.sub("@" + _ZWJ, text)
    text = _XREF.sub("#" + _ZWJ, text)
    text = _GH_XREF.sub(lambda m: m.group(1) + _ZWJ + "-", text)
    return _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + _ZWJ, text)


def inline(text: str) -> str:
    """Untrusted text made inert as markdown prose: a table cell, a list line, a ``<sub>`` line."""
    text = _visible_controls(re.sub(r"\s+", " ", text))
    text = text.replace("&", "&amp;")
    text = _ESCAPE_MD.sub(r"\\\1", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return no_pings(text)


def html_text(text: str) -> str:
    """Untrusted text made inert inside an HTML block (``<summary>``), where markdown escapes
    would show as backslashes: HTML-escaped only, on one line, pings broken."""
    import html

    return no_pings(html.escape(_visible_controls(re.sub(r"\s+", " ", text)), quote=True))


def code_span(text: str) -> str:
    """Untrusted text as an inline code span (backtick run longer than any inside)."""
    text = _visible_controls(" ".join(text.split())).replace("|", "¦")
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{tick}{pad}{text}{pad}{tick}"


def fence(body: str, lang: str = "") -> str:
    """A fenced code block no line of ``body`` can close: the fence is longer than any backtick run."""
    body = _visible_controls(body)
    longest = max((len(r) for r in re.findall(r"`+", body)), default=0)
    tick = "`" * max(3, longest + 1)
    if not body.endswith("\n"):
        body += "\n"
    return f"{tick}{lang}\n{body}{tick}\n"
