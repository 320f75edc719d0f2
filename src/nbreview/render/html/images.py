"""Images on a page: where a page finds them, their tags, and the old/new comparison widget.

The server links images by URL (loaded lazily); the self-contained report inlines them as
``data:`` URIs (:class:`InlineImages`). Both implement :class:`~nbreview.render.html.context.ImageLinks`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nbreview.render.escape import esc
from nbreview.render.html.context import ImageLinks, JSONDict, Side
from nbreview.view import cell_at, cell_output, value_text
from nbreview.view.images import ImagePair, difference_png_of, picture_size

if TYPE_CHECKING:
    from nbreview.view import NotebookView


def attachment_data(nb: JSONDict | None, cell: int, name: str, mime: str) -> Any:
    """The stored value of one MIME type of a markdown cell's attachment, or None."""
    return attachment_value(cell_at(nb, cell), name, mime)


def attachment_value(cell: JSONDict, name: str, mime: str) -> Any:
    """The stored value of one MIME type of a cell's attachment ``name``, or None."""
    attachments = cell.get("attachments")
    bundle = attachments.get(name) if isinstance(attachments, dict) else None
    return bundle.get(mime) if isinstance(bundle, dict) else None


@dataclass
class InlineImages:
    """Images as ``data:`` URIs, for the self-contained report (read from the view's cells)."""

    view: NotebookView

    def _uri(self, value: Any, mime: str) -> str:
        """A stored image as a ``data:`` URI (base64 kept as stored, SVG text encoded)."""
        if value is None:
            return ""
        text = "".join(value) if isinstance(value, list) else str(value)
        if mime == "image/svg+xml":
            return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
        return f"data:{mime};base64," + re.sub(r"\s+", "", text)

    def _value(self, side: Side, cell: int, output: int, mime: str) -> Any:
        data = cell_output(self.view.side_cell(side, cell), output).get("data")
        return data.get(mime) if isinstance(data, dict) else None

    def image(self, side: Side, cell: int, output: int, mime: str) -> str:
        return self._uri(self._value(side, cell, output, mime), mime)

    def difference(self, old: tuple[int, int], new: tuple[int, int], mime: str) -> str:
        png = difference_png_of(self._value("old", *old, mime), self._value("new", *new, mime))
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else ""

    def attachment(self, side: Side, cell: int, name: str, mime: str) -> str:
        return self._uri(attachment_value(self.view.side_cell(side, cell), name, mime), mime)


def place_attributes(side: Side, cell: int, output: int, mime: str) -> str:
    """`` data-side data-cell data-output data-mime``: where a picture is, for the page's scripts
    (which read these, never the displayed text or the image's URL)."""
    return f' data-side="{side}" data-cell="{cell}" data-output="{output}" data-mime="{esc(mime)}"'


def image_tag(links: ImageLinks, side: Side, cell: int, output: int, mime: str, value: Any) -> str:
    """An output's picture, sized (so the page does not jump as images load lazily)."""
    size = picture_size(value) if mime != "image/svg+xml" else _svg_size(value)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    src = links.image(side, cell, output, mime)
    place = place_attributes(side, cell, output, mime)
    return f'<img src="{esc(src)}"{dims}{place} loading="lazy" decoding="async" alt="{esc(mime)} output">'


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


# The sides' words under a picture, as in the PR comment ("old" would read like "outdated").
SIDE_WORDS = {"old": "before", "new": "after"}


def _figure(links: ImageLinks, side: Side, where: tuple[int, int], mime: str, size: tuple[int, int] | None) -> str:
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    src = links.image(side, where[0], where[1], mime)
    word = SIDE_WORDS[side]
    caption = f"{word} · {size[0]}×{size[1]}" if size else word
    return (
        f'<figure class="{side}"><img src="{esc(src)}"{dims}{place_attributes(side, where[0], where[1], mime)} '
        f'loading="lazy" decoding="async" alt="{word}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


_MODES = (("2up", "2-up"), ("swipe", "Swipe"), ("onion", "Onion skin"), ("diff", "Difference"))


def image_comparison(links: ImageLinks, pair: ImagePair) -> str:
    """A changed image: old and new in four modes (2-up, swipe, onion skin, difference) and the view's verdict."""
    assert pair.old is not None and pair.new is not None
    old_size, new_size = pair.old_size, pair.new_size
    difference_src = links.difference(pair.old, pair.new, pair.mime)
    both = (max(old_size[0], new_size[0]), max(old_size[1], new_size[1])) if old_size and new_size else None
    difference_dims = f' width="{both[0]}" height="{both[1]}"' if both else ""
    tabs = "".join(
        f'<button type="button" data-mode="{mode}"{" class=on" if mode == "2up" else ""}>{title}</button>'
        for mode, title in _MODES
    )
    return (
        f'<div class="imgdiff mode-2up"><div class="tabs">{tabs}<span class="frac">{esc(pair.verdict)}</span></div>'
        f'<div class="stage">{_figure(links, "old", pair.old, pair.mime, old_size)}'
        f"{_figure(links, 'new', pair.new, pair.mime, new_size)}"
        f'<figure class="diffimg"><img data-src="{esc(difference_src)}"{difference_dims} '
        'alt="changed pixels in magenta"><figcaption>changed pixels in magenta</figcaption></figure></div>'
        f'<input type="range" class="slider" min="0" max="100" value="50" aria-label="swipe or fade position"></div>'
    )
