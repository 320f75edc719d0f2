"""Noise classes found while judging real history (benchmarks/judged): each never counts as a changed value."""

from __future__ import annotations

from typing import Any

import pytest

import nbreview
from nbreview.results.model import Results
from nbreview.results.noise import same_at_precision
from nbreview.view.results import more_kinds, ranked
from support.notebooks import code_cell, notebook


def stream(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": text}}


def results(old: str, new: str, kind: str = "stream") -> Results:
    out = stream if kind == "stream" else plain
    a = notebook([code_cell("run()", [out(old)], 1)])
    b = notebook([code_cell("run()", [out(new)], 2)])
    return nbreview.diff(a, b).results


def changed(old: str, new: str, kind: str = "stream") -> list[tuple[str, Any, Any]]:
    return [(n.label, n.old, n.new) for n in results(old, new, kind).numbers]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # object and figure reprs
        ("<Figure size 640x480 with 1 Axes>\n", "<Figure size 1000x600 with 3 Axes>\n"),
        ("[<matplotlib.lines.Line2D at 0x7f01>, 12]\n", "[<matplotlib.lines.Line2D at 0x7f99>, 12]\n"),
        ("<AxesSubplot:xlabel='x', ylabel='7'>\n", "<AxesSubplot:xlabel='x', ylabel='9'>\n"),
        ("<BarContainer object of 10 artists>\n", "<BarContainer object of 12 artists>\n"),
        # source locations of log lines, glog/absl lines
        ("W tf/cuda_blas.cc:368] TF32 on\n", "W tf/cuda_blas.cc:1786] TF32 on\n"),
        ("2022-07-19 18:11:01.4: I tf/gpu_device.cc:1525] with 21809 MB memory\n",
         "2022-07-19 18:11:01.4: I tf/gpu_device.cc:1532] with 21608 MB memory\n"),
        # timings, throughputs, progress bars and counters
        ("186 ms ± 2.94 ms per loop (mean ± std. dev. of 7 runs, 1 loops each)\n",
         "190 ms ± 3.10 ms per loop (mean ± std. dev. of 7 runs, 10 loops each)\n"),
        ("Tokens/sec: 3130.38, MFU: 0.3799\n", "Tokens/sec: 22536.25, MFU: 0.6130\n"),
        ("Batch 1: 1.0e+14 FLOPS\n", "Batch 1: 4.1e+14 FLOPS\n"),
        (" 45%|####5     | 9/20 [00:03<00:04, 2.6it/s]\n", " 95%|#########5| 19/20 [00:07<00:00, 2.9it/s]\n"),
        ("7000/7000 [==========] - loss: 0.5\n", "219/219 [==========] - loss: 0.5\n"),
        ("  5/535 [....] - ETA: 15s - loss: 0.6935\n", "  5/535 [....] - ETA: 12s - loss: 0.6479\n"),
        ("Epoch 3/10\n", "Epoch 3/20\n"),
        ("60000/60000 [====] - 3s 52us/sample - loss: 0.5\n", "60000/60000 [====] - 4s 61us/sample - loss: 0.5\n"),
        ("INFO:tensorflow:global_step/sec: 12.31\n", "INFO:tensorflow:global_step/sec: 15.02\n"),
        ("CPU times: user 1.2 s, sys: 30 ms, total: 1.23 s\nWall time: 1.5 s\n",
         "CPU times: user 2.2 s, sys: 40 ms, total: 2.24 s\nWall time: 2.5 s\n"),
        ("peak memory: 120.50 MiB, increment: 3.20 MiB\n", "peak memory: 130.10 MiB, increment: 9.90 MiB\n"),
        ("Time taken: 3.2\n", "Time taken: 4.9\n"),
        # list markers, truncated prints
        ("2. Leaves: willow\n", "4. Leaves: willow\n"),
        ("[1.5, 2.5, ..., 9.5]\n", "[1.5, 2.5, 3.5, 4.5]\n"),
        # the same value printed to another precision, or apart by float rounding only
        ("inertia: 0.03444\n", "inertia: 0.03444444\n"),
        ("loss: 0.10736798530929946\n", "loss: 0.10736798530929913\n"),
        ("score: 85\n", "score: 85.0\n"),
        ("mean: tensor([[-5.9605e-08]])\n", "mean: tensor([[9.9341e-09]])\n"),
    ],
)
def test_noise_never_counts(old: str, new: str) -> None:
    assert changed(old, new) == []


