"""The terminal diff as a reviewer reads it: headers, hunks, +/- lines, colours, summaries, --stat."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from nbreview.cli.diff_cmd import use_color
from nbreview.cli.main import main
from nbreview.render.terminal import TerminalRenderer, TerminalStyle, image_info, render
from nbreview.results.pipeline import diff
from nbreview.view import build
from support.notebooks import code_cell, md_cell, notebook, write_nb
from support.paths import CORPUS, EXAMPLE_NEW, EXAMPLE_OLD, corpus_pairs, needs_corpus

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["diff", *args])
    out = capsys.readouterr().out
    return code, out


def png(width: int, height: int, colour: tuple[int, int, int] = (255, 0, 0)) -> str:
    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return base64.b64encode(data).decode()


def test_example_shows_headers_hunks_and_summaries(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--color=never")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"nbreview {EXAMPLE_OLD} → {EXAMPLE_NEW}"
    assert lines[1].startswith("4 modified · 1 added · 1 moved")
    assert any(x.startswith("── cell [2] → [2] · code · modified") for x in lines)
    assert "  - df = pd.read_csv('sales.csv')" in lines
    assert "  + df = pd.read_csv('sales.csv', parse_dates=['month'])" in lines
    assert "    df.head()" in lines  # context line
    assert any(x.startswith("── cell [6] → [3] · markdown · unchanged · moved from #6") for x in lines)
    assert "  source unchanged: Notes: the data is synthetic." in lines  # names a cell shown without a diff
    assert any(x.startswith("── cell [ ] → [6] · code · added") for x in lines)
    assert any(x.startswith("── cell [5] → [7] · code · modified · In [4] → [5]") for x in lines)
    assert "  output 0 · display_data · changed: image/png 240×160, 2.2% of pixels changed" in lines
    assert "    - 1      2    120     3.9" in lines and "    + 1      2    125     3.9" in lines
    assert lines[2].startswith("── results ")  # the Results section comes first (tests/test_results_render.py)
    assert lines[-1].startswith("⋯ hidden: 2 unchanged cells, 1 cell with only transient changes")
    assert "\x1b" not in out
    assert "iVBOR" not in out  # never base64


def test_colour_intraline_emphasis_and_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--color=always")
    plus = next(x for x in out.splitlines() if "parse_dates" in ANSI.sub("", x))
    # The added words sit on the emphasised green background, the rest on the plain green line.
    emphasised = re.findall(r"\x1b\[[0-9;]*48;5;28m([^\x1b]*)", plus)
    assert "".join(emphasised) == ", parse_dates=['month']"
    assert "48;5;22m" in plus
    assert ANSI.sub("", plus).startswith("  + df = pd.read_csv('sales.csv', parse_dates=['month'])")
    minus = next(x for x in out.splitlines() if "slope {a:.2f}" in ANSI.sub("", x))
    assert "48;5;124m" in minus and "48;5;52m" in minus
    # pygments colours: the string literal in the added line is coloured as a string
    assert "38;5;186;48;5;22m'sales.csv'" in plus
    heading = next(x for x in out.splitlines() if "# Sales analysis" in ANSI.sub("", x))
    assert "1;38;5;81m# Sales analysis" in heading  # markdown heading colour


def test_light_theme(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBREVIEW_THEME", "light")
    _, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--color=always")
    assert "48;5;194m" in out and "48;5;52m" not in out


def test_color_auto_honours_no_color_and_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_color("auto", Tty())
    assert not use_color("auto", io.StringIO())
    assert use_color("always", io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color("auto", Tty())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not use_color("auto", Tty())


def test_hunks_skip_unchanged_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = [f"x{k} = {k}\n" for k in range(30)]
    edited = list(body)
    edited[3] = "x3 = 'three'\n"
    edited[25] = "x25 = 'twenty-five'\n"
    a = write_nb(tmp_path / "a.ipynb", notebook([code_cell("".join(body))]))
    b = write_nb(tmp_path / "b.ipynb", notebook([code_cell("".join(edited))]))
    _, out = run_cli(capsys, str(a), str(b))
    lines = out.splitlines()
    assert "  @@ -1,7 +1,7 @@" in lines and "  @@ -23,7 +23,7 @@" in lines
    assert "  - x3 = 3" in lines and "  + x3 = 'three'" in lines
    assert "    x12 = 12" not in lines  # far from both changes
    _, out = run_cli(capsys, str(a), str(b), "-U", "0")
    assert "    x2 = 2" not in out.splitlines() and "  @@ -4,1 +4,1 @@" in out.splitlines()


def test_added_and_deleted_notebook(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run_cli(capsys, "/dev/null", str(EXAMPLE_NEW))
    lines = out.splitlines()
    assert lines[0] == f"nbreview /dev/null → {EXAMPLE_NEW}"
    assert lines[1] == "9 added"
    assert "  + # Sales analysis" in lines
    assert "metadata.kernelspec" not in out  # a new notebook's metadata is not news
    assert any(x.startswith("  output 0 · display_data · image/png 240×160") for x in lines)
    _, out = run_cli(capsys, str(EXAMPLE_OLD), "/dev/null")
    assert out.splitlines()[1] == "8 removed"
    assert "  - import pandas as pd" in out.splitlines()


def test_outputs_images_and_streams(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_img = {"output_type": "display_data", "data": {"image/png": png(4, 3)}, "metadata": {}}
    new_img = {"output_type": "display_data", "data": {"image/png": png(5, 3, (0, 0, 255))}, "metadata": {}}
    log_old = "".join(f"step {k}: loss 0.{k:03d}\n" for k in range(200))
    log_new = log_old.replace("loss 0.100", "loss 0.999").replace("loss 0.150", "loss 0.555")
    stream_old = {"output_type": "stream", "name": "stdout", "text": log_old}
    stream_new = {"output_type": "stream", "name": "stdout", "text": log_new}
    added = {"output_type": "display_data", "data": {"image/png": png(8, 6)}, "metadata": {}}
    a = write_nb(
        tmp_path / "a.ipynb", notebook([code_cell("plot()", [old_img], 1), code_cell("train()", [stream_old])])
    )
    b = write_nb(
        tmp_path / "b.ipynb",
        notebook([code_cell("plot()", [new_img, added], 1), code_cell("train()", [stream_new])]),
    )
    _, out = run_cli(capsys, str(a), str(b))
    lines = out.splitlines()
    assert "  output 0 · display_data · changed: image/png resized 4×3 → 5×3" in lines
    assert any(x.startswith("  output 1 · display_data · added · image/png 8×6,") for x in lines)
    assert "  output 0 · stream stdout · changed: +2 −2 lines" in lines
    assert "    - step 100: loss 0.100" in lines and "    + step 150: loss 0.555" in lines
    assert "step 120: loss 0.120" not in out  # a long stream shows hunks, not the whole log
    assert any(re.fullmatch(r"    @@ -\d+,7 \+\d+,7 @@", x) for x in lines)


def test_long_output_diff_is_cut_with_a_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = {"output_type": "stream", "name": "stdout", "text": "".join(f"row {k}\n" for k in range(300))}
    new = {"output_type": "stream", "name": "stdout", "text": "".join(f"line {k}\n" for k in range(300))}
    a = write_nb(tmp_path / "a.ipynb", notebook([code_cell("go()", [old])]))
    b = write_nb(tmp_path / "b.ipynb", notebook([code_cell("go()", [new])]))
    _, out = run_cli(capsys, str(a), str(b))
    assert "    … cut at 40 lines, 560 more changed lines" in out.splitlines()
    assert len(out.splitlines()) < 60


def test_untrusted_control_characters_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_nb(tmp_path / "a.ipynb", notebook([code_cell("x = 1")]))
    b = write_nb(tmp_path / "b.ipynb", notebook([code_cell("x = 1\nprint('\x1b]0;pwned\x07\x1b[2J')")]))
    _, out = run_cli(capsys, str(a), str(b), "--color=always")
    assert "\x07" not in out and "\x1b]" not in out and "\x1b[2J" not in out
    assert "\\x1b]0;pwned\\x07" in ANSI.sub("", out)


def test_metadata_and_show_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells = [md_cell("# Title"), code_cell("a = 1", count=1), code_cell("b = 2", count=2)]
    a = write_nb(tmp_path / "a.ipynb", notebook(cells))
    changed = json.loads(json.dumps(cells))
    changed[2]["metadata"]["tags"] = ["parameters"]
    b = write_nb(tmp_path / "b.ipynb", notebook(changed, kernelspec={"name": "python3"}))
    _, out = run_cli(capsys, str(a), str(b))
    lines = out.splitlines()
    assert '  + metadata.tags = ["parameters"]' in lines
    assert '  + metadata.kernelspec = {"name": "python3"}' in lines
    assert lines[-1] == "⋯ hidden: 2 unchanged cells; -a shows everything"
    _, out = run_cli(capsys, str(a), str(b), "-a")
    assert "── cell [0] → [0] · markdown · unchanged" in out and "⋯ hidden" not in out


def test_width_follows_the_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    _, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW))
    rules = [x for x in out.splitlines() if x.startswith("── ")]
    assert rules and all(len(x) == 60 for x in rules)


def test_stat_line_per_notebook(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the whole path fits, whatever terminal (or none) runs the tests
    _, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--stat")
    lines = out.splitlines()
    words = "4 modified, 1 added, 1 moved, 3 with outputs changed, 1 image changed"
    assert lines[0] == f" {EXAMPLE_NEW} | 5 +~~~~→  {words}"
    assert lines[1] == f" 1 notebook changed: {words}"
    _, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--stat", "--color=always")
    assert "\x1b[32m+\x1b[0m\x1b[33m~~~~\x1b[0m\x1b[34m→\x1b[0m" in out


def test_ignore_flags_json_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW), "-O", "--exit-code")
    assert code == 1
    assert "output 0" not in out and "pixels" not in out
    code, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--json")
    data: dict[str, Any] = json.loads(out)
    assert code == 0 and data["format"] == "nbreview-diff" and data["summary"]["added"] == 1
    code, out = run_cli(capsys, str(EXAMPLE_OLD), str(EXAMPLE_OLD), "--exit-code")
    assert code == 0 and out.count("no changes") == 1 and out.splitlines()[1].startswith("no changes")


def test_image_header_sizes() -> None:
    assert image_info(png(7, 9)) == ((7, 9), len(base64.b64decode(png(7, 9))))
    assert image_info("not base64 at all!")[0] is None


@needs_corpus
def test_corpus_pairs_render_without_base64_or_errors() -> None:
    """A sample of real pairs (images, moves, output-only changes) renders in both colour modes."""
    pairs = [p for p in corpus_pairs() if (p / "old.ipynb").stat().st_size < 400_000][::12]
    assert pairs, CORPUS
    for pair in pairs:
        d = diff(pair / "old.ipynb", pair / "new.ipynb")
        for colour in (False, True):
            out = render(d, TerminalStyle(color=colour, width=100))
            assert ANSI.sub("", out).startswith("nbreview ")
            assert "iVBORw0KGgo" not in out, pair.name
            if not colour:
                assert "\x1b" not in out
            summary = d.summary()
            if summary.images_changed:
                assert "of pixels changed" in out or "resized" in out or "added" in out or "removed" in out


def test_python_colours_survive_magics_and_broken_code() -> None:
    from nbreview.render.terminal import highlight_lines

    text = "%matplotlib inline\n!pip install x\nimport os  # tools\ndef f(n=3):\n    return 'a'\n"
    lines = highlight_lines(text, "python", "dark")
    colours = [{text.splitlines()[k][a:b]: code for a, b, code in line} for k, line in enumerate(lines)]
    assert colours[0] == {} and colours[1] == {}  # magics and shell lines stay plain
    assert colours[2] == {"import": "38;5;204", "# tools": "38;5;245"}
    assert colours[3]["def"] == "38;5;204" and colours[3]["f"] == "38;5;149" and colours[3]["3"] == "38;5;141"
    assert colours[4] == {"return": "38;5;204", "'a'": "38;5;186"}
    # tokenize gives up on an unterminated triple quote; pygments still colours the rest
    broken = highlight_lines('x = 1\ns = """never closed\n', "python", "dark")
    assert broken[0] and len(broken) == 2


