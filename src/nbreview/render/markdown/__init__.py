"""Markdown renderer for pull-request comments (GitHub-flavoured), over the NotebookDiff model.

The comment is built for a reviewer on any screen: a summary table first (one row per
notebook), then a collapsible ``<details>`` per notebook with its changed cells as ``diff``
blocks, markdown prose wrapped so it reads on a phone, text outputs in brief and changed
images as a before / after table with the share of pixels changed; a footer says what was
left out and how to see everything.

Notebook content is untrusted: it only ever appears inside code fences longer than any
backtick run it holds, or escaped (no HTML, no ``@mention`` pings, no issue cross-references,
no bidi tricks, no hidden-marker look-alikes). Nothing here re-aligns: it reads the model.
Images are addressed by content hash through :class:`ImageLinker`, so the caller uploads
exactly the pictures the final body refers to.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nbreview.engine.content import is_raster, output_text
from nbreview.engine.images import too_large
from nbreview.engine.model import CellDiff, NotebookDiff, OutputDiff, Summary, TextDiff
from nbreview.render.markdown.inert import code_span as code_span
from nbreview.render.markdown.inert import fence as fence
from nbreview.render.markdown.inert import html_text as html_text
from nbreview.render.markdown.inert import inline as inline
from nbreview.render.markdown.inert import no_pings as no_pings
from nbreview.view import NotebookView, grouped_rows, segments, status_word
from nbreview.view import build as build_view

MAX_BODY = 65_536  # GitHub's limit on an issue comment body, in characters
DEFAULT_BUDGET = 60_000  # what we aim for, leaving room for the footer and the caller's notes
MARKER = "<!-- nbreview:pr-comment v1 -->"

IMAGE_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp"}

# ---------------------------------------------------------------- images


@dataclass
class ImageLinker:
    """Names images by content hash and turns them into URLs under ``base_url``.

    ``wanted`` records what the rendered body refers to (path -> bytes); the caller uploads those.
    """

    base_url: str
    wanted: dict[str, bytes] = field(default_factory=dict)

    @staticmethod
    def path_for(data: bytes, ext: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        return f"img/{digest[:2]}/{digest}.{ext}"

    def url(self, data: bytes, mime: str) -> str:
        path = self.path_for(data, IMAGE_EXT.get(mime, "bin"))
        self.wanted[path] = data
        return f"{self.base_url.rstrip('/')}/{path}"


# ---------------------------------------------------------------- detail levels


@dataclass(frozen=True)
class Detail:
    """How much of each notebook to show; the renderer steps down until the body fits."""

    max_cells: int | None  # changed cells shown per notebook (None: all)
    max_lines: int  # lines per diff block
    max_output_lines: int
    images: int  # image pairs shown per comment
    name: str


LEVELS = (
    Detail(None, 80, 12, 30, "full"),
    Detail(25, 40, 8, 20, "fewer cells"),
    Detail(10, 20, 4, 10, "fewer cells"),
    Detail(4, 12, 0, 6, "first cells only"),
)


# ---------------------------------------------------------------- the input


@dataclass
class NotebookChange:
    """One notebook a pull request touches: its diff, or why it could not be diffed."""

    path: str
    status: str  # added | removed | modified | renamed | copied
    old_path: str | None = None
    diff: NotebookDiff | None = None
    error: str | None = None
    _summary: Summary | None = field(default=None, init=False, repr=False, compare=False)
    _view: NotebookView | None = field(default=None, init=False, repr=False, compare=False)

    def summary(self) -> Summary:
        """The diff's counts, computed once (the table, the headings and every detail level read them)."""
        if self._summary is None:
            self._summary = self.view().summary if self.diff is not None else Summary()
        return self._summary

    def view(self) -> NotebookView:
        """What the comment shows of the diff (:mod:`nbreview.view`), decided once for every detail level."""
        assert self.diff is not None
        if self._view is None:
            self._view = build_view(self.diff)
        return self._view


@dataclass
class CommentContext:
    """What the footer needs: the two commits, how to see everything, and notes from the caller."""

    base_sha: str = ""
    head_sha: str = ""
    report_url: str | None = None
    pr_number: int | None = None
    notes: list[str] = field(default_factory=list)
    # open review threads per notebook path: [("cell [12]", 2), ...] (nbreview.threads.place.thread_counts)
    threads: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass
