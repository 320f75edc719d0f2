"""Markdown comment on a change under review (GitHub-flavoured markdown, host-neutral), over the view.

The comment is built for a reviewer on any screen: a summary table first (one row per
notebook), then a collapsible ``<details>`` per notebook with its changed cells as ``diff``
blocks, markdown prose wrapped so it reads on a phone, text outputs in brief and changed
images as a before / after table with the view's verdict; a footer says what was left out and
how to see everything. The host (marker, length limit, fetch command, picture URLs) is passed
in: :mod:`nbreview.hosts.github.comment` is GitHub's adapter.

Notebook content is untrusted: it only ever appears inside code fences longer than any
backtick run it holds, or escaped (:mod:`.inert`: no HTML, no ``@mention`` pings, no issue
cross-references, no bidi tricks, no hidden-marker look-alikes). Nothing here re-aligns or
decides what is shown: it draws :mod:`nbreview.view`. Images are linked through a
:class:`PictureLinks` (by content hash: :class:`ImageLinker`), so the caller uploads exactly the
pictures the final body refers to.

Modules: ``changes`` (input and output types), ``text`` (diff blocks, prose), ``images``,
``outputs``, ``cells`` (a cell, the detail levels), ``notebook`` (a notebook's section:
:class:`MarkdownRenderer`), ``comment`` (the whole comment and its budget), ``results``, ``inert``.
"""

from __future__ import annotations

from nbreview.render.markdown.cells import LEVELS, Detail
from nbreview.render.markdown.changes import CommentContext, NotebookChange, RenderedComment
from nbreview.render.markdown.comment import (
    DEFAULT_BUDGET,
    PLAIN,
    CommentHost,
    render_comment,
    render_no_notebooks,
)
from nbreview.render.markdown.images import ImageLinker, PictureLinks
from nbreview.render.markdown.inert import code_span, fence, html_text, inline, no_pings
from nbreview.render.markdown.notebook import MarkdownRenderer
from nbreview.render.markdown.text import diff_lines, prose_diff

__all__ = [
    "DEFAULT_BUDGET",
    "LEVELS",
    "PLAIN",
    "CommentContext",
    "CommentHost",
    "Detail",
    "ImageLinker",
    "MarkdownRenderer",
    "PictureLinks",
    "NotebookChange",
    "RenderedComment",
    "code_span",
    "diff_lines",
    "fence",
    "html_text",
    "inline",
    "no_pings",
    "prose_diff",
    "render_comment",
    "render_no_notebooks",
]
