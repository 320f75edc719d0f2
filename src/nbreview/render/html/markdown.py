"""Markdown cells and outputs as safe HTML (mistune), with code highlighted and math as MathML.

mistune passes raw HTML through to :func:`~nbreview.render.html.safe.sanitize_html`. The
fragments built here (highlighted code, MathML, attachment images) are not sanitised twice:
they become placeholders (:class:`_Slots`) that are filled in after sanitising.
"""

from __future__ import annotations

import bisect
import re
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from nbreview.render.escape import esc
from nbreview.render.html.safe import latex_to_mathml, sanitize_html
from nbreview.render.html.syntax import highlight_lines, lexer_for

if TYPE_CHECKING:
    from nbreview.engine.model import Span


class _Slots:
    """Placeholders for fragments this module builds (highlighted code, MathML), and the word marks'
    sentinels (``<tag>s`` opens a changed span, ``<tag>e`` closes it, ``<tag>b`` flags a block)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.tag = "nbrv" + secrets.token_hex(4)
        self.sentinel = re.compile(self.tag + "[seb]")

    def put(self, fragment: str) -> str:
        """A placeholder for ``fragment``: letters and digits only, so sanitising leaves it as it is."""
        self.items.append(fragment)
        return f"{self.tag}x{len(self.items) - 1}x"

    def unmark(self, text: str) -> tuple[str, bool]:
        """``text`` without sentinels, and whether it had any (a fragment changed as a whole)."""
        bare = self.sentinel.sub("", text)
        return bare, bare != text

    def fill(self, text: str) -> str:
        """``text`` with every placeholder replaced by its fragment."""
        if not self.items:
            return text
        return re.sub(self.tag + r"x(\d+)x", lambda found: self.items[int(found.group(1))], text)


class _MarkdownRenderer:
    """mistune renderer: raw HTML allowed through to nh3; code and math become slots."""

    def __init__(self) -> None:
        import mistune

        outer = self
        self.slots = _Slots()
        self.attachments: Callable[[str], str | None] = lambda name: None

        class Renderer(mistune.HTMLRenderer):
            def block_code(self, code: str, info: str | None = None) -> str:
                code, marked = outer.slots.unmark(code)
                info, marked_info = outer.slots.unmark(info or "")
                language = info.strip().split(None, 1)[0] if info.strip() else ""
                body = "".join(highlight_lines(code, lexer_for(language or "text")))
                cls = " mdw" if marked or marked_info else ""
                return outer.slots.put(f'<pre class="hl md-code{cls}"><code>{body}</code></pre>') + "\n"

            def block_math(self, text: str) -> str:
                text, marked = outer.slots.unmark(text)
                cls = " mdw" if marked else ""
                return outer.slots.put(f'<div class="math{cls}">{latex_to_mathml(text, True)}</div>') + "\n"

            def inline_math(self, text: str) -> str:
                text, marked = outer.slots.unmark(text)
                math = latex_to_mathml(text, False)
                return outer.slots.put(f'<mark class="mdw">{math}</mark>' if marked else math)

            def image(self, text: str, url: str, title: str | None = None) -> str:
                text, _ = outer.slots.unmark(text)
                if url.startswith("attachment:"):
                    src = outer.attachments(url[len("attachment:") :])
                    if src:
                        return outer.slots.put(f'<img src="{esc(src)}" alt="{esc(text)}" loading="lazy">')
                return super().image(text, url, title)

        self.convert = mistune.create_markdown(
            escape=False,
            renderer=Renderer(escape=False),
            plugins=["table", "strikethrough", "math", "url", "task_lists", "footnotes"],
        )

    def render(
        self,
        text: str,
        attachments: Callable[[str], str | None] | None = None,
        changed: Sequence[Span] = (),
    ) -> str:
        """``text`` as safe HTML; ``attachments`` maps an ``attachment:`` name to an image URL.

        ``changed`` character ranges of ``text`` come out as ``<mark class="mdw">``: sentinels are
        put into the source, and turned into marks only after sanitising (nh3 drops every class a
        notebook writes), so no notebook can forge a mark."""
        self.slots = _Slots()
        self.attachments = attachments or (lambda name: None)
        raw = self.convert(_with_sentinels(text, changed, self.slots.tag) if changed else text)
        assert isinstance(raw, str)
        clean = sanitize_html(raw)
        return self.slots.fill(_sentinels_to_marks(clean, self.slots) if changed else clean)


_RENDERER: _MarkdownRenderer | None = None  # built on first use: mistune's import and setup cost


def render_markdown(
    text: str, attachments: Callable[[str], str | None] | None = None, changed: Sequence[Span] = ()
) -> str:
    """Markdown as safe HTML: tables, code highlighted, math as MathML, raw HTML sanitised;
    the ``changed`` character ranges of ``text`` (a diff's word spans) marked in the rendered text."""
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = _MarkdownRenderer()
    return _RENDERER.render(text, attachments, changed)


# Inline pieces a sentinel must not split (it would change what they mean): code spans, inline
# math, images, a link's destination or reference (a change there marks the whole link), tags and
# autolinks, bare URLs, entities, escapes.
_ATOMIC = re.compile(
    r"(`+)[\s\S]*?(?<!`)\1(?!`)"
    r"|\$\$[\s\S]*?\$\$|\$(?!\s)(?:[^$\\\n]|\\.)+?\$"
    r"|!\[[^\]\n]*\]\([^)\n]*\)|(?P<text>\[[^\]\n]*)(?P<to>\]\([^)\n]*\)|\]\[[^\]\n]*\])"
    r"|<[^<>\n]*>|https?://[^\s<]+|&#?\w+;|\\."
)
# What opens a line (quotes, list items, task boxes, headings): a sentinel before it would undo it.
_PREFIX = re.compile(
    r"[ \t]*(?:(?:>|[-*+]|\d{1,9}[.)])(?=[ \t]|$)[ \t]*)*(?:\[[ xX]\][ \t]+)?(?:#{1,6}(?=[ \t]|$)[ \t]*)?"
)
# Lines that are all syntax (rules, setext underlines, table delimiter rows): nothing to mark.
_SYNTAX_LINE = re.compile(r"[ \t]*[-=*_|:+ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_EDGE = " \t\r\n*_~|"  # trimmed off a span's ends: a sentinel beside a delimiter would move it


def _fenced_blocks(text: str) -> list[tuple[int, int, int]]:
    """Fenced code and ``$$`` math blocks as (start, end, where their one block flag goes)."""
    blocks: list[tuple[int, int, int]] = []
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    k = 0
    while k < len(lines):
        line = lines[k]
        fence = _FENCE.match(line)
        math = re.match(r" {0,3}\$\$", line)
        if fence or math:
            if fence:
                run = fence.group(1)
                close = re.compile(r" {0,3}" + re.escape(run[0]) + "{" + str(len(run)) + r",}[ \t]*$")
                flag = starts[k] + len(line.rstrip("\r\n"))
            else:
                assert math is not None
                close = re.compile(r" {0,3}\$\$[ \t]*$")
                single = "$$" in line[math.end() :]
                flag = starts[k] + math.end() if single else starts[k + 1]
            last = k
            if not (math and "$$" in line[math.end() :]):
                last = next((j for j in range(k + 1, len(lines)) if close.match(lines[j])), len(lines) - 1)
            blocks.append((starts[k], starts[last + 1], flag))
            k = last + 1
            continue
        k += 1
    return blocks


class _Atoms:
    """The :data:`_ATOMIC` pieces of a text, sorted, found by position with a binary search."""

    def __init__(self, text: str) -> None:
        self.text = text
        # (range a sentinel must not fall in, range to widen to): a link's destination widens to the link
        self.items = [
            (m.start("to"), m.end(), m.start(), m.end()) if m.group("to") else (*m.span(), *m.span())
            for m in _ATOMIC.finditer(text)
        ]
        self.starts = [item[0] for item in self.items]

    def at(self, pos: int, closing: bool) -> tuple[int, int, int, int] | None:
        """The piece ``pos`` falls inside: as a range's start (``a <= pos < b``) or end (``a < pos <= b``)."""
        k = (bisect.bisect_left(self.starts, pos) if closing else bisect.bisect_right(self.starts, pos)) - 1
        if k < 0:
            return None
        item = self.items[k]
        return item if (item[0] < pos <= item[1] if closing else item[0] <= pos < item[1]) else None


def _widen(text: str, start: int, end: int, atoms: _Atoms) -> tuple[int, int] | None:
    """A changed range made safe to mark: trimmed of whitespace and delimiters, out of a line's
    prefix, widened to whole atoms; the line's text when the change was only syntax or in a tag."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end]
    if _SYNTAX_LINE.fullmatch(line):
        return None
    body = line_start + _PREFIX.match(line).end()  # type: ignore[union-attr]  # matches empty at worst
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    start, end = max(start, body), min(end, line_end)
    if start >= end:  # only the prefix or delimiters changed: the line's text is what changed
        start, end = body, line_end
    first, last = atoms.at(start, False), atoms.at(end, True)
    if any(item and text[item[0]] == "<" for item in (first, last)):  # inside a raw tag: the line's text
        start, end = body, line_end
    else:
        start, end = first[2] if first else start, last[3] if last else end
    while end > start and text[end - 1] in " \t\r":
        end -= 1
    return (start, end) if start < end else None


def _with_sentinels(text: str, changed: Sequence[Span], tag: str) -> str:
    """``text`` with each changed range between ``<tag>s`` and ``<tag>e``; a change inside a fenced
    code or math block flags the whole block (``<tag>b``), as word marks inside it cannot survive."""
    blocks = _fenced_blocks(text)
    block_starts = [b[0] for b in blocks]
    atoms = _Atoms(text)
    flags: set[int] = set()
    widened: list[tuple[int, int]] = []
    for start, end in changed:
        k = bisect.bisect_right(block_starts, start) - 1
        if k >= 0 and start < blocks[k][1]:
            flags.add(blocks[k][2])
            continue
        safe = _widen(text, start, min(end, len(text)), atoms)
        widened += [safe] if safe is not None else []
    ranges: list[list[int]] = []
    for start, end in sorted(widened):  # overlapping ranges become one, so the sentinels pair up
        if ranges and start <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], end)
        else:
            ranges.append([start, end])
    inserts = [(pos, tag + "b") for pos in flags]
    inserts += [(pos, tag + mark) for a, b in ranges for pos, mark in ((a, "s"), (b, "e"))]
    out, at = [], 0
    for pos, mark in sorted(inserts, key=lambda item: (item[0], item[1][-1] != "e")):  # a close before an open
        out += [text[at:pos], mark]
        at = pos
    out.append(text[at:])
    return "".join(out)


def _sentinels_to_marks(html: str, slots: _Slots) -> str:
    """Sanitised HTML with the text between sentinels in ``<mark class="mdw">``, text node by text
    node so the marks always nest; sentinels that ended up in attributes are only dropped."""
    out: list[str] = []
    on = False
    for found in re.finditer(r"(<[^>]*>)|([^<]+)", html):
        if found.group(1):  # a URL's copy in href: the link text holds the same sentinels
            out.append(slots.sentinel.sub("", found.group(1)))
            continue
        pieces = re.split("(" + slots.tag + "[seb])", found.group(2))
        for k, piece in enumerate(pieces):
            if k % 2:
                on = {"s": True, "e": False}.get(piece[-1], on)
            elif piece.strip() and on:
                out.append(f'<mark class="mdw">{piece}</mark>')
            else:
                out.append(piece)
    return "".join(out)
