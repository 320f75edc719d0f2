"""Outputs in a comment, in brief: a one-line description, a short text diff, pictures before / after.

Which pictures changed and what their comparison is called come from :mod:`nbreview.view.images`;
the comment draws only raster images (SVG stays a text diff: hosts do not show SVG linked from a
comment reliably).
"""

from __future__ import annotations

from typing import Any

from nbreview.render.markdown.images import ImageAllowance, PictureLinks, before_after
from nbreview.render.markdown.inert import fence, inline
from nbreview.render.markdown.results import grid
from nbreview.render.markdown.text import clip, diff_lines
from nbreview.view import OutputView, is_raster, output_text
from nbreview.view import results as results_view
from nbreview.view.images import image_bytes
from nbreview.view.noise import repr_only

# A huge output is not split whole to show a few lines: this many characters per line shown are read.
CHARS_PER_LINE_READ = 400


def _describe(output: OutputView, verdicts: dict[str, str]) -> str:
    """``output 2 · display_data · modified · image/png 2.2% of pixels changed; text/plain modified``
    (the MIME types the view lists: :attr:`~nbreview.view.OutputView.parts`)."""
    o = output.diff
    what = [f"{p.diff.mime} {verdicts.get(p.diff.mime, p.diff.status)}"
            for p in output.parts if p.visibility != "hidden"]
    head = f"output {output.index} · {o.output_type or 'output'} · {o.status}"
    return head + (" · " + "; ".join(what) if what else "")


def _tables(output: OutputView, max_rows: int) -> list[str]:
    """The output's diffed tables (the view's, :mod:`nbreview.view.results`) drawn as tables, ``max_rows`` rows each."""
    if not max_rows:
        return []
    views = [results_view.table_view(t, max_rows=max_rows) for t in output.tables]
    return [f"<sub>table: {inline(v.title)}</sub>\n\n{grid(v)}" for v in views]


def output_block(
    output: OutputView, max_lines: int, linker: PictureLinks | None, allowance: ImageAllowance
) -> list[str]:
    """A changed output of a modified cell: what changed, its table or text diffs, its pictures before / after.

    A diffed table is drawn as a table (its text is then not diffed again); object reprs
    (``<Figure size …>``, ``<… at 0x…>``) are left out of the text (:func:`nbreview.view.noise.repr_only`)."""
    pairs = [p for p in output.images if is_raster(p.mime)]
    lines = [f"<sub>{inline(_describe(output, {p.mime: p.verdict for p in pairs}))}</sub>\n"]
    tables = _tables(output, max_lines)
    lines += tables
    if max_lines and not tables:
        for _, td in output.texts():
            body = clip(diff_lines(td, context=1, wrap=100, drop=repr_only), max_lines)
            if body:
                lines.append(fence("\n".join(body), "diff"))
    for pair in pairs:
        if pair.pixels_equal:
            continue  # re-encoded, same pixels: said in the description, nothing to look at
        table = before_after(pair.old_bytes(), pair.new_bytes(), pair.mime, linker, allowance)
        if table:
            lines.append(table)
    return lines


def _first_lines(text: str, max_lines: int) -> list[str]:
    """An added output's text as ``+`` lines, the first ``max_lines`` and a count of the rest."""
    head = text[: CHARS_PER_LINE_READ * max_lines]
    body = [f"+ {ln}" for ln in head.splitlines() if not repr_only(ln)]
    more = len(body) - max_lines
    if len(head) < len(text):
        more = text.count("\n") + (not text.endswith("\n")) - max_lines
    body = body[:max_lines]
    if more > 0:
        body.append(f"… {more} more lines")
    return body


def added_outputs(
    outputs: list[tuple[int, Any]], max_lines: int, linker: PictureLinks | None, allowance: ImageAllowance
) -> list[str]:
    """A new cell's outputs in brief (:attr:`~nbreview.view.CellView.whole_outputs`): the first lines
    of its text, its pictures."""
    lines: list[str] = []
    for k, output in outputs:
        if not isinstance(output, dict):
            continue
        data = output.get("data") or {}
        mimes = [m for m in data if is_raster(m)]
        what = f"output {k} · {output.get('output_type', 'output')} · added" + (
            " · " + ", ".join(mimes) if mimes else ""
        )
        lines.append(f"<sub>{inline(what)}</sub>\n")
        text = output_text(output, error="summary")
        shown = _first_lines(text, max_lines) if text and max_lines else []
        if shown:
            lines.append(fence("\n".join(shown), "diff"))
        for mime in mimes:
            picture = image_bytes(data.get(mime), mime)
            table = before_after(None, picture, mime, linker, allowance) if picture is not None else None
            if table:
                lines.append(table)
    return lines