class RenderedComment:
    body: str
    images: dict[str, bytes]
    level: str
    left_out: list[str]


# ---------------------------------------------------------------- text diffs


def _txt(text: str | None) -> str:
    return (text or "").rstrip("\r\n").replace("\t", "    ")


def diff_lines(td: TextDiff, context: int = 2, wrap: int | None = None) -> list[str]:
    """Hunks with ``context`` lines around changes, ``-``/``+`` prefixed, ``@@`` between hunks."""
    rows = grouped_rows(td)
    out: list[str] = []
    for seg in segments([sign != " " for sign, _ in rows], context):
        if seg.folded:
            if seg.start > 0 and seg.end < len(rows):
                out.append("@@ ⋯ @@")
            continue
        for sign, op in rows[seg.start : seg.end]:
            text = _txt(op.new_text if sign == "+" else op.old_text)
            if wrap and len(text) > wrap:
                parts = textwrap.wrap(text, wrap, break_long_words=False, break_on_hyphens=False) or [""]
                out.extend(f"{sign} {p}" for p in parts)
            else:
                out.append(f"{sign} {text}")
    if td.elided:
        out.append(f"… {td.elided} more changed lines not listed (output too large to diff in full)")
    return out


def _clip(lines: list[str], limit: int) -> tuple[list[str], int]:
    if len(lines) <= limit:
        return lines, 0
    return lines[:limit], len(lines) - limit


# ---------------------------------------------------------------- one notebook


def _side_index(c: CellDiff) -> str:
    old = f"[{c.old_index}]" if c.old_index is not None else "[ ]"
    new = f"[{c.new_index}]" if c.new_index is not None else "[ ]"
    return f"{old} → {new}"


def _cell_title(c: CellDiff) -> str:
    bits = [f"**Cell {_side_index(c)}**", inline(c.cell_type), status_word(c)]
    if c.moved:
        bits.append(f"moved from [{c.old_index}]")  # never "#6": GitHub would link issue 6
    return " · ".join(bits)


