"""Small notebook builders: cells and notebooks as plain nbformat-4 dicts, written as a user's file would be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def code_cell(source: str, outputs: list[dict[str, Any]] | None = None, count: int | None = None,
              cell_id: str | None = None, **meta: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "code", "execution_count": count, "metadata": dict(meta),
                            "outputs": outputs or [], "source": source}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def md_cell(source: str, cell_id: str | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": source}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def notebook(cells: list[dict[str, Any]], minor: int = 4, **meta: Any) -> dict[str, Any]:
    return {"cells": cells, "metadata": dict(meta), "nbformat": 4, "nbformat_minor": minor}


def write_nb(path: Path, nb: dict[str, Any]) -> Path:
    path.write_text(json.dumps(nb, indent=1))
    return path
