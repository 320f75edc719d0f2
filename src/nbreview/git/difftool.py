"""What ``git difftool -t nbreview`` compares: one notebook pair, or every notebook of ``--dir-diff``'s two trees.

git hands the difftool two files (``$LOCAL``, ``$REMOTE``; ``/dev/null`` for an added or
deleted notebook) and names the notebook in ``$MERGED``; with ``git difftool -d`` it hands
two folders holding the two trees. The pairs go to the review page, or to the terminal
(:func:`terminal_lines`) when no browser can be opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.io.git import NotebookPair
    from nbreview.render.terminal import TerminalStyle


def _side(path: str, label: str) -> str:
    return label if path != os.devnull else os.devnull


def file_pair(local: str, remote: str, path: str) -> NotebookPair:
    """One notebook pair; either side may be ``/dev/null`` (added or deleted)."""
    from nbreview.io.git import NotebookPair
    from nbreview.io.load import load

    old = load(local, _side(local, f"a/{path}"))
    new = load(remote, _side(remote, f"b/{path}"))
    status = "added" if local == os.devnull else "deleted" if remote == os.devnull else "modified"
    return NotebookPair(path, old, new, status)


def _notebooks(root: str) -> dict[str, str]:
    """``relative/path.ipynb -> file`` under ``root`` (git's dir-diff folders; symlinks are followed)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in files:
            if name.endswith(".ipynb"):
                full = os.path.join(folder, name)
                found[os.path.relpath(full, root).replace(os.sep, "/")] = full
    return found


def dir_pairs(left: str, right: str) -> list[NotebookPair]:
    """Every notebook that differs between the two folders of ``git difftool -d``, sorted by path."""
    old, new = _notebooks(left), _notebooks(right)
    pairs = []
    for rel in sorted(set(old) | set(new)):
        a, b = old.get(rel, os.devnull), new.get(rel, os.devnull)
        if a != os.devnull and b != os.devnull and _same_bytes(a, b):
            continue
        pairs.append(file_pair(a, b, rel))
    return pairs


def _same_bytes(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def terminal_lines(pairs: list[NotebookPair], st: TerminalStyle) -> Iterator[str]:
    """The terminal diff of the pairs; with more than one, each under a title naming the notebook."""
    from nbreview.io.git import display_path
    from nbreview.render.terminal import iter_render
    from nbreview.results.pipeline import diff

    for k, pair in enumerate(pairs):
        if k:
            yield ""
        d = diff(pair.old, pair.new)
        if len(pairs) == 1:
            yield from iter_render(d, st)
        else:
            old = "/dev/null" if pair.status == "added" else f"a/{pair.path}"
            new = "/dev/null" if pair.status == "deleted" else f"b/{pair.path}"
            yield from iter_render(d, st, display_path(f"nbreview {old} → {new}"))
