"""Untrusted text made inert in GitHub-flavoured markdown: no markup, pings, references or bidi tricks.

A leaf of the comment renderer: every module of :mod:`nbreview.render.markdown` that writes
notebook text goes through it. Hosts differ in what acts: ``host="gitlab"`` also breaks
GitLab's references (``!12``, ``~label``, ``%milestone``, ``$12``, ``&12``, ``[[wiki]]``,
commit ids), its quick actions (a line starting ``/command``) and dollar math. The host is a
parameter of each function; :func:`inert_for` sets it for a whole comment (the renderer's
:class:`~nbreview.render.markdown.CommentHost` names it), so the call sites stay host-neutral.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

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

HOSTS = ("github", "gitlab")
_HOST: ContextVar[str] = ContextVar("nbreview_inert_host", default="github")
# GitLab (doc/user/markdown.md, "GitLab-specific references"; doc/user/project/quick_actions.md):
# ~label, ~"two words", %milestone, %"v 1"; !12 merge request, $12 snippet, &12 epic (``&amp;12`` once escaped)
_GL_REF = re.compile(r"([~%])(?=[\w\"&])|(!|\$|&amp;|&)(?=\d)")
_GL_WIKI = re.compile(r"\[(?=\\?\[)")  # [[wiki]]
_GL_COMMIT = re.compile(r"[0-9a-fA-F]{7,}")  # a commit id (7 to 40 hex digits, or a range of two)
_GL_COMMAND = re.compile(r"(?m)^(\s*)/")  # a quick action: /command at the start of a line
_GL_ESCAPE = re.compile(r"(\$)")  # dollar math: only GitLab's first 50 render, so none from notebook text


def _host(host: str | None) -> str:
    return host or _HOST.get()


@contextmanager
def inert_for(host: str) -> Iterator[None]:
    """Within the block, the functions here make text inert for ``host`` ("github" or "gitlab")."""
    if host not in HOSTS:
        raise ValueError(f"unknown markdown host {host!r}")
    token = _HOST.set(host)
    try:
        yield
    finally:
        _HOST.reset(token)


def no_commands(text: str) -> str:
    """GitLab runs a line starting ``/command`` (a quick action) when a note is posted: a
    zero-width joiner before the slash keeps it text."""
    return _GL_COMMAND.sub(lambda m: m.group(1) + _ZWJ + "/", text)


def _no_gitlab_references(text: str) -> str:
    text = _GL_REF.sub(lambda m: (m.group(1) or m.group(2)) + _ZWJ, text)
    text = _GL_WIKI.sub("[" + _ZWJ, text)
    text = _GL_COMMIT.sub(lambda m: _ZWJ.join(m.group()[i : i + 6] for i in range(0, len(m.group()), 6)), text)
    return no_commands(text)


def _visible_controls(text: str) -> str:
    """Bidi controls as ``<U+202E>``; colour codes dropped; other control characters as ``\\x1b``
    (a file name or an output never brings a raw ESC, BEL or C1 character into the comment)."""
    text = _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", _ANSI_SGR.sub("", text))


def no_pings(text: str, host: str | None = None) -> str:
    """Every form the host would turn into a ping or a cross-reference, broken by a zero-width joiner:
    ``@user``, ``#12``, ``owner/repo#12``, ``GH-12`` and autolinked URLs (issue URLs become references);
    on GitLab also its other references and quick actions (see the module's docstring)."""
    text = _MENTION.sub("@" + _ZWJ, text)
    text = _XREF.sub("#" + _ZWJ, text)
    text = _GH_XREF.sub(lambda m: m.group(1) + _ZWJ + "-", text)
    text = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + _ZWJ, text)
    return _no_gitlab_references(text) if _host(host) == "gitlab" else text


def inline(text: str, host: str | None = None) -> str:
    """Untrusted text made inert as markdown prose: a table cell, a list line, a ``<sub>`` line."""
    text = _visible_controls(re.sub(r"\s+", " ", text))
    text = text.replace("&", "&amp;")
    text = _ESCAPE_MD.sub(r"\\\1", text)
    if _host(host) == "gitlab":
        text = _GL_ESCAPE.sub(r"\\\1", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return no_pings(text, host)


def html_text(text: str, host: str | None = None) -> str:
    """Untrusted text made inert inside an HTML block (``<summary>``), where markdown escapes
    would show as backslashes: HTML-escaped only, on one line, pings broken."""
    import html

    return no_pings(html.escape(_visible_controls(re.sub(r"\s+", " ", text)), quote=True), host)


def code_span(text: str) -> str:
    """Untrusted text as an inline code span (backtick run longer than any inside)."""
    text = _visible_controls(" ".join(text.split())).replace("|", "¦")
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{tick}{pad}{text}{pad}{tick}"


def fence(body: str, lang: str = "", host: str | None = None) -> str:
    """A fenced code block no line of ``body`` can close: the fence is longer than any backtick run.
    (GitLab skips quick actions only in fences of exactly three backticks: its lines are guarded too.)"""
    body = _visible_controls(body)
    if _host(host) == "gitlab":
        body = no_commands(body)
    longest = max((len(r) for r in re.findall(r"`+", body)), default=0)
    tick = "`" * max(3, longest + 1)
    if not body.endswith("\n"):
        body += "\n"
    return f"{tick}{lang}\n{body}{tick}\n"
