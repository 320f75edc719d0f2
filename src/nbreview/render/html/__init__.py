"""HTML renderer: the review page for the local server and the self-contained report.

It reads a :class:`~nbreview.engine.model.NotebookDiff` and never re-aligns anything. Notebook
content is untrusted: every piece of it is escaped, or sanitised with nh3 (HTML outputs,
markdown with raw HTML); only fragments this module builds itself (pygments highlighting,
MathML from latex2mathml, cleaned again here) are inserted after sanitising, through
placeholders. Images come from an :class:`ImageLinks` object, so the server can link them
by URL (loaded lazily) and the report can inline them as ``data:`` URIs.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from nbreview.engine.content import IMAGE_MIMES, cell_source, value_text
from nbreview.engine.images import decode_b64, image_size, too_large
from nbreview.engine.model import CellDiff, LineOp, NotebookDiff, OutputDiff, Span, TextDiff, ValueChange
from nbreview.engine.text import HUGE_TEXT_CHARS, head_and_tail
from nbreview.render.escape import esc
from nbreview.view import CellView, plural, segments, status_word
from nbreview.view import build as build_view

if TYPE_CHECKING:
    from pygments.lexer import Lexer

ASSETS = Path(__file__).resolve().parent.parent.parent / "web" / "assets"
Side = Literal["old", "new"]
JSONDict = dict[str, Any]

# Which representation of a rich output to show, best first: pictures (nbcontent.IMAGE_MIMES), then text.
MIME_ORDER = IMAGE_MIMES + (
    "text/html",
    "text/markdown",
    "text/latex",
    "application/json",
    "text/plain",
)


# ---------------------------------------------------------------------------
# Images: where a page finds them


class ImageLinks(Protocol):
    """How a page refers to the images of outputs (server URLs or inline data)."""

    def image(self, side: Side, cell: int, output: int, mime: str) -> str: ...

    def difference(self, old: tuple[int, int], new: tuple[int, int], mime: str) -> str: ...

    def attachment(self, side: Side, cell: int, name: str, mime: str) -> str: ...


def output_data(nb: JSONDict | None, cell: int, output: int, mime: str) -> Any:
    try:
        return nb["cells"][cell]["outputs"][output]["data"][mime]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def attachment_data(nb: JSONDict | None, cell: int, name: str, mime: str) -> Any:
    try:
        return nb["cells"][cell]["attachments"][name][mime]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def image_bytes(value: Any, mime: str) -> bytes | None:
    """The bytes of an image value as stored in a notebook (base64, or text for SVG)."""
    if value is None:
        return None
    text = "".join(value) if isinstance(value, list) else str(value)
    if mime == "image/svg+xml":
        return text.encode("utf-8")
    try:
        return decode_b64(text)
    except (binascii.Error, ValueError):
        return None


@dataclass
class InlineImages:
    """Images as ``data:`` URIs, for the self-contained report."""

    diff: NotebookDiff

    def _uri(self, value: Any, mime: str) -> str:
        if value is None:
            return ""
        if mime == "image/svg+xml":
            text = "".join(value) if isinstance(value, list) else str(value)
            return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
        text = "".join(value) if isinstance(value, list) else str(value)
        return f"data:{mime};base64," + re.sub(r"\s+", "", text)

    def image(self, side: Side, cell: int, output: int, mime: str) -> str:
        nb = self.diff.old_nb if side == "old" else self.diff.new_nb
        return self._uri(output_data(nb, cell, output, mime), mime)

    def difference(self, old: tuple[int, int], new: tuple[int, int], mime: str) -> str:
        png = difference_image(self.diff, old, new, mime)
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else ""

    def attachment(self, side: Side, cell: int, name: str, mime: str) -> str:
        nb = self.diff.old_nb if side == "old" else self.diff.new_nb
        return self._uri(attachment_data(nb, cell, name, mime), mime)


def difference_image(d: NotebookDiff, old: tuple[int, int], new: tuple[int, int], mime: str) -> bytes | None:
    """The difference picture of two output images, or None when they cannot be decoded."""
    from PIL import UnidentifiedImageError

    from nbreview.engine.images import difference_png

    a = output_data(d.old_nb, old[0], old[1], mime)
    b = output_data(d.new_nb, new[0], new[1], mime)
    if a is None or b is None:
        return None
    try:
        return difference_png(a, b)
    except (UnidentifiedImageError, OSError, ValueError, binascii.Error):
        return None


# ---------------------------------------------------------------------------
# Trusted fragments built here, slotted in after sanitising


class _Slots:
    """Placeholders for fragments this module builds (highlighted code, MathML)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.tag = "nbrv" + secrets.token_hex(4)

    def put(self, fragment: str) -> str:
        self.items.append(fragment)
        return f"{self.tag}x{len(self.items) - 1}x"

    def fill(self, text: str) -> str:
        if not self.items:
            return text
        return re.sub(self.tag + r"x(\d+)x", lambda m: self.items[int(m.group(1))], text)


_MATHML_TAGS = frozenset(
    "math maction annotation semantics menclose merror mfenced mfrac mi mmultiscripts mn mo mover mpadded "
    "mphantom mprescripts mroot mrow ms mspace msqrt mstyle msub msubsup msup mtable mtd mtext mtr munder "
    "munderover none".split()
)
_MATHML_ATTRS = frozenset(
    "display mathvariant displaystyle scriptlevel stretchy fence separator accent accentunder lspace rspace "
    "columnalign rowalign columnspacing rowspacing linethickness open close separators notation width height "
    "depth minsize maxsize movablelimits largeop symmetric form xmlns".split()
)


