"""Images in terminal words: sizes, byte counts and how a changed image differs.

A terminal cannot draw the pictures, so an image is named by its size and weight, and a
changed one by the view's verdict (:func:`nbreview.view.images.verdict`: re-encoded,
resized, a share of pixels changed), the same phrase the page and the PR comment print.
"""

from __future__ import annotations

import binascii
from typing import Any

from nbreview.engine.model import ImageDiff
from nbreview.view.images import size_text, verdict


def image_info(value: Any) -> tuple[tuple[int, int] | None, int]:
    """(width, height) of a base64 image and its decoded size in bytes."""
    from nbreview.engine.images import decode_b64, image_size

    try:
        nbytes = len(decode_b64(value))
    except (binascii.Error, ValueError):
        return None, 0
    return image_size(value), nbytes


def image_change(mime: str, image: ImageDiff) -> str:
    """``image/png 240×160, 2.2% of pixels changed``: the view's verdict, with the size when it did not change."""
    said = verdict(image)
    if image.new_size and image.old_size == image.new_size and not image.pixels_equal and not image.error:
        return f"{mime} {size_text(image.new_size)}, {said}"
    return f"{mime} {said}"