def test_key_value_reprs_pair_by_key() -> None:
    # the repr gained defaults: positions shift, keys do not
    old = "KMeans(n_clusters=5, n_init=10, random_state=42)\n"
    new = "KMeans(n_clusters=5, random_state=42)\n"
    assert changed(old, new, "plain") == []
    assert changed("SVC(C=5000, gamma=0.1)\n", "SVC(gamma=0.1, C=1.0)\n", "plain") == [("C", 5000, 1.0)]
    assert changed("SVC(C=5000, gamma=0.1)\n", "SVC(C=1.0, gamma=0.1)\n", "plain") == [("C", 5000, 1.0)]


def test_lines_of_different_epochs_never_pair() -> None:
    old = "Ep 9 (Iter 000100): Train loss 1.043, Val loss 6.8\n"
    new = "Ep 9 (Iter 000075): Train loss 0.367, Val loss 6.5\n"
    assert changed(old, new) == []
    same_step = "Ep 9 (Iter 000100): Train loss 0.367, Val loss 6.5\n"
    assert [x[0] for x in changed(old, same_step)] == ["Train loss", "Val loss"]


def test_rows_of_a_sweep_pair_by_their_name() -> None:
    old = "Batch size 2: acc 0.51\nBatch size 4: acc 0.62\n"
    new = "Batch size 8: acc 0.71\nBatch size 4: acc 0.64\n"
    assert changed(old, new) == [("acc", 0.62, 0.64)]


def test_same_at_precision() -> None:
    assert same_at_precision(0.03444, 0.03444444, "0.03444", "0.03444444")
    assert not same_at_precision(0.9666, 0.966, "0.9666", "0.966")  # 0.9666 rounds to 0.967
    assert same_at_precision(1.23e14, 1.2345e14, "1.23e+14", "1.2345e+14")
    assert not same_at_precision(0.88, 0.9, "0.88", "0.9")  # Python's repr of 0.9: exact, not rounded
    assert not same_at_precision(0.912, 0.934, "0.912", "0.934")
    assert not same_at_precision(5.9e-08, 9.9e-09, "5.9e-08", "9.9e-09")  # a p-value that moved: counted


def test_table_cells_changed_only_in_format_are_not_counted() -> None:
    html_old = "<table><tr><th></th><th>a</th><th>b</th></tr><tr><th>x</th><td>85</td><td>1.5</td></tr></table>"
    html_new = "<table><tr><th></th><th>a</th><th>b</th></tr><tr><th>x</th><td>85.0</td><td>1.7</td></tr></table>"
    a = notebook([code_cell("df", [{**plain("t"), "data": {"text/html": html_old, "text/plain": "t"}}], 1)])
    b = notebook([code_cell("df", [{**plain("t"), "data": {"text/html": html_new, "text/plain": "t"}}], 2)])
    res = nbreview.diff(a, b).results
    assert [(n.column, n.old, n.new) for n in res.numbers] == [("b", 1.5, 1.7)]
    assert res.tables[0].changed_cells == 1


def test_a_new_sample_under_a_positional_index_is_not_changed_cells() -> None:
    old = "   idx  sentence\n0  588  a cat\n1  2085  a dog\n2  4424  a cow\n"
    new = "   idx  sentence\n0  5611  the sun\n1  6138  the sea\n2  7885  the sky\n"
    res = results(old, new, "plain")
    assert res.numbers == [] and {r.status for r in res.tables[0].rows} == {"removed", "added"}


def test_ranking_metrics_then_tables_then_values_with_a_per_cell_cap() -> None:
    old = "".join(f"w{k}: {k}.0\n" for k in range(1, 9)) + "accuracy: 0.90\n"
    new = "".join(f"w{k}: {k * 3}.0\n" for k in range(1, 9)) + "accuracy: 0.91\n"
    res = results(old, new)
    order = [n.label for n in ranked(res)]
    assert order[0] == "accuracy" and len(order) == 9
    assert more_kinds(res, 3) == "6 other values"


def test_a_signal_fires_once_per_kind_listing_its_cells() -> None:
    from nbreview.view.results import signal_items

    out = [stream("3\n")]
    a = notebook([code_cell(f"print({k})", out, k + 1) for k in range(4)])
    b = notebook([code_cell(f"print({k} + 1)", out, k + 1) for k in range(4)])
    (sig,) = nbreview.diff(a, b).results.signals
    assert (sig.kind, sig.cell, sig.cells) == ("stale_output", 0, [0, 1, 2, 3]) and "(4 cells)" in sig.detail
    (item,) = signal_items(nbreview.diff(a, b).results)
    assert item.where == "cells [0], [1], [2], [3]"


