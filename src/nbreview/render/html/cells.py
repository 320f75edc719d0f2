"""One cell as a section of the page: header (numbers, status, moves), source, outputs, metadata."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nbreview.render.escape import esc
from nbreview.render.html.context import RenderContext, Side
from nbreview.render.html.markdown import render_markdown
from nbreview.render.html.outputs import render_outputs
from nbreview.render.html.syntax import lexer_for
from nbreview.render.html.text import render_source, render_text_diff
from nbreview.view import IMAGE_MIMES, MISSING, CellView, cell_source, plural

if TYPE_CHECKING:
    from pygments.lexer import Lexer

    from nbreview.engine.model import Span, TextDiff, ValueChange


def _path(path: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in path) or "(root)"


def _short(value: Any) -> str:
    """A metadata value in one line of at most 120 characters."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _change_item(change: ValueChange) -> str:
    if change.op == "add":
        body = f"<ins>{esc(_short(change.new))}</ins>"
    elif change.op == "remove":
        body = f"<del>{esc(_short(change.old))}</del>"
    else:
        body = f"<del>{esc(_short(change.old))}</del> → <ins>{esc(_short(change.new))}</ins>"
    old_new = body if (change.old is not MISSING or change.new is not MISSING) else ""
    return f"<li><code>{esc(_path(change.path))}</code> {old_new}</li>"


def render_changes(changes: list[ValueChange], what: str) -> str:
    """Metadata changes as a list; transient ones folded with their count."""
    real = [c for c in changes if not c.transient]
    transient = [c for c in changes if c.transient]
    parts = []
    if real:
        parts.append(f'<ul class="changes">{"".join(_change_item(c) for c in real)}</ul>')
    if transient:
        items = "".join(_change_item(c) for c in transient)
        parts.append(
            f'<details class="transient"><summary>{plural(len(transient), f"transient {what} change")} hidden '
            f'(timestamps, UI state)</summary><ul class="changes">{items}</ul></details>'
        )
    return f'<div class="meta">{"".join(parts)}</div>' if parts else ""


def cell_anchor(key: tuple[int | None, int | None]) -> str:
    """The id on the page of the cell at (old, new index) (a :attr:`CellView.key`): ``n<new index>``,
    or ``o<old index>`` for a removed cell."""
    old, new = key
    return f"n{new}" if new is not None else f"o{old}"


def _cell_source(cell_view: CellView, lexer: Lexer | None) -> str:
    """The source: a diff when it changed, else one side's text (marked when added or removed)."""
    cell = cell_view.diff
    if cell.source is not None and cell.source.changed and cell.status == "modified":
        return render_text_diff(cell.source, lexer)
    if cell.status == "removed":
        return render_source(cell_source(cell_view.old_cell), lexer, "del")
    mark = "ins" if cell.status == "added" else ""
    shown = cell_view.new_cell or (cell.cell or {})
    return render_source(cell_source(shown), lexer, mark)


def _word_spans(diff: TextDiff, side: Side, source: str) -> list[Span]:
    """The diff's changed words as character ranges of one side's whole text (the intraline spans
    the source view marks); none when the diff is not of this text."""
    spans: list[Span] = []
    at = 0
    for op in diff.lines:
        line, line_spans = (op.old_text, op.old_spans) if side == "old" else (op.new_text, op.new_spans)
        if line is None:
            continue
        spans += [(at + a, at + b) for a, b in line_spans if b > a]
        at += len(line)
    return spans if at == len(source) else []


def _rendered_markdown(
    ctx: RenderContext, cell_view: CellView, side: Side, diff: TextDiff | None = None
) -> str:
    """One side's markdown cell rendered (once per page), its attachments linked by ``ctx.links``;
    with the cell's source ``diff``, its changed words marked."""
    index = cell_view.key[0 if side == "old" else 1]
    if index is None:
        return ""
    key = (side, index)
    if diff is not None or key not in ctx.md_cache:
        cell = cell_view.old_cell if side == "old" else cell_view.new_cell
        attachments = cell.get("attachments") if isinstance(cell.get("attachments"), dict) else {}

        def attachment(name: str) -> str | None:
            bundle = attachments.get(name) if attachments else None
            if not isinstance(bundle, dict):
                return None
            mime = next((m for m in IMAGE_MIMES if m in bundle), None)
            return ctx.links.attachment(side, index, name, mime) if mime else None

        source = cell_source(cell)
        if diff is not None:
            return render_markdown(source, attachment, _word_spans(diff, side, source))
        ctx.md_cache[key] = render_markdown(source, attachment)
    return ctx.md_cache[key]


