"""Terminal renderer: ``git diff`` with delta's manners, over the diff model.

A header per changed cell (``cell [12] → [14] · code · modified · moved``), source hunks
with context, ``-``/``+`` lines on a tinted background with the changed words emphasised,
syntax colours from pygments for the notebook's language, outputs summarised where text
would be noise (images by size and share of pixels changed, long streams as hunks), compact
metadata changes, and one closing line saying what the defaults hid. Colours are SGR
sequences only (``less -R`` shows them); lines are padded, never cleared with ``ESC[K``.
Notebook text is untrusted: control characters are shown escaped, never sent raw.
"""

from __future__ import annotations

import binascii
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nbreview.engine.content import TEXT_MIME_ORDER as _TEXT_MIME_ORDER
from nbreview.engine.content import cell_source, is_raster, output_text, value_text
from nbreview.engine.model import CellDiff, NotebookDiff, OutputDiff, Summary, TextDiff, ValueChange
from nbreview.render.terminal.style import BLUE as BLUE
from nbreview.render.terminal.style import BOLD as BOLD
from nbreview.render.terminal.style import CYAN as CYAN
from nbreview.render.terminal.style import DIM as DIM
from nbreview.render.terminal.style import GREEN as GREEN
from nbreview.render.terminal.style import MAGENTA as MAGENTA
from nbreview.render.terminal.style import RED as RED
from nbreview.render.terminal.style import RESET as RESET
from nbreview.render.terminal.style import YELLOW as YELLOW
from nbreview.render.terminal.style import TerminalStyle as TerminalStyle
from nbreview.render.terminal.style import clean as clean
from nbreview.render.terminal.style import terminal_safe as terminal_safe
from nbreview.view import build as build_view
from nbreview.view import grouped_rows, hunk_header, hunks, status_word

# (line background, emphasised background) for removed and added lines, per terminal theme.
_THEMES = {
    "dark": {"-": ("48;5;52", "48;5;124"), "+": ("48;5;22", "48;5;28")},
    "light": {"-": ("48;5;224", "48;5;217"), "+": ("48;5;194", "48;5;157")},
}
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


def theme_from_env() -> str:
    """``NBREVIEW_THEME=light`` (or ``COLORFGBG`` with a light background) selects light tints."""
    theme = os.environ.get("NBREVIEW_THEME", "").lower()
    if theme in _THEMES:
        return theme
    bg = os.environ.get("COLORFGBG", "").split(";")[-1]
    return "light" if bg in ("7", "15") else "dark"


# -- syntax colours -------------------------------------------------------------------------


def notebook_language(nb: dict[str, Any] | None) -> str:
    meta = (nb or {}).get("metadata") or {}
    info = meta.get("language_info") if isinstance(meta, dict) else None
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return str(info["name"]).lower()
    ks = meta.get("kernelspec") if isinstance(meta, dict) else None
    if isinstance(ks, dict) and isinstance(ks.get("language"), str):
        return str(ks["language"]).lower()
    return "python"


def _lexer_name(cell_type: str, language: str, text: str) -> str:
    if cell_type == "markdown":
        return "markdown"
    if cell_type != "code":
        return ""
    if text.startswith("%%"):
        magic = text[2:].split(None, 1)[0] if text[2:].strip() else ""
        if magic in _CELL_MAGICS:
            return _CELL_MAGICS[magic] or language
    return language


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


class _MarkdownLexer:
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


def _lexer(name: str) -> Any:
    if name not in _LEXERS:
        lexer: Any = None
        try:
            if name in ("python", "python3", "ipython", "ipython3"):
                lexer = _PythonLexer()
            elif name == "pygments-python":
                from pygments.lexers.python import PythonLexer  # type: ignore[import-untyped,unused-ignore]

                lexer = PythonLexer(stripnl=False, ensurenl=False)
            elif name == "markdown":
                lexer = _MarkdownLexer()  # pygments' markup module costs ~25 ms to import
            elif name and name != "text":
                from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped,unused-ignore]
                from pygments.util import ClassNotFound  # type: ignore[import-untyped,unused-ignore]

                try:
                    lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
                except ClassNotFound:
                    lexer = None
        except ImportError:  # pragma: no cover - pygments is a base dependency
            lexer = None
        _LEXERS[name] = lexer
    return _LEXERS[name]


