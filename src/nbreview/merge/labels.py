"""How conflict markers are labelled: ``local``/``remote`` by default, git's own labels under git.

The labels git chooses, and how the merge driver reads them, are in :mod:`nbreview.git.markers`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MarkerStyle:
    """The labels after ``<<<<<<<``, ``|||||||`` and ``>>>>>>>``, and whether to show the base."""

    local: str = "local"
    remote: str = "remote"
    base: str = "base"
    diff3: bool = False


def given_label(label: str | None) -> str | None:
    """A label git expanded (None for a placeholder an older git left as is, or nothing)."""
    if label is None or not label.strip() or label in ("%S", "%X", "%Y"):
        return None
    return " ".join(label.split())  # one line: a label never breaks the marker line