# Under a rendered markdown cell whose changes left no visible mark (an image's URL, a tag's attribute).
_MARKUP_NOTE = '<div class="onote mdnote">changed only in markup the rendered cell does not show: see its source</div>'


def _markdown_view(ctx: RenderContext, cell_view: CellView) -> str:
    """A markdown cell as it reads: old and new rendered side by side when its source changed."""
    cell = cell_view.diff
    if cell.status == "modified" and cell.source is not None and cell.source.changed:
        old = _rendered_markdown(ctx, cell_view, "old", cell.source)
        new = _rendered_markdown(ctx, cell_view, "new", cell.source)
        note = "" if 'class="mdw"' in old + new or ' mdw"' in old + new else _MARKUP_NOTE
        return f'<div class="rendered two"><div class="md old">{old}</div><div class="md new">{new}</div>{note}</div>'

    if cell.status == "removed":
        return f'<div class="rendered"><div class="md old">{_rendered_markdown(ctx, cell_view, "old")}</div></div>'
    return f'<div class="rendered"><div class="md new">{_rendered_markdown(ctx, cell_view, "new")}</div></div>'


def _execution_counts(cell_view: CellView) -> str:
    """``In [4]``, or ``In [4] → [5]`` when a code cell's execution count changed."""
    cell = cell_view.diff
    if cell.cell_type != "code":
        return ""
    old, new = cell_view.old_count, cell_view.new_count
    old_text, new_text = ("" if old is None else old), ("" if new is None else new)
    if cell.old_index is None:
        return f'<span class="exec">In [{esc(new_text)}]</span>'
    if cell.new_index is None or old == new:
        return f'<span class="exec">In [{esc(old_text if cell.new_index is None else new_text)}]</span>'
    return f'<span class="exec">In [{esc(old_text)}] → [{esc(new_text)}]</span>'


def _header(cell_view: CellView, anchor: str) -> str:
    """Numbers (old → new, a link to the cell), type, execution counts, status, move and what changed."""
    cell = cell_view.diff
    old = "" if cell.old_index is None else f"[{cell.old_index}]"
    new = "" if cell.new_index is None else f"[{cell.new_index}]"
    numbers = f"{old} → {new}" if old and new else (f"{old} → ∅" if old else f"∅ → {new}")
    moved = f'<span class="movedfrom">moved from #{cell.old_index}</span>' if cell.moved else ""
    aspects = [a for a in cell.changed if a != "execution_count" or cell.reexecuted]
    what = f'<span class="aspects">{esc(" · ".join(aspects))}</span>' if aspects and cell.status == "modified" else ""
    switch = ""
    if cell.cell_type == "markdown":
        switch = '<button type="button" class="mdswitch" aria-pressed="false" title="markdown source">source</button>'
    return (
        f'<header class="ch"><a class="num" href="#{anchor}" title="link to this cell">{numbers}</a>'
        f'<span class="type">{esc(cell.cell_type)}</span>{_execution_counts(cell_view)}'
        f'<span class="status">{esc(cell_view.status)}</span>{moved}{what}{switch}</header>'
    )


def render_cell(ctx: RenderContext, cell_view: CellView) -> str:
    """One cell as a ``<section>``: header, source (and rendered markdown), outputs, metadata changes.

    ``chg`` (a stop of the ``j`` key) and ``quiet`` are the view's decisions: a re-executed cell whose
    result changed is a change, not quiet."""
    cell = cell_view.diff
    anchor = ctx.prefix + cell_anchor(cell_view.key)
    classes = ["cell", f"st-{cell.status}", f"type-{esc(cell.cell_type)}"]
    if cell.moved:
        classes.append("moved")
    if cell.status == "modified" and cell_view.visibility != "shown":
        classes.append("quiet")
    if cell_view.result:
        classes.append("result")
    if cell_view.change:
        classes.append("chg")
    if cell.cell_type == "markdown":
        source = _cell_source(cell_view, lexer_for("markdown"))
        body = f'{_markdown_view(ctx, cell_view)}<div class="srcview">{source}</div>'
    else:
        body = _cell_source(cell_view, ctx.lexer if cell.cell_type == "code" else None)
    outputs = render_outputs(ctx, cell_view) if cell.cell_type == "code" else ""
    fields = [f for f in cell.fields if f.path[:1] != ["execution_count"]]
    meta = render_changes(cell.metadata + fields, "metadata")
    numbers = "".join(f' data-{side}="{index}"' for side, index in (("old", cell.old_index), ("new", cell.new_index))
                      if index is not None)  # what the page's scripts read (not the header's "[3] → [4]")
    return (
        f'<section class="{" ".join(classes)}" id="{anchor}"{numbers}>{_header(cell_view, anchor)}'
        f'<div class="cb">{body}{outputs}{meta}</div></section>'
    )

