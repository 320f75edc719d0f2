"""Readable notebook history: each commit's header, as ``git log`` prints it, and its notebook diffs.

For each commit that touched a notebook (newest first, what ``git log -- '*.ipynb'``
lists), the rendered diff of every notebook it changed against its first parent, like
``git log -p``; merge commits get their header only, as in ``git log -p``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.engine.options import DiffOptions
    from nbreview.git.changes import ChangeDiff
    from nbreview.render.terminal import TerminalStyle


@dataclass
class Commit:
    """One commit's header fields, as ``git log`` prints them."""

    sha: str
    parents: list[str]
    author: str
    date: str
    message: str


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
    history: list[Commit], paths: list[str] | None, st: TerminalStyle, options: DiffOptions,
    failed: list[ChangeDiff] | None = None,
) -> Iterator[str]:
    """Header and notebook diffs of each commit, lazily (the pager shows the first commit at once).

    A notebook that could not be diffed is shown in place and appended to ``failed``.
    """
    from nbreview.git.changes import change_lines, diff_changes
    from nbreview.io.git import commit_notebooks

    for commit in history:
        yield from header(commit, st)
        if len(commit.parents) > 1:
            continue
        parent = commit.parents[0] if commit.parents else None
        for item in diff_changes(commit_notebooks(commit.sha, parent, paths), options):
            if item.diff is None and failed is not None:
                failed.append(item)
            yield from change_lines(item, st)
            yield ""