_MAGIC = re.compile(r"^[ \t]*[%!].*$", re.M)


class _PythonLexer:
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


def _fg(ttype: Any, theme: str) -> str:
    name = str(ttype)[len("Token.") :] if str(ttype).startswith("Token.") else str(ttype)
    for prefix, code in _SYNTAX[theme]:
        if name == prefix or name.startswith(prefix + "."):
            return code
    return ""


def highlight_lines(text: str, lexer_name: str, theme: str) -> list[Tokens]:
    """Per line of ``text``, the coloured character ranges pygments finds (empty without a lexer)."""
    lines = text.splitlines(keepends=True)
    lexer = _lexer(lexer_name) if lexer_name else None
    if lexer is None or not text or len(text) > 200_000:
        return [[] for _ in lines]
    try:
        stream = list(lexer.get_tokens(text))
    except Exception:  # noqa: BLE001 - tokenize rejects code pygments still colours
        fallback = _lexer("pygments-python") if isinstance(lexer, _PythonLexer) else None
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


# -- lines ----------------------------------------------------------------------------------


def _strip_eol(text: str | None) -> str:
    return (text or "").rstrip("\r\n")


def _paint_line(
    sign: str,
    text: str,
    tokens: Tokens,
    spans: list[tuple[int, int]],
    st: TerminalStyle,
    indent: str,
) -> str:
    """One diff line: sign, syntax colours, the line's tint and emphasised spans; padded to the width."""
    if not st.color:
        return f"{indent}{sign} {clean(text)}".rstrip()
    bg, emph = _THEMES.get(st.theme, _THEMES["dark"]).get(sign, ("", ""))
    cuts = {0, len(text)}
    for a, b, _ in tokens:
        cuts.update((a, b))
    for a, b in spans:
        cuts.update((a, b))
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    out = [indent]
    sign_code = {"-": "31", "+": "32"}.get(sign, "")
    out.append(f"\x1b[{';'.join(x for x in ('0', sign_code, bg) if x)}m{sign} ")
    visible = len(indent) + 2
    for a, b in zip(points, points[1:], strict=False):
        piece = clean(text[a:b])
        if not piece:
            continue
        fg = next((c for s, e, c in tokens if s <= a and b <= e), "") if st.syntax else ""
        back = emph if any(s <= a and b <= e for s, e in spans) else bg
        codes = ";".join(x for x in ("0", fg, back) if x)
        out.append(f"\x1b[{codes}m{piece}")
        visible += len(piece)
    if bg:
        out.append(" " * max(0, st.width - visible))
    out.append(RESET)
    return "".join(out)


