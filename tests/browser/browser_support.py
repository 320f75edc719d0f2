"""Helpers shared by the browser tests (kept out of conftest.py, which pytest imports by name)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "pairs"
FIXTURES = ROOT / "fixtures"
EXAMPLE_OLD = FIXTURES / "example" / "old.ipynb"
EXAMPLE_NEW = FIXTURES / "example" / "new.ipynb"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TOKEN = "browser-test-token-0123456789"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def corpus_pairs() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "old.ipynb").exists()) if CORPUS.is_dir() else []


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Pair:
    path: str
    old: Any
    new: Any
    status: str = "modified"


@dataclass
class Server:
    base: str  # the origin, http://127.0.0.1:PORT
    lifecycle: Any

    @property
    def root(self) -> str:
        """Where every URL of the server starts: the origin and the secret prefix."""
        return f"{self.base}/{TOKEN}"

    def url(self, path: str = "/") -> str:
        return self.root + path


def largest_pair() -> Path | None:
    pairs = corpus_pairs()
    if not pairs:
        return None
    return max(pairs, key=lambda p: (p / "old.ipynb").stat().st_size + (p / "new.ipynb").stat().st_size)


def image_pair() -> Path | None:
    """The smallest corpus pair whose diff has an image changed by pixels."""
    import nbreview

    candidates = []
    for p in corpus_pairs():
        meta = json.loads((p / "meta.json").read_text())
        if "image_change" in json.dumps(meta.get("categories", meta)):
            size = (p / "old.ipynb").stat().st_size + (p / "new.ipynb").stat().st_size
            candidates.append((size, p))
    for _, p in sorted(candidates):
        d = nbreview.diff(p / "old.ipynb", p / "new.ipynb")
        mimes = [m for c in d.cells for o in c.outputs or [] if o.status == "modified" for m in o.mimes]
        if any(m.kind == "image" and m.status == "modified" and m.image is not None for m in mimes):
            return p
    return None
