"""Images compared by decoded pixels (Pillow, imported only when two images differ in bytes).

Pixels are decoded only under one budget, :data:`PIXEL_BUDGET` per image: a larger image, or
a header claiming a size Pillow calls a decompression bomb, is compared by its bytes and
reported as "too large to compare pixels", so a hostile notebook cannot exhaust memory.
"""

from __future__ import annotations

import io
import re
import warnings

from nbreview.engine.content import RASTER_MIMES, is_raster
from nbreview.engine.model import ImageDiff

__all__ = ["RASTER_MIMES", "compare_images", "decode_b64", "difference_png", "image_size", "is_raster"]

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    from PIL import Image

PIXEL_BUDGET = 25_000_000  # pixels per image that nbreview will decode (25 MP, about 100 MB as RGBA)


def decode_b64(value: Any) -> bytes:
    import base64  # here: only a changed image needs it (a git diff driver imports this module per notebook)

    text = "".join(value) if isinstance(value, list) else str(value)
    return base64.b64decode(text, validate=False)  # non-alphabet characters (newlines) are skipped


class TooLargeError(ValueError):
    """An image over the pixel budget (or a decompression bomb): it is not decoded."""


def _header(data: bytes) -> Image.Image:
    """Pillow's lazily opened image (header read, pixels not decoded); bombs raise TooLargeError."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise TooLargeError("too large to compare pixels (a decompression bomb by its header)") from None


def _open(data: bytes) -> Image.Image:
    img = _header(data)
    if img.width * img.height > PIXEL_BUDGET:
        raise TooLargeError(
            f"too large to compare pixels ({img.width}×{img.height}, over the {PIXEL_BUDGET // 1_000_000} MP budget)"
        )
    img.load()
    return img.convert("RGBA")


def image_size(value: Any) -> tuple[int, int] | None:
    """Width and height of a base64 image, read from its first bytes (no full decode)."""
    import base64

    from PIL import UnidentifiedImageError

    text = "".join(value) if isinstance(value, list) else str(value)
    for chunk in (4096, None):  # the header is almost always in the first few kilobytes
        part = re.sub(r"\s+", "", text[:chunk] if chunk else text)
        part = part[: len(part) - len(part) % 4]
        try:
            with _header(base64.b64decode(part)) as img:
                return (int(img.width), int(img.height))
        except TooLargeError:
            return None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):  # binascii.Error too
            continue
    return None


def too_large(img: ImageDiff | None) -> bool:
    """Whether an image comparison fell back to bytes because of the pixel budget."""
    return img is not None and (img.error or "").startswith("too large to compare pixels")


def compare_images(old_value: Any, new_value: Any) -> ImageDiff:
    """Sizes, whether the pixels are equal, and the share of pixels that differ."""
    from PIL import ImageChops, UnidentifiedImageError

    try:
        old_bytes, new_bytes = decode_b64(old_value), decode_b64(new_value)
    except ValueError as err:  # base64's binascii.Error is one
        return ImageDiff(None, None, False, 1.0, f"cannot decode image: {err}")
    try:
        a = _open(old_bytes)
        b = _open(new_bytes)
    except TooLargeError as err:
        same = old_bytes == new_bytes
        sizes = image_size(old_value), image_size(new_value)
        return ImageDiff(sizes[0], sizes[1], same, 0.0 if same else 1.0, f"{err}; compared by bytes")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        return ImageDiff(None, None, False, 1.0, f"cannot decode image: {err}")
    size_a, size_b = (a.width, a.height), (b.width, b.height)
    if size_a != size_b:
        return ImageDiff(size_a, size_b, False, 1.0)
    changed = _changed_mask(ImageChops.difference(a, b))
    if changed.getbbox() is None:
        return ImageDiff(size_a, size_b, True, 0.0)
    total = size_a[0] * size_a[1]
    count = total - changed.histogram()[0]
    return ImageDiff(size_a, size_b, False, count / total if total else 1.0)


def _changed_mask(diff: Image.Image) -> Image.Image:
    """A one-channel image: 0 where pixels are equal, 255 where any channel differs."""
    from PIL import ImageChops

    r, g, b, alpha = diff.split()
    lit = ImageChops.lighter(ImageChops.lighter(r, g), ImageChops.lighter(b, alpha))
    return lit.point(lambda v: 255 if v else 0)


def difference_png(old_value: Any, new_value: Any) -> bytes:
    """A picture for renderers: the new image dimmed, changed pixels in magenta.

    Images of different sizes are compared over their common top-left area.
    """
    from PIL import Image, ImageChops

    a = _open(decode_b64(old_value))
    b = _open(decode_b64(new_value))
    w, h = max(a.width, b.width), max(a.height, b.height)
    canvas_a = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    canvas_b = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    canvas_a.paste(a, (0, 0))
    canvas_b.paste(b, (0, 0))
    mask = _changed_mask(ImageChops.difference(canvas_a, canvas_b))
    base = Image.alpha_composite(Image.new("RGBA", (w, h), (255, 255, 255, 255)), canvas_b).convert("L").convert("RGBA")
    dimmed = Image.blend(base, Image.new("RGBA", (w, h), (255, 255, 255, 255)), 0.6)
    dimmed.paste(Image.new("RGBA", (w, h), (255, 0, 170, 255)), (0, 0), mask)
    out = io.BytesIO()
    dimmed.convert("RGB").save(out, "PNG")
    return out.getvalue()