def test_reexecuted_cell_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out1 = [{"output_type": "stream", "name": "stdout", "text": "0.41\n"}]
    out2 = [{"output_type": "stream", "name": "stdout", "text": "0.57\n"}]
    a = write_nb(tmp_path / "a.ipynb", notebook([code_cell("print(random())", out1, 1)]))
    b = write_nb(tmp_path / "b.ipynb", notebook([code_cell("print(random())", out2, 2)]))
    _, out = run_cli(capsys, str(a), str(b))
    lines = out.splitlines()
    assert lines[1] == "1 re-executed · 1 with outputs changed · 1 transient hidden"
    assert lines[2].startswith("── results ")  # the changed number is listed first
    header = next(k for k, x in enumerate(lines) if x.startswith("── cell "))
    assert lines[header].startswith("── cell [0] → [0] · code · re-executed · In [1] → [2] ──")
    assert "    - 0.41" in lines and "    + 0.57" in lines
    assert not any(x.startswith("  - print") for x in lines)  # the source is not repeated


def test_other_languages_use_pygments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = {"kernelspec": {"name": "ir", "language": "R"}, "language_info": {"name": "R"}}
    a = write_nb(tmp_path / "a.ipynb", notebook([code_cell("x <- c(1, 2)\n")], **meta))
    b = write_nb(tmp_path / "b.ipynb", notebook([code_cell("x <- c(1, 2, 3)\n# note\n")], **meta))
    _, out = run_cli(capsys, str(a), str(b), "--color=always")
    comment = next(x for x in out.splitlines() if "# note" in ANSI.sub("", x))
    assert "38;5;245;48;5;22m# note" in comment  # pygments' R lexer found the comment


def test_terminal_renderer_draws_the_view_it_is_given() -> None:
    d = diff(EXAMPLE_OLD, EXAMPLE_NEW)
    style = TerminalStyle(width=80)
    assert TerminalRenderer(style).render(build(d)) == render(d, style)
    # The view, not the style, decides what is shown: unchanged cells and transient changes included.
    everything = TerminalRenderer(style, title="example").render(build(d, show_unchanged=True, show_transient=True))
    assert everything == render(d, TerminalStyle(width=80, show_unchanged=True, show_transient=True), title="example")
    assert "⋯ hidden" not in everything and "· unchanged ─" in everything

