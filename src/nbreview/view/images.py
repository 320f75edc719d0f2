"""Image outputs as a reviewer sees them: which pairs to show and what their comparison is called.

The engine compares images by decoded pixels (:mod:`nbreview.engine.images`); this module turns a
changed output into :class:`ImagePair` items (where each side's picture is in the notebooks,
its size, and the one phrase every renderer prints for the comparison). The terminal prints the
verdict, the page draws the pair with its image-diff modes, the PR comment a before/after table.
"""

from __future__ import annotations

from nbreview.engine.content import output_at
from nbreview.records import dataclass, field

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    from nbreview.engine.model import ImageDiff, JSONDict, MimeDiff, NotebookDiff, OutputDiff

Place = tuple[int, int]  # (cell index, output index) in one notebook

TOO_LARGE = "too large to compare pixels (compared by bytes)"
SAME_PIXELS = "re-encoded, same pixels"


def image_bytes(value: Any, mime: str) -> bytes | None:
    """The bytes of an image as a notebook stores it (base64, or text for SVG); None if unreadable."""
    from nbreview.engine.images import decode_b64

    if value is None:
        return None
    if mime == "image/svg+xml":
        text = "".join(value) if isinstance(value, list) else str(value)
        return text.encode("utf-8")
    try:
        return decode_b64(value)
    except (ValueError, TypeError):  # base64's binascii.Error is a ValueError
        return None


def picture_size(value: Any) -> tuple[int, int] | None:
    """(width, height) of a stored raster image, read from its header (None when unreadable)."""
    from nbreview.engine.images import image_size

    return image_size(value)


def image_info(value: Any) -> tuple[tuple[int, int] | None, int]:
    """(width, height) of a base64 image and its decoded size in bytes."""
    from nbreview.engine.images import decode_b64, image_size

    try:
        nbytes = len(decode_b64(value))
    except ValueError:  # base64's binascii.Error is one
        return None, 0
    return image_size(value), nbytes


def size_text(size: tuple[int, int] | None) -> str:
    """``240×160`` (``?×?`` when the size is unknown)."""
    return f"{size[0]}×{size[1]}" if size else "?×?"


def byte_size(n: int) -> str:
    """A byte count as people read it: ``512 B``, ``3.4 kB``, ``1.2 MB``."""
    return f"{n} B" if n < 1024 else (f"{n / 1024:.1f} kB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB")


def _percent(fraction: float) -> str:
    if 0 < fraction < 0.001:
        return "<0.1%"
    if 0.999 < fraction < 1:
        return ">99.9%"
    return f"{fraction * 100:.1f}%"


def verdict(img: ImageDiff | None) -> str:
    """The one phrase for a pixel comparison: ``3.2% of pixels changed``, ``resized 10×10 → 20×20``..."""
    from nbreview.engine.images import too_large

    if img is None:
        return "pixels not compared"
    if too_large(img):
        return TOO_LARGE
    if img.error:
        return "could not decode the image to compare pixels"
    if img.pixels_equal:
        return SAME_PIXELS
    if img.old_size != img.new_size:
        return f"resized {size_text(img.old_size)} → {size_text(img.new_size)}"
    return f"{_percent(img.changed_fraction)} of pixels changed"


@dataclass(frozen=True, slots=True)
class ImagePair:
    """One image of an output, before and after; a side is None when the image is not on it.

    It carries each side's stored value (base64, or SVG text), so a renderer draws or uploads
    the pictures without looking anything up in the notebooks."""

    mime: str
    status: str  # "added", "removed" or "modified"
    old: Place | None
    new: Place | None
    old_size: tuple[int, int] | None
    new_size: tuple[int, int] | None
    verdict: str
    pixels_equal: bool = False
    old_value: Any = field(default=None, compare=False, repr=False)
    new_value: Any = field(default=None, compare=False, repr=False)

    def old_bytes(self) -> bytes | None:
        return image_bytes(self.old_value, self.mime) if self.old is not None else None

    def new_bytes(self) -> bytes | None:
        return image_bytes(self.new_value, self.mime) if self.new is not None else None


def _stored(out: JSONDict, mime: str) -> Any:
    data = out.get("data")
    return data.get(mime) if isinstance(data, dict) else None


def _stored_size(value: Any, mime: str) -> tuple[int, int] | None:
    if value is None or not mime.startswith("image/") or mime == "image/svg+xml":
        return None
    from nbreview.engine.images import image_size

    return image_size(value)


def image_pair(
    cell: tuple[int | None, int | None], o: OutputDiff, m: MimeDiff, old_out: JSONDict, new_out: JSONDict
) -> ImagePair:
    """The pair for one image MIME type of a changed, added or removed output of the cell at
    ``cell`` (its old and new index); ``old_out``/``new_out`` are the output on each side."""
    old = (cell[0], o.old_index) if cell[0] is not None and o.old_index is not None else None
    new = (cell[1], o.new_index) if cell[1] is not None and o.new_index is not None else None
    if o.status == "added" or m.status == "added":
        old, status = None, "added"
    elif o.status == "removed" or m.status == "removed":
        new, status = None, "removed"
    else:
        status = "modified"
    old_value = _stored(old_out, m.mime) if old is not None else None
    new_value = _stored(new_out, m.mime) if new is not None else None
    img = m.image
    old_size = img.old_size if img and img.old_size else _stored_size(old_value, m.mime)
    new_size = img.new_size if img and img.new_size else _stored_size(new_value, m.mime)
    said = verdict(img) if status == "modified" else status
    return ImagePair(m.mime, status, old, new, old_size, new_size, said, bool(img and img.pixels_equal),
                     old_value, new_value)


def output_data(nb: JSONDict | None, cell: int, output: int, mime: str) -> Any:
    """The stored value of one MIME type of one output, or None when there is none."""
    data = output_at(nb, cell, output).get("data")
    return data.get(mime) if isinstance(data, dict) else None


def difference_image(d: NotebookDiff, old: tuple[int, int], new: tuple[int, int], mime: str) -> bytes | None:
    """The difference picture of two output images, or None when they cannot be decoded."""
    return difference_png_of(output_data(d.old_nb, old[0], old[1], mime), output_data(d.new_nb, new[0], new[1], mime))


def difference_png_of(old_value: Any, new_value: Any) -> bytes | None:
    """The difference picture of two stored images, or None when either is missing or unreadable."""
    from PIL import UnidentifiedImageError

    from nbreview.engine.images import difference_png

    if old_value is None or new_value is None:
        return None
    try:
        return difference_png(old_value, new_value)
    except (UnidentifiedImageError, OSError, ValueError):  # binascii.Error too
        return None
