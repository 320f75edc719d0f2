"""Results review engine: numbers paired by position and label, tables diffed cell by cell, signals."""

from __future__ import annotations

import json
from typing import Any

import pytest

import nbreview
from nbreview.results.html_tables import html_tables
from nbreview.results.model import Results
from nbreview.results.numbers import numbers_in_line, parse_value
from nbreview.results.tables import MAX_TABLE_ROWS, TableError, text_table
from support.notebooks import code_cell, notebook
from support.paths import FIXTURES


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def result(data: dict[str, str], count: int = 1) -> dict[str, Any]:
    return {"output_type": "execute_result", "execution_count": count, "metadata": {}, "data": data}


def results_of(old_outputs: list[dict[str, Any]], new_outputs: list[dict[str, Any]], src: str = "run()") -> Results:
    a = notebook([code_cell(src, old_outputs, 1)])
    b = notebook([code_cell(src, new_outputs, 2)])
    return nbreview.diff(a, b).results


def changed(res: Results) -> list[tuple[str, Any, Any]]:
    return [(n.label, n.old, n.new) for n in res.numbers]


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234,567", 1234567), ("−0.5", -0.5), ("93.4%", 93.4), ("1.3e-2", 0.013), ("42", 42), (".5", 0.5)],
)
def test_number_formats(text: str, value: float) -> None:
    assert parse_value(text) == value


def test_labels_are_the_words_before_a_number() -> None:
    line = "Epoch 3/10 - 12s 40ms/step - loss: 0.3012 - val_acc 0.91 - R² 0.87"
    nums = {n.label: (n.value, n.volatile) for n in numbers_in_line(line)}
    assert nums["Epoch"] == (3, True) and nums["Epoch /"] == (10, True)  # where the loop is, not a result
    assert nums["loss"] == (0.3012, False) and nums["val_acc"] == (0.91, False) and nums["R²"] == (0.87, False)
    assert [n.volatile for n in numbers_in_line(line) if n.value in (12, 40)] == [True, True]  # timings
    assert [n.label for n in numbers_in_line("Test set: Average loss: 0.0339, Accuracy: 9890/10000")][:2] == [
        "Average loss",
        "Accuracy",
    ]
    # without a label before it, "± 0.02" has no label to inherit: both stay unlabelled
    assert [(n.label, n.value) for n in numbers_in_line("0.91 ± 0.02")] == [("", 0.91), ("", 0.02)]
    inter = numbers_in_line("accuracy 0.91 ± 0.02")
    assert [(n.label, n.value) for n in inter] == [("accuracy", 0.91), ("accuracy ±", 0.02)]


def test_volatile_numbers_are_never_reported() -> None:
    for line in (
        "<Model at 0x7f3a2b1c9d40>",
        "Wall time: 1.21 s",
        "100%|██████████| 10/10 [00:01<00:00,  9.31it/s]",
        "run on 2024-05-01 12:30:01 with numpy 1.26.4",
        "seed 1234",
        "Training completed in 7.78 minutes.",
    ):
        assert all(n.volatile for n in numbers_in_line(line) if n.value not in (100, 10)), line
    res = results_of(
        [stream("<Model at 0x7f3a2b1c9d40>\nWall time: 1.21 s\nseed 1234\n")],
        [stream("<Model at 0x7f99aa00bb11>\nWall time: 3.90 s\nseed 98\n")],
    )
    assert res.numbers == []


def test_numbers_pair_by_position_and_label() -> None:
    res = results_of(
        [stream("accuracy: 0.912\nloss=1.3e-2\nrows 1,234\n")],
        [stream("accuracy: 0.934\nloss=2.5e-2\nrows 1,301\n")],
    )
    # stored in the ranked order every surface reads: metrics, biggest relative change first
    assert changed(res) == [("loss", 0.013, 0.025), ("rows", 1234, 1301), ("accuracy", 0.912, 0.934)]
    n = res.numbers[2]
    assert (n.cell, n.output, n.source, n.line) == (0, 0, "stdout", 1)
    assert n.delta == pytest.approx(0.022) and n.relative == pytest.approx(0.022 / 0.912)
    # lines reordered and rewritten: labels pair what positions cannot
    res = results_of([stream("precision 0.80\nrecall 0.70\n")], [stream("recall is 0.75\nprecision is 0.82\n")])
    assert sorted(changed(res)) == [("precision", 0.8, 0.82), ("recall", 0.7, 0.75)]


