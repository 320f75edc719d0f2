"""Review threads as any host gives them, before they are placed on cells (:mod:`.place`).

A host adapter maps its own JSON into these (GitHub's review comments grouped by
``in_reply_to_id``, GitLab's diff discussions) so that placing them, the review page and the
pull-request comment's thread list read one shape. Lines count in the ``.ipynb`` file of the
thread's side: the base's file for ``old``, the head's for ``new``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """One comment of a thread: who wrote what, when, and where to see it on the host."""

    id: int
    author: str
    created: str  # ISO 8601, as the host says it
    url: str
    body: str  # markdown, as written (nbreview's hidden anchor included)


@dataclass
class HostThread:
    """A conversation on a file of a change, as the host keeps it.

    ``line`` (and ``start`` for a range) is where it sits in the current revision; a thread the
    host calls outdated has no ``line`` but an ``original_line`` in ``original_commit``'s file
    (empty: the side's own file now). ``file_level`` threads sit on the file, not on a line.
    """

    id: int | str  # what the host replies to and resolves (GitHub: the first comment's id; GitLab: the discussion's)
    path: str  # the notebook's path at the head (its old path for a thread on a removed file)
    side: str  # "old" | "new"
    notes: list[Note]
    line: int | None = None
    start: int | None = None
    original_line: int | None = None
    original_commit: str = ""
    file_level: bool = False
    resolved: bool | None = None  # None: the host cannot say
    snippet: str = ""  # an outdated thread's code as the host shows it (the diff hunk's last lines)

    @property
    def outdated(self) -> bool:
        return not self.file_level and self.line is None and self.original_line is not None
