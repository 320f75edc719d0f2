"""How notebook content reads as text, and which MIME types are pictures: one answer for all.

The engine (``compare/``), the merge and the view all ask the same questions of a cell or an
output: what is its source as one string, what text does an output show, is this MIME type a
raster image a browser can draw. This leaf module answers them once (it imports nothing from
nbreview), so the terminal, the HTML page and the PR comment cannot disagree about them.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

# Raster images: compared by decoded pixels, drawn as <img>, shown as before/after pictures.
RASTER_MIMES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")
# Everything a page draws as a picture: the rasters and SVG (which is diffed as text).
IMAGE_MIMES = RASTER_MIMES + ("image/svg+xml",)
# Of an output's text forms, the one that reads best as plain text comes first.
TEXT_MIME_ORDER = ("text/plain", "text/markdown", "text/latex", "application/json", "text/html")


def is_raster(mime: str) -> bool:
    """True for image types compared by pixels (not SVG, which is text)."""
    return mime in RASTER_MIMES


def is_image(mime: str) -> bool:
    """True for image types a page draws as a picture (rasters and SVG)."""
    return mime in IMAGE_MIMES


def value_text(value: Any) -> str:
    """A notebook string field (a string or a list of lines) as one string; other JSON as indented text."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


def cell_source(cell: Any) -> str:
    """A cell's source as one string (nbformat allows a string or a list of lines); "" for no cell."""
    if not isinstance(cell, dict):
        return ""
    src = cell.get("source", "")
    if isinstance(src, str):
        return src
    if isinstance(src, list):
        return "".join(str(s) for s in src)
    return str(src)


def cell_at(nb: dict[str, Any] | None, index: int | None) -> dict[str, Any]:
    """The notebook's cell at ``index`` ({} when absent or not a cell): the one cell lookup."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if index is None or not isinstance(cells, list) or not 0 <= index < len(cells):
        return {}
    if not isinstance(cells[index], dict):
        return {}
    cell: dict[str, Any] = cells[index]
    return cell


def cell_outputs(cell: dict[str, Any]) -> list[dict[str, Any]]:
    """A cell's outputs that are JSON objects (none for a markdown cell or a broken list)."""
    outs = cell.get("outputs")
    return [o for o in outs if isinstance(o, dict)] if isinstance(outs, list) else []


def output_at(nb: dict[str, Any] | None, cell: int | None, output: int | None) -> dict[str, Any]:
    """The output ``output`` of cell ``cell`` in a notebook, or ``{}`` when there is none."""
    return cell_output(cell_at(nb, cell), output)


def cell_output(cell: dict[str, Any], output: int | None) -> dict[str, Any]:
    """The output ``output`` of a cell, or ``{}`` when there is none."""
    outs = cell.get("outputs")
    if output is None or not isinstance(outs, list) or not 0 <= output < len(outs):
        return {}
    if not isinstance(outs[output], dict):
        return {}
    value: dict[str, Any] = outs[output]
    return value


def text_forms(data: dict[str, Any]) -> list[str]:
    """An output's text MIME types, best first (:data:`TEXT_MIME_ORDER`): ``text/html`` only when
    it is all there is (text/plain says what the HTML says), any other ``text/*`` when none is known."""
    known = [m for m in TEXT_MIME_ORDER if m in data]
    if len(known) > 1 and known[-1] == "text/html":
        known.pop()
    return known or [m for m in data if isinstance(m, str) and m.startswith("text/")]


def output_text(out: dict[str, Any], error: str = "traceback", forms: str = "first") -> str:
    """The text an output shows: a stream's text, an error's traceback (or ``ename: evalue`` with
    ``error="summary"``), else its first text form (:func:`text_forms`; every one, a line apart,
    with ``forms="all"``: what a scan for secrets reads). Empty if none."""
    otype = out.get("output_type")
    if otype == "stream":
        return value_text(out.get("text", ""))
    if otype == "error":
        if error == "summary":
            return f"{out.get('ename', '')}: {out.get('evalue', '')}"
        return "\n".join(str(t) for t in out.get("traceback") or [])
    data = out.get("data")
    if not isinstance(data, dict):
        return ""
    mimes = text_forms(data)
    return "\n".join(value_text(data[m]) for m in (mimes if forms == "all" else mimes[:1]))


def notebook_language(*notebooks: dict[str, Any] | None) -> str:
    """The language of the first notebook whose metadata names one (``language_info``, else the
    kernelspec's), lower-case; ``python`` when none does. Renderers highlight code cells in it."""
    for nb in notebooks:
        meta = nb.get("metadata") if isinstance(nb, dict) else None
        if not isinstance(meta, dict):
            continue
        for key, field in (("language_info", "name"), ("kernelspec", "language")):
            entry = meta.get(key)
            if isinstance(entry, dict) and isinstance(entry.get(field), str):
                return str(entry[field]).lower()
    return "python"
