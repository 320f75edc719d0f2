"""Loading: every kind of bad input is a clear, typed error naming the file; odd-but-valid input loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbreview.errors import (
    InvalidJSONError,
    LfsPointerError,
    NotANotebookError,
    NotebookError,
    TruncatedNotebookError,
    UnsupportedFormatError,
)
from nbreview.io.load import load
from support.notebooks import code_cell, notebook, write_nb
from support.paths import FIXTURES


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.ipynb"
    p.write_text('{\n "cells": [\n  {"a": 1,,}\n ]\n}\n')
    with pytest.raises(InvalidJSONError) as err:
        load(p)
    assert err.value.line == 3 and err.value.column == 11
    assert str(p) in str(err.value) and "line 3, column 11" in str(err.value)


def test_truncated_file_is_named_as_such(tmp_path: Path) -> None:
    full = json.dumps(notebook([code_cell("x = 1\n" * 20)]), indent=1)
    p = tmp_path / "cut.ipynb"
    p.write_text(full[: len(full) // 2])
    with pytest.raises(TruncatedNotebookError, match="truncated"):
        load(p)


def test_conflict_markers_get_a_hint(tmp_path: Path) -> None:
    p = tmp_path / "conflict.ipynb"
    p.write_text('{\n<<<<<<< HEAD\n "nbformat": 4,\n=======\n "nbformat": 3,\n>>>>>>> other\n}\n')
    with pytest.raises(InvalidJSONError, match="conflict markers"):
        load(p)


@pytest.mark.parametrize("content", ["[1, 2, 3]", '{"hello": "world"}', '"text"', '{"nbformat": "four"}'])
def test_json_that_is_not_a_notebook(tmp_path: Path, content: str) -> None:
    p = tmp_path / "x.ipynb"
    p.write_text(content)
    with pytest.raises(NotANotebookError):
        load(p)


def test_unsupported_future_format(tmp_path: Path) -> None:
    p = write_nb(tmp_path / "v5.ipynb", {"nbformat": 5, "nbformat_minor": 0, "cells": [], "metadata": {}})
    with pytest.raises(UnsupportedFormatError, match="nbformat 5"):
        load(p)


def test_old_format_is_upgraded_deterministically() -> None:
    a = load(FIXTURES / "formats" / "v3.ipynb")
    b = load(FIXTURES / "formats" / "v3.ipynb")
    assert a.upgraded_from == "3.0"
    assert a.nb == b.nb
    assert [c["cell_type"] for c in a.nb["cells"]] == ["markdown", "code"]
    assert a.nb["cells"][1]["source"] == "x = 1\nprint(x)"


def test_empty_file_and_devnull_are_empty_notebooks(tmp_path: Path) -> None:
    p = tmp_path / "empty.ipynb"
    p.write_bytes(b"")
    assert load(p).empty and load(p).nb["cells"] == []
    assert load("/dev/null").empty


def test_lfs_pointer_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "lfs.ipynb"
    p.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n")
    with pytest.raises(LfsPointerError, match="git-lfs pointer"):
        load(p)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(NotebookError, match="no such file"):
        load(tmp_path / "nope.ipynb")
    with pytest.raises(NotebookError, match="directory"):
        load(tmp_path)


def test_cell_missing_keys_is_reported_and_still_diffs(tmp_path: Path) -> None:
    import nbreview

    nb = notebook([{"cell_type": "code", "source": "x = 1"}, code_cell("y = 2")])
    p = write_nb(tmp_path / "partial.ipynb", nb)
    loaded = load(p)
    assert any("cell 0: missing metadata, outputs, execution_count" in x for x in loaded.problems)
    nb2 = json.loads(json.dumps(nb))
    nb2["cells"][1]["source"] = "y = 3"
    d = nbreview.diff(p, write_nb(tmp_path / "partial2.ipynb", nb2))
    assert d.old.problems and [c.status for c in d.cells] == ["unchanged", "modified"]


def test_split_lines_are_rejoined_like_nbformat(tmp_path: Path) -> None:
    import nbformat

    nb = notebook([code_cell(["a = 1\n", "b = 2"], [{"output_type": "stream", "name": "stdout",  # type: ignore[list-item]
                                                     "text": ["1\n", "2\n"]}])])
    p = write_nb(tmp_path / "split.ipynb", nb)
    ours = load(p).nb
    theirs = json.loads(json.dumps(nbformat.read(str(p), as_version=4)))
    assert ours == theirs


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"cells": [', "truncated"),
        ("not json at all", "invalid JSON at line 1, column 1"),
        ('{"nbformat": 5, "cells": []}', "nbformat 5 is not supported"),
        ("[]", "not a Jupyter notebook"),
    ],
)
def test_cli_bad_input_is_one_line_no_traceback(tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text(content)
    good = write_nb(tmp_path / "good.ipynb", notebook([]))
    out = tmp_path / "out.ipynb"
    for args in (["diff", str(good), str(bad)], ["patch", str(bad), str(good), "-o", str(out)]):
        proc = subprocess.run([sys.executable, "-m", "nbreview", *args], capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nbreview: error: ")
        assert "Traceback" not in proc.stderr
        if args[0] == "diff":
            assert expected in lines[0] and str(bad) in lines[0]
        assert not out.exists()


def test_a_byte_order_mark_is_dropped_once_and_bad_bytes_counted_after_it() -> None:
    """What the utf-8-sig codec does (io.load decodes without importing it): one leading BOM
    is skipped, a second one is text (an invalid JSON start), a bad byte's offset counts from after the BOM."""
    raw = json.dumps(notebook([code_cell("x = 1")])).encode()
    assert load(b"\xef\xbb\xbf" + raw).nb == load(raw).nb
    with pytest.raises(NotebookError):
        load(b"\xef\xbb\xbf\xef\xbb\xbf" + raw)
    with pytest.raises(NotebookError, match=r"not UTF-8 text \(byte 2\)"):
        load(b"\xef\xbb\xbf{}\xff")
    with pytest.raises(NotebookError, match=r"not UTF-8 text \(byte 2\)"):
        load(b"{}\xff")
