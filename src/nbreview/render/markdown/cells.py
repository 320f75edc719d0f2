"""One changed cell in a comment: its title line, its source as a ``diff`` block (or as prose for
markdown), its changed outputs in brief and the names of its changed metadata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nbreview.render.markdown.images import ImageAllowance, PictureLinks
from nbreview.render.markdown.inert import fence, inline
from nbreview.render.markdown.outputs import added_outputs, output_block
from nbreview.render.markdown.text import clip, diff_lines, prose_diff
from nbreview.view import CellView

if TYPE_CHECKING:
    from nbreview.engine.model import CellDiff, ValueChange

PROSE_WIDTH = 88  # an added or removed markdown cell's lines are wrapped to read on a phone


@dataclass(frozen=True)
class Detail:
    """How much of each notebook to show; the comment steps down until the body fits."""

    max_cells: int | None  # changed cells shown per notebook (None: all)
    max_lines: int  # lines per diff block
    max_output_lines: int
    images: int  # image pairs shown per comment
    name: str


LEVELS = (
    Detail(None, 80, 12, 30, "full"),
    Detail(25, 40, 8, 20, "fewer cells"),
    Detail(10, 20, 4, 10, "fewer cells"),
    Detail(4, 12, 0, 6, "first cells only"),
)


def _side_index(cell_view: CellView) -> str:
    old_index, new_index = cell_view.key
    old = f"[{old_index}]" if old_index is not None else "[ ]"
    new = f"[{new_index}]" if new_index is not None else "[ ]"
    return f"{old} → {new}"


def cell_title(cell_view: CellView) -> str:
    """``**Cell [3] → [4]** · code · modified · moved from [3]`` (the view's status word)."""
    c = cell_view.diff
    bits = [f"**Cell {_side_index(cell_view)}**", inline(c.cell_type), cell_view.status]
    if c.moved:
        bits.append(f"moved from [{c.old_index}]")  # never "#6": GitHub would link issue 6
    return " · ".join(bits)


def changed_names(changes: Sequence[ValueChange]) -> str:
    """The first two levels of each changed metadata path, sorted and made inert: ``kernelspec.name``."""
    names = sorted({".".join(str(p) for p in ch.path[:2]) or "(all)" for ch in changes})
    return inline(", ".join(names))


def _source_block(c: CellDiff, detail: Detail) -> list[str]:
    src = c.source
    if src is None:
        return []
    if src.changed and c.status == "modified" and c.cell_type == "markdown":
        return [prose_diff(src, detail.max_lines)]
    if not (src.changed or c.status in ("added", "removed")):
        return []
    body = clip(diff_lines(src, context=2, wrap=PROSE_WIDTH if c.cell_type == "markdown" else None), detail.max_lines)
    return [fence("\n".join(body), "diff")] if body else []  # an empty added or removed cell has no lines


def cell_block(
    cell_view: CellView, detail: Detail, linker: PictureLinks | None, allowance: ImageAllowance
) -> list[str]:
    """The lines of one shown cell (the outputs the view shows), pictures counted against ``allowance``."""
    c = cell_view.diff
    out = [cell_title(cell_view) + "\n", *_source_block(c, detail)]
    if c.status == "modified":
        for output in cell_view.outputs:
            if output.visibility == "shown":
                out += output_block(output, detail.max_output_lines, linker, allowance)
    elif c.status == "added" and cell_view.whole_outputs:
        out += added_outputs(cell_view.whole_outputs, detail.max_output_lines, linker, allowance)
    changes = [ch for ch in c.metadata + c.fields if not ch.transient]
    if changes:
        out.append(f"<sub>metadata changed: {changed_names(changes)}</sub>\n")
    return out
