"""The main process's side of a parallel run: fewer collector pauses while it runs."""

from __future__ import annotations

import gc

import pytest

from scrubber.parallel import GC_YOUNG_OBJECTS, fewer_gc_pauses


def test_the_collector_runs_less_often_inside_and_as_before_after() -> None:
    before = gc.get_threshold()
    with fewer_gc_pauses():
        assert gc.get_threshold()[0] == GC_YOUNG_OBJECTS > before[0]
        assert gc.isenabled()  # cycles are still collected
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_when_the_run_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_gc_pauses():
        raise RuntimeError("a stage failed")
    assert gc.get_threshold() == before


def test_a_cycle_made_inside_is_still_collected() -> None:
    class Node:
        pass

    with fewer_gc_pauses():
        node = Node()
        node.self = node  # type: ignore[attr-defined]
        del node
        assert gc.collect() >= 1
