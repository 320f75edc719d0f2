"""Random edit sets on real notebooks, for the merge's property tests and its benchmark.

An edit touches one base cell position: change a line of its source, append a line,
delete the cell, insert a new cell before it, set or remove a metadata key, change its
type, or move it. Two sets
are non-overlapping when their positions (and move targets) are at least two cells
apart, so no line-based or cell-based merge has a reason to call them a conflict.

Rival cases must conflict: both sides rewrite one cell (each replacing at least half of its
lines, chosen at random), or both add the notebook with different edits (no common base).
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass
from typing import Any

KINDS = ("edit_line", "append_line", "delete", "insert", "tag", "untag", "retype", "move")


@dataclass(frozen=True)
class Edit:
    kind: str
    at: int  # base cell index
    side: str
    target: int = -1  # for moves: the base gap it goes to (before that base cell)


def _lines(src: str) -> list[str]:
    return src.splitlines(keepends=True)


def new_source(src: str, edit: Edit, rng_value: int) -> str:
    lines = _lines(src)
    if edit.kind == "append_line" or not lines:
        tail = "" if not lines or lines[-1].endswith("\n") else "\n"
        return src + tail + f"# added by {edit.side} at {edit.at} ({rng_value})"
    k = rng_value % len(lines)
    end = "\n" if lines[k].endswith("\n") else ""
    lines[k] = lines[k].rstrip("\n") + f"  # changed by {edit.side} ({rng_value})" + end
    return "".join(lines)


def apply_edits(nb: dict[str, Any], edits: list[Edit], seed: int) -> dict[str, Any]:
    """The notebook with ``edits`` applied (positions refer to the base notebook)."""
    out = copy.deepcopy(nb)
    cells = out["cells"]
    has_ids = any("id" in c for c in cells)
    by_at = {e.at: e for e in edits}
    moved_in: dict[int, list[int]] = {}
    for e in edits:
        if e.kind == "move":
            moved_in.setdefault(e.target, []).append(e.at)
    result: list[dict[str, Any]] = []
    for i in range(len(cells) + 1):
        for j in moved_in.get(i, []):
            result.append(cells[j])
        if i == len(cells):
            break
        e = by_at.get(i)
        cell = cells[i]
        if e is None:
            result.append(cell)
            continue
        if e.kind in ("edit_line", "append_line"):
            cell["source"] = new_source(cell.get("source", ""), e, seed * 1000 + i)
            result.append(cell)
        elif e.kind == "tag":
            cell.setdefault("metadata", {})["nbreview_test"] = f"{e.side}-{seed}"
            result.append(cell)
        elif e.kind == "untag":
            meta = cell.setdefault("metadata", {})
            if meta:
                del meta[sorted(meta)[0]]
            else:
                meta["nbreview_test"] = f"{e.side}-{seed}"
            result.append(cell)
        elif e.kind == "retype":
            if cell.get("cell_type") == "code":
                cell["cell_type"] = "markdown"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
            else:
                cell["cell_type"] = "code"
                cell["outputs"] = []
                cell["execution_count"] = None
            cell.pop("attachments", None)
            result.append(cell)
        elif e.kind == "insert":
            new: dict[str, Any] = {"cell_type": "markdown", "metadata": {},
                                   "source": f"Inserted by {e.side} before base cell {i} (seed {seed})"}
            if has_ids:
                new["id"] = f"ins-{e.side}-{seed}-{i}"
            result.append(new)
            result.append(cell)
        elif e.kind == "move":
            continue
        # delete: nothing
    out["cells"] = result
    return out


def non_overlapping(n_cells: int, rng: random.Random, max_edits: int = 6) -> tuple[list[Edit], list[Edit]]:
    """Two edit sets on different cells, every touched position two or more cells from the others."""
    count = rng.randint(2, max(2, min(max_edits, n_cells // 3)))
    taken: set[int] = set()
    local: list[Edit] = []
    remote: list[Edit] = []
    tries = 0
    while len(local) + len(remote) < count and tries < 200:
        tries += 1
        at = rng.randrange(n_cells)
        kind = rng.choice(KINDS)
        target = -1
        spots = {at}
        if kind == "move":
            target = rng.randrange(n_cells + 1)
            if abs(target - at) < 3:
                continue
            spots |= {target, target - 1}
        if any(abs(s - t) < 3 for s in spots for t in taken):
            continue
        side = rng.choice(("local", "remote"))
        taken |= spots
        (local if side == "local" else remote).append(Edit(kind, at, side, target))
    if not remote and len(local) > 1:
        e = local.pop()
        remote.append(Edit(e.kind, e.at, "remote", e.target))
    elif not local and len(remote) > 1:
        e = remote.pop()
        local.append(Edit(e.kind, e.at, "local", e.target))
    return local, remote


def overlapping(nb: dict[str, Any], rng: random.Random) -> tuple[list[Edit], list[Edit]] | None:
    """Both sides change the same line of one cell differently, or one deletes what the other edits."""
    candidates = [i for i, c in enumerate(nb["cells"]) if str(c.get("source", "")).strip()]
    if not candidates:
        return None
    at = rng.choice(candidates)
    if rng.random() < 0.5:
        return [Edit("edit_line", at, "local")], [Edit("edit_line", at, "remote")]
    first, second = ("local", "remote") if rng.random() < 0.5 else ("remote", "local")
    edits = {first: Edit("delete", at, first), second: Edit(rng.choice(("edit_line", "append_line")), at, second)}
    return [edits["local"]], [edits["remote"]]


def same_cells(merged: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    """Cells equal; where the expected notebook's ids are incomplete or duplicated (the merge fills
    and de-duplicates them to stay valid), ids are left out of the comparison."""
    ids = [c.get("id") for c in expected]
    if (None in ids and any(i is not None for i in ids)) or (None not in ids and len(set(ids)) < len(ids)):
        def drop(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{k: v for k, v in c.items() if k != "id"} for c in cells]

        return drop(merged) == drop(expected)
    return merged == expected


def rewrite_lines(src: str, side: str, seed: int, rng: random.Random) -> str:
    """``src`` with a random half or more of its lines replaced by ``side``'s own new lines."""
    lines = src.splitlines() or [""]
    share = rng.uniform(0.5, 1.0)
    count = min(len(lines), max(1, math.ceil(len(lines) * share)))
    for k in sorted(rng.sample(range(len(lines)), count)):
        lines[k] = f"{side}_{seed}_{k} = rewrite({k!r})  # {side} rewrote this line"
    return "\n".join(lines)


