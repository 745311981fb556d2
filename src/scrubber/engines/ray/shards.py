"""Shards: columns of equal length (NumPy arrays) that stages pass between Ray tasks.

Document ids are object arrays of ``str``: NumPy sorts them by code point, as Python
does, so "sorted by id" means the same on the driver, in a worker and in the local engine.
Shards are routed to partitions by a CRC-32 of a key (stable across processes and runs,
unlike ``hash()``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Shard = dict[str, NDArray[Any]]
_SALT = 0x5BD1E995  # partitions do not follow the hash that picks the content-word sample


def ids_array(ids: Iterable[str]) -> NDArray[np.object_]:
    """Document ids as an object array (variable-length strings, sorted by code point)."""
    found = list(ids)
    out = np.empty(len(found), object)
    out[:] = found
    return out


def hash_ids(ids: NDArray[np.object_]) -> NDArray[np.uint32]:
    """A stable 32-bit hash of each id."""
    return np.fromiter(
        (zlib.crc32(str(i).encode("utf-8", "surrogatepass"), _SALT) for i in ids),
        np.uint32,
        count=len(ids),
    )


def part_of(ids: NDArray[np.object_], parts: int) -> NDArray[np.int64]:
    """The partition (0 .. parts-1) of each id: where its document's data lives."""
    return (hash_ids(ids) % np.uint32(parts)).astype(np.int64)


def empty(columns: dict[str, tuple[Any, tuple[int, ...]]]) -> Shard:
    """A shard with no rows: ``columns`` maps names to (dtype, trailing shape)."""
    return {name: np.zeros((0, *shape), dtype) for name, (dtype, shape) in columns.items()}


def size(shard: Shard) -> int:
    return len(next(iter(shard.values()))) if shard else 0


def take(shard: Shard, rows: NDArray[Any]) -> Shard:
    return {name: column[rows] for name, column in shard.items()}


def split(shard: Shard, part: NDArray[np.int64], parts: int) -> list[Shard]:
    """Rows of ``shard`` by destination partition (``part`` per row), in row order."""
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    return [take(shard, order[bounds[p] : bounds[p + 1]]) for p in range(parts)]


def concat(shards: Sequence[Shard]) -> Shard:
    """All rows of the shards (which share their columns), in order."""
    shards = [s for s in shards if s]
    if not shards:
        return {}
    return {name: np.concatenate([s[name] for s in shards]) for name in shards[0]}


def sort_by_id(shard: Shard, column: str = "id") -> Shard:
    return take(shard, np.argsort(shard[column], kind="stable"))


def rows_of(ids: NDArray[np.object_], wanted: NDArray[np.object_]) -> NDArray[np.int64]:
    """Row of each wanted id in ``ids`` (sorted, unique, and holding every wanted id)."""
    return np.searchsorted(ids, wanted).astype(np.int64)
