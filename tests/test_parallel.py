"""The main process's side of a parallel run: fewer collector pauses while it runs, and
no second copy of what it already holds."""

from __future__ import annotations

import ctypes
import gc
from pathlib import Path

import pytest

from scrubber.config import Settings
from scrubber.finish import _chunk_size
from scrubber.outputs import OutputWriter
from scrubber.parallel import (
    GC_YOUNG_OBJECTS,
    HEAP_KEPT_BYTES,
    IN_PROCESS_BELOW,
    _libc_mallopt,
    fewer_gc_pauses,
    map_ordered,
    steady_heap,
    worker_state,
)
from scrubber.scan import collect_refs, scan_refs


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


def test_pass_one_results_from_workers_hold_the_callers_refs(tmp_path: Path) -> None:
    """Workers send back a document's results without its ref: the main process holds
    every ref already, and a copy unpickled per document would double that memory."""
    src = tmp_path / "in"
    src.mkdir()
    for n in range(IN_PROCESS_BELOW + 6):  # enough to start the pool
        (src / f"{n:03}.txt").write_text(f"Go back\n\nStory {n} about the river.\n")
    settings = Settings(jobs=2)
    refs, failures = collect_refs([str(src)], settings)
    with OutputWriter(tmp_path / "out") as writer:
        corpus = scan_refs(refs, failures, settings, verdicts=True, writer=writer)
    assert len(corpus.docs) == len(refs)
    assert all(scanned.ref is ref for scanned, ref in zip(corpus.docs, refs, strict=True))
    assert all(scanned.output == scanned.ref.doc_id for scanned in corpus.docs)
    assert all(scanned.notes and scanned.notes.removals for scanned in corpus.docs)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _free_heap_top_after_churn() -> int:
    """Bytes glibc keeps at the top of its heap after 3 MB of scratch blocks are freed
    (as a kernel's arrays are, document after document)."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallinfo2.restype = _MallInfo2
    blocks = [libc.malloc(96 * 1024) for _ in range(32)]
    for block in blocks:
        libc.free(block)
    return int(libc.mallinfo2().keepcost)


@pytest.mark.skipif(_libc_mallopt() is None, reason="the setting is glibc's (Linux)")
def test_freed_scratch_memory_stays_in_the_heap_inside_and_is_given_back_after() -> None:
    with steady_heap():
        kept = _free_heap_top_after_churn()
    assert kept >= 1 << 20  # ready for the next document, no fresh pages to fault in
    assert kept <= HEAP_KEPT_BYTES
    assert _free_heap_top_after_churn() < 1 << 20  # the default again: handed back


@pytest.mark.skipif(_libc_mallopt() is None, reason="the setting is glibc's (Linux)")
def test_the_heap_setting_comes_back_when_the_run_fails() -> None:
    with pytest.raises(RuntimeError), steady_heap():
        raise RuntimeError("a stage failed")
    assert _free_heap_top_after_churn() < 1 << 20


def _plus_state(x: int) -> int:
    return int(worker_state()["v"]) + x


def _outer_run(x: int) -> tuple[int, int]:
    (inner,) = map_ordered(_plus_state, [x], {"v": 100}, jobs=1)
    return inner, int(worker_state()["v"])  # the outer run's state is back


def test_a_run_in_this_process_leaves_the_state_it_found() -> None:
    """Small runs work in this process, with their state as ``worker_state()``: a run
    inside another one (the site templates, for instance) must not change the outer
    run's state, and a finished run must not keep its state (its data) alive."""
    before = dict(worker_state())
    assert list(map_ordered(_outer_run, [1, 2], {"v": 10}, jobs=1)) == [(101, 10), (102, 10)]
    assert worker_state() == before


@pytest.mark.parametrize(
    ("tasks", "workers", "expected"),
    [(5_400, 2, 64), (50_000, 16, 64), (600, 2, 37), (100, 2, 6), (10, 2, 4), (0, 2, 4)],
)
def test_pass_2_chunks_are_large_but_leave_every_worker_eight(
    tasks: int, workers: int, expected: int
) -> None:
    chunk = _chunk_size(tasks, workers)
    assert chunk == expected
    assert 4 <= chunk <= 64
    assert chunk == 4 or tasks // chunk >= workers * 8