def rival_rewrites(nb: dict[str, Any], rng: random.Random, seed: int) -> tuple[dict[str, Any], dict[str, Any], int]:
    """Local and remote each rewrite one cell (the same one) differently, replacing >= 50% of its lines."""
    candidates = [i for i, c in enumerate(nb["cells"]) if str(c.get("source", "")).strip()]
    at = rng.choice(candidates)
    sides = []
    for side in ("local", "remote"):
        out = copy.deepcopy(nb)
        out["cells"][at]["source"] = rewrite_lines(nb["cells"][at].get("source", ""), side, seed, rng)
        sides.append(out)
    return sides[0], sides[1], at


def add_add(nb: dict[str, Any], rng: random.Random, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The notebook added on both branches, each with its own (non-overlapping) edit set.

    Sets that only remove metadata keys are drawn again: the key removed may be transient
    (execution times, Colab's ids), which by design is no difference between the two."""
    local_edits, remote_edits = non_overlapping(len(nb["cells"]), rng)
    while all(e.kind == "untag" for e in local_edits + remote_edits):
        local_edits, remote_edits = non_overlapping(len(nb["cells"]), rng)
    return apply_edits(nb, local_edits, seed), apply_edits(nb, remote_edits, seed)


def lost_lines(merged: dict[str, Any], base: dict[str, Any] | None, *sides: dict[str, Any]) -> list[str]:
    """Lines either side wrote (not in base) that appear nowhere in the merged sources."""
    def lines(nb: dict[str, Any]) -> set[str]:
        return {x for c in nb["cells"] for x in _text(c.get("source", "")).splitlines()}

    have = lines(merged)
    old = lines(base) if base is not None else set()
    return sorted({x for side in sides for x in lines(side) if x not in old and x not in have})


def _text(src: Any) -> str:
    return src if isinstance(src, str) else "".join(src) if isinstance(src, list) else str(src)


def sources(nb: dict[str, Any]) -> list[str]:
    return [_text(c.get("source", "")) for c in nb["cells"]]
