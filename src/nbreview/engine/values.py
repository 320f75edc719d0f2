"""Structured diffs of JSON values (metadata and other fields), and applying them back."""

from __future__ import annotations

from collections.abc import Callable

from nbreview.engine.model import MISSING, ValueChange
from nbreview.errors import PatchError

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

Path = list[str | int]
TransientRule = Callable[[Path], bool]


def never(path: Path) -> bool:
    return False


def diff_values(old: Any, new: Any, path: Path | None = None, transient: TransientRule = never) -> list[ValueChange]:
    """Changes turning ``old`` into ``new``: dicts recurse key by key, anything else is replaced whole."""
    path = path or []
    if old is MISSING and new is MISSING:
        return []
    if old is MISSING:
        return [ValueChange(path, "add", new=new, transient=transient(path))]
    if new is MISSING:
        return [ValueChange(path, "remove", old=old, transient=transient(path))]
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[ValueChange] = []
        for key in list(old) + [k for k in new if k not in old]:
            out.extend(diff_values(old.get(key, MISSING), new.get(key, MISSING), path + [key], transient))
        return out
    if old == new and type(old) is type(new):
        return []
    return [ValueChange(path, "replace", old=old, new=new, transient=transient(path))]


def apply_changes(obj: dict[str, Any], changes: list[ValueChange], where: str) -> dict[str, Any]:
    """A copy of ``obj`` with ``changes`` applied; keys added keep the order the new side had."""
    import copy  # here: patching needs it, a diff (a git diff driver per notebook) does not

    result = copy.deepcopy(obj)
    for ch in changes:
        if not ch.path:
            if not isinstance(ch.new, dict):
                raise PatchError(f"{where}: a change replaces the whole object with a non-object")
            result = copy.deepcopy(ch.new)
            continue
        parent: Any = result
        for key in ch.path[:-1]:
            if not isinstance(parent, dict) or key not in parent:
                if ch.op == "add" and isinstance(parent, dict):
                    parent[key] = {}
                else:
                    raise PatchError(f"{where}: path {'/'.join(map(str, ch.path))} does not exist")
            parent = parent[key]
        last = ch.path[-1]
        if not isinstance(parent, dict):
            raise PatchError(f"{where}: path {'/'.join(map(str, ch.path))} does not lead to an object")
        if ch.op == "remove":
            if last not in parent:
                raise PatchError(f"{where}: cannot remove missing key {'/'.join(map(str, ch.path))}")
            del parent[last]
        else:
            parent[last] = copy.deepcopy(ch.new)
    return result


# Keys that record when or how a cell ran, or UI state, rather than what it holds.
CELL_TRANSIENT_KEYS = {
    "collapsed",
    "scrolled",
    "ExecuteTime",
    "execution",
    "executionInfo",
    "outputId",
    "papermill",
    "jupyter",
    "pycharm",
    "vscode",
    "editable",
    "deletable",
    "heading_collapsed",
    "hidden",
    "colab",
    "id",
}
NOTEBOOK_TRANSIENT_KEYS = {
    "widgets",
    "toc",
    "varInspector",
    "toc-autonumbering",
    "colab",
    "accelerator",
    "gpuClass",
    "execution",
    "papermill",
    "vscode",
    "interpreter",
}


def cell_metadata_transient(path: Path) -> bool:
    return bool(path) and path[0] in CELL_TRANSIENT_KEYS


def notebook_metadata_transient(path: Path) -> bool:
    if not path:
        return False
    if path[0] in NOTEBOOK_TRANSIENT_KEYS:
        return True
    # The kernel's patch version changes whenever someone else runs the notebook.
    return path[:2] == ["language_info", "version"]
