"""What a reviewer is shown, decided once from a NotebookDiff and the display options.

Renderers (terminal, HTML page, PR comment, JSON) draw a :class:`NotebookView` (and import the
engine only for type checking: what they need of it at run time is re-exported here); they do not
decide which cells or outputs are shown, what a cell's status is called, how hunks are folded,
which MIME types are pictures or which entry of an output's bundle is drawn. The results review
has its own view in ``nbreview.view.results``, built the same way (data decided once, each
renderer only draws it); the :class:`NotebookView` carries its data.
"""

from __future__ import annotations

from nbreview.engine.content import (
    IMAGE_MIMES,
    RASTER_MIMES,
    TEXT_MIME_ORDER,
    cell_at,
    cell_output,
    cell_source,
    is_image,
    is_raster,
    notebook_language,
    output_at,
    output_text,
    value_text,
)
from nbreview.engine.model import MISSING, Summary, ValueChange
from nbreview.engine.text import HUGE_TEXT_CHARS, head_and_tail
from nbreview.view.cells import (
    CellView,
    NotebookView,
    build,
    cell_visibility,
    json_document,
    plural,
    status_word,
)
from nbreview.view.hunks import Row, Segment, grouped_rows, hunk_header, hunks, segments
from nbreview.view.outputs import MIME_ORDER, TEXT_DIFF_MIMES, OutputView, PartView, choose_mime

__all__ = [
    "IMAGE_MIMES", "RASTER_MIMES", "TEXT_MIME_ORDER", "cell_at", "cell_output", "cell_source", "is_image", "is_raster",
    "notebook_language", "output_at", "output_text", "value_text",
    # engine values a renderer uses at run time (renderers import the engine only for type checking)
    "HUGE_TEXT_CHARS", "MISSING", "Summary", "ValueChange", "head_and_tail",
    "CellView", "NotebookView", "OutputView", "build", "cell_visibility", "json_document", "plural", "status_word",
    "MIME_ORDER", "TEXT_DIFF_MIMES", "PartView", "choose_mime",
    "Row", "Segment", "grouped_rows", "hunk_header", "hunks", "segments",
]