def render_text_diff(
    td: TextDiff,
    st: TerminalStyle,
    indent: str = "  ",
    lexer_name: str = "",
    limit: int | None = None,
    intraline: bool = True,
) -> list[str]:
    """Hunks with ``st.context`` lines of context; a hunk header where lines were skipped."""
    old_tokens: list[Tokens] = []
    new_tokens: list[Tokens] = []
    if st.color and st.syntax and lexer_name:
        old_tokens = highlight_lines(td.old_text(), lexer_name, st.theme)
        new_tokens = highlight_lines(td.new_text(), lexer_name, st.theme)
    rows = grouped_rows(td)
    shown_hunks = hunks(rows, st.context)
    whole = len(shown_hunks) == 1 and len(shown_hunks[0]) == len(rows)
    out: list[str] = []
    shown = changed_shown = 0
    total_changed = sum(1 for sign, _ in rows if sign != " ")
    width = max(20, st.width - len(indent) - 2)
    for hunk in shown_hunks:
        if not whole:
            out.append(indent + st.paint(CYAN, hunk_header(hunk)))
        for sign, op in hunk:
            if limit is not None and shown >= limit:
                rest = total_changed - changed_shown + td.elided
                more = f", {rest} more changed lines" if rest else ""
                out.append(indent + st.paint(DIM, f"… cut at {limit} lines{more}"))
                return out
            shown += 1
            changed_shown += sign != " "
            if sign == "-":
                text, no, tokens = _strip_eol(op.old_text), op.old, old_tokens
                spans = op.old_spans if (op.op == "replace" and intraline) else []
            elif sign == "+":
                text, no, tokens = _strip_eol(op.new_text), op.new, new_tokens
                spans = op.new_spans if (op.op == "replace" and intraline) else []
            else:
                text, no, tokens = _strip_eol(op.new_text or op.old_text), op.new, new_tokens
                spans = []
            if limit is not None and len(text) > width:
                text = text[: width - 1] + "…"
            line_tokens = tokens[no - 1] if no is not None and 0 < no <= len(tokens) else []
            out.append(_paint_line(sign, text, line_tokens, spans, st, indent))
    if td.elided:
        out.append(indent + st.paint(DIM, f"… {td.elided} more changed lines not listed (output too large to diff "
                                          "in full)"))
    return out


def _whole_lines(text: str, sign: str, st: TerminalStyle, indent: str, lexer_name: str, limit: int | None) -> list[str]:
    """Every line of one side's text as ``+`` or ``-`` lines (an added or removed cell or output)."""
    lines = text.splitlines()
    tokens = highlight_lines(text, lexer_name, st.theme) if (st.color and st.syntax and lexer_name) else []
    width = max(20, st.width - len(indent) - 2)
    out: list[str] = []
    for k, line in enumerate(lines):
        if limit is not None and k >= limit:
            out.append(indent + st.paint(DIM, f"… {len(lines) - limit} more lines"))
            break
        if limit is not None and len(line) > width:
            line = line[: width - 1] + "…"
        out.append(_paint_line(sign, line, tokens[k] if k < len(tokens) else [], [], st, indent))
    return out


# -- outputs ----------------------------------------------------------------------------------


def _cell_at(nb: dict[str, Any] | None, index: int | None) -> dict[str, Any]:
    cells = (nb or {}).get("cells") or []
    if index is None or not 0 <= index < len(cells) or not isinstance(cells[index], dict):
        return {}
    cell: dict[str, Any] = cells[index]
    return cell


def _output_at(cell: dict[str, Any], index: int | None) -> dict[str, Any]:
    outs = cell.get("outputs")
    if not isinstance(outs, list) or index is None or not 0 <= index < len(outs) or not isinstance(outs[index], dict):
        return {}
    out: dict[str, Any] = outs[index]
    return out


def image_info(value: Any) -> tuple[tuple[int, int] | None, int]:
    """(width, height) of a base64 image and its decoded size in bytes."""
    from nbreview.engine.images import decode_b64, image_size

    try:
        nbytes = len(decode_b64(value))
    except (binascii.Error, ValueError):
        return None, 0
    return image_size(value), nbytes


def _size(s: tuple[int, int] | None) -> str:
    return f"{s[0]}×{s[1]}" if s else "?×?"


