"""HTML renderer: the review page for the local server and the self-contained report.

It draws a :class:`~nbreview.view.NotebookView` and never re-aligns anything. Notebook content
is untrusted: every piece of it is escaped, or sanitised with nh3 (HTML outputs, markdown with
raw HTML); only fragments this package builds itself (pygments highlighting, MathML from
latex2mathml, cleaned again) are inserted after sanitising, through placeholders. Images come
from an :class:`ImageLinks` object, so the server can link them by URL (loaded lazily) and the
report can inline them as ``data:`` URIs.

The modules, from the page down: ``page`` (template, report, packing, writing), ``notebook``
(one notebook's body, :class:`HtmlRenderer`), ``cells``, ``outputs``, ``images``, ``text`` (diff
tables), ``markdown`` (mistune), ``syntax`` (pygments), ``ansi``, ``safe`` (nh3, MathML),
``context`` (what rendering a notebook needs), ``results`` (the results panel). This module only
re-exports their public names.
"""

from __future__ import annotations

from nbreview.render.html.ansi import ansi_to_html
from nbreview.render.html.cells import cell_anchor, render_cell, render_changes
from nbreview.render.html.context import MAX_QUIET_CELLS, ImageLinks, JSONDict, RenderContext, Side
from nbreview.render.html.images import InlineImages, attachment_data
from nbreview.render.html.markdown import render_markdown
from nbreview.render.html.notebook import HtmlRenderer, render_notebook, summary_parts, summary_text
from nbreview.render.html.outputs import MIME_ORDER, choose_mime, render_mime, render_output
from nbreview.render.html.page import (
    ASSETS,
    PACKED_TYPE,
    FileEntry,
    asset_text,
    file_note,
    pack_body,
    render_page,
    report_html,
    unpack_report,
    write_report,
)
from nbreview.render.html.safe import latex_to_mathml, sanitize_html
from nbreview.render.html.syntax import highlight_lines, lexer_for, pygments_css
from nbreview.render.html.text import render_source, render_text_diff
from nbreview.view import notebook_language
from nbreview.view.images import difference_image, image_bytes, output_data

__all__ = [
    "ASSETS", "MAX_QUIET_CELLS", "MIME_ORDER", "PACKED_TYPE",
    "FileEntry", "HtmlRenderer", "ImageLinks", "InlineImages", "JSONDict", "RenderContext", "Side",
    "ansi_to_html", "asset_text", "attachment_data", "cell_anchor", "choose_mime", "difference_image",
    "file_note", "highlight_lines", "image_bytes", "latex_to_mathml", "lexer_for", "notebook_language",
    "output_data", "pack_body", "pygments_css", "render_cell", "render_changes", "render_markdown",
    "render_mime", "render_notebook", "render_output", "render_page", "render_source", "render_text_diff",
    "report_html", "sanitize_html", "summary_parts", "summary_text", "unpack_report", "write_report",
]
