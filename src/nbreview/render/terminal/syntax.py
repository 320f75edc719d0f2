"""Syntax colours for diff lines: which lexer a cell needs and the coloured ranges of each line.

The palettes map pygments token types to 256-colour foregrounds per terminal theme; the
lexers themselves are in :mod:`.lexers`.
"""

from __future__ import annotations

from nbreview.render.terminal.lexers import PythonLexer, lexer_named

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

# Syntax foregrounds (256 colours), most specific pygments token first.
_SYNTAX = {
    "dark": [
        ("Comment", "38;5;245"),
        ("Literal.String", "38;5;186"),
        ("Literal.Number", "38;5;141"),
        ("Keyword", "38;5;204"),
        ("Operator.Word", "38;5;204"),
        ("Name.Builtin", "38;5;81"),
        ("Name.Function", "38;5;149"),
        ("Name.Class", "38;5;149"),
        ("Name.Decorator", "38;5;149"),
        ("Name.Tag", "38;5;204"),
        ("Name.Attribute", "38;5;149"),
        ("Generic.Heading", "1;38;5;81"),
        ("Generic.Subheading", "1;38;5;81"),
        ("Generic.Strong", "1"),
        ("Generic.Emph", "3"),
    ],
    "light": [
        ("Comment", "38;5;244"),
        ("Literal.String", "38;5;130"),
        ("Literal.Number", "38;5;91"),
        ("Keyword", "38;5;125"),
        ("Operator.Word", "38;5;125"),
        ("Name.Builtin", "38;5;31"),
        ("Name.Function", "38;5;28"),
        ("Name.Class", "38;5;28"),
        ("Name.Decorator", "38;5;28"),
        ("Name.Tag", "38;5;125"),
        ("Name.Attribute", "38;5;28"),
        ("Generic.Heading", "1;38;5;31"),
        ("Generic.Subheading", "1;38;5;31"),
        ("Generic.Strong", "1"),
        ("Generic.Emph", "3"),
    ],
}
_CELL_MAGICS = {
    "bash": "bash",
    "sh": "bash",
    "script": "bash",
    "html": "html",
    "javascript": "javascript",
    "js": "javascript",
    "sql": "sql",
    "latex": "latex",
    "markdown": "markdown",
    "ruby": "ruby",
    "perl": "perl",
    "writefile": "text",
    "capture": "",
    "time": "",
    "timeit": "",
}

Tokens = list[tuple[int, int, str]]  # per line: [start, end) and an SGR foreground


def lexer_for(cell_type: str, language: str, text: str) -> str:
    """The lexer name for a cell: markdown, the notebook's language, or a ``%%magic``'s; "" for raw cells."""
    if cell_type == "markdown":
        return "markdown"
    if cell_type != "code":
        return ""
    if text.startswith("%%"):
        magic = text[2:].split(None, 1)[0] if text[2:].strip() else ""
        if magic in _CELL_MAGICS:
            return _CELL_MAGICS[magic] or language
    return language


def _fg(ttype: Any, theme: str) -> str:
    """The SGR foreground of a token type: the most specific entry of the theme's palette."""
    name = str(ttype)[len("Token.") :] if str(ttype).startswith("Token.") else str(ttype)
    for prefix, code in _SYNTAX[theme]:
        if name == prefix or name.startswith(prefix + "."):
            return code
    return ""


def highlight_lines(text: str, lexer_name: str, theme: str) -> list[Tokens]:
    """Per line of ``text``, the coloured character ranges pygments finds (empty without a lexer)."""
    lines = text.splitlines(keepends=True)
    lexer = lexer_named(lexer_name) if lexer_name else None
    if lexer is None or not text or len(text) > 200_000:
        return [[] for _ in lines]
    try:
        stream = list(lexer.get_tokens(text))
    except Exception:  # noqa: BLE001 - tokenize rejects code pygments still colours
        fallback = lexer_named("pygments-python") if isinstance(lexer, PythonLexer) else None
        stream = list(fallback.get_tokens(text)) if fallback is not None else []
    result: list[Tokens] = [[]]
    col = 0
    for ttype, value in stream:
        code = _fg(ttype, theme)
        parts = value.split("\n")
        for k, part in enumerate(parts):
            if k:
                result.append([])
                col = 0
            if part and code:
                line = result[-1]
                if line and line[-1][1] == col and line[-1][2] == code:
                    line[-1] = (line[-1][0], col + len(part), code)
                else:
                    line.append((col, col + len(part), code))
            col += len(part)
    while len(result) < len(lines):
        result.append([])
    return result[: len(lines)]
