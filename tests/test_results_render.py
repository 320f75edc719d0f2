"""The results review on every surface: terminal (CLI and tmux), JSON, review page / HTML report, PR comment."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import nbreview
from nbreview.render.markdown import NotebookChange, render_comment
from nbreview.view import build as build_view
from support.notebooks import code_cell, notebook, write_nb
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD, ROOT

NBREVIEW = [sys.executable, "-m", "nbreview"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(NBREVIEW + list(args), capture_output=True, text=True, cwd=ROOT)


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def hostile_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Labels and table cells carrying markup, mentions and control characters."""
    html_old = (
        "<table><tr><th></th><th>@octocat &lt;img src=x onerror=alert(1)&gt;</th></tr>"
        "<tr><th>r|1</th><td>1.0</td></tr></table>"
    )
    html_new = html_old.replace("1.0", "2.0")
    a = notebook(
        [
            code_cell("run()", [stream("<script>alert(1)</script> @octocat score: 0.5\n\x1b]0;title\x07acc 0.1\n")], 1),
            code_cell(
                "t",
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 2,
                        "metadata": {},
                        "data": {"text/html": html_old},
                    }
                ],
                2,
            ),
        ]
    )
    b = notebook(
        [
            code_cell("run()", [stream("<script>alert(1)</script> @octocat score: 0.7\n\x1b]0;title\x07acc 0.2\n")], 3),
            code_cell(
                "t",
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 4,
                        "metadata": {},
                        "data": {"text/html": html_new},
                    }
                ],
                4,
            ),
        ]
    )
    return write_nb(tmp_path / "a.ipynb", a), write_nb(tmp_path / "b.ipynb", b)


# ---------------------------------------------------------------- terminal


def test_terminal_results_section_comes_first() -> None:
    out = cli("diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--color=never").stdout.splitlines()
    assert out[2].startswith("── results ")
    assert out[3] == "  5 values changed · 1 table changed · 1 signal"
    listed = out[4:9]
    # metrics first (biggest relative change first), then table cells, then other values
    assert listed[0].split()[:3] == ["cell", "[5]", "loss"] and "0.231 → 0.245" in listed[0] and "(+6.06%)" in listed[0]
    assert "accuracy" in listed[1] and "0.912 → 0.934" in listed[1]
    assert "2 · rating" in listed[2] and "1 · sales" in listed[3] and "slope" in listed[4]
    assert (
        any("120 → 125" in x for x in out)
        and "  ☐ New warning · cell [6]: RankWarning: Polyfit may be poorly conditioned" in out
    )
    first_cell = next(k for k, x in enumerate(out) if x.startswith("── cell "))
    assert first_cell > 9


def test_results_flag_shows_only_the_section(tmp_path: Path) -> None:
    out = cli("diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--results", "--color=never").stdout
    assert "── results " in out and "── cell " not in out and "accuracy" in out
    same = cli("diff", str(EXAMPLE_OLD), str(EXAMPLE_OLD), "--results").stdout
    assert "no changed results" in same
    # through git too: the working tree against the index
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    shutil.copy(EXAMPLE_OLD, repo / "nb.ipynb")
    subprocess.run(["git", "add", "nb.ipynb"], cwd=repo, check=True)
    shutil.copy(EXAMPLE_NEW, repo / "nb.ipynb")
    proc = subprocess.run(NBREVIEW + ["diff", "--results", "--color=never"], cwd=repo, capture_output=True, text=True)
    assert "0.912 → 0.934" in proc.stdout and "── cell " not in proc.stdout, proc.stderr


def test_terminal_escapes_notebook_text(tmp_path: Path) -> None:
    a, b = hostile_pair(tmp_path)
    out = cli("diff", str(a), str(b), "--results", "--color=always").stdout
    assert "\x1b]" not in out and "\x07" not in out
    assert "0.5 → " in re.sub(r"\x1b\[[0-9;]*m", "", out)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_results_in_a_real_terminal(tmp_path: Path) -> None:
    """tmux runs the CLI on a pseudo-terminal (colours on, pager off): the screen shows the section."""
    session = f"nbr-results-{time.monotonic_ns()}"
    cmd = " ".join(
        [sys.executable, "-m", "nbreview", "diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--results", "--no-pager"]
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "140", "-y", "40", f"cd {ROOT} && {cmd}; sleep 30"],
        check=True,
    )
    try:
        screen = ""
        for _ in range(100):
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if "checklist" in screen:
                break
            time.sleep(0.1)
        assert "── results " in screen and "accuracy" in screen and "0.912 → 0.934" in screen
        assert "│ ~~" not in screen and "120 → 125" in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


# ---------------------------------------------------------------- JSON


