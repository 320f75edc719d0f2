"""Shared by the mergetool tests (tests/test_merge_tool.py and tests/browser/test_browser_mergetool.py)."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

TOKEN = "mergetool-test-token-0123456789"
# What the page's api.js sends with a write (the test client's server is http://localhost).
WRITER = {"X-Nbreview-Token": TOKEN, "Origin": "http://localhost"}


def _code(source: str) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def _md(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def triple() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Base, local and remote with four conflicts: two in sources, deleted vs edited, a kernel name."""
    base = {"cells": [
        _md("# Report\n\nQuarterly numbers."),
        _code("rate = 0.1\nprint(rate)"),
        _code("def tax(x):\n    return x * rate\n"),
        _code("print(tax(100))"),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["cells"][0]["source"] = "# Report <script>alert(1)</script>\n\nQuarterly numbers."
    remote["cells"][0]["source"] = "# Annual report\n\nQuarterly numbers."
    local["cells"][1]["source"] = "rate = 0.2\nprint(rate)"
    remote["cells"][1]["source"] = "rate = 0.15\nprint(rate)"
    del local["cells"][2]
    remote["cells"][2]["source"] = "def tax(x):\n    return round(x * rate, 2)\n"
    local["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    remote["metadata"]["kernelspec"] = {"name": "conda-env", "display_name": "Python 3", "language": "python"}
    return base, local, remote


def write_triple(folder: Path) -> dict[str, Path]:
    """base, local and remote files, and merged as git's merge driver leaves it (conflicts marked)."""
    from nbreview.io.write import dumps_notebook
    from nbreview.merge import merge

    base, local, remote = triple()
    out = {}
    marked = merge(base, local, remote).notebook
    for name, nb in (("base", base), ("local", local), ("remote", remote), ("merged", marked)):
        out[name] = folder / f"{name}.ipynb"
        out[name].write_text(dumps_notebook(nb) if name == "merged" else json.dumps(nb, indent=1))
    return out


def read_url(proc: subprocess.Popen[str]) -> str:
    """The address the mergetool prints first."""
    assert proc.stdout is not None
    for _ in range(50):
        line = proc.stdout.readline()
        if line.startswith("Serving on "):
            return line.split()[-1]
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no URL from the mergetool (exit {proc.poll()}): {proc.stderr.read() if proc.stderr else ''}")


def resolve_in_page(page: Any, url: str) -> None:
    """Resolve the four conflicts of ``triple()`` the way a person would, and save."""
    from playwright.sync_api import expect

    page.goto(url)
    assert page.inner_text("#progress") == "4 conflicts · 0 resolved"
    sections = page.locator("section.conflict")
    for k in range(sections.count()):
        s = sections.nth(k)
        kind = s.get_attribute("data-kind")
        text = s.inner_text()
        if kind == "value":
            s.locator("button[data-choice=remote]").click()
        elif kind == "delete":
            s.locator("button[data-choice=remote]").click()  # keep the edited cell
        elif "rate = 0.2" in text:
            s.locator("button[data-choice=edit]").click()
            area = s.locator("textarea.edit")
            assert area.input_value() == "rate = 0.2\nrate = 0.15\n"  # prefilled with both sides
            area.fill("rate = 0.175\n")
        else:
            s.locator("button[data-choice=both]").click()
            assert s.locator("pre.preview").inner_text().startswith("# Report <script>alert(1)</script>\n# Annual")
    assert page.inner_text("#progress") == "4 conflicts · 4 resolved"
    page.click("#save")
    expect(page.locator("#status")).to_contain_text("saved, no conflicts left")