class _MathMLCleaner(HTMLParser):
    """Rebuilds MathML keeping only MathML elements and presentational attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MATHML_TAGS:
            kept = "".join(
                f' {k}="{esc(v)}"'
                for k, v in attrs
                if k in _MATHML_ATTRS and v is not None and re.fullmatch(r"[\w.#%:/ -]*", v)
            )
            self.out.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _MATHML_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(esc(data))


@lru_cache(maxsize=2048)
def latex_to_mathml(tex: str, display: bool) -> str:
    """LaTeX math as MathML (Chromium renders it natively: no script, no network)."""
    try:
        from latex2mathml.converter import convert

        raw = convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - a formula the converter cannot read is shown as its source
        cls = "math-src block" if display else "math-src"
        return f'<code class="{cls}">{esc(tex)}</code>'
    cleaner = _MathMLCleaner()
    cleaner.feed(raw)
    cleaner.close()
    return "".join(cleaner.out)


# ---------------------------------------------------------------------------
# Sanitising HTML (nh3) and markdown (mistune)

_SAFE_TAGS: set[str] | None = None


def sanitize_html(text: str) -> str:
    """Untrusted HTML made inert: no script, no event handlers, no styles, no remote images."""
    import nh3

    global _SAFE_TAGS
    if _SAFE_TAGS is None:
        _SAFE_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}
    attrs = {
        "a": {"href", "title"},
        "img": {"src", "alt", "title", "width", "height"},
        "td": {"colspan", "rowspan", "align"},
        "th": {"colspan", "rowspan", "align", "scope"},
        "ol": {"start"},
        "*": {"title", "lang"},
    }
    cleaned: str = nh3.clean(
        text,
        tags=_SAFE_TAGS,
        attributes=attrs,
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_filter_url,
    )
    return cleaned


def _filter_url(tag: str, attr: str, value: str) -> str | None:
    """Images only from inline data (the page never fetches anything); ``data:`` never as a link."""
    low = value.strip().lower()
    if tag == "img" and attr == "src":
        return value if low.startswith("data:image/") else None
    if attr == "href" and low.startswith("data:"):
        return None
    return value


class _MarkdownRenderer:
    """mistune renderer: raw HTML allowed through to nh3; code and math become slots."""

    def __init__(self) -> None:
        import mistune

        outer = self
        self.slots = _Slots()
        self.attachments: Callable[[str], str | None] = lambda name: None

        class Renderer(mistune.HTMLRenderer):
            def block_code(self, code: str, info: str | None = None) -> str:
                lang = (info or "").strip().split(None, 1)[0] if info else ""
                body = "".join(highlight_lines(code, lexer_for(lang or "text")))
                return outer.slots.put(f'<pre class="hl md-code"><code>{body}</code></pre>') + "\n"

            def block_math(self, text: str) -> str:
                return outer.slots.put(f'<div class="math">{latex_to_mathml(text, True)}</div>') + "\n"

            def inline_math(self, text: str) -> str:
                return outer.slots.put(latex_to_mathml(text, False))

            def image(self, text: str, url: str, title: str | None = None) -> str:
                if url.startswith("attachment:"):
                    src = outer.attachments(url[len("attachment:") :])
                    if src:
                        return outer.slots.put(f'<img src="{esc(src)}" alt="{esc(text)}" loading="lazy">')
                return super().image(text, url, title)

        self.md = mistune.create_markdown(
            escape=False,
            renderer=Renderer(escape=False),
            plugins=["table", "strikethrough", "math", "url", "task_lists", "footnotes"],
        )

    def render(self, text: str, attachments: Callable[[str], str | None] | None = None) -> str:
        self.slots = _Slots()
        self.attachments = attachments or (lambda name: None)
        raw = self.md(text)
        assert isinstance(raw, str)
        return self.slots.fill(sanitize_html(raw))


_MD: _MarkdownRenderer | None = None


def render_markdown(text: str, attachments: Callable[[str], str | None] | None = None) -> str:
    """Markdown as safe HTML: tables, code highlighted, math as MathML, raw HTML sanitised."""
    global _MD
    if _MD is None:
        _MD = _MarkdownRenderer()
    return _MD.render(text, attachments)


# ---------------------------------------------------------------------------
# Syntax highlighting, line by line, with intraline emphasis


@lru_cache(maxsize=64)
def lexer_for(language: str) -> Lexer:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=False)


# Token classes neither colour scheme styles: written as plain text (a third of a page's spans).
_PLAIN_TOKENS = frozenset({"", "n", "p", "w", "x"})


@lru_cache(maxsize=512)
def _token_class(ttype: Any) -> str:
    from pygments.token import STANDARD_TYPES

    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    cls = str(STANDARD_TYPES[ttype])
    return "" if cls in _PLAIN_TOKENS else cls


def highlight_lines(text: str, lexer: Lexer, spans: dict[int, list[Span]] | None = None) -> list[str]:
    """HTML per line of ``text`` (0-based), emphasis ``<mark>`` over each line's spans."""
    spans = spans or {}
    lines: list[str] = []
    cur: list[str] = []
    col = 0
    lineno = 0
    tokens = lexer.get_tokens(text) if len(text) < 400_000 else [(None, text)]
    for ttype, value in tokens:
        cls = _token_class(ttype) if ttype is not None else ""
        parts = value.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines.append("".join(cur))
                cur = []
                col = 0
                lineno += 1
            if not part:
                continue
            line_spans = spans.get(lineno)
            if line_spans:
                cur.append(_emphasised(part, col, line_spans, cls))
            else:
                cur.append(f'<span class="{cls}">{esc(part)}</span>' if cls else esc(part))
            col += len(part)
    lines.append("".join(cur))
    if text.endswith("\n"):
        lines.pop()
    return lines


def _emphasised(part: str, start: int, spans: list[Span], cls: str) -> str:
    out: list[str] = []
    end = start + len(part)
    cuts = sorted({start, end, *[p for a, b in spans for p in (a, b) if start < p < end]})
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = esc(part[a - start : b - start])
        if any(sa <= a and b <= sb for sa, sb in spans):
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


# ---------------------------------------------------------------------------
# ANSI colours in streams and tracebacks

_ANSI = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b\][^\x07]*\x07|\x1b.")


