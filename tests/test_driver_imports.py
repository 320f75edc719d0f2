"""What a ``git diff`` driver process imports: git starts one per notebook, so its start-up is the driver's cost.

Module sets, not timings (``make bench-git`` measures): the driver of an ordinary change (code,
a stream output, a markdown cell) loads none of the standard library's costly modules, and the
HTML table reader (with ``html.parser``) only when a changed HTML output holds a table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.notebooks import code_cell, md_cell, notebook, write_nb

# Each costs a driver a millisecond or more at import (dataclasses: ~10 with the classes it builds).
NOT_IMPORTED = ("dataclasses", "inspect", "typing", "ast", "html.parser", "threading", "contextlib", "copy",
                "base64", "binascii", "pathlib", "argparse", "subprocess", "PIL", "pygments", "nbformat",
                "importlib", "warnings", "encodings.utf_8_sig",  # importlib.import_module, the utf-8-sig codec
                "nbreview.render.terminal.stat")  # --stat's renderer: never drawn by a driver

_RUN = """
import json, sys
from nbreview.cli.main import main
main(["git-diffdriver", "x.ipynb", sys.argv[1], "1" * 7, "100644", sys.argv[2], "2" * 7, "100644"])
sys.stdout.flush()
sys.stderr.write(json.dumps(sorted(sys.modules)))
"""


def driver_modules(tmp_path: Path, old: dict[str, object], new: dict[str, object]) -> tuple[str, set[str]]:
    """The driver's output and every module its process had loaded when done."""
    a, b = write_nb(tmp_path / "old.ipynb", old), write_nb(tmp_path / "new.ipynb", new)
    proc = subprocess.run([sys.executable, "-c", _RUN, str(a), str(b)], capture_output=True, text=True, check=True,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "NBREVIEW_COLOR": "never"})
    return proc.stdout, set(json.loads(proc.stderr))


def stream(text: str) -> dict[str, object]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def html(table: str) -> dict[str, object]:
    return {"output_type": "execute_result", "execution_count": 2, "metadata": {},
            "data": {"text/html": table, "text/plain": "frame"}}


def test_an_ordinary_change_loads_none_of_the_costly_modules(tmp_path: Path) -> None:
    old = notebook([md_cell("# Title"), code_cell("x = 1\nprint(x)", [stream("1\n")], 1)])
    new = notebook([md_cell("# Title, edited"), code_cell("x = 2\nprint(x)", [stream("2\n")], 1)])
    out, modules = driver_modules(tmp_path, old, new)
    assert "- x = 1" in out and "+ x = 2" in out and "Title, edited" in out
    assert "nbreview.results.compute" in modules  # the results review did run
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []


def test_the_html_table_reader_loads_only_for_a_changed_table(tmp_path: Path) -> None:
    table = "<table><tr><th>k</th><th>v</th></tr><tr><th>a</th><td>{}</td></tr></table>"
    old = notebook([code_cell("frame", [html("<p>plain 1</p>")], 2)])
    new = notebook([code_cell("frame", [html("<p>plain 2</p>")], 2)])
    assert "html.parser" not in driver_modules(tmp_path, old, new)[1]
    old = notebook([code_cell("frame", [html(table.format(1))], 2)])
    new = notebook([code_cell("frame", [html(table.format(2))], 2)])
    out, modules = driver_modules(tmp_path, old, new)
    assert {"html.parser", "nbreview.results.html_tables"} <= modules
    assert "1 table changed" in out and "a │ 1 → 2" in out


def test_printable_text_holds_nothing_the_terminal_guard_acts_on() -> None:
    """``clean`` and ``terminal_safe`` skip their patterns (and compiling them) for printable text:
    exact only while every character they escape is one ``str.isprintable`` rejects."""
    from nbreview.render.terminal.style import _CONTROL, clean, terminal_safe

    assert [hex(c) for c in range(0x110000) if chr(c).isprintable() and _CONTROL.match(chr(c))] == []
    assert clean("a\u202eb\x1b[31mc") == "a\\u202ebc"
    assert terminal_safe("x\n\ty\x1b]0;title\x07") == "x\n\ty\\x1b]0;title\\x07"
    assert terminal_safe("plain\n\tline") == "plain\n\tline"
