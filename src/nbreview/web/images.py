"""The pictures of a review page: output images, cell attachments and the pixel difference of a pair.

Routes take numbers (file, cell, output) and a MIME type from :data:`IMAGE_MIMES`, never paths;
an image is sent with a CSP of its own (:data:`IMAGE_CSP`) so an SVG opened on its own cannot
run a script.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

from nbreview.engine.content import IMAGE_MIMES
from nbreview.view import output_at
from nbreview.view.images import image_bytes
from nbreview.web.review import current_review

# An image opened on its own (an SVG could hold a script) gets no script at all.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

bp = Blueprint("images", __name__)


def _image_response(data: bytes | None, mime: str) -> Response:
    if data is None:
        abort(404, "no such image")
    resp = Response(data, mimetype=mime)
    resp.headers["Cache-Control"] = "private, max-age=3600"
    resp.headers["Content-Security-Policy"] = IMAGE_CSP
    resp.headers["Content-Disposition"] = "inline"
    return resp


def _check(side: str, mime: str) -> None:
    if side not in ("old", "new") or mime not in IMAGE_MIMES:
        abort(404, "no such image")


@bp.get("/f/<int:index>/img/<side>/<int:cell>/<int:output>/<path:mime>")
def image(index: int, side: str, cell: int, output: int, mime: str) -> Response:
    _check(side, mime)
    d = current_review().diff_or_404(index)
    data = output_at(d.old_nb if side == "old" else d.new_nb, cell, output).get("data")
    return _image_response(image_bytes(data.get(mime) if isinstance(data, dict) else None, mime), mime)


@bp.get("/f/<int:index>/att/<side>/<int:cell>/<path:rest>")
def attachment(index: int, side: str, cell: int, rest: str) -> Response:
    from nbreview.render.html import attachment_data

    mime = next((m for m in IMAGE_MIMES if rest.startswith(m + "/")), "")
    _check(side, mime)
    name = rest[len(mime) + 1 :]  # already unquoted by the router; only a key in the cell's dict
    d = current_review().diff_or_404(index)
    nb = d.old_nb if side == "old" else d.new_nb
    return _image_response(image_bytes(attachment_data(nb, cell, name, mime), mime), mime)


@bp.get("/f/<int:index>/imgdiff/<int:old_cell>/<int:old_output>/<int:new_cell>/<int:new_output>/<path:mime>")
def image_difference(index: int, old_cell: int, old_output: int, new_cell: int, new_output: int,
                     mime: str) -> Response:
    from nbreview.render.html import difference_image

    _check("old", mime)
    if mime == "image/svg+xml":
        abort(404, "no pixel difference for SVG")
    d = current_review().diff_or_404(index)
    return _image_response(difference_image(d, (old_cell, old_output), (new_cell, new_output), mime), "image/png")