def ansi_to_html(text: str) -> str:
    """Escaped text with SGR colours as classes (``ansi-fg-1``, ``ansi-bold``...)."""
    if "\x1b" not in text:
        return esc(text)
    out: list[str] = []
    fg: str | None = None
    bg: str | None = None
    bold = False
    pos = 0
    opened = False

    def open_span() -> None:
        nonlocal opened
        classes = [c for c in (fg and f"ansi-fg-{fg}", bg and f"ansi-bg-{bg}", bold and "ansi-bold") if c]
        if classes:
            out.append(f'<span class="{" ".join(classes)}">')
            opened = True

    for m in _ANSI.finditer(text):
        out.append(esc(text[pos : m.start()]))
        pos = m.end()
        if m.group(2) != "m":
            continue
        if opened:
            out.append("</span>")
            opened = False
        codes = [int(c) if c.isdigit() else 0 for c in (m.group(1) or "0").split(";")]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                fg = bg = None
                bold = False
            elif c == 1:
                bold = True
            elif c == 22:
                bold = False
            elif 30 <= c <= 37:
                fg = str(c - 30)
            elif 90 <= c <= 97:
                fg = str(c - 90 + 8)
            elif c == 39:
                fg = None
            elif 40 <= c <= 47:
                bg = str(c - 40)
            elif 100 <= c <= 107:
                bg = str(c - 100 + 8)
            elif c == 49:
                bg = None
            elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                value = str(codes[i + 2]) if codes[i + 2] < 16 else None
                if c == 38:
                    fg = value
                else:
                    bg = value
                i += 2
            elif c in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
                i += 4
            i += 1
        open_span()
    out.append(esc(text[pos:]))
    if opened:
        out.append("</span>")
    return "".join(out)


# ---------------------------------------------------------------------------
# Text diffs: side by side and unified, from the model's line ops


def _positions(td: TextDiff) -> tuple[dict[int, int], dict[int, int]]:
    """Line number -> index into ``old_text()`` / ``new_text()`` lines (the same unless the diff
    lists only some lines, as a huge output's does)."""
    old: dict[int, int] = {}
    new: dict[int, int] = {}
    for op in td.lines:
        if op.old is not None and op.op != "insert":
            old[op.old] = len(old)
        if op.new is not None and op.op != "delete":
            new[op.new] = len(new)
    return old, new


def _spans_by_line(td: TextDiff) -> tuple[dict[int, list[Span]], dict[int, list[Span]]]:
    old: dict[int, list[Span]] = {}
    new: dict[int, list[Span]] = {}
    old_pos, new_pos = _positions(td)
    for op in td.lines:
        if op.old is not None and op.old_spans:
            old[old_pos.get(op.old, op.old - 1)] = op.old_spans
        if op.new is not None and op.new_spans:
            new[new_pos.get(op.new, op.new - 1)] = op.new_spans
    return old, new


def _plain_lines(text: str, spans: dict[int, list[Span]]) -> list[str]:
    out = []
    for i, line in enumerate(text.split("\n")):
        if "\x1b" in line:
            out.append(ansi_to_html(line))
        elif i in spans:
            out.append(_emphasised(line, 0, spans[i], ""))
        else:
            out.append(esc(line))
    if text.endswith("\n"):
        out.pop()
    return out


EMPTY2 = '<td class="n e"></td><td class="t e"></td>'
COLS_SPLIT = '<col class="cn"><col class="ct"><col class="cn"><col class="ct">'


def render_text_diff(td: TextDiff, lexer: Lexer | None) -> str:
    """A line diff as a side-by-side table; the page script derives the unified table from it.

    Rows of changed lines carry ``chg``; an empty side is ``e``. Writing one table, not two,
    halves the page for code-heavy notebooks.
    """
    old_spans, new_spans = _spans_by_line(td)
    old_text, new_text = td.old_text(), td.new_text()
    if lexer is not None:
        old_lines = highlight_lines(old_text, lexer, old_spans)
        new_lines = highlight_lines(new_text, lexer, new_spans)
    else:
        old_lines = _plain_lines(old_text, old_spans)
        new_lines = _plain_lines(new_text, new_spans)

    old_pos, new_pos = _positions(td)

    def ol(op: LineOp) -> str:
        k = old_pos.get(op.old, -1) if op.old is not None else -1
        return old_lines[k] if 0 <= k < len(old_lines) else ""

    def nl(op: LineOp) -> str:
        k = new_pos.get(op.new, -1) if op.new is not None else -1
        return new_lines[k] if 0 <= k < len(new_lines) else ""

    rows: list[tuple[bool, str]] = []  # (is an equal line, the row's cells)
    run_old: list[LineOp] = []
    run_new: list[LineOp] = []

    def flush() -> None:
        for k in range(max(len(run_old), len(run_new))):
            a = run_old[k] if k < len(run_old) else None
            b = run_new[k] if k < len(run_new) else None
            left = f'<td class="n">{a.old}</td><td class="t del">{ol(a)}</td>' if a else EMPTY2
            right = f'<td class="n">{b.new}</td><td class="t ins">{nl(b)}</td>' if b else EMPTY2
            rows.append((False, left + right))
        run_old.clear()
        run_new.clear()

    for op in td.lines:
        if op.op == "equal":
            flush()
            o, n = ol(op), nl(op)
            rows.append((True, f'<td class="n">{op.old}</td><td class="t">{o}</td><td class="n">{op.new}</td>'
                               f'<td class="t">{n}</td>'))
        else:
            if op.op in ("delete", "replace"):
                run_old.append(op)
            if op.op in ("insert", "replace"):
                run_new.append(op)
    flush()
    hl = " hl" if lexer is not None else ""
    body = "".join(_fold_context(rows))
    if td.elided:
        body += (f'<tr class="skip"><td colspan="4">⋯ {td.elided} more changed lines not listed '
                 "(output too large to diff in full)</td></tr>")
    return f'<table class="diff split{hl}"><colgroup>{COLS_SPLIT}</colgroup><tbody>{body}</tbody></table>'


CONTEXT = 3  # unchanged lines kept around each change, as in code review
MIN_FOLD = 4  # fewer hidden lines than this are not worth a fold


def _fold_context(rows: list[tuple[bool, str]]) -> list[str]:
    """Rows as ``<tr>``s; long runs of unchanged lines hidden behind an "unchanged lines" row.

    Which lines fold is the view's rule (:func:`nbreview.view.segments`), the same as the
    terminal's and the PR comment's hunks, with ``CONTEXT`` lines kept and ``MIN_FOLD`` at least.
    """
    out: list[str] = []
    for seg in segments([not equal for equal, _ in rows], CONTEXT, MIN_FOLD):
        if seg.folded:
            out.append(
                f'<tr class="skip"><td colspan="4"><button type="button" class="more">'
                f"⋯ {len(seg)} unchanged lines</button></td></tr>"
            )
        for equal, cells in rows[seg.start : seg.end]:
            out.append(f'<tr class="hid">{cells}</tr>' if seg.folded else (
                f"<tr>{cells}</tr>" if equal else f'<tr class="chg">{cells}</tr>'))
    return out


