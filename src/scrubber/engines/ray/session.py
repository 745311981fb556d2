"""Ray plumbing: connecting to a cluster, and running a function as a Ray task.

``submit(func, *args)`` runs ``func`` in a Ray task; an argument that is a list of object
refs arrives as the list of their values (Ray resolves only top-level refs, so the lists
are flattened into the call and rebuilt in the task). A task that returns several values
(one per destination partition: the map side of a shuffle) gives one ref per value, so
each destination fetches only its own share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import ray

from scrubber.config import Settings
from scrubber.errors import UsageError
from scrubber.parallel import resolve_jobs

Ref = Any  # ray.ObjectRef; untyped in Ray's stubs
PARTITION_DOCS = 50_000  # documents per partition, at most about (~1 GB of worker memory)
SMALL_PARTITION = 1_000  # documents per partition, at least about (with two partitions at least)


@contextmanager
def connected(settings: Settings) -> Iterator[int]:
    """Connected to Ray for a run: to the cluster at ``settings.address``; without one, to
    the Ray already initialized in this process, or the cluster ``ray.init()`` finds
    (``RAY_ADDRESS``, or one ``ray start`` started on this machine), or else to a private
    instance with ``settings.jobs`` CPUs, stopped after the run. Yields the cluster's CPUs."""
    started = False
    if not ray.is_initialized():
        try:
            _init(settings)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = settings.address or "a local Ray instance"
            raise UsageError(
                f"cannot connect to Ray at {where}: {exc} (start a cluster with `ray start "
                "--head` and pass --address auto; with a HOST:PORT address and Ray's token "
                "authentication, also set RAY_AUTH_MODE=token)"
            ) from exc
        started = True
    _quiet_ray_data()
    try:
        resources = cast(Callable[[], dict[str, float]], ray.cluster_resources)()
        yield max(1, int(resources.get("CPU", 1)))
    finally:
        if started:
            ray.shutdown()  # disconnects; stops the instance only if this run started it


def _init(settings: Settings) -> None:
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
    }
    if settings.address is not None:
        ray.init(address=settings.address, **options)
        return
    try:
        ray.init(num_cpus=resolve_jobs(settings.jobs), **options)
    except ValueError:  # ray.init() found a running cluster, which takes no num_cpus
        ray.init(**options)


def _quiet_ray_data() -> None:
    """Library code never prints: no Ray Data progress bars, per-stage logs or warnings."""
    from ray.data import DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.verbose_stats_logs = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


def partitions(documents: int, cpus: int) -> int:
    """How many partitions the shuffles use: two per CPU (but not partitions of fewer than
    about SMALL_PARTITION documents, whose tasks cost more than they save), and more for
    big corpora, so that a partition (the memory of one task) stays near PARTITION_DOCS."""
    few = max(2, documents // SMALL_PARTITION)
    return max(min(2 * cpus, few), -(-documents // PARTITION_DOCS))


def _apply(func: Callable[..., Any], returns: int, shape: list[int], *flat: Any) -> Any:
    args: list[Any] = []
    at = 0
    for count in shape:
        if count < 0:
            args.append(flat[at])
            at += 1
        else:
            args.append(list(flat[at : at + count]))
            at += count
    out = func(*args)
    if returns == 0:
        return out
    if len(out) != returns:
        raise RuntimeError(f"{func.__name__} gave {len(out)} values, not {returns}")
    return out[0] if returns == 1 else tuple(out)


_remote_apply = ray.remote(_apply)


def submit(func: Callable[..., Any], *args: Any) -> Ref:
    """Run ``func(*args)`` as a Ray task; the ref of its value."""
    return _submit(func, args, 0)


def submit_split(func: Callable[..., Any], *args: Any, returns: int) -> list[Ref]:
    """Run ``func(*args)``, which returns a list of ``returns`` values, as a Ray task; a
    ref for each value (each destination of a shuffle fetches only its own)."""
    refs = _submit(func, args, returns)
    return [refs] if returns == 1 else list(refs)


def _submit(func: Callable[..., Any], args: tuple[Any, ...], returns: int) -> Any:
    shape: list[int] = []
    flat: list[Any] = []
    for arg in args:
        if isinstance(arg, list):
            shape.append(len(arg))
            flat.extend(arg)
        else:
            shape.append(-1)
            flat.append(arg)
    task = _remote_apply.options(num_returns=max(returns, 1))
    return task.remote(func, returns, shape, *flat)


def transpose(outputs: list[list[Ref]], parts: int) -> list[list[Ref]]:
    """refs[source][destination] -> refs[destination][source]: each reducer's inputs."""
    return [[out[d] for out in outputs] for d in range(parts)]
