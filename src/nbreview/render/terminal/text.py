"""Text diffs as terminal lines: hunks with context, tinted ``-``/``+`` lines, changed words emphasised.

Which lines are shown and how hunks fold is the view's decision (:mod:`nbreview.view.hunks`);
this module paints them: sign, syntax colours, the theme's line tint, padded to the width.
"""

from __future__ import annotations

from nbreview.render.terminal.style import CYAN, DIM, LINE_TINTS, RESET, TerminalStyle, clean
from nbreview.render.terminal.syntax import Tokens, highlight_lines
from nbreview.view import grouped_rows, hunk_header, hunks

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.engine.model import LineOp, TextDiff


def _strip_eol(text: str | None) -> str:
    """A line without its line ending (a missing side reads as "")."""
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
    background, emphasis = LINE_TINTS.get(st.theme, LINE_TINTS["dark"]).get(sign, ("", ""))
    cuts = {0, len(text)}
    for start, end, _ in tokens:
        cuts.update((start, end))
    for start, end in spans:
        cuts.update((start, end))
    points = sorted(cut for cut in cuts if 0 <= cut <= len(text))
    out = [indent]
    sign_code = {"-": "31", "+": "32"}.get(sign, "")
    out.append(f"\x1b[{';'.join(x for x in ('0', sign_code, background) if x)}m{sign} ")
    visible = len(indent) + 2
    # Each piece between two cut points has one foreground (syntax) and one background (tint or emphasis).
    for start, end in zip(points, points[1:], strict=False):
        piece = clean(text[start:end])
        if not piece:
            continue
        covering = (code for first, last, code in tokens if first <= start and end <= last)
        foreground = next(covering, "") if st.syntax else ""
        emphasised = any(first <= start and end <= last for first, last in spans)
        codes = ";".join(x for x in ("0", foreground, emphasis if emphasised else background) if x)
        out.append(f"\x1b[{codes}m{piece}")
        visible += len(piece)
    if background:
        out.append(" " * max(0, st.width - visible))
    out.append(RESET)
    return "".join(out)


def _row_parts(
    sign: str, op: LineOp, old_tokens: list[Tokens], new_tokens: list[Tokens], intraline: bool
) -> tuple[str, Tokens, list[tuple[int, int]]]:
    """A row's text, syntax colours and emphasised spans, from the side its sign names (context: new)."""
    if sign == "-":
        text, line_no, tokens = _strip_eol(op.old_text), op.old, old_tokens
        spans = op.old_spans if (op.op == "replace" and intraline) else []
    elif sign == "+":
        text, line_no, tokens = _strip_eol(op.new_text), op.new, new_tokens
        spans = op.new_spans if (op.op == "replace" and intraline) else []
    else:
        text, line_no, tokens = _strip_eol(op.new_text or op.old_text), op.new, new_tokens
        spans = []
    line_tokens = tokens[line_no - 1] if line_no is not None and 0 < line_no <= len(tokens) else []
    return text, line_tokens, spans


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
            text, line_tokens, spans = _row_parts(sign, op, old_tokens, new_tokens, intraline)
            if limit is not None and len(text) > width:
                text = text[: width - 1] + "…"
            out.append(_paint_line(sign, text, line_tokens, spans, st, indent))
    if td.elided:
        out.append(
            indent + st.paint(DIM, f"… {td.elided} more changed lines not listed (output too large to diff in full)")
        )
    return out


def whole_lines(text: str, sign: str, st: TerminalStyle, indent: str, lexer_name: str, limit: int | None) -> list[str]:
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
