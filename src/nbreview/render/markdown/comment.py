"""The whole comment on a change under review: header, summary table, results, one section per
notebook, footer; stepped down through the detail levels until it fits the host's budget.

Nothing here knows the host: its hidden marker, its length limit, how a reviewer fetches the
change and where pictures are served from come in a :class:`CommentHost` and an image base URL
(:mod:`nbreview.hosts.github.comment` gives GitHub's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from nbreview.render.markdown.cells import LEVELS, Detail
from nbreview.render.markdown.changes import CommentContext, NotebookChange, RenderedComment
from nbreview.render.markdown.images import ImageAllowance, ImageLinker, PictureLinks
from nbreview.render.markdown.inert import inert_for, inline
from nbreview.render.markdown.notebook import TABLE_HEAD, is_whole, section, table_row, whole_line
from nbreview.render.markdown.results import results_block

DEFAULT_BUDGET = 60_000  # a comment for no host (PLAIN); each host adapter sets its own budget
FOOTER_ROOM = 300  # what the "left out" list of the footer may take, kept free by the brief fall-back
JOINS_ROOM = 16  # the newlines that join header, table, results, sections and footer
NOTEBOOKS_OPEN = 3  # up to this many notebooks, the first section is open


@dataclass(frozen=True)
class CommentHost:
    """What the comment must know of the place it is posted (GitHub's: :data:`nbreview.hosts.github.comment.GITHUB`)."""

    marker: str = ""  # the first line, by which the poster finds its own comment again ("": none)
    max_body: int | None = None  # the host's hard limit on a comment, in characters
    budget: int = DEFAULT_BUDGET  # the length aimed for, leaving room for the caller's notes
    fetch_command: Callable[[int], str] | None = None  # change number -> the git command fetching its head
    change_name: str = "change"  # what the host calls the change under review ("pull request")
    sign_off: str = "Posted by nbreview"
    inert: str = "github"  # whose references and commands notebook text is kept from triggering (see .inert)


PLAIN = CommentHost()


def _footer(ctx: CommentContext, left_out: list[str], host: CommentHost) -> str:
    lines = []
    if left_out:
        lines.append("**Left out to keep this comment short:** " + "; ".join(left_out) + ".")
    see = []
    if ctx.report_url:
        see.append(f"the [full HTML report]({ctx.report_url})")
    if ctx.base_sha and ctx.head_sha:
        if ctx.pr_number and host.fetch_command:
            fetch = f"`{host.fetch_command(ctx.pr_number)}` then "
        else:
            fetch = f"after fetching the {host.change_name}, "
        see.append(f"locally: {fetch}`nbreview web {ctx.base_sha[:12]} {ctx.head_sha[:12]}`")
    if see:
        lines.append("To see everything: " + ", or ".join(see) + ".")
    lines += ctx.notes
    lines.append("Unchanged cells and transient changes (timestamps, volatile ids) are counted, not shown.")
    lines.append(f"<sub>{host.sign_off}</sub>")
    return "\n\n".join(lines) + "\n"


def _marker_line(host: CommentHost) -> str:
    return f"{host.marker}\n" if host.marker else ""


def _header(changes: list[NotebookChange], ctx: CommentContext, host: CommentHost) -> str:
    n = len(changes)
    title = f"### 📓 Notebook changes · {n} notebook{'s' if n != 1 else ''}"
    if ctx.head_sha:
        title += f" · at {ctx.head_sha[:7]}"
    return f"{_marker_line(host)}{title}\n{_threads_lines(ctx)}"


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


def render_no_notebooks(ctx: CommentContext, host: CommentHost = PLAIN) -> str:
    """The comment once a change no longer touches any notebook."""
    as_of = f" (as of {ctx.head_sha[:7]})" if ctx.head_sha else ""
    return (
        f"{_marker_line(host)}### 📓 Notebook changes\n\n"
        f"This {host.change_name} no longer changes any notebook{as_of}.\n\n<sub>{host.sign_off}</sub>\n"
    )


def _left_out(cells: int, images: int) -> list[str]:
    return ([f"{cells} changed cells"] if cells else []) + ([f"{images} images"] if images else [])


def render_comment(
    changes: list[NotebookChange],
    ctx: CommentContext | None = None,
    *,
    host: CommentHost = PLAIN,
    image_base_url: str | None = None,
    images: Callable[[], PictureLinks] | None = None,
    budget: int | None = None,
) -> RenderedComment:
    """The whole comment, stepping down through :data:`LEVELS` until it fits ``budget`` characters
    (the host's budget by default, never over its limit). Pictures are linked by ``images()``, or by
    content hash under ``image_base_url``; without either they are counted as left out.
    Notebook text is made inert for the host's markdown (``host.inert``)."""
    with inert_for(host.inert):
        return _render_comment(changes, ctx, host, image_base_url, images, budget)


def _render_comment(
    changes: list[NotebookChange],
    ctx: CommentContext | None,
    host: CommentHost,
    image_base_url: str | None,
    images: Callable[[], PictureLinks] | None,
    budget: int | None,
) -> RenderedComment:
    ctx = ctx or CommentContext()
    if images is None and image_base_url:
        images = partial(ImageLinker, image_base_url)
    if not changes:
        return RenderedComment(render_no_notebooks(ctx, host), {}, "none", [])
    budget = host.budget if budget is None else budget
    if host.max_body is not None:
        budget = min(budget, host.max_body - 1)
    head = _header(changes, ctx, host)
    main = [ch for ch in changes if not is_whole(ch)]
    whole = [ch for ch in changes if is_whole(ch)]
    fixed = len(head) + len(_table(changes)) + len(_footer(ctx, ["x" * FOOTER_ROOM], host)) + JOINS_ROOM
    for level_index, level in enumerate(LEVELS):
        results = results_block(changes, level_index)
        linker = images() if images else None
        allowance = ImageAllowance(level.images)
        sections = []
        cells_left = 0
        size = fixed + len(results)
        for i, ch in enumerate(main):  # modified notebooks first: their changes are what a reviewer judges
            text, left = section(ch, level, linker, allowance, open_=(i == 0 and len(changes) <= NOTEBOOKS_OPEN))
            sections.append(text)
            cells_left += left
            size += len(text) + 1
            if size > budget:
                break  # this level cannot fit; don't render the rest of it
        if size > budget:
            continue
        room = budget - size if not (cells_left or allowance.skipped) else 0  # nothing cut from the modified ones
        whole_cut = _whole_sections(whole, LEVELS[level_index:], images, allowance, room, not main)
        texts, brief, whole_left, wanted = whole_cut
        sections += texts
        cells_left += whole_left
        left_out = _left_out(cells_left, allowance.skipped)
        if brief:
            left_out.insert(0, f"the cells of {brief} added or deleted notebook{'s' if brief != 1 else ''}")
        body = head + "\n" + _table(changes) + "\n\n" + results + "\n".join(sections) + "\n"
        body += _footer(ctx, left_out, host)
        if len(body) <= budget:
            return RenderedComment(body, {**(linker.wanted if linker else {}), **wanted}, level.name, left_out)
    brief_comment = _first_notebooks(main + whole, ctx, budget, head, images, host)
    return brief_comment if brief_comment is not None else _summary_only(changes, ctx, budget, head, host)


def _whole_sections(
    whole: list[NotebookChange],
    levels: Sequence[Detail],
    images: Callable[[], PictureLinks] | None,
    allowance: ImageAllowance,
    room: int,
    first_open: bool,
) -> tuple[list[str], int, int, dict[str, bytes]]:
    """Added and deleted notebooks after the modified ones: each at the first of ``levels`` that
    fits the ``room`` left (with the pictures it links; a deleted one only at the first), else as
    one line (path, cell count).
    Gives the texts, how many were cut to a line, the cells the others left out, and their pictures."""
    room -= sum(len(whole_line(ch)) + 1 for ch in whole)  # the lines are always affordable
    texts: list[str] = []
    brief = cells_left = 0
    wanted: dict[str, bytes] = {}
    for i, ch in enumerate(whole):
        line = whole_line(ch)
        texts.append(line)
        brief += 1
        # a deleted notebook's cells are shown whole or not at all; a new one's first cells are worth a look
        for level in (levels if ch.status == "added" else levels[:1]) if room > 0 else ():
            linker = images() if images else None
            trial = ImageAllowance(allowance.left)  # a section cut to a line must not spend the allowance
            open_ = first_open and i == 0 and len(whole) <= NOTEBOOKS_OPEN
            text, left = section(ch, level, linker, trial, open_=open_)
            if len(text) - len(line) <= room:
                room -= len(text) - len(line)
                allowance.left, allowance.skipped = trial.left, allowance.skipped + trial.skipped
                wanted.update(linker.wanted if linker else {})
                texts[-1] = text
                cells_left += left
                brief -= 1
                break
    return texts, brief, cells_left, wanted


def _first_notebooks(
    changes: list[NotebookChange],
    ctx: CommentContext,
    budget: int,
    head: str,
    images: Callable[[], PictureLinks] | None,
    host: CommentHost,
) -> RenderedComment | None:
    """Before the summary alone: the first notebooks in brief while they fit, the rest in the table only."""
    level = LEVELS[-1]
    table = _table(changes)
    results = results_block(changes, len(LEVELS))
    room = budget - len(head) - len(table) - len(results) - len(_footer(ctx, ["x" * FOOTER_ROOM], host)) - JOINS_ROOM
    wanted: dict[str, bytes] = {}
    allowance = ImageAllowance(level.images)
    sections: list[str] = []
    cells_left = 0
    for ch in changes:
        linker = images() if images else None
        trial = ImageAllowance(allowance.left)  # a section that does not fit must not spend the allowance
        text, left = (whole_line(ch), 0) if is_whole(ch) else section(ch, level, linker, trial, open_=False)
        if len(text) > room:
            break
        room -= len(text) + 1
        sections.append(text)
        cells_left += left
        allowance = ImageAllowance(trial.left, allowance.skipped + trial.skipped)
        wanted.update(linker.wanted if linker else {})
    if not sections:
        return None
    left_out = [f"the details of {len(changes) - len(sections)} notebooks (they are in the table)"]
    left_out += _left_out(cells_left, allowance.skipped)
    body = head + "\n" + table + "\n\n" + results + "\n".join(sections) + "\n" + _footer(ctx, left_out, host)
    if len(body) > budget:
        return None
    return RenderedComment(body, wanted, "first notebooks only", left_out)


def _table(changes: Sequence[NotebookChange], limit: int | None = None, rows: list[str] | None = None) -> str:
    rows = [table_row(ch) for ch in changes] if rows is None else rows
    more = ""
    if limit is not None and len(rows) > limit:
        more = f"\n\n… and {len(rows) - limit} more notebooks"
        rows = rows[:limit]
    return TABLE_HEAD + "\n" + "\n".join(rows) + more


def _summary_only(
    changes: list[NotebookChange], ctx: CommentContext, budget: int, head: str, host: CommentHost
) -> RenderedComment:
    """The last resort: the table alone, cut by thirds until it fits."""
    rows = [table_row(ch) for ch in changes]
    limit: int | None = None
    while True:
        left_out = ["every notebook's cell details"]
        if limit is not None:
            left_out.append(f"{len(changes) - limit} notebooks from the table")
        body = head + "\n" + _table(changes, limit, rows) + "\n\n" + _footer(ctx, left_out, host)
        if len(body) <= budget or limit == 0:
            cut = body if host.max_body is None else body[: host.max_body - 1]
            return RenderedComment(cut, {}, "summary only", left_out)
        limit = max(0, (limit if limit is not None else len(changes)) * 2 // 3)
