"""The review page's templates and static files ship inside the wheel (non-editable install)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support.paths import EXAMPLE_NEW, EXAMPLE_OLD
from support.wheel import build_wheel

ASSET_FILES = [
    "nbreview/web/assets/templates/page.html",
    "nbreview/web/assets/static/review.css",
    "nbreview/web/assets/static/review.js",
    "nbreview/web/assets/static/boot.js",
    "nbreview/web/assets/static/api.js",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_wheel_contains_the_web_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ASSET_FILES:
        assert name in names, name
    assert not any(n.startswith("web/") for n in names), "assets live inside the package, not at top level"


def test_installed_wheel_renders_and_serves(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert not (target / "nbreview" / "web" / "assets").is_symlink(), "a real copy, not a link to the checkout"
    script = f"""
import nbreview, sys
from nbreview.render.html import report_html, ASSETS
from nbreview.web.app import create_app
from nbreview.io.load import load
assert str(ASSETS).startswith({str(target)!r}), ASSETS
html = report_html([nbreview.diff({str(EXAMPLE_OLD)!r}, {str(EXAMPLE_NEW)!r})])
assert ">4 modified<" in html and "function" in html and "--mono" in html
class P:
    path = "x.ipynb"
    old = load({str(EXAMPLE_OLD)!r})
    new = load({str(EXAMPLE_NEW)!r})
c = create_app({{"SOURCES": [P()], "TOKEN": "t" * 20}}).test_client()
assert c.get("/" + "t" * 20 + "/static/review.js").status_code == 200
assert c.get("/" + "t" * 20 + "/static/api.js").status_code == 200
assert c.get("/" + "t" * 20 + "/").status_code == 200
print(nbreview.__file__)
"""
    env = dict(os.environ, PYTHONPATH=str(target))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(str(target))