def _bytes(n: int) -> str:
    return f"{n} B" if n < 1024 else (f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB")


def _output_label(out: dict[str, Any], fallback_type: str) -> str:
    otype = str(out.get("output_type") or fallback_type or "output")
    if otype == "stream":
        return f"stream {out.get('name', '')}".rstrip()
    if otype == "error":
        return f"error {out.get('ename', '')}".rstrip()
    return otype


def _summarise_whole_output(out: dict[str, Any]) -> str:
    """One line for an output shown whole (added cell, added or removed output)."""
    otype = out.get("output_type")
    if otype in ("stream", "error"):
        text = output_text(out)
        n = len(text.splitlines())
        return f"{n} line{'s' if n != 1 else ''}"
    data = out.get("data")
    if not isinstance(data, dict):
        return ""
    bits = []
    for mime, value in data.items():
        if is_raster(mime):
            size, nbytes = image_info(value)
            bits.append(f"{mime} {_size(size)}, {_bytes(nbytes)}")
        else:
            n = len(value_text(value).splitlines())
            bits.append(f"{mime} ({n} line{'s' if n != 1 else ''})")
    return ", ".join(bits)


def _render_output(o: OutputDiff, c: CellDiff, diff: NotebookDiff, st: TerminalStyle, indent: str) -> list[str]:
    old_out = _output_at(_cell_at(diff.old_nb, c.old_index), o.old_index)
    new_out = _output_at(_cell_at(diff.new_nb, c.new_index), o.new_index)
    shown = new_out or old_out
    idx = o.new_index if o.new_index is not None else o.old_index
    head = f"output {idx} · {_output_label(shown, o.output_type)}"
    sub = indent + "  "
    if o.status in ("added", "removed"):
        sign, colour = ("+", GREEN) if o.status == "added" else ("-", RED)
        summary = _summarise_whole_output(shown)
        out = [indent + st.paint(colour, f"{head} · {o.status}" + (f" · {summary}" if summary else ""))]
        text = output_text(shown)
        if text.strip() and not any(m.kind == "image" for m in o.mimes):
            out += _whole_lines(text, sign, st, sub, "", min(st.output_lines, 10))
        return out
    lines: list[str] = []
    parts: list[str] = []
    text_shown = False
    if o.text is not None and o.text.changed:
        lines += render_text_diff(o.text, st, sub, limit=st.output_lines)
        text_shown = True
        parts.append(f"+{o.text.added} −{o.text.removed} lines")
    # Of the changed text forms, show the one that reads best in a terminal (text/plain first).
    changed_texts = [m for m in o.mimes if m.text is not None and m.text.changed and not m.image
                     and (st.show_transient or not m.transient)]
    best = min(changed_texts, key=lambda m: _TEXT_MIME_ORDER.index(m.mime) if m.mime in _TEXT_MIME_ORDER
               else len(_TEXT_MIME_ORDER), default=None)
    for m in o.mimes:
        if m.status == "unchanged" and (m.identical or not st.show_transient):
            continue
        if m.transient and not st.show_transient:
            continue
        if m.image is not None:
            img = m.image
            if img.error:
                parts.append(f"{m.mime} changed ({img.error})")
            elif img.pixels_equal:
                parts.append(f"{m.mime} re-encoded, same pixels")
            elif img.old_size != img.new_size:
                parts.append(f"{m.mime} {_size(img.old_size)} → {_size(img.new_size)}, resized")
            else:
                parts.append(f"{m.mime} {_size(img.new_size)}, {_pct(img.changed_fraction)} of pixels differ")
        elif m.status in ("added", "removed"):
            value = (new_out.get("data") or {}).get(m.mime) if m.status == "added" else (old_out.get("data") or {}).get(
                m.mime
            )
            if m.kind == "image":
                size, nbytes = image_info(value)
                parts.append(f"{m.mime} {m.status} ({_size(size)}, {_bytes(nbytes)})")
            else:
                parts.append(f"{m.mime} {m.status}")
        elif m.text is not None:
            parts.append(f"{m.mime} +{m.text.added} −{m.text.removed} lines")
            if not text_shown and m is best:
                lines += render_text_diff(m.text, st, sub, limit=st.output_lines)
                text_shown = True
        else:
            parts.append(f"{m.mime} changed")
    for ch in o.fields:
        if st.show_transient or not ch.transient:
            parts.append(_change_text(ch))
    status = "transient" if o.transient else "changed"
    return [indent + st.paint(YELLOW, f"{head} · {status}" + (": " + ", ".join(parts) if parts else ""))] + lines


def _pct(frac: float) -> str:
    if 0 < frac < 0.001:
        return "<0.1%"
    return f"{frac:.1%}"


# -- metadata -----------------------------------------------------------------------------------


def _short(value: object, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return clean(text if len(text) <= limit else text[: limit - 1] + "…")


def _change_text(ch: ValueChange) -> str:
    path = ".".join(str(p) for p in ch.path) or "(all)"
    if ch.op == "add":
        return f"+ {path} = {_short(ch.new)}"
    if ch.op == "remove":
        return f"- {path} (was {_short(ch.old)})"
    return f"~ {path}: {_short(ch.old)} → {_short(ch.new)}"


def _change_line(ch: ValueChange, st: TerminalStyle, indent: str) -> str:
    colour = {"add": GREEN, "remove": RED}.get(ch.op, YELLOW)
    return indent + st.paint(colour, _change_text(ch)) + (st.paint(DIM, "  (transient)") if ch.transient else "")


# -- cells ----------------------------------------------------------------------------------------


cell_status = status_word  # the view's one vocabulary (kept under its old name for callers)


def cell_header(c: CellDiff, diff: NotebookDiff | None = None) -> str:
    """``cell [4] → [5] · code · modified · moved from #4 · In [3] → [7]``."""
    old = f"[{c.old_index}]" if c.old_index is not None else "[ ]"
    new = f"[{c.new_index}]" if c.new_index is not None else "[ ]"
    bits = [f"cell {old} → {new}", c.cell_type, cell_status(c)]
    if c.moved:
        bits.append(f"moved from #{c.old_index}")
    if diff is not None and c.cell_type == "code":
        oc = _cell_at(diff.old_nb, c.old_index).get("execution_count") if c.old_index is not None else None
        nc = _cell_at(diff.new_nb, c.new_index).get("execution_count") if c.new_index is not None else None
        if c.old_index is not None and c.new_index is not None and oc != nc:
            bits.append(f"In [{oc if oc is not None else ' '}] → [{nc if nc is not None else ' '}]")
        elif c.status == "removed" and oc is not None:
            bits.append(f"In [{oc}]")
        elif nc is not None:
            bits.append(f"In [{nc}]")
    return " · ".join(bits)


def _rule(text: str, st: TerminalStyle, colour: str) -> str:
    label = f"── {clean(text)} "
    return st.paint(colour + BOLD if st.color else "", label + "─" * max(3, st.width - len(label)))


def _cell_lexer(c: CellDiff, diff: NotebookDiff, language: str) -> str:
    cell = _cell_at(diff.new_nb, c.new_index) or _cell_at(diff.old_nb, c.old_index) or (c.cell or {})
    return _lexer_name(c.cell_type, language, cell_source(cell))


def render_cell(c: CellDiff, diff: NotebookDiff, st: TerminalStyle, language: str = "python") -> list[str]:
    colour = {"added": GREEN, "removed": RED}.get(c.status, YELLOW)
    if c.status == "modified" and c.reexecuted:
        colour = MAGENTA
    if c.status == "unchanged" or (c.transient_only and c.moved):
        colour = BLUE if c.moved else DIM
    out = [_rule(cell_header(c, diff), st, colour)]
    lexer_name = _cell_lexer(c, diff, language)
    if c.status in ("added", "removed"):
        side = diff.new_nb if c.status == "added" else diff.old_nb
        cell = c.cell or _cell_at(side, c.new_index if c.status == "added" else c.old_index)
        source = cell_source(cell) if cell else (c.source.new_text() if c.source else "")
        if not cell and c.source is not None:
            source = c.source.new_text() if c.status == "added" else c.source.old_text()
        out += _whole_lines(source, "+" if c.status == "added" else "-", st, "  ", lexer_name, None)
        outs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
        for k, o in enumerate(outs or []):
            if isinstance(o, dict):
                summary = _summarise_whole_output(o)
                line = f"output {k} · {_output_label(o, '')}" + (f" · {summary}" if summary else "")
                out.append("  " + st.paint(DIM, line))
        return out
    if c.source is not None and c.source.changed:
        out += render_text_diff(c.source, st, "  ", lexer_name)
    else:  # outputs or metadata only: name the cell by its first line, so a reader knows which it is
        lines = cell_source(_cell_at(diff.new_nb, c.new_index)).splitlines()
        first = next((x for x in lines if x.strip()), "")
        if first:
            limit = max(20, st.width - 20)
            first = first if len(first) <= limit else first[: limit - 1] + "…"
            out.append("  " + st.paint(DIM, f"source unchanged: {clean(first.strip())}"))
    for o in c.outputs or []:
        if o.status == "unchanged" and not (st.show_transient and o.transient):
            continue
        if o.transient and not st.show_transient:
            continue
        out += _render_output(o, c, diff, st, "  ")
    changes = [ch for ch in c.fields + c.metadata if st.show_transient or not ch.transient]
    for ch in changes:
        if ch.path and ch.path[0] == "execution_count":
            continue  # shown in the header
        where = "metadata." if ch in c.metadata else ""
        shown = ValueChange([f"{where}{'.'.join(str(p) for p in ch.path)}"], ch.op, ch.old, ch.new, ch.transient)
        out.append(_change_line(shown, st, "  "))
    return out


# -- notebooks --------------------------------------------------------------------------------------


def summary_line(s: Summary) -> str:
    """``2 modified · 1 added · 1 moved · 1 image changed · 3 unchanged``."""
    bits: list[str] = []
    for count, word in (
        (s.modified, "modified"),
        (s.added, "added"),
        (s.removed, "removed"),
        (s.moved, "moved"),
        (s.reexecuted, "re-executed"),
        (s.outputs_changed, "with outputs changed"),
        (s.images_changed, "image changed" if s.images_changed == 1 else "images changed"),
        (s.metadata_changed, "notebook metadata changed"),
        (s.unchanged, "unchanged"),
    ):
        if count:
            bits.append(f"{count} {word}")
    return " · ".join(bits) if bits else "no cells"


def iter_render(diff: NotebookDiff, st: TerminalStyle | None = None, title: str | None = None) -> Iterator[str]:
    """The diff as terminal lines, one at a time (so a pager sees the first screen at once)."""
    for line in _iter_lines(diff, st, title):
        yield terminal_safe(line)


def _iter_lines(diff: NotebookDiff, st: TerminalStyle | None, title: str | None) -> Iterator[str]:
    st = st or TerminalStyle()
    if title is None:
        title = f"nbreview {diff.old.label} → {diff.new.label}"
    yield st.paint(BOLD, clean(title))
    yield st.paint(DIM, summary_line(diff.summary()))
    for side in (diff.old, diff.new):
        for p in side.problems:
            yield st.paint(YELLOW, f"! {clean(side.label)}: {clean(p)}")
        if side.upgraded_from:
            yield st.paint(YELLOW, f"! {clean(side.label)}: upgraded from nbformat {side.upgraded_from}")
    # Results review (nbreview.results): what the numbers, tables and signals did, first.
    from nbreview.render.terminal.results import render_results, results_only

    if st.results_only:
        yield from results_only(diff, st)
        return
    yield from render_results(diff, st)
    nb_changes = [c for c in diff.fields + diff.metadata if st.show_transient or not c.transient]
    if nb_changes:
        yield _rule("notebook", st, CYAN)
        for ch in nb_changes:
            where = "metadata." if ch in diff.metadata else ""
            path: list[str | int] = [f"{where}{'.'.join(str(p) for p in ch.path)}"]
            yield _change_line(ValueChange(path, ch.op, ch.old, ch.new, ch.transient), st, "  ")
    language = notebook_language(diff.new_nb if not diff.new.empty else diff.old_nb)
    view = build_view(diff, st.show_unchanged, st.show_transient)
    for cv in view.cells:
        if cv.shown:
            yield from render_cell(cv.diff, diff, st, language)
    hidden = view.hidden_parts()
    if not diff.has_changes:
        yield "no changes"
    if hidden:
        yield st.paint(DIM, f"⋯ hidden: {', '.join(hidden)}; -a shows everything")


def render(diff: NotebookDiff, st: TerminalStyle | None = None, title: str | None = None) -> str:
    """The whole diff as terminal text (ANSI colours when ``st.color``)."""
    return "\n".join(iter_render(diff, st, title)) + "\n"


# -- --stat ------------------------------------------------------------------------------------------


@dataclass
class StatRow:
    path: str
    summary: Summary
    note: str = ""  # "new", "deleted", "renamed from x", or an error


def _stat_words(s: Summary) -> str:
    bits = []
    for count, word in (
        (s.added, "added"),
        (s.removed, "removed"),
        (s.modified, "modified"),
        (s.reexecuted, "re-executed"),
        (s.moved, "moved"),
        (s.outputs_changed, "outputs changed"),
    ):
        if count:
            bits.append(f"{count} {word}")
    if s.metadata_changed:
        bits.append("metadata")
    return ", ".join(bits) if bits else "no cell changes"


def _stat_bar(s: Summary, scale: float, st: TerminalStyle) -> tuple[str, int]:
    """The coloured ``+-~→`` bar of one notebook and its visible width."""
    bar, width = "", 0
    for colour, ch, n in ((GREEN, "+", s.added), (RED, "-", s.removed), (YELLOW, "~", s.modified + s.reexecuted)):
        k = round(n * scale) if n * scale >= 0.5 else (1 if n else 0)
        bar += st.paint(colour, ch * k)
        width += k
    if s.moved:
        bar += st.paint(BLUE, "→")
        width += 1
    return bar, width


def render_stat(rows: list[StatRow], st: TerminalStyle) -> str:
    """``git diff --stat`` for notebooks: a line per notebook, a bar of +/-/~ and a total."""
    if not rows:
        return ""
    name_w = min(max(len(r.path) for r in rows), max(20, st.width // 2))
    totals = [r.summary.added + r.summary.removed + r.summary.modified + r.summary.reexecuted for r in rows]
    count_w = max(len(str(t)) for t in totals)
    bar_max = max(10, min(30, st.width - name_w - count_w - 40))
    biggest = max(totals) or 1
    bars: list[tuple[str, int]] = []
    for r in rows:
        bars.append(_stat_bar(r.summary, min(1.0, bar_max / biggest), st))
    bar_w = max(n for _, n in bars)
    out: list[str] = []
    for r, total, (bar, n) in zip(rows, totals, bars, strict=True):
        path = clean(r.path)
        if len(path) > name_w:
            path = "…" + path[-(name_w - 1) :]
        words = r.note if r.note.startswith("error: ") else _stat_words(r.summary) + (f" ({r.note})" if r.note else "")
        pad = " " * (bar_w - n)
        out.append(f" {path.ljust(name_w)} | {str(total).rjust(count_w)} {bar}{pad}  {st.paint(DIM, words)}")
    n = len(rows)
    tot = Summary()
    for r in rows:
        for key in ("added", "removed", "modified", "reexecuted", "moved", "outputs_changed"):
            setattr(tot, key, getattr(tot, key) + getattr(r.summary, key))
    words = _stat_words(tot).replace("no cell changes", "no cells")
    out.append(f" {n} notebook{'s' if n != 1 else ''} changed: {words}")
    return terminal_safe("\n".join(out) + "\n")
