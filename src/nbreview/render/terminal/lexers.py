"""The lexers behind the terminal's syntax colours: fast ones for Python and markdown, pygments for the rest.

A lexer here is anything with pygments' ``get_tokens(text)`` (token type name, text); the
two written here keep pygments' costly imports off a ``git diff`` driver's start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_LEXERS: dict[str, Any] = {}
_MD_RULES = re.compile(
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
        pos = 0
        for m in _MD_RULES.finditer(text):
            if m.start() > pos:
                yield "Token.Text", text[pos : m.start()]
            yield "Token." + _MD_TOKENS[m.lastgroup or "code"], m.group()
            pos = m.end()
        if pos < len(text):
            yield "Token.Text", text[pos:]


_MAGIC = re.compile(r"^[ \t]*[%!].*$", re.M)


class PythonLexer:
    """Python through the standard ``tokenize`` module, in pygments' token names.

    pygments' PythonLexer compiles ~100 regular expressions on first use (~70 ms), paid by
    every ``git diff`` driver run; ``tokenize`` costs a few. IPython magics and shell lines
    are left plain; source tokenize rejects falls back to pygments.
    """

    def get_tokens(self, text: str) -> Iterator[tuple[str, str]]:
        import builtins
        import io
        import keyword
        import tokenize

        masked = _MAGIC.sub(lambda m: " " * len(m.group()), text)
        starts = [0]
        for line in masked.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        builtin_names = set(dir(builtins))
        spans: list[tuple[int, int, str]] = []
        prev = ""
        for tok in tokenize.generate_tokens(io.StringIO(masked).readline):
            kind: str | None = None
            if tok.type == tokenize.NAME:
                if keyword.iskeyword(tok.string):
                    kind = "Keyword"
                elif prev in ("def", "class"):
                    kind = "Name.Function" if prev == "def" else "Name.Class"
                elif prev == "@":
                    kind = "Name.Decorator"
                elif tok.string in builtin_names:
                    kind = "Name.Builtin"
            elif tok.type == tokenize.STRING or tokenize.tok_name.get(tok.type, "").startswith("FSTRING"):
                kind = "Literal.String"
            elif tok.type == tokenize.NUMBER:
                kind = "Literal.Number"
            elif tok.type == tokenize.COMMENT:
                kind = "Comment"
            if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                prev = tok.string
            if kind is not None:
                (r1, c1), (r2, c2) = tok.start, tok.end
                if r1 - 1 < len(starts) and r2 - 1 < len(starts):
                    spans.append((starts[r1 - 1] + c1, starts[r2 - 1] + c2, kind))
        pos = 0
        for a, b, kind in spans:
            if a < pos:
                continue
            if a > pos:
                yield "Token.Text", text[pos:a]
            yield "Token." + kind, text[a:b]
            pos = b
        if pos < len(text):
            yield "Token.Text", text[pos:]


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
