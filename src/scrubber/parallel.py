"""Run a per-document function over all cores, in order, with progress.

Work is sent in chunks to a process pool whose workers receive the shared, read-only
state (settings, template index) once, through the pool initializer, instead of with
every task. Small inputs run in-process: a pool costs more than it saves there.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STATE: dict[str, Any] = {}
_PR_SET_PDEATHSIG = 1
IN_PROCESS_BELOW = 64  # documents; fewer than this never start a pool


def resolve_jobs(jobs: int) -> int:
    """0 means all cores this process may use."""
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


# Young objects the cyclic garbage collector lets pile up before it runs, while a pipeline
# runs (Python's default: 700). They are the container objects still alive (reference
# counting frees the rest at once), so this bounds how often the collector walks them, not
# memory: at 100,000 documents clean's main process collected 18 times with 100,000 (0.41 s)
# and once with a million (0.20 s).
GC_YOUNG_OBJECTS = 1_000_000


@contextlib.contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """Run the cyclic garbage collector less often inside the block.

    The main process keeps a small result per document (hundreds of thousands of tuples
    and dataclasses, none of them in a reference cycle), and by default the collector
    walks them again every few hundred allocations: at 100,000 documents that was half
    of the main process's time in clean's first pass (4.1 s against 2.0 s). Cycles are
    still collected, only in larger batches; the thresholds are restored after."""
    before = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_OBJECTS, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


# glibc's mallopt parameter, its default, and what ``steady_heap`` sets it to
_M_TRIM_THRESHOLD = -1
_DEFAULT_TRIM_THRESHOLD = 128 * 1024
HEAP_KEPT_BYTES = 32 << 20


def _libc_mallopt() -> Callable[[int, int], int] | None:
    """glibc's ``mallopt``; None elsewhere (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        mallopt: Callable[[int, int], int] = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    return mallopt


@contextlib.contextmanager
def steady_heap() -> Iterator[None]:
    """Keep up to HEAP_KEPT_BYTES of freed memory in the heap inside the block (glibc).

    The compiled kernels allocate scratch arrays for every document (about 100 KB for a
    page's word scan), and by default glibc hands the top of its heap back to the system
    as soon as 128 KB of it are free: the next document's arrays then fault fresh pages
    in. That cost the word scan 40 % of its time (41 us a document against 24, most of
    the difference system time). Workers forked inside the block inherit the setting;
    the default comes back after it. Elsewhere than on glibc, nothing changes."""
    mallopt = _libc_mallopt()
    if mallopt is None or not mallopt(_M_TRIM_THRESHOLD, HEAP_KEPT_BYTES):
        yield
        return
    try:
        yield
    finally:
        mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD)


def worker_state() -> dict[str, Any]:
    """The shared state given to ``map_ordered`` (in workers and in-process alike)."""
    return _STATE


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the main process dies (e.g. ``kill -9``), so no
    orphaned worker hangs on a pipe nobody reads."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers exit when their pipe closes
        return


def _set_state(state: dict[str, Any]) -> None:
    _STATE.clear()
    _STATE.update(state)


def _init_worker(state: dict[str, Any]) -> None:
    if multiprocessing.parent_process() is not None:
        _die_with_parent()
    _set_state(state)


@contextlib.contextmanager
def _in_process(state: dict[str, Any]) -> Iterator[None]:
    """``state`` as ``worker_state()`` for work run in this process; what was there before
    comes back after (a run inside another in-process run leaves the outer one's state,
    and a finished run leaves nothing of its own behind)."""
    before = dict(_STATE)
    _set_state(state)
    try:
        yield
    finally:
        _set_state(before)


def _run_chunk(func: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [func(item) for item in chunk]


def map_ordered(
    func: Callable[[T], R],
    items: Sequence[T],
    state: dict[str, Any],
    jobs: int,
    on_done: Callable[[int], None] | None = None,
    chunk_size: int = 256,
) -> Iterator[R]:
    """Yield ``func(item)`` for every item, in input order, using ``jobs`` processes.

    ``func`` must be a module-level function; it reads shared state with ``worker_state()``.
    ``on_done(n)`` is called after each finished chunk with the number of items it held.
    """
    workers = resolve_jobs(jobs)
    if workers == 1 or len(items) < IN_PROCESS_BELOW:
        with _in_process(state):
            for item in items:
                yield func(item)
                if on_done:
                    on_done(1)
        return
    chunks = (items[i : i + chunk_size] for i in range(0, len(items), chunk_size))
    for chunk, result in _pooled(_run_chunk, func, chunks, state, workers):
        yield from result
        if on_done:
            on_done(len(chunk))


def map_chunks(
    func: Callable[[Sequence[T]], R],
    items: Iterable[T],
    state: dict[str, Any],
    jobs: int,
    chunk_size: int = 256,
) -> Iterator[tuple[Sequence[T], R]]:
    """Yield ``(chunk, func(chunk))`` for consecutive chunks of the items, in order, using
    ``jobs`` processes: for work whose result per chunk is compact (one array for a
    chunk instead of an object per item costs much less to send between processes).
    ``items`` may be a generator: work starts while it is still producing (discovery of
    a million files overlaps with reading them)."""
    workers = resolve_jobs(jobs)
    stream = iter(items)
    head = list(islice(stream, IN_PROCESS_BELOW))
    chunks = _chunked(chain(head, stream), chunk_size)
    if workers == 1 or len(head) < IN_PROCESS_BELOW:
        with _in_process(state):
            for chunk in chunks:
                yield chunk, func(chunk)
        return
    yield from _pooled(_call, func, chunks, state, workers)


def _chunked(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _call(func: Callable[[Sequence[T]], R], chunk: Sequence[T]) -> R:
    return func(chunk)


def _pooled(
    runner: Callable[[Any, Sequence[T]], R],
    func: Any,
    chunks: Iterable[Sequence[T]],
    state: dict[str, Any],
    workers: int,
) -> Iterator[tuple[Sequence[T], R]]:
    gc.freeze()  # forked workers share the parent's objects instead of copying them on refcount
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(state,)) as pool:
        yield from _bounded_map(pool, runner, func, chunks, window=workers * 4)


def _bounded_map(
    pool: ProcessPoolExecutor,
    runner: Callable[[Any, Sequence[T]], R],
    func: Any,
    chunks: Iterable[Sequence[T]],
    window: int,
) -> Iterator[tuple[Sequence[T], R]]:
    """Like ``pool.map`` but with at most ``window`` chunks in flight (bounded memory)."""
    pending: list[tuple[Sequence[T], Future[R]]] = []
    for chunk in chunks:
        pending.append((chunk, pool.submit(runner, func, chunk)))
        if len(pending) >= window:
            done, future = pending.pop(0)
            yield done, future.result()
    for done, future in pending:
        yield done, future.result()