def test_json_has_top_level_results_and_signals() -> None:
    d = json.loads(cli("diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--json").stdout)
    acc = next(r for r in d["results"] if r["label"] == "accuracy")
    assert {k: acc[k] for k in ("cell", "output", "label", "old", "new")} == {
        "cell": 5,
        "output": 0,
        "label": "accuracy",
        "old": 0.912,
        "new": 0.934,
    }
    cell = next(r for r in d["results"] if r.get("column") == "sales")
    assert (cell["row"], cell["old"], cell["new"], cell["cell"]) == ("1", 120, 125, 2)
    assert d["signals"] == [
        {"kind": "new_warning", "cell": 6, "cells": [6], "detail": "RankWarning: Polyfit may be poorly conditioned"}
    ]
    assert d["tables"][0]["rows"][0]["cells"][1] == ["120", "125"]


# ---------------------------------------------------------------- review page and report


def test_review_page_panel_links_to_cells_and_highlights_tables() -> None:
    from nbreview.render.html import InlineImages, render_notebook

    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    body = render_notebook(d, InlineImages(build_view(d)), prefix="f0-")
    panel = body[body.index('<section class="results"') : body.index("</section>") + 10]
    assert body.index('<section class="results"') < body.index('<section class="cell')
    assert 'href="#f0-n5"' in panel and 'id="f0-n5"' in body
    assert '<td class="c-changed"><del>120</del> <ins>125</ins></td>' in panel
    assert "RankWarning" in panel and "0.912" in panel


def test_html_report_escapes_results(tmp_path: Path) -> None:
    a, b = hostile_pair(tmp_path)
    out = tmp_path / "r.html"
    assert cli("diff", str(a), str(b), "--html", str(out)).returncode == 0
    from nbreview.render.html import unpack_report

    page = unpack_report(out.read_text())
    panel = page[page.index('<section class="results"') :]
    panel = panel[: panel.index("</section>")]
    assert "<script>" not in panel and "<img" not in panel and "&lt;img src=x onerror=alert(1)&gt;" in panel


# ---------------------------------------------------------------- PR comment


def test_pr_comment_results_right_after_the_summary_table() -> None:
    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    body = render_comment([NotebookChange("analysis/sales.ipynb", "modified", diff=d)]).body
    table_end = body.index("| analysis/sales.ipynb |")
    assert table_end < body.index("#### 📈 Results") < body.index("<details open>")
    assert "| cell [5] | accuracy | 0.912 | **0.934** | ▲ +0.022 (+2.41%) |" in body
    assert "| 1 | 2 | ~~120~~ **125** | 3.9 |" in body
    assert "- ☐ **New warning** · cell [6]: RankWarning: Polyfit may be poorly conditioned" in body


def test_pr_comment_results_render_through_cmarkgfm(tmp_path: Path) -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    a, b = hostile_pair(tmp_path)
    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    h = nbreview.diff(a, b)
    body = render_comment(
        [
            NotebookChange("analysis/sales.ipynb", "modified", diff=d),
            NotebookChange("hostile.ipynb", "modified", diff=h),
        ]
    ).body
    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    results = html[html.index("📈 Results") : html.index("<details open>") if "<details open>" in html else None]
    assert re.search(r"<th[^>]*>Where</th>", results) and "<strong>0.934</strong>" in results
    assert "<del>120</del> <strong>125</strong>" in results
    # notebook text stays inert: no tags, no mention, no extra table cell from a pipe
    assert "<script>" not in results and "<img" not in results
    assert not re.search(r"(?<![\w\u200d])@octocat", results)
    assert "r|1" in results


def test_pr_comment_results_fit_the_budget() -> None:
    lines = "".join(f"metric_{k}: {k}.5\n" for k in range(400))
    a = notebook([code_cell("run()", [stream(lines)], 1)])
    b = notebook([code_cell("run()", [stream(lines.replace(".5", ".7"))], 2)])
    d = nbreview.diff(a, b)
    assert len(d.results.numbers) == 400
    changes = [NotebookChange(f"nb{k}.ipynb", "modified", diff=d) for k in range(30)]
    r = render_comment(changes, budget=20_000)
    assert len(r.body) <= 20_000
    full = render_comment(changes[:1])
    assert "… and 392 more: 392 other values" in full.body  # what kind the left-out values are


def test_more_says_what_kind_on_every_surface() -> None:
    from nbreview import view
    from nbreview.render.html import report_html
    from nbreview.render.terminal import TerminalStyle, render

    metrics = "".join(f"loss_{k}: {k}.5\n" for k in range(40)) + "".join(f"w_{k}: {k}.5\n" for k in range(40))
    a = notebook([code_cell("run()", [stream(metrics)], 1)])
    b = notebook([code_cell("run()", [stream(metrics.replace(".5", ".7"))], 2)])
    d = nbreview.diff(a, b)
    kinds = [view.results.rank_class(n) for n in d.results.numbers]
    assert kinds == sorted(kinds) and kinds.count(0) == 40  # metrics first, in every surface's order
    terminal = render(d, TerminalStyle(color=False, width=120))
    assert "⋯ 70 more: 30 metrics, 40 other values (--results lists all)" in terminal
    assert "30 more not listed: 30 other values." in report_html([d], pack=False)
    comment = render_comment([NotebookChange("nb.ipynb", "modified", diff=d)]).body
    assert "… and 72 more: 32 metrics, 40 other values" in comment