def render_source(text: str, lexer: Lexer | None, mark: str = "") -> str:
    """One side's text with line numbers; ``mark`` is ``ins``/``del`` for added or removed cells."""
    lines = highlight_lines(text, lexer) if lexer is not None else _plain_lines(text, {})
    if not lines:
        lines = [""]
    cls = f' class="{mark}"' if mark else ""
    sign = {"ins": "+", "del": "-"}.get(mark, " ")
    rows = "".join(
        f'<tr{cls}><td class="n">{i}</td><td class="s">{sign}</td><td class="t">{line}</td></tr>'
        for i, line in enumerate(lines, 1)
    )
    hl = " hl" if lexer is not None else ""
    return (
        f'<table class="diff single{hl}"><colgroup><col class="cn"><col class="cs"><col class="ct"></colgroup>'
        f"<tbody>{rows}</tbody></table>"
    )


# ---------------------------------------------------------------------------
# Outputs


def _fmt_size(n: int) -> str:
    return f"{n} B" if n < 1024 else (f"{n / 1024:.1f} kB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB")


_value_text = value_text  # nbcontent: one reading of a notebook string field


def choose_mime(data: JSONDict) -> str | None:
    for mime in MIME_ORDER:
        if mime in data:
            return mime
    return next(iter(data), None)


MAX_QUIET_CELLS = 2_000  # unchanged cells included per notebook; beyond that they are counted in their fold,
# not rendered, so a notebook of 100,000 cells makes a page in seconds (and a browser can open it)


@dataclass
class _Ctx:
    """What rendering one notebook needs besides the model."""

    diff: NotebookDiff
    links: ImageLinks
    lexer: Lexer
    prefix: str = ""
    md_cache: dict[tuple[str, int], str] = field(default_factory=dict)
    quiet_left: int = MAX_QUIET_CELLS  # unchanged cells this page may still include

    def nb(self, side: Side) -> JSONDict:
        nb = self.diff.old_nb if side == "old" else self.diff.new_nb
        return nb if isinstance(nb, dict) else {"cells": []}

    def cell(self, side: Side, index: int | None) -> JSONDict:
        if index is None:
            return {}
        cells = self.nb(side).get("cells", [])
        if 0 <= index < len(cells) and isinstance(cells[index], dict):
            c: JSONDict = cells[index]
            return c
        return {}


def _image_tag(ctx: _Ctx, side: Side, cell: int, out: int, mime: str, value: Any, extra: str = "") -> str:
    size = image_size(value) if mime != "image/svg+xml" else _svg_size(value)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    src = ctx.links.image(side, cell, out, mime)
    return f'<img src="{esc(src)}"{dims} loading="lazy" decoding="async" alt="{esc(mime)} output"{extra}>'


def _svg_size(value: Any) -> tuple[int, int] | None:
    text = _value_text(value)[:2000]
    m = re.search(r"<svg[^>]*>", text, re.S)
    if not m:
        return None
    w = re.search(r'\bwidth="([\d.]+)(?:pt|px)?"', m.group(0))
    h = re.search(r'\bheight="([\d.]+)(?:pt|px)?"', m.group(0))
    if w and h:
        return (round(float(w.group(1))), round(float(h.group(1))))
    return None


def _long_text(text: str) -> str:
    """Terminal-coloured text as HTML; a huge one shows its first and last lines and a count."""
    head, tail, hidden = head_and_tail(text)
    if not tail:
        return ansi_to_html(head)
    gap = f"⋯ {hidden} lines not shown ⋯\n" if hidden else "⋯ text too long, its middle not shown ⋯\n"
    return f'{ansi_to_html(head)}<span class="cut">{gap}</span>{ansi_to_html(tail)}'


def render_output(ctx: _Ctx, side: Side, cell: int, index: int, out: Any) -> str:
    """One output as a reviewer sees it in Jupyter, made safe."""
    if not isinstance(out, dict):
        return '<div class="out unknown">unreadable output</div>'
    otype = out.get("output_type")
    if otype == "stream":
        name = str(out.get("name", "stdout"))
        return f'<pre class="out stream {esc(name)}">{_long_text(_value_text(out.get("text", "")))}</pre>'
    if otype == "error":
        tb = out.get("traceback")
        text = f"{out.get('ename')}: {out.get('evalue')}"
        if isinstance(tb, list) and tb:
            text = "\n".join(str(t) for t in tb)
        return f'<pre class="out error">{_long_text(text)}</pre>'
    data = out.get("data")
    if not isinstance(data, dict) or not data:
        return f'<div class="out unknown">{esc(otype)} output without data</div>'
    mime = choose_mime(data)
    assert mime is not None
    return render_mime(ctx, side, cell, index, mime, data[mime], data)


def render_mime(ctx: _Ctx, side: Side, cell: int, index: int, mime: str, value: Any, data: JSONDict) -> str:
    label = f'<span class="mime">{esc(mime)}</span>'
    if mime in IMAGE_MIMES:
        return f'<div class="out image">{_image_tag(ctx, side, cell, index, mime, value)}{label}</div>'
    if mime != "text/plain" and len(_value_text(value)) > HUGE_TEXT_CHARS:
        size = _fmt_size(len(_value_text(value).encode("utf-8", "replace")))
        return f'<div class="out unknown">{label} · {size} · too large to render here</div>'
    if mime == "text/html":
        return f'<div class="out html">{sanitize_html(_value_text(value))}</div>'
    if mime == "text/markdown":
        return f'<div class="out markdown md">{render_markdown(_value_text(value))}</div>'
    if mime == "text/latex":
        text = _value_text(value).strip()
        m = re.fullmatch(r"\$\$(.*)\$\$|\$(.*)\$|\\\[(.*)\\\]", text, re.S)
        if m:
            inner = next(g for g in m.groups() if g is not None)
            return f'<div class="out latex">{latex_to_mathml(inner, True)}</div>'
        return f'<pre class="out latex">{esc(text)}</pre>'
    json_like = mime.startswith("application/") and mime.endswith("+json") and "text/plain" not in data
    if mime == "application/json" or json_like:
        body = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
        if mime != "application/json":
            size = _fmt_size(len(body.encode()))
            return f'<div class="out unknown">{label} · {size} · not rendered here</div>'
        return f'<pre class="out json">{esc(body)}</pre>'
    if mime == "text/plain":
        return f'<pre class="out plain">{_long_text(_value_text(value))}</pre>'
    size = _fmt_size(len(_value_text(value).encode("utf-8", "replace")))
    return f'<div class="out unknown">{label} · {size} · not rendered here</div>'


