"""The lexers behind the terminal's syntax colours: fast ones for Python and markdown, pygments for the rest.

A lexer here is anything with pygments' ``get_tokens(text)`` (token type name, text); the
two written here keep pygments' costly imports off a ``git diff`` driver's start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nbreview import lazy_re

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from tokenize import TokenInfo
    from typing import Any

_LEXERS: dict[str, Any] = {}
_MD_RULES = lazy_re.compile(
    r"(?P<heading>^#{1,6}[ \t].*$)|(?P<fence>^\s*(?:```|~~~).*$)|(?P<code>`[^`\n]+`)"
    r"|(?P<strong>\*\*[^*\n]+\*\*|__[^_\n]+__)|(?P<emph>(?<![*\w])\*[^*\n]+\*(?!\*))"
    r"|(?P<link>\[[^\]\n]*\]\([^)\n]*\))",
    re.M,
)
_MD_TOKENS = {
    "heading": "Generic.Heading",
    "fence": "Comment",
    "code": "Literal.String",
    "strong": "Generic.Strong",
    "emph": "Generic.Emph",
    "link": "Name.Function",
}


class MarkdownLexer:
    """Headings, code, emphasis and links: enough markdown colour without pygments' heavy markup module."""

    def get_tokens(self, text: str) -> Iterator[tuple[str, str]]:
        """(token type, text) pairs that together spell out ``text``."""
        pos = 0
        for m in _MD_RULES.finditer(text):
            if m.start() > pos:
                yield "Token.Text", text[pos : m.start()]
            yield "Token." + _MD_TOKENS[m.lastgroup or "code"], m.group()
            pos = m.end()
        if pos < len(text):
            yield "Token.Text", text[pos:]


_MAGIC = lazy_re.compile(r"^[ \t]*[%!].*$", re.M)


class PythonLexer:
    """Python through the standard ``tokenize`` module, in pygments' token names.

    pygments' PythonLexer compiles ~100 regular expressions on first use (~70 ms), paid by
    every ``git diff`` driver run; ``tokenize`` costs a few. IPython magics and shell lines
    are left plain; source tokenize rejects falls back to pygments.
    """

    def get_tokens(self, text: str) -> Iterator[tuple[str, str]]:
        """(token type, text) pairs that together spell out ``text``; raises where tokenize gives up."""
        import builtins
        import io
        import tokenize

        masked = _MAGIC.sub(lambda m: " " * len(m.group()), text)
        starts = [0]
        for line in masked.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        builtin_names = set(dir(builtins))
        spans: list[tuple[int, int, str]] = []
        prev = ""
        for tok in tokenize.generate_tokens(io.StringIO(masked).readline):
            kind = _token_kind(tok, prev, builtin_names)
            if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                prev = tok.string
            if kind is not None:
                (start_row, start_col), (end_row, end_col) = tok.start, tok.end
                if start_row - 1 < len(starts) and end_row - 1 < len(starts):
                    spans.append((starts[start_row - 1] + start_col, starts[end_row - 1] + end_col, kind))
        pos = 0
        for start, end, kind in spans:
            if start < pos:
                continue
            if start > pos:
                yield "Token.Text", text[pos:start]
            yield "Token." + kind, text[start:end]
            pos = end
        if pos < len(text):
            yield "Token.Text", text[pos:]


def _token_kind(tok: TokenInfo, prev: str, builtin_names: set[str]) -> str | None:
    """The pygments token type of a ``tokenize`` token (None: left plain); ``prev`` is the token before it."""
    import keyword
    import tokenize

    if tok.type == tokenize.NAME:
        if keyword.iskeyword(tok.string):
            return "Keyword"
        if prev in ("def", "class"):
            return "Name.Function" if prev == "def" else "Name.Class"
        if prev == "@":
            return "Name.Decorator"
        return "Name.Builtin" if tok.string in builtin_names else None
    if tok.type == tokenize.STRING or tokenize.tok_name.get(tok.type, "").startswith("FSTRING"):
        return "Literal.String"
    if tok.type == tokenize.NUMBER:
        return "Literal.Number"
    if tok.type == tokenize.COMMENT:
        return "Comment"
    return None


def lexer_named(name: str) -> Any:
    """The lexer called ``name`` (ours for python and markdown, else pygments'), cached; None if unknown."""
    if name not in _LEXERS:
        found: Any = None
        try:
            if name in ("python", "python3", "ipython", "ipython3"):
                found = PythonLexer()
            elif name == "pygments-python":
                from pygments.lexers.python import PythonLexer as PygmentsPythonLexer  # type: ignore[import-untyped,unused-ignore]

                found = PygmentsPythonLexer(stripnl=False, ensurenl=False)
            elif name == "markdown":
                found = MarkdownLexer()  # pygments' markup module costs ~25 ms to import
            elif name and name != "text":
                from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped,unused-ignore]
                from pygments.util import ClassNotFound  # type: ignore[import-untyped,unused-ignore]

                try:
                    found = get_lexer_by_name(name, stripnl=False, ensurenl=False)
                except ClassNotFound:
                    found = None
        except ImportError:  # pragma: no cover - pygments is a base dependency
            found = None
        _LEXERS[name] = found
    return _LEXERS[name]
