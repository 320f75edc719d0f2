"""Chromium and the review server for the browser tests (tests/browser/), and the README's screenshots."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.paths import ROOT, corpus_pairs

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


def save_screenshot(png: bytes, name: str) -> None:
    """Refresh the README's screenshot ``name`` when NBREVIEW_UPDATE_SCREENSHOTS is set and its picture
    changed; otherwise only check that chromium gave a picture, so test runs leave the checkout clean.

    Written to a temporary name and renamed, so a reader never sees half a file."""
    from PIL import Image, ImageChops

    shot = Image.open(io.BytesIO(png))
    assert shot.width > 100 and shot.height > 100, f"{name}: chromium gave a {shot.size} picture"
    if not os.environ.get("NBREVIEW_UPDATE_SCREENSHOTS"):
        return
    path = SCREENSHOTS / name
    if path.exists():
        # RGB, not RGBA: an RGBA image's getbbox() looks at the alpha channel only.
        old, new = Image.open(path).convert("RGB"), Image.open(io.BytesIO(png)).convert("RGB")
        if old.size == new.size:
            # Unchanged unless more than a sliver differs (a button's transition caught mid-way).
            changed = ImageChops.difference(old, new).convert("L").point(lambda v: 255 if v else 0)
            if changed.histogram()[255] <= 20:
                return
    part = path.with_name(f".{name}.{os.getpid()}.part")
    part.write_bytes(png)
    os.replace(part, path)


def load_images(pg: Any) -> None:
    """Wait until the images in view have loaded (the ones below load lazily on scroll)."""
    pg.wait_for_function(
        "() => Array.from(document.querySelectorAll('main img[src]'))"
        ".filter(i => i.getBoundingClientRect().top < innerHeight && i.getClientRects().length)"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )


def serve_pairs(pairs: list[Pair]) -> Iterator[Server]:
    """A review server for ``pairs`` on a free 127.0.0.1 port (no difftool), stopped afterwards."""
    from nbreview.web.app import Lifecycle, create_app
    from support.wsgi import serve_wsgi

    life = Lifecycle()
    app = create_app({"SOURCES": pairs, "TOKEN": TOKEN, "LIFECYCLE": life, "DIFFTOOL": False})
    with serve_wsgi(app) as url:
        yield Server(url, life)


def line_number(page: Any, cell: str, side: str, line: int) -> Any:
    """The clickable number of a source line in the side-by-side table (old: first column, new: second)."""
    col = 0 if side == "old" else 1
    rows = page.locator(f"#{cell} .cb table.diff:visible > tbody > tr:not(.thr)")
    for i in range(rows.count()):
        nums = rows.nth(i).locator(":scope > td.n")
        k = min(col, nums.count() - 1)
        if nums.nth(k).inner_text().strip() == str(line):
            return nums.nth(k)
    raise AssertionError(f"no line {line} ({side}) in #{cell}")
