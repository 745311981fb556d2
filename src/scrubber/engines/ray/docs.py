"""Document partitions: every document's sketch, in the partition its id hashes to.

The first shuffle routes the sketch rows by id; each partition is sorted by id (the
order the dedup stage numbers documents in, on both engines) and keeps, of records that
repeat an id of the same file, the first (the others are failures, as on the local
engine). Later stages join pairs of ids with these partitions instead of gathering
signatures anywhere.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup import in_sample

from .shards import Shard, concat, part_of, sort_by_id, split, take
from .sketch import DOC, block_shard

DOC_COLUMNS = ("id", "unit", "local", "size", "grams", "words", "payload")


@dataclass(frozen=True, eq=False)
class DocPart:
    """The documents of one partition, sorted by id (``payload``: pickled locators)."""

    ids: NDArray[np.object_]
    sizes: NDArray[np.int64]
    grams: NDArray[np.uint16]
    words: NDArray[np.uint16]
    payload: NDArray[np.object_]

    def rows(self, ids: NDArray[np.object_]) -> NDArray[np.int64]:
        """Row of each id (which must be in this partition)."""
        return np.searchsorted(self.ids, ids).astype(np.int64)

    def locators(self, rows: NDArray[np.int64]) -> list[Any]:
        return [pickle.loads(self.payload[r]) for r in rows]


@dataclass(frozen=True)
class PartStats:
    documents: int
    live: int  # documents with words (the others are never candidates)
    duplicates: list[tuple[int, int, int, int, str]]  # (unit, local, first unit, first local, id)


def route_block(block: Any, parts: int) -> list[Any]:
    """Map side: a block of sketch rows -> its documents per partition, and the rest
    (failures, line counts: small) as a last output for the driver."""
    shard = block if isinstance(block, dict) else block_shard(block)
    docs = shard["kind"] == DOC
    found = take({k: shard[k] for k in DOC_COLUMNS}, np.flatnonzero(docs))
    rest = take({k: shard[k] for k in ("kind", "unit", "local", "payload")}, np.flatnonzero(~docs))
    return [*split(found, part_of(found["id"], parts), parts), rest]


def build_part(shards: list[Shard]) -> tuple[DocPart, PartStats]:
    """Reduce side: one partition, sorted by id, first of each repeated id kept."""
    found = concat(shards)
    if not found:
        return _empty_part(), PartStats(0, 0, [])
    found = take(found, np.lexsort((found["local"], found["unit"])))
    found = sort_by_id(found)
    ids = found["id"]
    repeat = np.zeros(ids.size, np.bool_)
    repeat[1:] = ids[1:] == ids[:-1]
    first = np.maximum.accumulate(np.where(repeat, 0, np.arange(ids.size)))
    duplicates = [
        (
            int(found["unit"][k]),
            int(found["local"][k]),
            int(found["unit"][first[k]]),
            int(found["local"][first[k]]),
            str(ids[k]),
        )
        for k in np.flatnonzero(repeat)
    ]
    found = take(found, np.flatnonzero(~repeat))
    part = DocPart(found["id"], found["size"], found["grams"], found["words"], found["payload"])
    return part, PartStats(int(part.ids.size), int(np.count_nonzero(part.sizes)), duplicates)


def _empty_part() -> DocPart:
    ids = np.empty(0, object)
    none = np.zeros((0, 0), np.uint16)
    return DocPart(ids, np.zeros(0, np.int64), none, none, np.empty(0, object))


def sample_words(part: DocPart, total: int) -> NDArray[np.uint16]:
    """Content-word signatures of this partition's documents in the sample that picks
    the content-word banding (``dedup.in_sample``, the local engine's choice)."""
    chosen = [k for k in np.flatnonzero(part.sizes > 0) if in_sample(str(part.ids[k]), total)]
    return part.words[np.array(chosen, np.int64)]
