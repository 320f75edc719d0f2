"""Syntax highlighting with pygments, line by line, with intraline emphasis as ``<mark>``.

Lines are highlighted one side at a time and returned per line, so a diff table can place
each line in its row; token classes are pygments' short names, coloured by :func:`pygments_css`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from nbreview.render.escape import esc

if TYPE_CHECKING:
    from pygments.lexer import Lexer

    from nbreview.engine.model import Span


@lru_cache(maxsize=64)
def lexer_for(language: str) -> Lexer:
    """pygments' lexer for a language name (plain text when pygments does not know it)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=False)


# Past this many characters a text is not tokenised (one plain run): highlighting it would cost
# seconds and a reader scrolls such a text, not reads it.
MAX_HIGHLIGHT_CHARS = 400_000

# Token classes neither colour scheme styles: written as plain text (a third of a page's spans).
_PLAIN_TOKENS = frozenset({"", "n", "p", "w", "x"})


@lru_cache(maxsize=512)
def _token_class(token_type: Any) -> str:
    """The short CSS class of a token type (its nearest standard ancestor's), "" for plain text."""
    from pygments.token import STANDARD_TYPES

    while token_type not in STANDARD_TYPES:
        token_type = token_type.parent
    cls = str(STANDARD_TYPES[token_type])
    return "" if cls in _PLAIN_TOKENS else cls


def highlight_lines(text: str, lexer: Lexer, spans: dict[int, list[Span]] | None = None) -> list[str]:
    """HTML per line of ``text`` (0-based), emphasis ``<mark>`` over each line's spans."""
    spans = spans or {}
    lines: list[str] = []
    current: list[str] = []  # the pieces of the line being built
    column = 0
    line_number = 0
    tokens = lexer.get_tokens(text) if len(text) < MAX_HIGHLIGHT_CHARS else [(None, text)]
    for token_type, value in tokens:
        cls = _token_class(token_type) if token_type is not None else ""
        for k, part in enumerate(value.split("\n")):
            if k:
                lines.append("".join(current))
                current = []
                column = 0
                line_number += 1
            if not part:
                continue
            line_spans = spans.get(line_number)
            if line_spans:
                current.append(emphasised(part, column, line_spans, cls))
            else:
                current.append(f'<span class="{cls}">{esc(part)}</span>' if cls else esc(part))
            column += len(part)
    lines.append("".join(current))
    if text.endswith("\n"):
        lines.pop()
    return lines


def emphasised(part: str, start: int, spans: list[Span], cls: str) -> str:
    """``part`` (a token starting at column ``start``) escaped, ``<mark>`` over the spans it overlaps."""
    out: list[str] = []
    end = start + len(part)
    cuts = sorted({start, end, *[edge for span in spans for edge in span if start < edge < end]})
    for cut, next_cut in zip(cuts, cuts[1:], strict=False):
        piece = esc(part[cut - start : next_cut - start])
        if any(span_start <= cut and next_cut <= span_end for span_start, span_end in spans):
            piece = f"<mark>{piece}</mark>"
        out.append(f'<span class="{cls}">{piece}</span>' if cls else piece)
    return "".join(out)


def pygments_css() -> str:
    """Token colours for light and dark schemes (prefers-color-scheme)."""
    return _pygments_css()


@lru_cache(maxsize=1)
def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(".hl")
    dark = HtmlFormatter(style="monokai").get_style_defs(".hl")
    # Page background is ours, not the style's.
    light = re.sub(r"^\.hl\s*\{[^}]*\}\n?", "", light, flags=re.M)
    dark = re.sub(r"^\.hl\s*\{[^}]*\}\n?", "", dark, flags=re.M)
    light = re.sub(r"^pre \{[^}]*\}\n?", "", light, flags=re.M)
    dark = re.sub(r"^pre \{[^}]*\}\n?", "", dark, flags=re.M)
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n@media print {{\n{light}\n}}\n"
