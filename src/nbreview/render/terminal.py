"""Terminal renderer: ``git diff``-like text with cell headers, hunks and intraline emphasis."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import CellDiff, LineOp, NotebookDiff, OutputDiff, TextDiff, ValueChange

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
BLUE = "\x1b[34m"
CYAN = "\x1b[36m"
RED_EMPH = "\x1b[1;37;41m"
GREEN_EMPH = "\x1b[1;37;42m"


@dataclass
class TerminalStyle:
    color: bool = False
    width: int = 80
    context: int = 3
    show_unchanged: bool = False
    show_transient: bool = False

    def paint(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color and text else text


def _emph(text: str, spans: list[tuple[int, int]], base: str, emph: str, st: TerminalStyle) -> str:
    if not st.color:
        return text
    out = [base]
    pos = 0
    for a, b in spans:
        out.append(text[pos:a])
        out.append(emph + text[a:b] + RESET + base)
        pos = b
    out.append(text[pos:] + RESET)
    return "".join(out)


def _line_text(text: str | None) -> str:
    return (text or "").rstrip("\r\n")


def render_text_diff(td: TextDiff, st: TerminalStyle, indent: str = "") -> list[str]:
    """Hunks with context, as ``-``/``+`` lines; replaced lines grouped old first."""
    lines: list[tuple[str, LineOp]] = []
    for op in td.lines:
        if op.op == "replace":
            lines.append(("-", op))
            lines.append(("+", op))
        else:
            lines.append(({"equal": " ", "delete": "-", "insert": "+"}[op.op], op))
    # Regroup each run of changes so removed lines come before added ones.
    grouped: list[tuple[str, LineOp]] = []
    run: list[tuple[str, LineOp]] = []
    for item in lines + [(" ", LineOp("equal"))]:
        if item[0] == " ":
            grouped += [x for x in run if x[0] == "-"] + [x for x in run if x[0] == "+"]
            run = []
            grouped.append(item)
        else:
            run.append(item)
    grouped.pop()
    keep = [False] * len(grouped)
    for k, (sign, _) in enumerate(grouped):
        if sign != " ":
            for m in range(max(0, k - st.context), min(len(grouped), k + st.context + 1)):
                keep[m] = True
    out: list[str] = []
    prev = -1
    for k, (sign, op) in enumerate(grouped):
        if not keep[k]:
            continue
        if prev >= 0 and k != prev + 1:
            out.append(indent + st.paint(CYAN, "⋯"))
        prev = k
        if sign == " ":
            out.append(f"{indent}  {_line_text(op.old_text)}")
        elif sign == "-":
            text = _line_text(op.old_text)
            out.append(
                indent
                + st.paint(RED, "- ")
                + _emph(text, op.old_spans if op.op == "replace" else [], RED, RED_EMPH, st)
            )
        else:
            text = _line_text(op.new_text)
            out.append(
                indent
                + st.paint(GREEN, "+ ")
                + _emph(text, op.new_spans if op.op == "replace" else [], GREEN, GREEN_EMPH, st)
            )
    return out


def _describe_output(o: OutputDiff) -> str:
    label = o.output_type or "output"
    idx = o.new_index if o.new_index is not None else o.old_index
    parts = [f"output {idx}: {label}"]
    for m in o.mimes:
        if m.status == "unchanged" and m.identical:
            continue
        desc = f"{m.mime} {m.status}"
        if m.image is not None:
            if m.image.pixels_equal:
                desc = f"{m.mime} re-encoded, same pixels"
            else:
                sizes = f"{_size(m.image.old_size)} → {_size(m.image.new_size)}"
                desc = f"{m.mime} {sizes}, {m.image.changed_fraction:.1%} of pixels differ"
        parts.append(desc)
    return " · ".join(parts)


def _size(s: tuple[int, int] | None) -> str:
    return f"{s[0]}×{s[1]}" if s else "?"


def _change_line(ch: ValueChange) -> str:
    path = ".".join(str(p) for p in ch.path) or "(all)"
    if ch.op == "add":
        return f"+ {path} = {_short(ch.new)}"
    if ch.op == "remove":
        return f"- {path} (was {_short(ch.old)})"
    return f"~ {path}: {_short(ch.old)} → {_short(ch.new)}"


def _short(value: object, limit: int = 60) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_header(c: CellDiff) -> str:
    old = f"[{c.old_index}]" if c.old_index is not None else "[ ]"
    new = f"[{c.new_index}]" if c.new_index is not None else "[ ]"
    status: str = c.status
    if c.status == "modified" and c.reexecuted:
        status = "re-executed"
    elif c.status == "modified" and c.transient_only:
        status = "transient changes"
    bits = [f"cell {old} → {new}", c.cell_type, status]
    if c.moved:
        bits.append(f"moved from #{c.old_index}")
    return " · ".join(bits)


def render(diff: NotebookDiff, st: TerminalStyle | None = None) -> str:
    """The whole diff as terminal text (ANSI colours when ``st.color``)."""
    st = st or TerminalStyle()
    out: list[str] = [st.paint(BOLD, f"nbreview {diff.old.label} → {diff.new.label}")]
    for side in (diff.old, diff.new):
        for p in side.problems:
            out.append(st.paint(YELLOW, f"! {side.label}: {p}"))
        if side.upgraded_from:
            out.append(st.paint(YELLOW, f"! {side.label}: upgraded from nbformat {side.upgraded_from}"))
    nb_changes = [c for c in diff.fields + diff.metadata if st.show_transient or not c.transient]
    if nb_changes:
        out.append(st.paint(CYAN, "── notebook " + "─" * max(0, st.width - 12)))
        out += ["  " + _change_line(c) for c in nb_changes]
    hidden_unchanged = hidden_transient = 0
    for c in diff.cells:
        if c.status == "unchanged" and not c.moved and not st.show_unchanged:
            hidden_unchanged += 1
            continue
        if c.transient_only and not c.moved and not st.show_transient:
            hidden_transient += 1
            continue
        colour = {"added": GREEN, "removed": RED, "modified": YELLOW}.get(c.status, BLUE if c.moved else DIM)
        head = cell_header(c)
        out.append(st.paint(colour, f"── {head} " + "─" * max(0, st.width - len(head) - 4)))
        if c.source is not None and (c.source.changed or c.status in ("added", "removed")):
            out += render_text_diff(c.source, st, "  ")
        for o in c.outputs or []:
            if o.status == "unchanged" or (o.transient and not st.show_transient):
                continue
            out.append("  " + st.paint(DIM, _describe_output(o)))
            if o.text is not None and o.text.changed:
                out += render_text_diff(o.text, st, "    ")
            for m in o.mimes:
                if m.text is not None and m.text.changed and m.kind == "text":
                    out += render_text_diff(m.text, st, "    ")
        for ch in c.fields + c.metadata:
            if st.show_transient or not ch.transient:
                out.append("  " + st.paint(DIM, _change_line(ch)))
    hidden_transient += sum(1 for ch in diff.fields + diff.metadata if ch.transient and not st.show_transient)
    notes = []
    if hidden_unchanged:
        notes.append(f"{hidden_unchanged} unchanged cells")
    if hidden_transient:
        notes.append(f"{hidden_transient} transient changes")
    if notes:
        out.append(st.paint(DIM, f"({' and '.join(notes)} hidden)"))
    if not diff.has_changes:
        out.append("no changes")
    return "\n".join(out) + "\n"