def _image_diff(ctx: _Ctx, od: OutputDiff, mime: str, cd: CellDiff) -> str:
    assert od.old_index is not None and od.new_index is not None
    assert cd.old_index is not None and cd.new_index is not None
    oc, nc = cd.old_index, cd.new_index
    md = next((m for m in od.mimes if m.mime == mime), None)
    img = md.image if md else None
    old_val = output_data(ctx.diff.old_nb, oc, od.old_index, mime)
    new_val = output_data(ctx.diff.new_nb, nc, od.new_index, mime)
    osz = img.old_size if img and img.old_size else image_size(old_val)
    nsz = img.new_size if img and img.new_size else image_size(new_val)
    if too_large(img):
        frac_text = "too large to compare pixels (compared by bytes)"
    elif img is None or img.error:
        frac_text = "pixels not compared"
    elif img.pixels_equal:
        frac_text = "pixels identical"
    else:
        frac_text = f"{img.changed_fraction * 100:.1f}% of pixels changed"
        if osz != nsz:
            frac_text = "sizes differ"

    def fig(side: Side, cell: int, out: int, size: tuple[int, int] | None) -> str:
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        src = ctx.links.image(side, cell, out, mime)
        cap = f"{side} · {size[0]}×{size[1]}" if size else side
        return (
            f'<figure class="{side}"><img src="{esc(src)}"{dims} loading="lazy" decoding="async" alt="{side} image">'
            f"<figcaption>{esc(cap)}</figcaption></figure>"
        )

    dsrc = ctx.links.difference((oc, od.old_index), (nc, od.new_index), mime)
    dsize = (max(osz[0], nsz[0]), max(osz[1], nsz[1])) if osz and nsz else None
    ddims = f' width="{dsize[0]}" height="{dsize[1]}"' if dsize else ""
    tabs = "".join(
        f'<button type="button" data-mode="{m}"{" class=on" if m == "2up" else ""}>{t}</button>'
        for m, t in (("2up", "2-up"), ("swipe", "Swipe"), ("onion", "Onion skin"), ("diff", "Difference"))
    )
    return (
        f'<div class="imgdiff mode-2up"><div class="tabs">{tabs}<span class="frac">{esc(frac_text)}</span></div>'
        f'<div class="stage">{fig("old", oc, od.old_index, osz)}{fig("new", nc, od.new_index, nsz)}'
        f'<figure class="diffimg"><img data-src="{esc(dsrc)}"{ddims} alt="changed pixels in magenta">'
        f"<figcaption>changed pixels in magenta</figcaption></figure></div>"
        f'<input type="range" class="slider" min="0" max="100" value="50" aria-label="swipe or fade position"></div>'
    )


def _output_row(ctx: _Ctx, cd: CellDiff, od: OutputDiff) -> str:
    oc, nc = cd.old_index, cd.new_index
    if od.status == "added" or (od.status == "unchanged" and nc is not None and od.new_index is not None):
        assert nc is not None and od.new_index is not None
        out = ctx.cell("new", nc).get("outputs", [])[od.new_index]
        cls = "added" if od.status == "added" else "same"
        return _row(cls, "new", render_output(ctx, "new", nc, od.new_index, out))
    if od.status == "removed" or (od.status == "unchanged" and oc is not None and od.old_index is not None):
        assert oc is not None and od.old_index is not None
        out = ctx.cell("old", oc).get("outputs", [])[od.old_index]
        cls = "removed" if od.status == "removed" else "same"
        return _row(cls, "old", render_output(ctx, "old", oc, od.old_index, out))
    assert oc is not None and nc is not None and od.old_index is not None and od.new_index is not None
    old_out = ctx.cell("old", oc).get("outputs", [])[od.old_index]
    new_out = ctx.cell("new", nc).get("outputs", [])[od.new_index]
    tag = " transient" if od.transient else ""
    note = '<div class="onote">changed only in volatile parts (timings, addresses)</div>' if od.transient else ""
    # Images: compare them.
    data = new_out.get("data") if isinstance(new_out, dict) else None
    if isinstance(data, dict):
        chosen = choose_mime(data)
        md = next((m for m in od.mimes if m.mime == chosen), None)
        if md is not None and md.kind == "image" and md.status == "modified" and chosen in IMAGE_MIMES:
            return f'<div class="orow modified{tag}">{_image_diff(ctx, od, chosen, cd)}{note}</div>'
        if md is not None and md.text is not None and md.text.changed and chosen in ("text/plain", "application/json"):
            body = render_text_diff(md.text, None)
            return f'<div class="orow modified textdiff{tag}"><div class="out plain">{body}</div>{note}</div>'
        other = next((m for m in od.mimes if m.status == "modified" and m.text is not None and m.text.changed), None)
        if (md is None or md.status == "unchanged") and chosen is not None and other is not None and other.text:
            # What is shown did not change, another representation did (an HTML table the same,
            # its text/plain different): show it once, then the diff of what changed.
            shown = render_output(ctx, "new", nc, od.new_index, new_out)
            label = f'<div class="onote">{esc(other.mime)} changed:</div>'
            body = render_text_diff(other.text, None)
            return (
                f'<div class="orow modified textdiff{tag}">{shown}{label}'
                f'<div class="out plain">{body}</div>{note}</div>'
            )
    if od.text is not None and od.text.changed:
        body = render_text_diff(od.text, None)
        kind = esc(od.output_type)
        return f'<div class="orow modified textdiff{tag}"><div class="out {kind}">{body}</div>{note}</div>'
    left = render_output(ctx, "old", oc, od.old_index, old_out)
    right = render_output(ctx, "new", nc, od.new_index, new_out)
    return (
        f'<div class="orow modified{tag}"><div class="oside old">{left}</div>'
        f'<div class="oside new">{right}</div>{note}</div>'
    )