def test_signals_that_are_not_news() -> None:
    out = [stream("3\n")]
    base_out_of_order = notebook([code_cell("a", out, 5), code_cell("b", out, 2), code_cell("c", out, 3)])
    new = notebook([code_cell("a", out, 5), code_cell("b", out, 2), code_cell("c2", out, 1)])
    assert nbreview.diff(base_out_of_order, new).results.signals == []  # the base was already out of order
    in_order = notebook([code_cell("a", out, 1), code_cell("b", out, 2), code_cell("c", out, 3)])
    rerun = notebook([code_cell("a", out, 4), code_cell("b", out, 2), code_cell("c", out, 3)])
    assert [s.kind for s in nbreview.diff(in_order, rerun).results.signals] == ["out_of_order"]
    colab = {**rerun, "metadata": {"colab": {"provenance": []}}}
    assert nbreview.diff({**in_order, "metadata": {"colab": {}}}, colab).results.signals == []
    copied = notebook([code_cell("a", out, 1), code_cell("b", out, 2), code_cell("b", out, 2)])
    assert nbreview.diff(in_order, copied).results.signals == []  # an equal count is a copied cell


    # a patch release, or a version written down where there was none, is not a kernel change
    def lang(v: str) -> dict[str, Any]:
        return {**in_order, "metadata": {"language_info": {"name": "python", "version": v}}}

    assert nbreview.diff(lang("3.10.6"), lang("3.10.12")).results.signals == []
    assert [s.kind for s in nbreview.diff(lang("3.10.6"), lang("3.12.1")).results.signals] == ["kernel_changed"]
    # only comments or line breaks changed: the output is not stale
    wrapped = notebook([code_cell("f(a,\n  b)  # note", out, 1)])
    assert nbreview.diff(notebook([code_cell("f(a, b)", out, 1)]), wrapped).results.signals == []


def test_a_warning_that_differs_only_in_an_address_is_not_new() -> None:
    def warn(addr: str) -> dict[str, Any]:
        text = f"WARNING: <Cell object at {addr}> has the same name\n"
        return {"output_type": "stream", "name": "stderr", "text": text}

    a = notebook([code_cell("fit()", [warn("0x7fd0e0822610")], 1)])
    b = notebook([code_cell("fit()", [warn("0x7fd0e080f070")], 2)])
    assert nbreview.diff(a, b).results.signals == []


def test_an_array_print_that_changed_in_several_values_is_one_change() -> None:
    old = "array([[ 0.06161352, -0.0022641 , -0.07282164, ...,  0.03017893],\n       [ 0.1, 0.2, 0.3, 0.4]])"
    new = "array([[ 0.02448617, -0.00877795, -0.02189048, ..., -0.02766046],\n       [ 0.1, 0.2, 0.3, 0.4]])"
    (n,) = results(old, new, "plain").numbers
    assert n.label == "array: 4 of 8 shown values changed" and not n.numeric
    assert (n.old, n.new) == ("[0.06161352, -0.0022641, -0.07282164, …]", "[0.02448617, -0.00877795, -0.02189048, …]")
    # fewer changed values, or a print that is not only an array: listed one by one
    assert len(results("tensor([0.5, 0.6, 0.7])", "tensor([0.5, 0.9, 0.8])", "plain").numbers) == 2
    assert len(changed("loss: [0.1, 0.2, 0.3, 0.4]\n", "loss: [0.5, 0.6, 0.7, 0.8]\n")) == 4


def test_rows_with_repeated_labels_pair_by_label_or_not_at_all() -> None:
    old = "      city  pop\nyear\n2000  Oslo  5.1\n2000  Rome  2.7\n2010  Oslo  6.0\n"
    new = "      city  pop\nyear\n2010  Oslo  6.2\n2020  Oslo  7.0\n2020  Rome  2.9\n"
    res = results(old, new, "plain")
    (t,) = res.tables
    assert [(n.row, n.column, n.old, n.new) for n in res.numbers] == [("2010", "pop", 6.0, 6.2)]
    assert sorted((r.label, r.status) for r in t.rows) == [
        ("2000", "removed"), ("2000", "removed"), ("2010", "changed"), ("2020", "added"), ("2020", "added")
    ]


def test_one_chatty_cell_cannot_fill_the_list() -> None:
    chatty_old = "".join(f"w{k}: {k}.0\n" for k in range(1, 9))
    chatty_new = "".join(f"w{k}: {k * 5}.0\n" for k in range(1, 9))
    a = notebook([code_cell("a()", [stream(chatty_old)], 1), code_cell("b()", [stream("bias: 1.0\n")], 2)])
    b = notebook([code_cell("a()", [stream(chatty_new)], 3), code_cell("b()", [stream("bias: 1.1\n")], 4)])
    order = [(n.cell, n.label) for n in ranked(nbreview.diff(a, b).results)]
    assert order[4] == (1, "bias")  # after four of the chatty cell, the other cell has its turn
    assert order[:4] == [(0, f"w{k}") for k in (1, 2, 3, 4)] and len(order) == 9