def _output_value(nb: dict[str, Any] | None, cell: int | None, out: int | None) -> dict[str, Any] | None:
    if nb is None or cell is None or out is None:
        return None
    try:
        value = nb["cells"][cell]["outputs"][out]
    except (KeyError, IndexError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def _image_bytes(output: dict[str, Any] | None, mime: str) -> bytes | None:
    from nbreview.engine.images import decode_b64

    if output is None:
        return None
    value = (output.get("data") or {}).get(mime)
    if value is None:
        return None
    try:
        return decode_b64(value)
    except (ValueError, TypeError):
        return None


def _size(s: tuple[int, int] | None) -> str:
    return f"{s[0]}×{s[1]}" if s else "?"


@dataclass
class _Budget:
    images_left: int
    images_skipped: int = 0


def _output_block(
    d: NotebookDiff, c: CellDiff, o: OutputDiff, detail: Detail, linker: ImageLinker | None, budget: _Budget
) -> list[str]:
    """An output change in brief: a one-line description, a short text diff, before / after pictures."""
    idx = o.new_index if o.new_index is not None else o.old_index
    kind = o.output_type or "output"
    lines: list[str] = []
    desc: list[str] = []
    images: list[tuple[str, str]] = []  # (mime, caption)
    for m in o.mimes:
        if m.status == "unchanged" and m.identical:
            continue
        if m.kind == "image" and m.image is not None:
            if m.image.pixels_equal:
                desc.append(f"{m.mime} re-encoded, same pixels")
                continue
            sizes = f"{_size(m.image.old_size)} → {_size(m.image.new_size)}"
            cap = f"{sizes}, {m.image.changed_fraction:.1%} of pixels changed"
            if too_large(m.image):
                cap = f"{sizes}, too large to compare pixels (compared by bytes)"
            elif m.image.error:
                cap = "could not decode the image to compare pixels"
            desc.append(f"{m.mime} {cap}")
            images.append((m.mime, cap))
        elif m.kind == "image":
            desc.append(f"{m.mime} {m.status}")
            images.append((m.mime, m.status))
        else:
            desc.append(f"{m.mime} {m.status}")
    head = f"output {idx} · {kind} · {o.status}"
    if desc:
        head += " · " + "; ".join(desc)
    lines.append(f"<sub>{inline(head)}</sub>\n")
    texts = [o.text] if o.text is not None else []
    texts += [m.text for m in o.mimes if m.kind == "text" and m.text is not None]
    if detail.max_output_lines:
        for td in texts:
            if td is None or not (td.changed or o.status in ("added", "removed")):
                continue
            body = diff_lines(td, context=1, wrap=100)
            body, more = _clip(body, detail.max_output_lines)
            if more:
                body.append(f"… {more} more lines")
            if body:
                lines.append(fence("\n".join(body), "diff"))
    for mime, _cap in images:
        old_out = _output_value(d.old_nb, c.old_index, o.old_index)
        new_out = _output_value(d.new_nb, c.new_index, o.new_index)
        before = _image_bytes(old_out, mime) if o.status != "added" else None
        after = _image_bytes(new_out, mime) if o.status != "removed" else None
        if linker is None or budget.images_left <= 0:
            budget.images_skipped += 1
            continue
        budget.images_left -= 1
        b = f"![before]({linker.url(before, mime)})" if before else "—"
        a = f"![after]({linker.url(after, mime)})" if after else "—"
        lines.append(f"| Before | After |\n| :---: | :---: |\n| {b} | {a} |\n")
    return lines


def _marked(text: str, spans: list[tuple[int, int]], tag: str) -> str:
    """A line as inert text with the spans in ``<tag>`` (GitHub keeps ``<ins>`` and ``<del>``)."""
    out: list[str] = []
    pos = 0
    for a, b in spans:
        a, b = max(a, pos), min(b, len(text))
        if a >= b:
            continue
        out.append(inline(text[pos:a]))
        out.append(f"<{tag}>{inline(text[a:b])}</{tag}>")
        pos = b
    out.append(inline(text[pos:]))
    return "".join(out).strip()


def prose_diff(td: TextDiff, max_lines: int) -> str:
    """Markdown changes as readable prose: each changed line once per side, changed words marked."""
    lines: list[str] = []
    last: int | None = None
    for k, op in enumerate(td.lines):
        if op.op == "equal":
            continue
        if last is not None and k != last + 1:
            lines.append("⋯")
        last = k
        old, new = _txt(op.old_text), _txt(op.new_text)
        if op.op in ("delete", "replace") and old.strip():
            spans = op.old_spans if op.op == "replace" else []
            lines.append("➖ " + (_marked(old, spans, "del") if spans else f"<del>{inline(old).strip()}</del>"))
        if op.op in ("insert", "replace") and new.strip():
            spans = op.new_spans if op.op == "replace" else []
            lines.append("➕ " + (_marked(new, spans, "ins") if spans else f"<ins>{inline(new).strip()}</ins>"))
    lines, more = _clip(lines, max_lines)
    if more:
        lines.append(f"… {more} more lines")
    return "\n>\n".join(f"> {ln}" for ln in lines) + "\n"


def _added_outputs(outputs: list[Any], detail: Detail, linker: ImageLinker | None, budget: _Budget) -> list[str]:
    """A new cell's outputs in brief: the first lines of its text, its pictures."""
    lines: list[str] = []
    for k, output in enumerate(outputs):
        if not isinstance(output, dict):
            continue
        kind = str(output.get("output_type", "output"))
        mimes = [m for m in (output.get("data") or {}) if is_raster(m)]
        what = f"output {k} · {kind} · added" + (" · " + ", ".join(mimes) if mimes else "")
        lines.append(f"<sub>{inline(what)}</sub>\n")
        text = output_text(output, error="summary")
        if text and detail.max_output_lines:
            head = text[: 400 * detail.max_output_lines]  # a huge output is not split whole to show a few lines
            body = [f"+ {ln}" for ln in head.splitlines()]
            body, more = _clip(body, detail.max_output_lines)
            if len(head) < len(text):
                more = text.count("\n") + (not text.endswith("\n")) - detail.max_output_lines
            if more:
                body.append(f"… {more} more lines")
            lines.append(fence("\n".join(body), "diff"))
        for mime in mimes:
            data = _image_bytes(output, mime)
            if data is None:
                continue
            if linker is None or budget.images_left <= 0:
                budget.images_skipped += 1
                continue
            budget.images_left -= 1
            lines.append(f"| Before | After |\n| :---: | :---: |\n| — | ![after]({linker.url(data, mime)}) |\n")
    return lines


def _cell_block(d: NotebookDiff, c: CellDiff, detail: Detail, linker: ImageLinker | None, budget: _Budget) -> list[str]:
    out = [_cell_title(c) + "\n"]
    src = c.source
    if src is not None and src.changed and c.status == "modified" and c.cell_type == "markdown":
        out.append(prose_diff(src, detail.max_lines))
    elif src is not None and (src.changed or c.status in ("added", "removed")):
        wrap = 88 if c.cell_type == "markdown" else None
        body = diff_lines(src, context=2, wrap=wrap)
        body, more = _clip(body, detail.max_lines)
        if more:
            body.append(f"… {more} more lines")
        if body:  # an empty added or removed cell has no lines to show
            out.append(fence("\n".join(body), "diff"))
    if c.status == "modified":
        for o in c.outputs or []:
            if o.status == "unchanged" or o.transient:
                continue
            out += _output_block(d, c, o, detail, linker, budget)
    elif c.status == "added" and c.cell is not None and c.cell.get("outputs"):
        out += _added_outputs(c.cell["outputs"], detail, linker, budget)
    changes = [ch for ch in c.metadata + c.fields if not ch.transient]
    if changes:
        names = sorted({".".join(str(p) for p in ch.path[:2]) or "(all)" for ch in changes})
        out.append(f"<sub>metadata changed: {inline(', '.join(names))}</sub>\n")
    return out


def _counts(d: NotebookDiff, s: Summary) -> str:
    parts = []
    for n, word in (
        (s.modified, "modified"),
        (s.added, "added"),
        (s.removed, "removed"),
        (s.moved, "moved"),
        (s.reexecuted, "re-executed"),
        (s.images_changed, "images changed"),
    ):
        if n:
            parts.append(f"{n} {word.replace('images', 'image') if n == 1 else word}")
    return ", ".join(parts) or ("no cell changes" if not d.has_changes else "notebook metadata changed")


def _section(
    ch: NotebookChange, detail: Detail, linker: ImageLinker | None, budget: _Budget, open_: bool
) -> tuple[str, int]:
    """The ``<details>`` block of one notebook and how many changed cells it left out."""
    name = _display_name(ch)
    tag = "<details open>" if open_ else "<details>"
    if ch.diff is None:
        why = inline(ch.error or "could not be read")
        return f"{tag}<summary><b>{html_text(name)}</b> · could not be diffed</summary>\n\n⚠️ {why}\n\n</details>\n", 0
    d = ch.diff
    parts = [f"{tag}<summary><b>{html_text(name)}</b> · {html_text(ch.status)} · "
             f"{html_text(_counts(d, ch.summary()))}</summary>\n"]
    for side in (d.old, d.new):
        for p in side.problems[:3]:
            parts.append(f"> ⚠️ {inline(p)}\n")
    nb_changes = [x for x in d.fields + d.metadata if not x.transient]
    if nb_changes:
        names = sorted({".".join(str(p) for p in x.path[:2]) or "(all)" for x in nb_changes})
        parts.append(f"<sub>notebook metadata changed: {inline(', '.join(names))}</sub>\n")
    view = ch.view()
    cells = [cv.diff for cv in view.shown]
    shown = cells if detail.max_cells is None else cells[: detail.max_cells]
    for c in shown:
        parts += _cell_block(d, c, detail, linker, budget)
    left = len(cells) - len(shown)
    quiet = view.hidden_parts()
    if left:
        quiet.insert(0, f"{left} more changed cells left out for length")
    if quiet:
        parts.append(f"<sub>Not shown: {', '.join(quiet)}.</sub>\n")
    parts.append("</details>\n")
    return "\n".join(parts), left


def _display_name(ch: NotebookChange) -> str:
    return f"{ch.old_path} → {ch.path}" if ch.old_path and ch.status in ("renamed", "copied") else ch.path


def _row(ch: NotebookChange) -> str:
    name = _display_name(ch)
    if ch.diff is None:
        return f"| {inline(name)} | ⚠️ not diffed | | | | | |"
    s = ch.summary()
    status = {"added": " 🆕", "removed": " 🗑️", "renamed": " ↪️", "copied": " ⧉"}.get(ch.status, "")
    cells = [s.added, s.removed, s.modified, s.moved, s.outputs_changed, s.images_changed]
    return f"| {inline(name)}{status} | " + " | ".join(str(n) if n else "·" for n in cells) + " |"


TABLE_HEAD = (
    "| Notebook | Added | Removed | Modified | Moved | Outputs | Images |\n| :-- | --: | --: | --: | --: | --: | --: |"
)


# ---------------------------------------------------------------- the comment


def _footer(ctx: CommentContext, left_out: list[str]) -> str:
    lines = []
    if left_out:
        lines.append("**Left out to keep this comment short:** " + "; ".join(left_out) + ".")
    see = []
    if ctx.report_url:
        see.append(f"the [full HTML report]({ctx.report_url})")
    if ctx.base_sha and ctx.head_sha:
        fetch = f"`git fetch origin pull/{ctx.pr_number}/head` then " if ctx.pr_number else "after fetching the PR, "
        see.append(f"locally: {fetch}`nbreview web {ctx.base_sha[:12]} {ctx.head_sha[:12]}`")
    if see:
        lines.append("To see everything: " + ", or ".join(see) + ".")
    lines += ctx.notes
    lines.append("Unchanged cells and transient changes (timestamps, volatile ids) are counted, not shown.")
    lines.append("<sub>Posted by nbreview · edited in place on every push</sub>")
    return "\n\n".join(lines) + "\n"


def _header(changes: list[NotebookChange], ctx: CommentContext) -> str:
    n = len(changes)
    title = f"### 📓 Notebook changes · {n} notebook{'s' if n != 1 else ''}"
    if ctx.head_sha:
        title += f" · at {ctx.head_sha[:7]}"
    return f"{MARKER}\n{title}\n{_threads_lines(ctx)}"


def _threads_lines(ctx: CommentContext) -> str:
    """One line per notebook with review threads: "💬 `a.ipynb`: 3 open threads: cell [12] (2), cell [30] (1)"."""
    lines = []
    for path, where in sorted(ctx.threads.items()):
        total = sum(n for _, n in where)
        if not total:
            continue
        spots = ", ".join(f"{label} ({n})" for label, n in where)
        lines.append(f"💬 {inline(path)}: {total} open thread{'s' if total != 1 else ''}: {spots}")
    return "\n" + "  \n".join(lines) + "\n" if lines else ""


def render_no_notebooks(ctx: CommentContext) -> str:
    """The comment once a pull request no longer changes any notebook."""
    at = f" (as of {ctx.head_sha[:7]})" if ctx.head_sha else ""
    return (
        f"{MARKER}\n### 📓 Notebook changes\n\nThis pull request no longer changes any notebook{at}.\n\n"
        "<sub>Posted by nbreview · edited in place on every push</sub>\n"
    )


def render_comment(
    changes: list[NotebookChange],
    ctx: CommentContext | None = None,
    *,
    image_base_url: str | None = None,
    budget: int = DEFAULT_BUDGET,
) -> RenderedComment:
    """The whole comment, stepping down through :data:`LEVELS` until it fits ``budget`` characters."""
    ctx = ctx or CommentContext()
    if not changes:
        return RenderedComment(render_no_notebooks(ctx), {}, "none", [])
    budget = min(budget, MAX_BODY - 1)
    head = _header(changes, ctx)
    from nbreview.render.markdown.results import results_block  # results review (nbreview.results)

    for level_index, level in enumerate(LEVELS):
        results = results_block(changes, level_index)
        linker = ImageLinker(image_base_url) if image_base_url else None
        b = _Budget(level.images)
        sections = []
        cells_left = 0
        size = len(head) + len(results)
        for i, ch in enumerate(changes):
            text, left = _section(ch, level, linker, b, open_=(i == 0 and len(changes) <= 3))
            sections.append(text)
            cells_left += left
            size += len(text)
            if size > budget:
                break  # this level cannot fit; don't render the rest of it
        if size > budget:
            continue
        left_out = []
        if cells_left:
            left_out.append(f"{cells_left} changed cells")
        if b.images_skipped:
            left_out.append(f"{b.images_skipped} images")
        table = _table(changes)
        body = head + "\n" + table + "\n\n" + results + "\n".join(sections) + "\n" + _footer(ctx, left_out)
        if len(body) <= budget:
            return RenderedComment(body, dict(linker.wanted) if linker else {}, level.name, left_out)
    partial = _first_notebooks(changes, ctx, budget, head, image_base_url)
    return partial if partial is not None else _summary_only(changes, ctx, budget, head)


def _first_notebooks(
    changes: list[NotebookChange], ctx: CommentContext, budget: int, head: str, image_base_url: str | None
) -> RenderedComment | None:
    """Before the summary alone: the first notebooks in brief while they fit, the rest in the table only."""
    level = LEVELS[-1]
    table = _table(changes)
    from nbreview.render.markdown.results import results_block

    results = results_block(changes, len(LEVELS))
    room = budget - len(head) - len(table) - len(results) - len(_footer(ctx, ["x" * 300])) - 16
    wanted: dict[str, bytes] = {}
    images_left, images_skipped = level.images, 0
    sections: list[str] = []
    cells_left = 0
    for ch in changes:
        linker = ImageLinker(image_base_url) if image_base_url else None
        b = _Budget(images_left)
        text, left = _section(ch, level, linker, b, open_=False)
        if len(text) > room:
            break
        room -= len(text) + 1
        sections.append(text)
        cells_left += left
        images_left, images_skipped = b.images_left, images_skipped + b.images_skipped
        wanted.update(linker.wanted if linker else {})
    if not sections:
        return None
    left_out = [f"the details of {len(changes) - len(sections)} notebooks (they are in the table)"]
    if cells_left:
        left_out.append(f"{cells_left} changed cells")
    if images_skipped:
        left_out.append(f"{images_skipped} images")
    body = head + "\n" + table + "\n\n" + results + "\n".join(sections) + "\n" + _footer(ctx, left_out)
    if len(body) > budget:
        return None
    return RenderedComment(body, wanted, "first notebooks only", left_out)


def _table(changes: Iterable[NotebookChange], limit: int | None = None, rows: list[str] | None = None) -> str:
    rows = [_row(ch) for ch in changes] if rows is None else rows
    more = ""
    if limit is not None and len(rows) > limit:
        more = f"\n\n… and {len(rows) - limit} more notebooks"
        rows = rows[:limit]
    return TABLE_HEAD + "\n" + "\n".join(rows) + more


def _summary_only(changes: list[NotebookChange], ctx: CommentContext, budget: int, head: str) -> RenderedComment:
    rows = [_row(ch) for ch in changes]
    limit: int | None = None
    while True:
        left_out = ["every notebook's cell details"]
        if limit is not None:
            left_out.append(f"{len(changes) - limit} notebooks from the table")
        body = head + "\n" + _table(changes, limit, rows) + "\n\n" + _footer(ctx, left_out)
        if len(body) <= budget or limit == 0:
            return RenderedComment(body[: MAX_BODY - 1], {}, "summary only", left_out)
        limit = max(0, (limit if limit is not None else len(changes)) * 2 // 3)


def render_diff(diff: NotebookDiff, path: str = "notebook.ipynb", **kwargs: Any) -> str:
    """Convenience: the comment body for a single notebook diff (no image links unless given)."""
    return render_comment([NotebookChange(path, "modified", diff=diff)], **kwargs).body


__all__ = [
    "MARKER",
    "MAX_BODY",
    "CommentContext",
    "ImageLinker",
    "NotebookChange",
    "RenderedComment",
    "code_span",
    "diff_lines",
    "fence",
    "html_text",
    "inline",
    "no_pings",
    "render_comment",
    "render_diff",
    "render_no_notebooks",
]
