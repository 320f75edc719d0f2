"""What a comment is made of and what rendering it gives back: the notebooks a change touches,
the context its footer names, and the rendered body with the pictures it links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nbreview.view import NotebookView, Summary
from nbreview.view import build as build_view

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff


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

    @property
    def display_name(self) -> str:
        """``old.ipynb → new.ipynb`` for a rename or copy, else the path."""
        renamed = self.old_path and self.status in ("renamed", "copied")
        return f"{self.old_path} → {self.path}" if renamed else self.path


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
    """The body, the pictures it links (path -> bytes, for the caller to upload) and what was cut."""

    body: str
    images: dict[str, bytes]
    level: str
    left_out: list[str]
