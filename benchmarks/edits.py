"""Known edits applied to real notebooks, with the true cell mapping, to score alignment.

Each case starts from a corpus notebook and applies edits of the kinds reviewers meet:
modify (some lines of a cell), insert (a cell from another notebook), delete, move,
split (a cell cut in two; either half counts as the true partner), and re-execute
(execution count and output text change). Cases come with and without cell ids.
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass, field
from typing import Any

Cell = dict[str, Any]
KINDS = ("modify", "insert", "delete", "move", "split", "reexecute")


@dataclass
class Case:
    old: dict[str, Any]
    new: dict[str, Any]
    truth: dict[int, set[int]] = field(default_factory=dict)  # old index -> acceptable new indices
    moved: set[int] = field(default_factory=set)  # old indices moved on purpose


def _mutate_line(line: str, rng: random.Random) -> str:
    numbers = list(re.finditer(r"\d+", line))
    if numbers and rng.random() < 0.5:
        m = rng.choice(numbers)
        return line[: m.start()] + str(int(m.group()) + rng.randint(1, 9)) + line[m.end():]
    words = list(re.finditer(r"[A-Za-z_]{3,}", line))
    if words and rng.random() < 0.6:
        m = rng.choice(words)
        return line[: m.start()] + m.group() + "_v2" + line[m.end():]
    return line.rstrip("\n") + "  # edited" + ("\n" if line.endswith("\n") else "")


def _modify(cell: Cell, rng: random.Random) -> None:
    lines = cell["source"].splitlines(True) or [""]
    k = max(1, len(lines) // 3)
    for i in rng.sample(range(len(lines)), min(k, len(lines))):
        lines[i] = _mutate_line(lines[i], rng)
    if rng.random() < 0.3:
        lines.insert(rng.randint(0, len(lines)), "print('added line')\n")
    cell["source"] = "".join(lines)


def _reexecute(cell: Cell, rng: random.Random) -> None:
    if cell.get("cell_type") != "code":
        return
    cell["execution_count"] = rng.randint(1, 500)
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            out["text"] = _mutate_line(out.get("text", "") or "0", rng)
        if "execution_count" in out:
            out["execution_count"] = cell["execution_count"]


def make_case(nb: dict[str, Any], donors: list[Cell], n_edits: int, with_ids: bool, seed: int) -> Case:
    rng = random.Random(seed)
    old = copy.deepcopy(nb)
    old["cells"] = [c for c in old["cells"] if isinstance(c.get("source"), str)]
    for k, c in enumerate(old["cells"]):
        if with_ids:
            c["id"] = f"cell-{seed}-{k}"
        else:
            c.pop("id", None)
    old["nbformat_minor"] = 5 if with_ids else 4
    items: list[tuple[int | None, Cell, bool]] = [(k, copy.deepcopy(c), False) for k, c in enumerate(old["cells"])]
    moved: set[int] = set()
    split_twins: dict[int, Cell] = {}
    fresh = 0
    for _ in range(n_edits):
        kind = rng.choice(KINDS)
        if not items:
            kind = "insert"
        pos = rng.randrange(len(items)) if items else 0
        if kind == "insert":
            cell = copy.deepcopy(rng.choice(donors))
            fresh += 1
            if with_ids:
                cell["id"] = f"new-{seed}-{fresh}"
            else:
                cell.pop("id", None)
            items.insert(rng.randint(0, len(items)), (None, cell, False))
        elif kind == "delete":
            items.pop(pos)
        elif kind == "modify":
            _modify(items[pos][1], rng)
        elif kind == "reexecute":
            _reexecute(items[pos][1], rng)
        elif kind == "move" and len(items) > 3:
            item = items.pop(pos)
            choices = [p for p in range(len(items) + 1) if abs(p - pos) >= 2]
            items.insert(rng.choice(choices), item)
            if item[0] is not None:
                moved.add(item[0])
        elif kind == "split":
            orig, cell, _ = items[pos]
            lines = cell["source"].splitlines(True)
            if len(lines) >= 4:
                cut = len(lines) // 2
                second = copy.deepcopy(cell)
                cell["source"] = "".join(lines[:cut])
                second["source"] = "".join(lines[cut:])
                second["outputs"] = [] if "outputs" in second else second.get("outputs")
                if "outputs" not in cell:
                    second.pop("outputs", None)
                if with_ids:
                    fresh += 1
                    second["id"] = f"new-{seed}-{fresh}"
                items.insert(pos + 1, (None, second, True))
                if orig is not None:
                    split_twins[orig] = second
    new = copy.deepcopy(nb)
    new["nbformat_minor"] = old["nbformat_minor"]
    new["cells"] = [c for _, c, _ in items]
    truth: dict[int, set[int]] = {}
    for j, (orig, _cell, _) in enumerate(items):
        if orig is not None:
            truth.setdefault(orig, set()).add(j)
    for orig, twin in split_twins.items():
        for j, (_, cell, _) in enumerate(items):
            if cell is twin and orig in truth:
                truth[orig].add(j)
    return Case(old, new, truth, {m for m in moved if m in truth})


def score(truth: dict[int, set[int]], predicted: dict[int, int]) -> tuple[int, int, int]:
    """True positives, predicted pairs, true pairs."""
    tp = sum(1 for i, j in predicted.items() if j in truth.get(i, ()))
    return tp, len(predicted), len(truth)


def nbdime_pairs(diff: list[dict[str, Any]], n_old: int, n_new: int) -> dict[int, int]:
    """The cell pairs nbdime's diff implies: cells not added or removed, matched in order."""
    removed: set[int] = set()
    added_before: dict[int, int] = {}
    for op in diff:
        if op["key"] != "cells":
            continue
        for sub in op.get("diff", []):
            if sub["op"] == "removerange":
                removed.update(range(sub["key"], sub["key"] + sub["length"]))
            elif sub["op"] == "addrange":
                added_before[sub["key"]] = added_before.get(sub["key"], 0) + len(sub["valuelist"])
    pairs: dict[int, int] = {}
    j = 0
    for i in range(n_old + 1):
        j += added_before.get(i, 0)
        if i == n_old:
            break
        if i in removed:
            continue
        pairs[i] = j
        j += 1
    return pairs
