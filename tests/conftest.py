"""Shared test helpers: where the real data lives, and small notebook builders."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"
PEER = SHARED / "peer-fixtures" / "nbdime"
FIXTURES = ROOT / "fixtures"
EXAMPLE_OLD = FIXTURES / "example" / "old.ipynb"
EXAMPLE_NEW = FIXTURES / "example" / "new.ipynb"


def corpus_pairs() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "old.ipynb").exists()) if CORPUS.is_dir() else []


def peer_files() -> list[Path]:
    return sorted(PEER.rglob("*.ipynb")) if PEER.is_dir() else []


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
needs_peer = pytest.mark.skipif(not PEER.is_dir(), reason="../shared/peer-fixtures/nbdime is not present")


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
