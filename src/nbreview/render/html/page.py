"""The whole page (Jinja template): top bar, file list, notebook bodies; the packed report and its file.

The report is self-contained (CSS, JS and images inline, nothing fetched); packing stores
each body gzipped in a data block the page script inflates.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from nbreview.io.gcpause import gc_paused
from nbreview.render.html.images import InlineImages
from nbreview.render.html.notebook import summary_parts
from nbreview.render.html.syntax import pygments_css
from nbreview.view import build as build_view

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff
    from nbreview.view import NotebookView

ASSETS = Path(__file__).resolve().parent.parent.parent / "web" / "assets"
BAR_EMPTY = '<svg class="bar" viewBox="0 0 50 6" aria-hidden="true"><rect width="50" height="6" class="u"/></svg>'


@dataclass
class FileEntry:
    """One notebook of a page: its name in the file list, its view (counts, summary), and where it lives."""

    name: str
    view: NotebookView
    href: str
    anchor: str
    note: str = ""  # "added", "deleted", "renamed"...

    @cached_property
    def counts(self) -> dict[str, int]:
        """Cells added, removed and modified, for the stat bar: the view's count of modified cells
        (moved ones, and re-executed ones whose picture, table or counted number changed)."""
        view = self.view
        return {"added": view.summary.added, "removed": view.summary.removed, "modified": view.changed_cells()}

    def stat_bar(self) -> str:
        """A git-diff-stat-like bar as SVG (attributes, not inline styles, so the CSP holds)."""
        counts = self.counts
        total = sum(counts.values())
        if not total:
            return BAR_EMPTY
        left = 0.0
        rects = []
        for key, cls in (("added", "a"), ("modified", "m"), ("removed", "r")):
            width = 50 * counts[key] / total
            if width:
                rects.append(f'<rect x="{left:.1f}" width="{width:.1f}" height="6" class="{cls}"/>')
            left += width
        return f'<svg class="bar" viewBox="0 0 50 6" aria-hidden="true">{"".join(rects)}</svg>'


@lru_cache(maxsize=1)
def _env() -> Any:
    """The Jinja environment of the page template (autoescaping on)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(ASSETS / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def asset_text(name: str) -> str:
    """A static asset's text (CSS, JS), for the report that inlines them."""
    return (ASSETS / "static" / name).read_text(encoding="utf-8")


def render_page(
    files: Sequence[FileEntry],
    bodies: Sequence[tuple[int, str]],
    *,
    mode: Literal["server", "report"],
    current: int = 0,
    difftool: bool = False,
    static_url: Callable[[str], str] | None = None,
    pack: bool = False,
    scripts: Sequence[str] = (),
) -> str:
    """The whole page: top bar, file list, the notebooks in ``bodies`` ((file index, body) pairs).

    ``scripts`` names further static scripts a server page loads (the review threads' one).

    ``pack`` stores each body gzipped (see :func:`pack_body`), for a report smaller than its notebooks.
    """
    from markupsafe import Markup

    nonce = secrets.token_urlsafe(16) if mode == "report" else ""
    shown = [
        {
            "index": i,
            "file": files[i],
            "summary": summary_parts(files[i].view),
            # Built by this module from escaped or sanitised parts.
            "body": Markup(pack_body(body) if pack else body),  # noqa: S704
        }
        for i, body in bodies
    ]
    inline = {}
    if mode == "report":
        inline = {
            "css": Markup(asset_text("review.css") + "\n" + pygments_css()),
            "js": Markup(asset_text("review.js").replace("</", "<\\/")),
            "boot": Markup(asset_text("boot.js").replace("</", "<\\/")),
        }
    template = _env().get_template("page.html")
    page: str = template.render(
        mode=mode,
        files=files,
        shown=shown,
        current=current,
        difftool=difftool,
        nonce=nonce,
        inline=inline,
        static_url=static_url or (lambda name: name),
        scripts=list(scripts) if mode == "server" else [],
        stat_bar=lambda f: Markup(f.stat_bar()),  # noqa: S704 - numbers only
        prev_href=files[current - 1].href if mode == "server" and current > 0 else "",
        next_href=files[current + 1].href if mode == "server" and current + 1 < len(files) else "",
    )
    return page


PACKED_TYPE = "application/x-nbreview-html+gzip;base64"


def pack_body(body: str) -> str:
    """A notebook's HTML gzipped and base64-encoded in a data block the page script inflates.

    Markup compresses about tenfold; images, already compressed, stay about their size. A data
    block (``<script>`` of a non-script type) is never executed, and base64 cannot close it.
    """
    import gzip

    data = base64.b64encode(gzip.compress(body.encode("utf-8"), 6, mtime=0)).decode("ascii")
    return (
        '<div class="packed"><noscript><p class="empty">This report unpacks its cells with JavaScript; '
        "allow scripts for this file, or open it in a current browser.</p></noscript></div>"
        f'<script type="{PACKED_TYPE}" class="nb-payload">{data}</script>'
    )


def unpack_report(page: str) -> str:
    """A packed report with its notebook bodies inflated in place (what the browser shows)."""
    import gzip

    def inflate(packed: re.Match[str]) -> str:
        return gzip.decompress(base64.b64decode(packed.group(1))).decode("utf-8")

    pattern = r'<div class="packed">.*?</div><script type="[^"]+" class="nb-payload">([A-Za-z0-9+/=]*)</script>'
    return re.sub(pattern, inflate, page, flags=re.S)


def _names(diffs: Sequence[NotebookDiff], names: Sequence[str] | None) -> list[str]:
    """The file list's names: those given, else each notebook's label (the new side's unless deleted)."""
    if names is not None:
        return list(names)
    out = []
    for d in diffs:
        out.append(d.new.label if d.new.label and not d.new.empty else d.old.label)
    return out


def report_html(
    diffs: Sequence[NotebookDiff],
    names: Sequence[str] | None = None,
    *,
    pack: bool = True,
    notes: Sequence[str] | None = None,
) -> str:
    """One self-contained page (CSS, JS and images inline, nothing fetched) for all the diffs.

    With ``pack`` (the default) the cells are stored gzipped and inflated by the page script,
    so the file stays about the size of the notebooks' images; ``pack=False`` writes plain HTML.
    """
    from nbreview.render.protocol import draw

    labels = _names(diffs, names)
    with gc_paused():  # many long-lived strings, no cycles: see io/gcpause.py
        views = [build_view(d) for d in diffs]  # one view per notebook: its file-list entry and its body
        files = [
            FileEntry(labels[i], view, f"#f{i}", f"f{i}", file_note(notes[i] if notes else ""))
            for i, view in enumerate(views)
        ]
        bodies = [(i, draw("html", view, InlineImages(view), prefix=f"f{i}-")) for i, view in enumerate(views)]
        return render_page(files, bodies, mode="report", pack=pack)


def file_note(status: str) -> str:
    """The file list's note for a notebook's git status (nothing for a plain modification)."""
    return "" if status in ("", "modified") else status


def write_report(
    diffs: Sequence[NotebookDiff],
    path: str | Path,
    names: Sequence[str] | None = None,
    notes: Sequence[str] | None = None,
) -> None:
    """Write :func:`report_html` atomically (complete or not at all)."""
    from nbreview.errors import NbreviewError
    from nbreview.io.write import write_atomic

    data = report_html(diffs, names, notes=notes).encode("utf-8")
    try:
        write_atomic(path, data)
    except OSError as err:
        raise NbreviewError(f"cannot write {path}: {err.strerror or err}") from None