def _row(cls: str, side: Side, body: str) -> str:
    return f'<div class="orow {cls}"><div class="oside {side}">{body}</div></div>'


def _outputs(ctx: _Ctx, cd: CellDiff) -> str:
    rows: list[str] = []
    if cd.status == "added" or cd.status == "removed":
        side: Side = "new" if cd.status == "added" else "old"
        idx = cd.new_index if side == "new" else cd.old_index
        assert idx is not None
        cls = "added" if side == "new" else "removed"
        for i, out in enumerate(ctx.cell(side, idx).get("outputs", []) or []):
            rows.append(_row(cls, side, render_output(ctx, side, idx, i, out)))
    elif cd.outputs is not None:
        rows = [_output_row(ctx, cd, od) for od in cd.outputs]
    else:
        idx = cd.new_index
        assert idx is not None
        for i, out in enumerate(ctx.cell("new", idx).get("outputs", []) or []):
            rows.append(_row("same", "new", render_output(ctx, "new", idx, i, out)))
    return f'<div class="outs">{"".join(rows)}</div>' if rows else ""


# ---------------------------------------------------------------------------
# Cells


def _path(path: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in path) or "(root)"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "…"


def render_changes(changes: list[ValueChange], what: str) -> str:
    """Metadata changes as a list; transient ones folded with their count."""
    from nbreview.engine.model import MISSING

    def item(ch: ValueChange) -> str:
        if ch.op == "add":
            body = f'<ins>{esc(_short(ch.new))}</ins>'
        elif ch.op == "remove":
            body = f'<del>{esc(_short(ch.old))}</del>'
        else:
            body = f'<del>{esc(_short(ch.old))}</del> → <ins>{esc(_short(ch.new))}</ins>'
        old_new = body if (ch.old is not MISSING or ch.new is not MISSING) else ""
        return f"<li><code>{esc(_path(ch.path))}</code> {old_new}</li>"

    real = [c for c in changes if not c.transient]
    transient = [c for c in changes if c.transient]
    parts = []
    if real:
        parts.append(f'<ul class="changes">{"".join(item(c) for c in real)}</ul>')
    if transient:
        n = len(transient)
        parts.append(
            f'<details class="transient"><summary>{n} transient {what} change{"s" if n != 1 else ""} hidden '
            f'(timestamps, UI state)</summary><ul class="changes">{"".join(item(c) for c in transient)}</ul></details>'
        )
    return f'<div class="meta">{"".join(parts)}</div>' if parts else ""


def cell_anchor(cd: CellDiff) -> str:
    return f"n{cd.new_index}" if cd.new_index is not None else f"o{cd.old_index}"


def _cell_source(ctx: _Ctx, cd: CellDiff, lexer: Lexer | None) -> str:
    if cd.source is not None and cd.source.changed and cd.status == "modified":
        return render_text_diff(cd.source, lexer)
    if cd.status == "removed":
        return render_source(cell_source(ctx.cell("old", cd.old_index)), lexer, "del")
    mark = "ins" if cd.status == "added" else ""
    cell = ctx.cell("new", cd.new_index) or (cd.cell or {})
    return render_source(cell_source(cell), lexer, mark)


def _markdown_view(ctx: _Ctx, cd: CellDiff) -> str:
    def rendered(side: Side, index: int | None) -> str:
        if index is None:
            return ""
        key = (side, index)
        if key not in ctx.md_cache:
            cell = ctx.cell(side, index)
            atts = cell.get("attachments") if isinstance(cell.get("attachments"), dict) else {}

            def attachment(name: str) -> str | None:
                bundle = atts.get(name) if atts else None
                if not isinstance(bundle, dict):
                    return None
                mime = next((m for m in IMAGE_MIMES if m in bundle), None)
                return ctx.links.attachment(side, index, name, mime) if mime else None

            ctx.md_cache[key] = render_markdown(cell_source(cell), attachment)
        return ctx.md_cache[key]

    if cd.status == "modified" and cd.source is not None and cd.source.changed:
        return (
            f'<div class="rendered two"><div class="md old">{rendered("old", cd.old_index)}</div>'
            f'<div class="md new">{rendered("new", cd.new_index)}</div></div>'
        )
    if cd.status == "removed":
        return f'<div class="rendered"><div class="md old">{rendered("old", cd.old_index)}</div></div>'
    return f'<div class="rendered"><div class="md new">{rendered("new", cd.new_index)}</div></div>'


def _exec_counts(ctx: _Ctx, cd: CellDiff) -> str:
    if cd.cell_type != "code":
        return ""
    a = ctx.cell("old", cd.old_index).get("execution_count") if cd.old_index is not None else None
    b = ctx.cell("new", cd.new_index).get("execution_count") if cd.new_index is not None else None
    fa, fb = ("" if a is None else a), ("" if b is None else b)
    if cd.old_index is None:
        return f'<span class="exec">In [{esc(fb)}]</span>'
    if cd.new_index is None or a == b:
        return f'<span class="exec">In [{esc(fa if cd.new_index is None else fb)}]</span>'
    return f'<span class="exec">In [{esc(fa)}] → [{esc(fb)}]</span>'


