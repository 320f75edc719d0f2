"""Cell alignment: ids, exact anchors, fuzzy gaps, moves; every cell exactly once."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nbreview.engine.align import align_cells
from nbreview.engine.options import DiffOptions
from support.notebooks import code_cell, md_cell


def pairs(old: list[dict[str, Any]], new: list[dict[str, Any]], **opts: bool) -> list[tuple[Any, Any, bool]]:
    return [(m.old, m.new, m.moved) for m in align_cells(old, new, DiffOptions(**opts))]


def cells(*sources: str) -> list[dict[str, Any]]:
    return [code_cell(s) for s in sources]


def test_identical_notebooks_align_one_to_one() -> None:
    a = cells("a = 1", "b = 2", "c = 3")
    assert pairs(a, a) == [(0, 0, False), (1, 1, False), (2, 2, False)]


def test_insert_delete_and_modify() -> None:
    old = cells("import numpy as np", "x = np.arange(10)\ny = x ** 2", "print(y)")
    new = cells("import numpy as np", "import pandas as pd", "x = np.arange(20)\ny = x ** 2", "plot(y)")
    got = pairs(old, new)
    assert (0, 0, False) in got and (None, 1, False) in got and (1, 2, False) in got
    assert {(2, None, False), (None, 3, False)} <= set(got) or (2, 3, False) in got


def test_moved_cell_is_detected() -> None:
    old = cells("first()", "second()", "third()", "fourth()", "fifth()")
    new = cells("first()", "third()", "fourth()", "fifth()", "second()")
    got = pairs(old, new)
    assert (1, 4, True) in got
    assert sum(1 for _, _, moved in got if moved) == 1


def test_moved_and_edited_cell_is_detected() -> None:
    body = "def train(model, data):\n    for batch in data:\n        model.step(batch)\n    return model\n"
    old = cells(body, "load()", "evaluate()", "report()")
    new = cells("load()", "evaluate()", "report()", body.replace("model.step(batch)", "model.step(batch, lr=0.1)"))
    got = pairs(old, new)
    assert (0, 3, True) in got


def test_ids_win_over_content_when_unique() -> None:
    old = [code_cell("x = 1", cell_id="a"), code_cell("x = 1", cell_id="b")]
    new = [code_cell("x = 1", cell_id="b"), code_cell("x = 1", cell_id="a")]
    got = pairs(old, new)
    assert (0, 1, True) in got or (1, 0, True) in got
    assert {(o, n) for o, n, _ in got} == {(0, 1), (1, 0)}
    # ... unless ids are ignored: then content aligns them in place
    assert {(o, n) for o, n, _ in pairs(old, new, ignore_ids=True)} == {(0, 0), (1, 1)}


def test_duplicate_and_regenerated_ids_fall_back_to_content() -> None:
    old = [code_cell("alpha()", cell_id="dup"), code_cell("beta()", cell_id="dup"), code_cell("gamma()", cell_id="g")]
    new = [code_cell("alpha()", cell_id="new1"), code_cell("beta()", cell_id="new2"), code_cell("gamma()", cell_id="g")]
    assert [(o, n) for o, n, _ in pairs(old, new)] == [(0, 0), (1, 1), (2, 2)]


def test_id_on_one_side_only() -> None:
    old = cells("a()", "b()", "c()")
    new = [code_cell("a()", cell_id="x1"), code_cell("b2()", cell_id="x2"), code_cell("c()", cell_id="x3")]
    assert [(o, n) for o, n, _ in pairs(old, new)] == [(0, 0), (1, 1), (2, 2)]


def test_id_match_with_nothing_in_common_is_not_trusted() -> None:
    old = [code_cell("import os\nos.listdir('.')", cell_id="0"), code_cell("plot(results)", cell_id="1")]
    new = [code_cell("plot(results)", cell_id="0"), code_cell("summary = describe(frame)", cell_id="1")]
    got = pairs(old, new)
    assert (1, 0, False) in got


def test_markdown_and_code_with_same_text_are_not_confused() -> None:
    old = [md_cell("x = 1"), code_cell("x = 1")]
    new = [code_cell("x = 1")]
    assert (1, 0, False) in pairs(old, new)


def test_removed_cells_appear_at_their_old_place() -> None:
    old = cells("a()", "b()", "c()", "d()")
    new = cells("a()", "d()")
    assert pairs(old, new) == [(0, 0, False), (1, None, False), (2, None, False), (3, 1, False)]


def test_large_rewrite_stays_bounded_and_complete() -> None:
    old = cells(*[f"value_{i} = compute({i}, mode='fast')\nshow(value_{i})" for i in range(600)])
    new = cells(*[f"value_{i} = compute({i}, mode='slow')\nshow(value_{i} * 2)" for i in range(600)])
    got = pairs(old, new)
    assert sorted(o for o, _, _ in got if o is not None) == list(range(600))
    assert sum(1 for o, n, _ in got if o is not None and n is not None) >= 590


sources = st.text(alphabet="abcxyz()= \n", max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(sources, max_size=15), st.lists(sources, max_size=15), st.booleans())
def test_every_cell_appears_exactly_once(a: list[str], b: list[str], with_ids: bool) -> None:
    old = [code_cell(s, cell_id=f"c{i % 5}" if with_ids else None) for i, s in enumerate(a)]
    new = [code_cell(s, cell_id=f"c{(i * 3) % 7}" if with_ids else None) for i, s in enumerate(b)]
    got = align_cells(old, new)
    assert sorted(m.old for m in got if m.old is not None) == list(range(len(old)))
    assert [m.new for m in got if m.new is not None] == list(range(len(new)))
    for m in got:
        assert m.old is not None or m.new is not None
        assert not m.moved or (m.old is not None and m.new is not None)


def test_shuffled_repeated_cells_pair_with_identical_copies() -> None:
    """No cell is unique (each source 20 times), one side shuffled: every cell finds an identical
    copy (a move where out of order), none is paired with a merely similar neighbour."""
    import random

    old = cells(*(f"x{k % 100} = {k % 100}\nprint(x{k % 100})" for k in range(2_000)))
    new = list(old)
    random.Random(3).shuffle(new)
    got = align_cells(old, new)
    assert all(m.old is not None and m.new is not None for m in got)
    assert all(old[m.old]["source"] == new[m.new]["source"] for m in got if m.old is not None and m.new is not None)
    assert sum(m.moved for m in got) > 1_500
