"""The pictures of a review page, by the URL tail :class:`~nbreview.web.review.ServerLinks` builds.

``img/<side>/<cell>/<output>/<mime>``, ``att/<side>/<cell>/<mime>/<name>`` and
``imgdiff/<old cell>/<old output>/<new cell>/<new output>/<mime>``: numbers and a MIME type from
:data:`~nbreview.engine.content.IMAGE_MIMES`, never paths, read from the diff already made.
"""

from __future__ import annotations

import re

from nbreview.engine.content import IMAGE_MIMES
from nbreview.engine.model import NotebookDiff
from nbreview.view import output_at
from nbreview.view.images import image_bytes

_IMG = re.compile(r"(old|new)/(\d{1,9})/(\d{1,9})/(.+)")
_ATT = re.compile(r"(old|new)/(\d{1,9})/(.+)")
_IMGDIFF = re.compile(r"(\d{1,9})/(\d{1,9})/(\d{1,9})/(\d{1,9})/(.+)")


def picture(d: NotebookDiff, kind: str, rest: str) -> tuple[bytes, str] | None:
    """(bytes, MIME type) of one picture of ``d``, or None when there is no such picture."""
    from nbreview.render.html import attachment_data, difference_image

    if kind == "img" and (m := _IMG.fullmatch(rest)) and m[4] in IMAGE_MIMES:
        data = output_at(d.old_nb if m[1] == "old" else d.new_nb, int(m[2]), int(m[3])).get("data")
        found = image_bytes(data.get(m[4]) if isinstance(data, dict) else None, m[4])
        return (found, m[4]) if found is not None else None
    if kind == "att" and (m := _ATT.fullmatch(rest)):
        mime = next((t for t in IMAGE_MIMES if m[3].startswith(t + "/")), "")
        if not mime:
            return None
        nb = d.old_nb if m[1] == "old" else d.new_nb
        found = image_bytes(attachment_data(nb, int(m[2]), m[3][len(mime) + 1 :], mime), mime)
        return (found, mime) if found is not None else None
    if kind == "imgdiff" and (m := _IMGDIFF.fullmatch(rest)) and m[5] in IMAGE_MIMES and m[5] != "image/svg+xml":
        found = difference_image(d, (int(m[1]), int(m[2])), (int(m[3]), int(m[4])), m[5])
        return (found, "image/png") if found is not None else None
    return None
