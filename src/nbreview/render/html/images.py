"""Images on a page: where a page finds them, their tags, and the old/new comparison widget.

The server links images by URL (loaded lazily); the self-contained report inlines them as
``data:`` URIs (:class:`InlineImages`). Both implement :class:`~nbreview.render.html.context.ImageLinks`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from nbreview.engine.content import value_text
from nbreview.engine.images import decode_b64, image_size, too_large
from nbreview.engine.model import CellDiff, ImageDiff, NotebookDiff, OutputDiff
from nbreview.render.escape import esc
from nbreview.render.html.context import ImageLinks, JSONDict, Side


def output_data(nb: JSONDict | None, cell: int, output: int, mime: str) -> Any:
    """The stored value of one MIME type of one output, or None when there is none."""
    try:
        return nb["cells"][cell]["outputs"][output]["data"][mime]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def attachment_data(nb: JSONDict | None, cell: int, name: str, mime: str) -> Any:
    """The stored value of one MIME type of a markdown cell's attachment, or None."""
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


def image_tag(links: ImageLinks, side: Side, cell: int, output: int, mime: str, value: Any) -> str:
    """An output's picture, sized (so the page does not jump as images load lazily)."""
    size = image_size(value) if mime != "image/svg+xml" else _svg_size(value)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    src = links.image(side, cell, output, mime)
    return f'<img src="{esc(src)}"{dims} loading="lazy" decoding="async" alt="{esc(mime)} output">'


def _svg_size(value: Any) -> tuple[int, int] | None:
    """The width and height an SVG's root element declares (in px or pt), if both are plain numbers."""
    text = value_text(value)[:2000]
    root = re.search(r"<svg[^>]*>", text, re.S)
    if not root:
        return None
    width = re.search(r'\bwidth="([\d.]+)(?:pt|px)?"', root.group(0))
    height = re.search(r'\bheight="([\d.]+)(?:pt|px)?"', root.group(0))
    if width and height:
        return (round(float(width.group(1))), round(float(height.group(1))))
    return None


def _verdict(image: ImageDiff | None, old_size: tuple[int, int] | None, new_size: tuple[int, int] | None) -> str:
    """What the comparison found, in a few words beside the tabs."""
    if too_large(image):
        return "too large to compare pixels (compared by bytes)"
    if image is None or image.error:
        return "pixels not compared"
    if image.pixels_equal:
        return "pixels identical"
    if old_size != new_size:
        return "sizes differ"
    return f"{image.changed_fraction * 100:.1f}% of pixels changed"


def _figure(links: ImageLinks, side: Side, where: tuple[int, int], mime: str, size: tuple[int, int] | None) -> str:
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    src = links.image(side, where[0], where[1], mime)
    caption = f"{side} · {size[0]}×{size[1]}" if size else side
    return (
        f'<figure class="{side}"><img src="{esc(src)}"{dims} loading="lazy" decoding="async" alt="{side} image">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


_MODES = (("2up", "2-up"), ("swipe", "Swipe"), ("onion", "Onion skin"), ("diff", "Difference"))


def image_diff(links: ImageLinks, d: NotebookDiff, cell: CellDiff, output: OutputDiff, mime: str) -> str:
    """A changed image: old and new in four modes (2-up, swipe, onion skin, difference) and the verdict."""
    assert output.old_index is not None and output.new_index is not None
    assert cell.old_index is not None and cell.new_index is not None
    old_at, new_at = (cell.old_index, output.old_index), (cell.new_index, output.new_index)
    mime_diff = next((m for m in output.mimes if m.mime == mime), None)
    image = mime_diff.image if mime_diff else None
    old_size = image.old_size if image and image.old_size else image_size(output_data(d.old_nb, *old_at, mime))
    new_size = image.new_size if image and image.new_size else image_size(output_data(d.new_nb, *new_at, mime))
    difference_src = links.difference(old_at, new_at, mime)
    both = (max(old_size[0], new_size[0]), max(old_size[1], new_size[1])) if old_size and new_size else None
    difference_dims = f' width="{both[0]}" height="{both[1]}"' if both else ""
    tabs = "".join(
        f'<button type="button" data-mode="{mode}"{" class=on" if mode == "2up" else ""}>{title}</button>'
        for mode, title in _MODES
    )
    verdict = _verdict(image, old_size, new_size)
    return (
        f'<div class="imgdiff mode-2up"><div class="tabs">{tabs}<span class="frac">{esc(verdict)}</span></div>'
        f'<div class="stage">{_figure(links, "old", old_at, mime, old_size)}'
        f'{_figure(links, "new", new_at, mime, new_size)}'
        f'<figure class="diffimg"><img data-src="{esc(difference_src)}"{difference_dims} '
        'alt="changed pixels in magenta"><figcaption>changed pixels in magenta</figcaption></figure></div>'
        f'<input type="range" class="slider" min="0" max="100" value="50" aria-label="swipe or fade position"></div>'
    )
