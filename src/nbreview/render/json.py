"""The JSON that ``nbreview diff --json`` prints: one notebook's diff, or the set of a git diff.

One notebook is :func:`nbreview.view.json_document` (the diff ``nbreview patch`` reads, with
the view's decisions); :class:`JsonRenderer` prints it through the renderer protocol. Through
git, every changed notebook goes into one ``nbreview-diff-set`` document, defined here so any
caller (not only the CLI) writes the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff
    from nbreview.io.git import ChangedNotebook
    from nbreview.view import NotebookView

DIFF_SET_FORMAT = "nbreview-diff-set"
DIFF_SET_VERSION = 1


def diff_set_document(notebooks: Iterable[tuple[ChangedNotebook, NotebookDiff | None, str]]) -> dict[str, Any]:
    """``{"format": "nbreview-diff-set", "version": 1, "notebooks": [...]}`` for ``(change, diff, error)`` triples.

    Each entry has the notebook's ``path``, ``old_path`` and ``status``, then either its
    ``diff`` (as for one notebook) or the ``error`` that kept it from being diffed.
    """
    from nbreview.view import json_document

    entries = []
    for change, d, error in notebooks:
        entry: dict[str, Any] = {"path": change.path, "old_path": change.old_path, "status": change.status}
        entry.update({"error": error} if d is None else {"diff": json_document(d)})
        entries.append(entry)
    return {"format": DIFF_SET_FORMAT, "version": DIFF_SET_VERSION, "notebooks": entries}


class JsonRenderer:
    """One notebook's ``--json`` document as text (a :class:`~nbreview.render.protocol.Renderer`).

    The text is the JSON value as is: writing it to a terminal is the caller's concern
    (:func:`nbreview.io.write.terminal_json`).
    """

    def __init__(self, indent: int | None = 1) -> None:
        self.indent = indent

    def render(self, view: NotebookView) -> str:
        from nbreview.io.write import dumps_indented

        doc = view.document()
        if self.indent == 1:
            return dumps_indented(doc)  # the same text as json.dumps(indent=1), faster on big cells
        return json.dumps(doc, ensure_ascii=False, indent=self.indent)
