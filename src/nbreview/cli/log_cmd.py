"""``nbreview log [REV-RANGE...] [-- PATHS]``: readable notebook history without a textconv.

For each commit that touched a notebook (newest first, what ``git log -- '*.ipynb'``
lists), a header like ``git log``'s (commit, Merge, Author, Date, the message indented)
and the rendered diff of every notebook it changed against its first parent, paged like
``git log -p``. Merge commits get their header only, as in ``git log -p``. The revisions
and paths are git's (``main..topic``, ``-n 5``, ``-- notebooks/``); the diff options are
``nbreview diff``'s.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nbreview.cli.common import add_diff_options, add_display_arguments, diff_options
from nbreview.cli.diff_cmd import add_revision_arguments

if TYPE_CHECKING:
    from nbreview.engine.options import DiffOptions
    from nbreview.render.terminal import TerminalStyle


@dataclass
class Commit:
    """One commit's header fields, as ``git log`` prints them."""

    sha: str
    parents: list[str]
    author: str
    date: str
    message: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "nbreview log [options] [REV-RANGE...] [-- PATHS...]"
    add_revision_arguments(parser)
    parser.add_argument("-n", "--max-count", type=int, default=None, metavar="N", help="show at most N commits")
    add_display_arguments(parser)
    parser.add_argument("--no-pager", action="store_true", help="never page the output (default: page on a terminal)")
    add_diff_options(parser)


def commits(revs: list[str], paths: list[str] | None, max_count: int | None) -> list[Commit]:
    """Commits touching notebooks (or ``paths``), newest first, read with one ``git log``."""
    from nbreview.io.git import GitError, git, toplevel

    toplevel(".")  # a clear error outside a repository
    for rev in revs:
        if rev.startswith("-"):
            raise GitError(f"{rev!r}: give revisions here; options go before them")
    spec = list(paths or []) or [":(top,glob)**/*.ipynb"]
    limit = [f"--max-count={max_count}"] if max_count is not None else []
    out = git(
        ["log", "--no-color", "--date=default", "--format=%H%x00%P%x00%an <%ae>%x00%ad%x00%B%x00", *limit, *revs,
         "--", *spec]
    )
    fields = out.split("\0")
    result = []
    for k in range(0, len(fields) - 4, 5):
        sha, parents, author, date, message = fields[k : k + 5]
        result.append(Commit(sha.strip(), parents.split(), author, date, message.rstrip("\n")))
    return result


def header(commit: Commit, st: TerminalStyle) -> Iterator[str]:
    """``git log``'s medium format: commit, Merge, Author, Date, a blank line, the message indented."""
    from nbreview.render.terminal import YELLOW, clean

    yield st.paint(YELLOW, f"commit {commit.sha}")
    if len(commit.parents) > 1:
        yield "Merge: " + " ".join(p[:7] for p in commit.parents)
    yield clean(f"Author: {commit.author}")
    yield clean(f"Date:   {commit.date}")
    yield ""
    for line in commit.message.splitlines() or [""]:
        yield clean(f"    {line}".rstrip())
    yield ""


def log_lines(
    history: list[Commit], paths: list[str] | None, st: TerminalStyle, options: DiffOptions
) -> Iterator[str]:
    """Header and notebook diffs of each commit, lazily (the pager shows the first commit at once)."""
    from nbreview.cli.diff_cmd import _note
    from nbreview.engine.pipeline import diff
    from nbreview.errors import NbreviewError
    from nbreview.io.git import commit_notebooks, display_path
    from nbreview.render.terminal import BOLD, YELLOW, clean, iter_render

    for commit in history:
        yield from header(commit, st)
        if len(commit.parents) > 1:
            continue
        parent = commit.parents[0] if commit.parents else None
        for ch in commit_notebooks(commit.sha, parent, paths):
            old = "/dev/null" if ch.status == "added" else f"a/{ch.old_path}"
            new = "/dev/null" if ch.status == "deleted" else f"b/{ch.path}"
            note = _note(ch)
            title = display_path(f"nbreview {old} → {new}" + (f" ({note})" if note else ""))
            try:
                d = diff(ch.load_old(), ch.load_new(), options=options)
            except NbreviewError as err:
                yield st.paint(BOLD, clean(title))
                yield st.paint(YELLOW, f"! cannot diff: {clean(display_path(str(err)))}")
            else:
                yield from iter_render(d, st, title)
            yield ""


def run(args: argparse.Namespace) -> int:
    from nbreview.cli.diff_cmd import emit, make_style, use_color

    history = commits(list(args.args), args.paths, args.max_count)
    st = make_style(args, use_color(args.color))
    emit(log_lines(history, args.paths, st, diff_options(args)), args)
    return 0
