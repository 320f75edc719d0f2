"""Text diffs as HTML tables: one side-by-side table per diff, unchanged runs folded.

The page script derives the unified view from the same table. Which unchanged lines fold is
the view's rule (:func:`nbreview.view.segments`), shared with the terminal and the PR comment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nbreview.render.escape import esc
from nbreview.render.html.ansi import ansi_to_html
from nbreview.render.html.syntax import emphasised, highlight_lines
from nbreview.view import segments

if TYPE_CHECKING:
    from pygments.lexer import Lexer

    from nbreview.engine.model import LineOp, Span, TextDiff


def _positions(text_diff: TextDiff) -> tuple[dict[int, int], dict[int, int]]:
    """Line number -> index into ``old_text()`` / ``new_text()`` lines (the same unless the diff
    lists only some lines, as a huge output's does)."""
    old: dict[int, int] = {}
    new: dict[int, int] = {}
    for op in text_diff.lines:
        if op.old is not None and op.op != "insert":
            old[op.old] = len(old)
        if op.new is not None and op.op != "delete":
            new[op.new] = len(new)
    return old, new


def _spans_by_line(text_diff: TextDiff) -> tuple[dict[int, list[Span]], dict[int, list[Span]]]:
    """Intraline spans per side, keyed by index into that side's lines."""
    old: dict[int, list[Span]] = {}
    new: dict[int, list[Span]] = {}
    old_positions, new_positions = _positions(text_diff)
    for op in text_diff.lines:
        if op.old is not None and op.old_spans:
            old[old_positions.get(op.old, op.old - 1)] = op.old_spans
        if op.new is not None and op.new_spans:
            new[new_positions.get(op.new, op.new - 1)] = op.new_spans
    return old, new


def _plain_lines(text: str, spans: dict[int, list[Span]]) -> list[str]:
    """Unhighlighted lines as HTML: ANSI colours kept, intraline spans marked, the rest escaped."""
    out = []
    for k, line in enumerate(text.split("\n")):
        if "\x1b" in line:
            out.append(ansi_to_html(line))
        elif k in spans:
            out.append(emphasised(line, 0, spans[k], ""))
        else:
            out.append(esc(line))
    if text.endswith("\n"):
        out.pop()
    return out


class _Lines:
    """Both sides of a text diff as HTML lines (highlighted when there is a lexer), found by line op."""

    def __init__(self, text_diff: TextDiff, lexer: Lexer | None) -> None:
        old_spans, new_spans = _spans_by_line(text_diff)
        old_text, new_text = text_diff.old_text(), text_diff.new_text()
        if lexer is not None:
            self.old = highlight_lines(old_text, lexer, old_spans)
            self.new = highlight_lines(new_text, lexer, new_spans)
        else:
            self.old = _plain_lines(old_text, old_spans)
            self.new = _plain_lines(new_text, new_spans)
        self.old_positions, self.new_positions = _positions(text_diff)

    def old_line(self, op: LineOp) -> str:
        k = self.old_positions.get(op.old, -1) if op.old is not None else -1
        return self.old[k] if 0 <= k < len(self.old) else ""

    def new_line(self, op: LineOp) -> str:
        k = self.new_positions.get(op.new, -1) if op.new is not None else -1
        return self.new[k] if 0 <= k < len(self.new) else ""


EMPTY_SIDE = '<td class="n e"></td><td class="t e"></td>'
COLS_SPLIT = '<col class="cn"><col class="ct"><col class="cn"><col class="ct">'


def _split_rows(text_diff: TextDiff, lines: _Lines) -> list[tuple[bool, str]]:
    """(is an unchanged line, the row's four cells) per row; a run of changes pairs its removed and
    added lines side by side, in order, leaving the shorter side empty."""
    rows: list[tuple[bool, str]] = []
    removed: list[LineOp] = []
    added: list[LineOp] = []

    def flush() -> None:
        for k in range(max(len(removed), len(added))):
            old = removed[k] if k < len(removed) else None
            new = added[k] if k < len(added) else None
            left = f'<td class="n">{old.old}</td><td class="t del">{lines.old_line(old)}</td>' if old else EMPTY_SIDE
            right = f'<td class="n">{new.new}</td><td class="t ins">{lines.new_line(new)}</td>' if new else EMPTY_SIDE
            rows.append((False, left + right))
        removed.clear()
        added.clear()

    for op in text_diff.lines:
        if op.op == "equal":
            flush()
            rows.append((True, f'<td class="n">{op.old}</td><td class="t">{lines.old_line(op)}</td>'
                               f'<td class="n">{op.new}</td><td class="t">{lines.new_line(op)}</td>'))
            continue
        if op.op in ("delete", "replace"):
            removed.append(op)
        if op.op in ("insert", "replace"):
            added.append(op)
    flush()
    return rows


def render_text_diff(text_diff: TextDiff, lexer: Lexer | None) -> str:
    """A line diff as a side-by-side table; the page script derives the unified table from it.

    Rows of changed lines carry ``chg``; an empty side is ``e``. Writing one table, not two,
    halves the page for code-heavy notebooks.
    """
    body = "".join(_fold_context(_split_rows(text_diff, _Lines(text_diff, lexer))))
    if text_diff.elided:
        body += (f'<tr class="skip"><td colspan="4">⋯ {text_diff.elided} more changed lines not listed '
                 "(output too large to diff in full)</td></tr>")
    highlighted = " hl" if lexer is not None else ""
    return f'<table class="diff split{highlighted}"><colgroup>{COLS_SPLIT}</colgroup><tbody>{body}</tbody></table>'


CONTEXT = 3  # unchanged lines kept around each change, as in code review
MIN_FOLD = 4  # fewer hidden lines than this are not worth a fold


def _fold_context(rows: list[tuple[bool, str]]) -> list[str]:
    """Rows as ``<tr>``s; long runs of unchanged lines hidden behind an "unchanged lines" row.

    Which lines fold is the view's rule (:func:`nbreview.view.segments`), the same as the
    terminal's and the PR comment's hunks, with ``CONTEXT`` lines kept and ``MIN_FOLD`` at least.
    """
    out: list[str] = []
    for segment in segments([not unchanged for unchanged, _ in rows], CONTEXT, MIN_FOLD):
        if segment.folded:
            out.append(
                f'<tr class="skip"><td colspan="4"><button type="button" class="more">'
                f"⋯ {len(segment)} unchanged lines</button></td></tr>"
            )
        for unchanged, cells in rows[segment.start : segment.end]:
            if segment.folded:
                out.append(f'<tr class="hid">{cells}</tr>')
            else:
                out.append(f"<tr>{cells}</tr>" if unchanged else f'<tr class="chg">{cells}</tr>')
    return out


def render_source(text: str, lexer: Lexer | None, mark: str = "") -> str:
    """One side's text with line numbers; ``mark`` is ``ins``/``del`` for added or removed cells."""
    lines = highlight_lines(text, lexer) if lexer is not None else _plain_lines(text, {})
    if not lines:
        lines = [""]
    cls = f' class="{mark}"' if mark else ""
    sign = {"ins": "+", "del": "-"}.get(mark, " ")
    rows = "".join(
        f'<tr{cls}><td class="n">{number}</td><td class="s">{sign}</td><td class="t">{line}</td></tr>'
        for number, line in enumerate(lines, 1)
    )
    highlighted = " hl" if lexer is not None else ""
    return (
        f'<table class="diff single{highlighted}"><colgroup><col class="cn"><col class="cs"><col class="ct"></colgroup>'
        f"<tbody>{rows}</tbody></table>"
    )
