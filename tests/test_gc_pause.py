"""The garbage collector pause around parsing and diffing: off inside, restored after, nestable."""

from __future__ import annotations

import gc
import threading

import pytest

from nbreview.io.gcpause import gc_paused


def test_pause_turns_the_collector_off_and_back_on() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner pause ending does not end the outer one
    assert gc.isenabled()


def test_pause_restores_the_collector_after_an_error() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_end_with_the_collector_on() -> None:
    inside = threading.Barrier(2, timeout=30)
    leave = threading.Event()

    def hold() -> None:
        with gc_paused():
            inside.wait()
            leave.wait(30)

    worker = threading.Thread(target=hold)
    worker.start()
    with gc_paused():
        inside.wait()
    assert not gc.isenabled()  # the worker's pause is still open
    leave.set()
    worker.join(30)
    assert gc.isenabled()


def test_diff_runs_with_the_collector_paused_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import nbreview
    from nbreview.engine import pipeline

    seen: list[bool] = []
    align = pipeline.align_cells

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return align(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "align_cells", spy)
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "x"}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    nbreview.diff(nb, nb)
    assert seen == [False] and gc.isenabled()
