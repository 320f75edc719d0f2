"""The notebooks changed between revisions, diffed and shown as ``nbreview diff REV`` and ``nbreview log`` do.

A notebook that cannot be read does not stop the others: its diff is None and its error is
shown in its place (``! cannot diff: ...``), as git goes on past a file it cannot show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff
    from nbreview.engine.options import DiffOptions
    from nbreview.io.git import ChangedNotebook
    from nbreview.render.terminal import StatRow, TerminalStyle


class ChangeDiff(NamedTuple):
    """One changed notebook and its diff, or (diff None) the error that kept it from being diffed."""

    change: ChangedNotebook
    diff: NotebookDiff | None
    error: str


def diff_changes(changes: Iterable[ChangedNotebook], options: DiffOptions | None = None) -> Iterator[ChangeDiff]:
    """Each change loaded and diffed, lazily (a pager shows the first notebook at once)."""
    from nbreview.errors import NbreviewError
    from nbreview.results.pipeline import diff

    for change in changes:
        try:
            yield ChangeDiff(change, diff(change.load_old(), change.load_new(), options=options), "")
        except NbreviewError as err:
            yield ChangeDiff(change, None, str(err))


def change_note(change: ChangedNotebook) -> str:
    """What the title adds in brackets: ``new``, ``deleted``, ``renamed from OLD``, or nothing."""
    if change.status == "renamed":
        return f"renamed from {change.old_path}"
    return {"added": "new", "deleted": "deleted"}.get(change.status, "")


def change_title(change: ChangedNotebook) -> str:
    """``nbreview a/OLD → b/NEW (note)``, git's ``/dev/null`` for a missing side; printable."""
    from nbreview.io.git import display_path

    old = "/dev/null" if change.status == "added" else f"a/{change.old_path}"
    new = "/dev/null" if change.status == "deleted" else f"b/{change.path}"
    note = change_note(change)
    return display_path(f"nbreview {old} → {new}" + (f" ({note})" if note else ""))


def change_lines(item: ChangeDiff, st: TerminalStyle) -> Iterator[str]:
    """One changed notebook in the terminal: its title and diff, or its title and why it has none."""
    from nbreview.io.git import display_path
    from nbreview.render.terminal import BOLD, YELLOW, clean, iter_render

    title = change_title(item.change)
    if item.diff is None:
        yield st.paint(BOLD, clean(title))
        yield st.paint(YELLOW, f"! cannot diff: {clean(display_path(item.error))}")
        return
    yield from iter_render(item.diff, st, title)


def stat_row(item: ChangeDiff) -> StatRow:
    """The ``--stat`` line of one changed notebook (its error in place of counts when it has no diff)."""
    from nbreview.engine.model import Summary
    from nbreview.render.terminal import StatRow

    if item.diff is None:
        return StatRow(item.change.path, Summary(), f"error: {item.error}")
    return StatRow(item.change.path, item.diff.summary(), change_note(item.change))