def render_cell(ctx: _Ctx, cd: CellDiff) -> str:
    anchor = ctx.prefix + cell_anchor(cd)
    o = "" if cd.old_index is None else f"[{cd.old_index}]"
    n = "" if cd.new_index is None else f"[{cd.new_index}]"
    nums = f"{o} → {n}" if o and n else (f"{o} → ∅" if o else f"∅ → {n}")
    is_change = (cd.status != "unchanged" and not cd.reexecuted and not cd.transient_only) or cd.moved
    classes = ["cell", f"st-{cd.status}", f"type-{esc(cd.cell_type)}"]
    if cd.moved:
        classes.append("moved")
    if cd.reexecuted or cd.transient_only:
        classes.append("quiet")
    if is_change:
        classes.append("chg")
    moved = f'<span class="movedfrom">moved from #{cd.old_index}</span>' if cd.moved else ""
    aspects = [a for a in cd.changed if a != "execution_count" or cd.reexecuted]
    what = f'<span class="aspects">{esc(" · ".join(aspects))}</span>' if aspects and cd.status == "modified" else ""
    switch = ""
    if cd.cell_type == "markdown":
        switch = '<button type="button" class="mdswitch" aria-pressed="false" title="markdown source">source</button>'
    header = (
        f'<header class="ch"><a class="num" href="#{anchor}" title="link to this cell">{nums}</a>'
        f'<span class="type">{esc(cd.cell_type)}</span>{_exec_counts(ctx, cd)}'
        f'<span class="status">{esc(status_word(cd))}</span>{moved}{what}{switch}</header>'
    )
    if cd.cell_type == "markdown":
        body = f'{_markdown_view(ctx, cd)}<div class="srcview">{_cell_source(ctx, cd, lexer_for("markdown"))}</div>'
    else:
        body = _cell_source(ctx, cd, ctx.lexer if cd.cell_type == "code" else None)
    outs = _outputs(ctx, cd) if cd.cell_type == "code" else ""
    meta = render_changes(cd.metadata + [f for f in cd.fields if f.path[:1] != ["execution_count"]], "metadata")
    cls = " ".join(classes)
    return f'<section class="{cls}" id="{anchor}">{header}<div class="cb">{body}{outs}{meta}</div></section>'


def _fold_label(cells: list[CellDiff]) -> str:
    unchanged = sum(1 for c in cells if c.status == "unchanged")
    reexec = sum(1 for c in cells if c.reexecuted)
    transient = sum(1 for c in cells if c.transient_only)
    parts = []
    if unchanged:
        parts.append(f"{unchanged} unchanged cell{'s' if unchanged != 1 else ''}")
    if reexec:
        images = sum(
            1
            for c in cells
            if c.reexecuted
            for o in c.outputs or []
            if o.status != "unchanged" and not o.transient
            for m in o.mimes
            if m.kind == "image" and m.status != "unchanged"
        )
        note = f", {images} image{'s' if images != 1 else ''} changed" if images else ""
        parts.append(f"{reexec} re-executed (outputs only{note})")
    if transient:
        parts.append(plural(transient, "cell") + " with only transient changes")
    return ", ".join(parts)


# ---------------------------------------------------------------------------
# A notebook, its summary, a page


def summary_parts(d: NotebookDiff) -> list[tuple[str, str]]:
    """(css class, text) pieces of the one-line summary, in reading order."""
    view = build_view(d)
    s = view.summary
    parts: list[tuple[str, str]] = []
    if not d.has_changes:
        parts.append(("same", "no changes"))
    if s.modified:
        parts.append(("modified", f"{s.modified} cell{'s' if s.modified != 1 else ''} modified"))
    if s.added:
        parts.append(("added", f"{s.added} added"))
    if s.removed:
        parts.append(("removed", f"{s.removed} removed"))
    if s.moved:
        parts.append(("moved", f"{s.moved} moved"))
    if s.images_changed:
        parts.append(("images", f"{s.images_changed} image{'s' if s.images_changed != 1 else ''} changed"))
    if s.reexecuted:
        parts.append(("quiet", f"{s.reexecuted} re-executed"))
    if s.metadata_changed:
        parts.append(("meta", f"{s.metadata_changed} notebook metadata change{'s' if s.metadata_changed != 1 else ''}"))
    # What the view hides, counted as every renderer counts it.
    if view.hidden_unchanged:
        parts.append(("quiet", f"{view.hidden_unchanged} unchanged hidden"))
    transient = view.hidden_transient_cells + view.hidden_transient_changes
    if transient:
        parts.append(("quiet", f"{transient} transient hidden"))
    if not parts:
        parts.append(("quiet", "no changes"))
    return parts


def summary_text(d: NotebookDiff) -> str:
    return " · ".join(t for _, t in summary_parts(d))


def notebook_language(d: NotebookDiff) -> str:
    for nb in (d.new_nb, d.old_nb):
        meta = nb.get("metadata", {}) if isinstance(nb, dict) else {}
        if not isinstance(meta, dict):
            continue
        info = meta.get("language_info")
        if isinstance(info, dict) and isinstance(info.get("name"), str):
            return str(info["name"])
        ks = meta.get("kernelspec")
        if isinstance(ks, dict) and isinstance(ks.get("language"), str):
            return str(ks["language"])
    return "python"


def render_notebook(d: NotebookDiff, links: ImageLinks, *, prefix: str = "") -> str:
    """The body for one notebook: notebook-level changes, then the cells in order, quiet runs folded."""
    ctx = _Ctx(d, links, lexer_for(notebook_language(d)), prefix)
    out: list[str] = []
    problems = [f"{side}: {p}" for side, s in (("old", d.old), ("new", d.new)) for p in s.problems]
    if problems:
        out.append(f'<div class="problems"><ul>{"".join(f"<li>{esc(p)}</li>" for p in problems)}</ul></div>')
    from nbreview.render.html.results import render_results_panel  # results review (nbreview.results)

    out.append(render_results_panel(d, prefix))
    nbmeta = render_changes(d.metadata + d.fields, "notebook metadata")
    if nbmeta:
        out.append(f'<section class="nbmeta"><h3>Notebook metadata</h3>{nbmeta}</section>')
    run: list[CellView] = []

    def flush() -> None:
        if not run:
            return
        shown = run[: max(0, ctx.quiet_left)]
        ctx.quiet_left -= len(shown)
        inner = "".join(render_cell(ctx, cv.diff) for cv in shown)
        if len(shown) < len(run):
            inner += (f'<p class="empty">⋯ {len(run) - len(shown)} more cells not included: this notebook has '
                      f"more than {MAX_QUIET_CELLS:,} unchanged cells</p>")
        label = _fold_label([cv.diff for cv in run])
        out.append(f'<details class="fold"><summary><span class="fl">{esc(label)}</span></summary>{inner}</details>')
        run.clear()

    # The view decides what is shown; the page keeps hidden and quiet (re-executed) cells, folded.
    for cv in build_view(d).cells:
        if cv.visibility != "shown":
            run.append(cv)
            continue
        flush()
        out.append(render_cell(ctx, cv.diff))
    flush()
    if not d.cells:
        out.append('<p class="empty">Both notebooks have no cells.</p>')
    return "".join(out)