def test_lone_numbers_and_ansi_colour() -> None:
    res = results_of([result({"text/plain": "1.0"})], [result({"text/plain": "2.2"})])
    assert changed(res) == [("", 1.0, 2.2)]
    res = results_of([stream("\x1b[32mf1 0.77\x1b[0m\n")], [stream("\x1b[32mf1 0.81\x1b[0m\n")])
    assert changed(res) == [("f1", 0.77, 0.81)]


def test_equal_reexecuted_outputs_report_nothing() -> None:
    outs = [stream("accuracy: 0.912\n"), result({"text/plain": "array([1, 2, 3])"})]
    assert not results_of(outs, outs)
    assert nbreview.diff(notebook([code_cell("x", outs, 1)]), notebook([code_cell("x", outs, 9)])).results.numbers == []


def test_odd_locale_falls_back_with_a_note() -> None:
    res = results_of([stream("Genauigkeit: 0,912\n")], [stream("Genauigkeit: 0,934\n")])
    assert res.numbers == [] and "decimal commas" in res.notes[0].text


# ---------------------------------------------------------------- tables


def test_pandas_html_and_text_tables_diff_cell_by_cell() -> None:
    pd = pytest.importorskip("pandas")
    old = pd.DataFrame({"acc": [0.91, 0.88], "n": [100, 200]}, index=["logreg", "forest"])
    new = old.copy()
    new.loc["forest", "acc"] = 0.93
    new.loc["boost"] = [0.95, 300]
    res = results_of(
        [result({"text/html": old.to_html(), "text/plain": old.to_string()})],
        [result({"text/html": new.to_html(), "text/plain": new.to_string()})],
    )
    assert [(n.row, n.column, n.old, n.new) for n in res.numbers] == [("forest", "acc", 0.88, 0.93)]
    (t,) = res.tables
    assert [(r.label, r.status) for r in t.rows] == [("forest", "changed"), ("boost", "added")]
    assert t.unchanged_rows == 1 and res.numbers[0].source == "text/html"
    # the same frames as text/plain only
    res = results_of([result({"text/plain": old.to_string()})], [result({"text/plain": new.to_string()})])
    assert [(n.row, n.column, n.old, n.new) for n in res.numbers] == [("forest", "acc", 0.88, 0.93)]


def test_multiindex_styler_and_truncated_frames() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    idx = pd.MultiIndex.from_product([["A", "B"], [1, 2]], names=["group", "fold"])
    cols = pd.MultiIndex.from_tuples([("train", "acc"), ("train", "loss"), ("test", "acc")])
    old = pd.DataFrame(np.arange(12, dtype=float).reshape(4, 3), index=idx, columns=cols)
    new = old.copy()
    new.iloc[3, 2] = 99.0
    for render in (lambda f: f.to_html(), lambda f: f.style.to_html()):
        res = results_of([result({"text/html": render(old)})], [result({"text/html": render(new)})])
        assert [(n.row, n.column, n.old, n.new) for n in res.numbers] == [("B / 2", "test / acc", 11.0, 99.0)]
    big = pd.DataFrame({"x": range(100), "y": range(100)})
    big2 = big.copy()
    big2.loc[98, "y"] = -5
    with pd.option_context("display.max_rows", 10):
        res = results_of([result({"text/html": big._repr_html_()})], [result({"text/html": big2._repr_html_()})])
    assert [(n.row, n.column, n.old, n.new) for n in res.numbers] == [("98", "y", 98, -5)]
    assert res.tables[0].truncated


