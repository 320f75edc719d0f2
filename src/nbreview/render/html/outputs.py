"""Outputs as a reviewer sees them in Jupyter, made safe: streams, errors, rich data, diffs.

For a rich output the view's choice of representation is drawn (:func:`nbreview.view.choose_mime`:
pictures first); a changed output shows its image comparison, its text diff, or old and new side by side.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nbreview.render.escape import esc
from nbreview.render.html.ansi import ansi_to_html
from nbreview.render.html.context import JSONDict, RenderContext, Side
from nbreview.render.html.images import image_comparison, image_tag
from nbreview.render.html.markdown import render_markdown
from nbreview.render.html.safe import latex_to_mathml, sanitize_html
from nbreview.render.html.text import render_text_diff
from nbreview.view import (
    HUGE_TEXT_CHARS,
    MIME_ORDER,
    TEXT_DIFF_MIMES,
    CellView,
    OutputView,
    choose_mime,
    head_and_tail,
    is_image,
    value_text,
)
from nbreview.view.images import byte_size

__all__ = ["MIME_ORDER", "choose_mime", "render_mime", "render_output", "render_outputs"]

def _long_text(text: str) -> str:
    """Terminal-coloured text as HTML; a huge one shows its first and last lines and a count."""
    head, tail, hidden = head_and_tail(text)
    if not tail:
        return ansi_to_html(head)
    gap = f"⋯ {hidden} lines not shown ⋯\n" if hidden else "⋯ text too long, its middle not shown ⋯\n"
    return f'{ansi_to_html(head)}<span class="cut">{gap}</span>{ansi_to_html(tail)}'


def render_output(ctx: RenderContext, side: Side, cell: int, index: int, output: Any) -> str:
    """One output as a reviewer sees it in Jupyter, made safe."""
    if not isinstance(output, dict):
        return '<div class="out unknown">unreadable output</div>'
    output_type = output.get("output_type")
    if output_type == "stream":
        name = str(output.get("name", "stdout"))
        return f'<pre class="out stream {esc(name)}">{_long_text(value_text(output.get("text", "")))}</pre>'
    if output_type == "error":
        traceback = output.get("traceback")
        text = f"{output.get('ename')}: {output.get('evalue')}"
        if isinstance(traceback, list) and traceback:
            text = "\n".join(str(line) for line in traceback)
        return f'<pre class="out error">{_long_text(text)}</pre>'
    data = output.get("data")
    if not isinstance(data, dict) or not data:
        return f'<div class="out unknown">{esc(output_type)} output without data</div>'
    mime = choose_mime(data)
    assert mime is not None
    return render_mime(ctx, side, cell, index, mime, data[mime], data)


def render_mime(ctx: RenderContext, side: Side, cell: int, index: int, mime: str, value: Any, data: JSONDict) -> str:
    """One representation of a rich output; ``data`` is the whole bundle (it decides JSON-like types)."""
    label = f'<span class="mime">{esc(mime)}</span>'
    if is_image(mime):
        return f'<div class="out image">{image_tag(ctx.links, side, cell, index, mime, value)}{label}</div>'
    text = value_text(value)
    if mime != "text/plain" and len(text) > HUGE_TEXT_CHARS:
        size = byte_size(len(text.encode("utf-8", "replace")))
        return f'<div class="out unknown">{label} · {size} · too large to render here</div>'
    if mime == "text/html":
        return f'<div class="out html">{sanitize_html(text)}</div>'
    if mime == "text/markdown":
        return f'<div class="out markdown md">{render_markdown(text)}</div>'
    if mime == "text/latex":
        return _latex(text.strip())
    json_like = mime.startswith("application/") and mime.endswith("+json") and "text/plain" not in data
    if mime == "application/json" or json_like:
        body = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
        if mime != "application/json":
            size = byte_size(len(body.encode()))
            return f'<div class="out unknown">{label} · {size} · not rendered here</div>'
        return f'<pre class="out json">{esc(body)}</pre>'
    if mime == "text/plain":
        return f'<pre class="out plain">{_long_text(text)}</pre>'
    size = byte_size(len(text.encode("utf-8", "replace")))
    return f'<div class="out unknown">{label} · {size} · not rendered here</div>'


def _latex(text: str) -> str:
    """A ``text/latex`` output: one formula (``$$..$$``, ``$..$``, ``\\[..\\]``) as MathML, else its source."""
    formula = re.fullmatch(r"\$\$(.*)\$\$|\$(.*)\$|\\\[(.*)\\\]", text, re.S)
    if formula:
        inner = next(group for group in formula.groups() if group is not None)
        return f'<div class="out latex">{latex_to_mathml(inner, True)}</div>'
    return f'<pre class="out latex">{esc(text)}</pre>'


def _row(cls: str, side: Side, body: str, where: str) -> str:
    return f'<div class="orow {cls}"{where}><div class="oside {side}">{body}</div></div>'


def _where(output_view: OutputView) -> str:
    """Which output of each side a row shows (``data-old="cell:output"``, ``data-new``), so a review
    thread written on an output, or on one of its table rows, is placed under it."""
    (old_cell, new_cell), o = output_view.cell, output_view.diff
    sides = (("old", old_cell, o.old_index), ("new", new_cell, o.new_index))
    return "".join(f' data-{side}="{c}:{k}"' for side, c, k in sides if c is not None and k is not None)


def _output_row(ctx: RenderContext, output_view: OutputView) -> str:
    """One output of a cell present on both sides: shown once when on one side or unchanged, else compared."""
    output = output_view.diff
    old_cell, new_cell = output_view.cell
    old_output, new_output = output.old_index, output.new_index
    unchanged = output.status == "unchanged"
    if output.status == "added" or (unchanged and new_cell is not None and new_output is not None):
        assert new_cell is not None and new_output is not None
        body = render_output(ctx, "new", new_cell, new_output, output_view.new)
        return _row("same" if unchanged else "added", "new", body, _where(output_view))
    if output.status == "removed" or (unchanged and old_cell is not None and old_output is not None):
        assert old_cell is not None and old_output is not None
        body = render_output(ctx, "old", old_cell, old_output, output_view.old)
        return _row("same" if unchanged else "removed", "old", body, _where(output_view))
    return _modified_row(ctx, output_view)


def _modified_row(ctx: RenderContext, output_view: OutputView) -> str:
    """A changed output: its image comparison, a text diff of what changed, or old and new side by side
    (which representation is the view's: :attr:`~nbreview.view.OutputView.shown_mime`, ``best_text``)."""
    output = output_view.diff
    old_cell, new_cell = output_view.cell
    assert old_cell is not None and new_cell is not None
    assert output.old_index is not None and output.new_index is not None
    tag = " transient" if output.transient else ""
    at = _where(output_view)
    note = '<div class="onote">changed only in volatile parts (timings, addresses)</div>' if output.transient else ""
    chosen = output_view.shown_mime if output_view.new else None
    if chosen is not None:
        shown = output_view.part(chosen)
        pair = output_view.image(chosen) if shown is not None and shown.kind == "image" else None
        if pair is not None and pair.status == "modified":
            return f'<div class="orow modified{tag}"{at}>{image_comparison(ctx.links, pair)}{note}</div>'
        if shown is not None and shown.text is not None and shown.text.changed and chosen in TEXT_DIFF_MIMES:
            body = render_text_diff(shown.text, None)
            return f'<div class="orow modified textdiff{tag}"{at}><div class="out plain">{body}</div>{note}</div>'
        other = output_view.best_text(show_transient=True)
        if (shown is None or shown.status == "unchanged") and other is not None and other[0] != chosen:
            # What is shown did not change, another representation did (an HTML table the same,
            # its text/plain different): show it once, then the diff of what changed.
            rendered = render_output(ctx, "new", new_cell, output.new_index, output_view.new)
            label = f'<div class="onote">{esc(other[0])} changed:</div>'
            body = render_text_diff(other[1], None)
            return (
                f'<div class="orow modified textdiff{tag}"{at}>{rendered}{label}'
                f'<div class="out plain">{body}</div>{note}</div>'
            )
    if output.text is not None and output.text.changed:
        body = render_text_diff(output.text, None)
        kind = esc(output.output_type)
        return f'<div class="orow modified textdiff{tag}"{at}><div class="out {kind}">{body}</div>{note}</div>'
    left = render_output(ctx, "old", old_cell, output.old_index, output_view.old)
    right = render_output(ctx, "new", new_cell, output.new_index, output_view.new)
    return (
        f'<div class="orow modified{tag}"{at}><div class="oside old">{left}</div>'
        f'<div class="oside new">{right}</div>{note}</div>'
    )


def render_outputs(ctx: RenderContext, cell_view: CellView) -> str:
    """A code cell's outputs: all of one side for an added or removed cell, else output by output."""
    cell = cell_view.diff
    rows: list[str] = []
    if cell.status == "added" or cell.status == "removed":
        side: Side = "new" if cell.status == "added" else "old"
        index = cell.new_index if side == "new" else cell.old_index
        assert index is not None
        cls = "added" if side == "new" else "removed"
        for k, output in cell_view.whole_outputs:
            rows.append(_row(cls, side, render_output(ctx, side, index, k, output), f' data-{side}="{index}:{k}"'))
    elif cell.outputs is not None:
        rows = [_output_row(ctx, output_view) for output_view in cell_view.outputs]
    else:
        index = cell.new_index
        assert index is not None
        old = "" if cell.old_index is None else f' data-old="{cell.old_index}:{{k}}"'  # the same outputs
        for k, output in cell_view.whole_outputs:
            where = old.format(k=k) + f' data-new="{index}:{k}"'
            rows.append(_row("same", "new", render_output(ctx, "new", index, k, output), where))
    return f'<div class="outs">{"".join(rows)}</div>' if rows else ""
