"""Images in terminal words: sizes, byte counts and how a changed image differs.

A terminal cannot draw the pictures, so an image is named by its size and weight, and a
changed one by the view's verdict (:func:`nbreview.view.images.verdict`: re-encoded,
resized, a share of pixels changed), the same phrase the page and the PR comment print.
"""

from __future__ import annotations

from nbreview.view.images import size_text, verdict

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.engine.model import ImageDiff


def image_change(mime: str, image: ImageDiff) -> str:
    """``image/png 240×160, 2.2% of pixels changed``: the view's verdict, with the size when it did not change."""
    said = verdict(image)
    if image.new_size and image.old_size == image.new_size and not image.pixels_equal and not image.error:
        return f"{mime} {size_text(image.new_size)}, {said}"
    return f"{mime} {said}"
