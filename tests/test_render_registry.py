"""Every surface draws through the renderer registry (``nbreview.render.protocol``).

The CLI's terminal text and ``--json``, the HTML report, the review page and the PR comment each
ask the registry for their renderer by name; a spy on :func:`nbreview.render.protocol.renderer`
sees which names were asked for while the real surface runs.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

import nbreview
from nbreview.render import protocol
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The renderer names the registry is asked for, in order (the real renderers still draw)."""
    names: list[str] = []
    real = protocol.renderer

    def spy(name: str, /, *args: Any, **options: Any) -> protocol.Renderer:
        names.append(name)
        return real(name, *args, **options)

    monkeypatch.setattr(protocol, "renderer", spy)
    return names


def _cli(*argv: str) -> str:
    from nbreview.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    assert code in (0, 1)
    return out.getvalue()


def test_cli_terminal_and_json_draw_through_the_registry(asked: list[str]) -> None:
    text = _cli("diff", "--no-pager", "--color", "never", str(EXAMPLE_OLD), str(EXAMPLE_NEW))
    assert asked == ["terminal"] and "cell [" in text
    doc = _cli("diff", "--json", str(EXAMPLE_OLD), str(EXAMPLE_NEW))
    assert asked == ["terminal", "json"] and doc.lstrip().startswith("{")


def test_report_and_page_draw_through_the_registry(asked: list[str], tmp_path: Path) -> None:
    from nbreview.io.git import NotebookPair
    from nbreview.io.load import load
    from nbreview.web.review import ReviewSet

    _cli("diff", "--html", str(tmp_path / "r.html"), str(EXAMPLE_OLD), str(EXAMPLE_NEW))
    assert asked == ["html"] and (tmp_path / "r.html").stat().st_size > 0  # the body is packed in the page
    reviews = ReviewSet([NotebookPair("example.ipynb", load(EXAMPLE_OLD), load(EXAMPLE_NEW), "modified")], None)
    assert 'class="cell' in reviews.body(0) and asked == ["html", "html"]


def test_comment_draws_through_the_registry(asked: list[str]) -> None:
    from nbreview.render.markdown import NotebookChange, render_comment

    d = nbreview.diff(EXAMPLE_OLD, EXAMPLE_NEW)
    body = render_comment([NotebookChange("example.ipynb", "modified", diff=d)]).body
    assert "example.ipynb" in body and asked and set(asked) == {"markdown"}