def test_polars_and_markdown_tables() -> None:
    html = (FIXTURES / "results" / "polars.html").read_text()
    (t,) = html_tables(html)
    assert t.columns == ["model", "accuracy", "f1"] and t.rows[0][1][0] == '"logreg"'
    res = results_of([result({"text/html": html})], [result({"text/html": html.replace("0.934", "0.951")})])
    assert [(n.row, n.column, n.old, n.new) for n in res.numbers] == [('"forest"', "accuracy", 0.934, 0.951)]
    md_old = "| model | acc |\n|---|---:|\n| a | 0.5 |\n| b | 0.6 |\n"
    res = results_of([result({"text/markdown": md_old})], [result({"text/markdown": md_old.replace("0.6", "0.7")})])
    assert [(n.row, n.column, n.old, n.new) for n in res.numbers] == [("b", "acc", 0.6, 0.7)]


def test_text_cells_and_added_columns() -> None:
    old = "<table><tr><th></th><th>name</th></tr><tr><th>0</th><td>cat</td></tr></table>"
    new = "<table><tr><th></th><th>name</th><th>age</th></tr><tr><th>0</th><td>dog</td><td>3</td></tr></table>"
    res = results_of([result({"text/html": old})], [result({"text/html": new})])
    assert [(n.row, n.column, n.old, n.new, n.delta) for n in res.numbers] == [("0", "name", "cat", "dog", None)]
    assert [(c.label, c.status) for c in res.tables[0].columns] == [("name", "same"), ("age", "added")]


