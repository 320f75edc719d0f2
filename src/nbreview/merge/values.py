"""Three-way merge of JSON values (metadata, cell fields) key by key.

Objects recurse key by key; anything else is taken whole. A value changed on one
side takes that side, the same change on both applies once, and a different change
on both is a conflict unless the path is transient (execution times, UI state), where
local wins silently.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nbreview.engine.model import MISSING

Path = list[str | int]


@dataclass
class ValueConflict:
    """Both sides set ``path`` differently; the merged value holds local's until resolved."""

    path: Path
    base: Any
    local: Any
    remote: Any


def _copy(value: Any) -> Any:
    return value if value is MISSING else copy.deepcopy(value)  # a copied MISSING would not be MISSING


def _same(a: Any, b: Any) -> bool:
    return a is b or (a is not MISSING and b is not MISSING and type(a) is type(b) and a == b)


def merge_values(
    base: Any, local: Any, remote: Any, transient: Callable[[Path], bool], path: Path | None = None
) -> tuple[Any, list[ValueConflict]]:
    """The merged value (MISSING for a key removed) and the conflicts found under ``path``."""
    path = path or []
    if _same(local, remote) or _same(remote, base):
        return _copy(local), []
    if _same(local, base):
        return _copy(remote), []
    if isinstance(local, dict) and isinstance(remote, dict):
        b = base if isinstance(base, dict) else {}
        out: dict[str, Any] = {}
        conflicts: list[ValueConflict] = []
        for key in list(local) + [k for k in remote if k not in local]:
            value, sub = merge_values(b.get(key, MISSING), local.get(key, MISSING), remote.get(key, MISSING),
                                      transient, path + [key])
            conflicts += sub
            if value is not MISSING:
                out[key] = value
        return out, conflicts
    if transient(path):
        return _copy(local), []
    return _copy(local), [ValueConflict(list(path), base, local, remote)]


def set_path(obj: dict[str, Any], path: Path, value: Any) -> None:
    """Set (or with MISSING, remove) the value at ``path``, creating objects on the way."""
    parent: Any = obj
    for key in path[:-1]:
        if not isinstance(parent.get(key), dict):
            parent[key] = {}
        parent = parent[key]
    if value is MISSING:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = copy.deepcopy(value)
