"""A change's notebooks as every host reads them: one file status mapping, both sides' bytes, and
what each reader makes of them (the comment's diff, the review page's pair, the threads' JSON maps).

Adapters list a change's files in their own terms and call :func:`changed` on each; a file that
cannot be read keeps its ``error`` and the others are read anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.io.git import NotebookPair
    from nbreview.render.markdown import NotebookChange
    from nbreview.threads.place import NotebookFile

NOTEBOOK_SUFFIX = ".ipynb"
STATUSES = ("added", "removed", "renamed", "copied", "modified")


def is_notebook(path: str, old_path: str = "") -> bool:
    """Whether a changed file is a notebook on either side (a rename to or from ``.ipynb`` counts)."""
    return path.endswith(NOTEBOOK_SUFFIX) or old_path.endswith(NOTEBOOK_SUFFIX)


@dataclass
class ChangedNotebook:
    """A notebook a change adds, removes, renames, copies or modifies, with its bytes at base and head."""

    path: str
    old_path: str
    status: str  # one of STATUSES
    patch: str | None = None  # the host's unified diff hunks of the file (None: too large to send)
    old: bytes = b""
    new: bytes = b""
    error: str = ""  # why it could not be read

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            self.status = "modified"  # GitHub's "changed" (mode only) and anything newer

    def notebook_file(self) -> NotebookFile:
        """Both sides as text and JSON maps, for placing threads and writing comments."""
        from nbreview.threads.place import NotebookFile

        return NotebookFile(self.path, self.old_path, self.status, self.old.decode("utf-8", "replace"),
                            self.new.decode("utf-8", "replace"), self.patch)

    def labels(self, base: str, head: str) -> tuple[str, str]:
        return f"{self.old_path}@{base[:7]}", f"{self.path}@{head[:7]}"

    def pair(self, base: str, head: str) -> NotebookPair:
        """The two notebooks for the review page (an absent side as an empty notebook)."""
        from nbreview.io.git import NotebookPair
        from nbreview.io.load import empty_notebook, from_object, load

        old_label, new_label = self.labels(base, head)
        old_nb = load(self.old, old_label) if self.old else from_object(empty_notebook(), old_label)
        new_nb = load(self.new, new_label) if self.new else from_object(empty_notebook(), new_label)
        kind = {"added": "added", "removed": "deleted"}.get(self.status, "modified")
        return NotebookPair(self.path, old_nb, new_nb, kind)

    def change(self, base: str, head: str) -> NotebookChange:
        """The notebook diffed for the change's comment (or why it was not)."""
        from nbreview.errors import NbreviewError
        from nbreview.render.markdown import NotebookChange
        from nbreview.results import pipeline as engine

        moved = self.old_path if self.status in ("renamed", "copied") else None
        ch = NotebookChange(self.path, self.status, moved)
        if self.error:
            ch.error = self.error
            return ch
        try:
            old_label, new_label = self.labels(base, head)
            ch.diff = engine.diff(self.old, self.new, old_label=old_label, new_label=new_label)
        except NbreviewError as err:
            ch.error = str(err)
        return ch