BAR_EMPTY = '<svg class="bar" viewBox="0 0 50 6" aria-hidden="true"><rect width="50" height="6" class="u"/></svg>'


@dataclass
class FileEntry:
    """One notebook of a page: its name in the file list, counts, and where it lives."""

    name: str
    diff: NotebookDiff
    href: str
    anchor: str
    note: str = ""  # "added", "deleted", "renamed"...

    @property
    def counts(self) -> dict[str, int]:
        s = self.diff.summary()
        return {"added": s.added, "removed": s.removed, "modified": s.modified + s.moved}

    def stat_bar(self) -> str:
        """A git-diff-stat-like bar as SVG (attributes, not inline styles, so the CSP holds)."""
        c = self.counts
        total = sum(c.values())
        if not total:
            return BAR_EMPTY
        x = 0.0
        rects = []
        for key, cls in (("added", "a"), ("modified", "m"), ("removed", "r")):
            w = 50 * c[key] / total
            if w:
                rects.append(f'<rect x="{x:.1f}" width="{w:.1f}" height="6" class="{cls}"/>')
            x += w
        return f'<svg class="bar" viewBox="0 0 50 6" aria-hidden="true">{"".join(rects)}</svg>'


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(ASSETS / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def asset_text(name: str) -> str:
    return (ASSETS / "static" / name).read_text(encoding="utf-8")


def render_page(
    files: Sequence[FileEntry],
    bodies: Sequence[tuple[int, str]],
    *,
    mode: Literal["server", "report"],
    current: int = 0,
    difftool: bool = False,
    static_url: Callable[[str], str] | None = None,
    pack: bool = False,
    scripts: Sequence[str] = (),
) -> str:
    """The whole page: top bar, file list, the notebooks in ``bodies`` ((file index, body) pairs).

    ``scripts`` names further static scripts a server page loads (the review threads' one).

    ``pack`` stores each body gzipped (see :func:`pack_body`), for a report smaller than its notebooks.
    """
    from markupsafe import Markup

    nonce = secrets.token_urlsafe(16) if mode == "report" else ""
    shown = [
        {
            "index": i,
            "file": files[i],
            "summary": summary_parts(files[i].diff),
            # Built by this module from escaped or sanitised parts.
            "body": Markup(pack_body(body) if pack else body),  # noqa: S704
        }
        for i, body in bodies
    ]
    inline = {}
    if mode == "report":
        inline = {
            "css": Markup(asset_text("review.css") + "\n" + pygments_css()),
            "js": Markup(asset_text("review.js").replace("</", "<\\/")),
            "boot": Markup(asset_text("boot.js").replace("</", "<\\/")),
        }
    template = _env().get_template("page.html")
    page: str = template.render(
        mode=mode,
        files=files,
        shown=shown,
        current=current,
        difftool=difftool,
        nonce=nonce,
        inline=inline,
        static_url=static_url or (lambda name: name),
        scripts=list(scripts) if mode == "server" else [],
        stat_bar=lambda f: Markup(f.stat_bar()),  # noqa: S704 - numbers only
        prev_href=files[current - 1].href if mode == "server" and current > 0 else "",
        next_href=files[current + 1].href if mode == "server" and current + 1 < len(files) else "",
    )
    return page


PACKED_TYPE = "application/x-nbreview-html+gzip;base64"


def pack_body(body: str) -> str:
    """A notebook's HTML gzipped and base64-encoded in a data block the page script inflates.

    Markup compresses about tenfold; images, already compressed, stay about their size. A data
    block (``<script>`` of a non-script type) is never executed, and base64 cannot close it.
    """
    import gzip

    data = base64.b64encode(gzip.compress(body.encode("utf-8"), 6, mtime=0)).decode("ascii")
    return (
        '<div class="packed"><noscript><p class="empty">This report unpacks its cells with JavaScript; '
        "allow scripts for this file, or open it in a current browser.</p></noscript></div>"
        f'<script type="{PACKED_TYPE}" class="nb-payload">{data}</script>'
    )


def unpack_report(page: str) -> str:
    """A packed report with its notebook bodies inflated in place (what the browser shows)."""
    import gzip

    def inflate(m: re.Match[str]) -> str:
        return gzip.decompress(base64.b64decode(m.group(1))).decode("utf-8")

    pattern = r'<div class="packed">.*?</div><script type="[^"]+" class="nb-payload">([A-Za-z0-9+/=]*)</script>'
    return re.sub(pattern, inflate, page, flags=re.S)


def _names(diffs: Sequence[NotebookDiff], names: Sequence[str] | None) -> list[str]:
    if names is not None:
        return list(names)
    out = []
    for d in diffs:
        out.append(d.new.label if d.new.label and not d.new.empty else d.old.label)
    return out


def report_html(
    diffs: Sequence[NotebookDiff],
    names: Sequence[str] | None = None,
    *,
    pack: bool = True,
    notes: Sequence[str] | None = None,
) -> str:
    """One self-contained page (CSS, JS and images inline, nothing fetched) for all the diffs.

    With ``pack`` (the default) the cells are stored gzipped and inflated by the page script,
    so the file stays about the size of the notebooks' images; ``pack=False`` writes plain HTML.
    """
    labels = _names(diffs, names)
    files = [
        FileEntry(labels[i], d, f"#f{i}", f"f{i}", file_note(notes[i] if notes else "")) for i, d in enumerate(diffs)
    ]
    bodies = [(i, render_notebook(d, InlineImages(d), prefix=f"f{i}-")) for i, d in enumerate(diffs)]
    return render_page(files, bodies, mode="report", pack=pack)


def file_note(status: str) -> str:
    """The file list's note for a notebook's git status (nothing for a plain modification)."""
    return "" if status in ("", "modified") else status


def write_report(
    diffs: Sequence[NotebookDiff],
    path: str | Path,
    names: Sequence[str] | None = None,
    notes: Sequence[str] | None = None,
) -> None:
    """Write :func:`report_html` atomically (complete or not at all)."""
    from nbreview.errors import NbreviewError
    from nbreview.io.write import write_atomic

    data = report_html(diffs, names, notes=notes).encode("utf-8")
    try:
        write_atomic(path, data)
    except OSError as err:
        raise NbreviewError(f"cannot write {path}: {err.strerror or err}") from None