@pytest.mark.parametrize(
    ("html", "note"),
    [
        ("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "different numbers of cells"),
        ("<table><tr><td><table><tr><td>1</td></tr></table></td></tr></table>", "nested table"),
        ("<table>" + "<tr><td>1</td></tr>" * (MAX_TABLE_ROWS + 10) + "</table>", f"{MAX_TABLE_ROWS:,} rows"),
    ],
)
def test_bad_tables_fall_back_to_the_text_diff(html: str, note: str) -> None:
    with pytest.raises(TableError, match=note):
        html_tables(html)
    res = results_of([result({"text/html": html})], [result({"text/html": html.replace("1", "7", 1)})])
    assert res.numbers == [] and note in res.notes[0].text
    d = nbreview.diff(
        notebook([code_cell("x", [result({"text/html": html})])]),
        notebook([code_cell("x", [result({"text/html": html.replace("1", "7", 1)})])]),
    )
    assert d.cells[0].outputs and d.cells[0].outputs[0].mimes[0].text is not None  # the text diff is still there


def test_hundred_thousand_rows_stay_fast() -> None:
    import time

    rows = "".join(f"<tr><th>{k}</th><td>{k}</td></tr>" for k in range(100_000))
    html = f"<table class='dataframe'><thead><tr><th></th><th>v</th></tr></thead><tbody>{rows}</tbody></table>"
    t = time.perf_counter()
    res = results_of([result({"text/html": html})], [result({"text/html": html.replace("<td>5</td>", "<td>6</td>")})])
    assert time.perf_counter() - t < 10 and "rows" in res.notes[0].text


def test_colspan_rowspan_grid() -> None:
    html = (
        "<table><thead><tr><th></th><th colspan='2'>train</th></tr><tr><th></th><th>a</th><th>b</th></tr></thead>"
        "<tbody><tr><th rowspan='2'>x</th><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></tbody></table>"
    )
    (t,) = html_tables(html)
    assert t.columns == ["train / a", "train / b"] and [r[0] for r in t.rows] == ["x", "x"]
    assert text_table("just a sentence\nand another one") is None


# ---------------------------------------------------------------- signals


def signals(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(s.kind, s.cell) for s in nbreview.diff(old, new).results.signals]


def test_stale_output_and_out_of_order() -> None:
    out = [stream("3\n")]
    a = notebook([code_cell("x = 1", [], 1), code_cell("print(x + 2)", out, 2)])
    b = notebook([code_cell("x = 1", [], 1), code_cell("print(x + 5)", out, 2)])
    assert signals(a, b) == [("stale_output", 1)]
    c = notebook([code_cell("x = 1", [], 3), code_cell("print(x + 2)", out, 2)])
    assert signals(a, c) == [("out_of_order", 1)]
    assert signals(c, c) == []  # not news when the base was already so
    cleared = notebook([code_cell("x = 1", [], None), code_cell("print(x + 2)", [], None)])
    got = nbreview.diff(a, cleared).results.signals
    assert [(s.kind, s.cell) for s in got] == [("out_of_order", None)] and "without outputs" in got[0].detail


def test_new_errors_warnings_growth_secrets_kernel() -> None:
    a = notebook(
        [code_cell("run()", [stream("ok\n")], 1)],
        kernelspec={"name": "python3"},
        language_info={"name": "python", "version": "3.10.4"},
    )
    err = {"output_type": "error", "ename": "KeyError", "evalue": "'x'", "traceback": ["KeyError: 'x'"]}
    warn = stream("/lib/site.py:12: FutureWarning: the default will change\n  warnings.warn(\n", "stderr")
    secret = stream("token ghp_" + "a1B2" * 9 + "\nurl postgres://admin:hunter22@db:5432/x\n")
    big = stream("x" * 150_000)
    b = notebook(
        [code_cell("run()", [stream("ok\n"), err, warn, secret, big], 2)],
        kernelspec={"name": "ir"},
        language_info={"name": "python", "version": "3.11.7"},
    )
    got = nbreview.diff(a, b).results.signals
    kinds = [(s.kind, s.cell) for s in got]
    assert ("new_error", 0) in kinds and ("new_warning", 0) in kinds and ("output_growth", 0) in kinds
    # one signal per kind, its details joined: both secrets, both the kernel and the language change
    assert kinds.count(("secret", 0)) == 1 and kinds.count(("kernel_changed", None)) == 1
    by_kind = {s.kind: s for s in got}
    assert "GitHub token" in by_kind["secret"].detail and "password in a URL" in by_kind["secret"].detail
    assert "kernel python3 → ir" in by_kind["kernel_changed"].detail and "3.11.7" in by_kind["kernel_changed"].detail
    text = json.dumps([s.to_dict() for s in got])
    assert "a1B2a1B2" not in text and "hunter22" not in text  # secrets are masked, never repeated
    assert signals(b, b) == []


def test_results_are_json_and_patch_ignores_them() -> None:
    a = notebook([code_cell("run()", [stream("accuracy: 0.912\n")], 1)])
    b = notebook([code_cell("run()", [stream("accuracy: 0.934\n")], 2)])
    d = nbreview.diff(a, b).to_dict()
    assert d["version"] == 2
    assert d["results"] == [
        {
            "cell": 0,
            "output": 0,
            "label": "accuracy",
            "old": 0.912,
            "new": 0.934,
            "delta": 0.022,
            "relative": pytest.approx(0.022 / 0.912),
            "old_text": "0.912",
            "new_text": "0.934",
            "source": "stdout",
            "line": 1,
        }
    ]
    assert d["signals"] == [] and json.loads(json.dumps(d)) == d
    assert nbreview.patch(a, d) == nbreview.patch(a, {**d, "results": [], "signals": []})
    v1 = {k: v for k, v in d.items() if k not in ("results", "signals", "tables", "result_notes")} | {"version": 1}
    assert nbreview.patch(a, v1)["cells"][0]["outputs"][0]["text"] == "accuracy: 0.934\n"


def test_results_can_be_skipped() -> None:
    a = notebook([code_cell("run()", [stream("accuracy: 0.912\n")], 1)])
    b = notebook([code_cell("run()", [stream("accuracy: 0.934\n")], 2)])
    assert not nbreview.diff(a, b, results=False).results


def test_every_signal_kind_has_one_title_in_checklist_order() -> None:
    from nbreview.results.model import SIGNAL_KINDS
    from nbreview.view.results import SIGNAL_ORDER, SIGNAL_TITLES

    assert SIGNAL_ORDER == SIGNAL_KINDS and list(SIGNAL_TITLES) == list(SIGNAL_KINDS)


def test_signal_kinds_are_the_signalkind_literal_in_order() -> None:
    """SIGNAL_KINDS is spelled out (results.model imports no typing at run time): it must stay SignalKind's values."""
    import ast
    import typing
    from pathlib import Path

    import nbreview.results.model as model

    tree = ast.parse(Path(model.__file__).read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    names: dict[str, object] = {}
    exec(compile(ast.Module(block.body, []), model.__file__, "exec"), names)  # the type checker's definitions
    assert typing.get_args(names["SignalKind"]) == model.SIGNAL_KINDS
