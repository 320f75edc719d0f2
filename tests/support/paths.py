"""Where the real data lives: the bundled fixtures and the shared corpus (skipped cleanly where absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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


CORPUS_MISSING = "../shared/corpus is not present"
# A test with this mark (or one that calls corpus_pairs) is slow: not in make test-fast (support/markers.py).
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_MISSING)
needs_peer = pytest.mark.skipif(not PEER.is_dir(), reason="../shared/peer-fixtures/nbdime is not present")
