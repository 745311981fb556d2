"""Stage 1, read and sketch: a Ray Data map over the read units.

Each unit's documents are read, sketched (``pipeline.sketch_document``) and returned as
one block of rows: ``kind`` 0 a document (id, where it was, its two signatures and word
count, a pickled locator to read it again), 1 a failure (a pickled ``Failed``), 2 the
number of lines a JSON Lines unit owns (for naming failures by line). Nothing is
gathered: the blocks stay in the object store for the shuffle that partitions them.
"""

from __future__ import annotations

import pickle
from functools import partial
from typing import Any, cast

import numpy as np
import ray
from numpy.typing import NDArray

from scrubber.config import Settings
from scrubber.dedup import DocSketch
from scrubber.model import ProgressCallback, ProgressEvent

from .read import Unit
from .session import Ref
from .shards import Shard, ids_array
from .sources import Failed, read_unit

DOC, FAILURE, LINES = 0, 1, 2


def read_and_sketch(
    units: list[Unit], settings: Settings, progress: ProgressCallback
) -> tuple[list[Ref], int]:
    """Refs of the blocks of sketch rows the Ray Data map produces, and how many rows."""
    items = [{"unit": pickle.dumps(unit)} for unit in units]
    dataset = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
    done = dataset.map_batches(
        partial(_sketch_units, settings=settings), batch_size=1
    ).materialize()
    rows = done.count()
    progress(ProgressEvent("scan", rows, rows))
    return list(done.to_arrow_refs()), rows


def _sketch_units(batch: dict[str, NDArray[Any]], settings: Settings) -> dict[str, NDArray[Any]]:
    from scrubber.scan import sketch_document

    rows = _Rows(settings.num_perm)
    for raw in batch["unit"]:
        unit: Unit = pickle.loads(raw)
        found, lines = read_unit(unit, settings.errors)
        for item in found:
            if isinstance(item, Failed):
                rows.add(FAILURE, unit.order, item.local, payload=item)
            else:
                sketch = sketch_document(item.doc, settings)
                rows.add(DOC, unit.order, item.local, item.doc.doc_id, sketch, item.locator)
        if unit.kind == "jsonl":
            rows.add(LINES, unit.order, lines)
    return rows.columns()


class _Rows:
    """The rows of one block, column by column."""

    def __init__(self, num_perm: int) -> None:
        self.num_perm = num_perm
        self.kind: list[int] = []
        self.unit: list[int] = []
        self.local: list[int] = []
        self.ids: list[str] = []
        self.sketches: list[DocSketch | None] = []
        self.payload: list[bytes] = []

    def add(
        self,
        kind: int,
        unit: int,
        local: int,
        doc_id: str = "",
        sketch: DocSketch | None = None,
        payload: Any = None,
    ) -> None:
        self.kind.append(kind)
        self.unit.append(unit)
        self.local.append(local)
        self.ids.append(doc_id)
        self.sketches.append(sketch)
        self.payload.append(pickle.dumps(payload))

    def columns(self) -> dict[str, NDArray[Any]]:
        none = np.zeros(self.num_perm, np.uint16)
        payload = np.empty(len(self.payload), object)
        payload[:] = self.payload
        return {
            "kind": np.array(self.kind, np.int8),
            "id": ids_array(self.ids),
            "unit": np.array(self.unit, np.int64),
            "local": np.array(self.local, np.int64),
            "size": np.array([s.size if s else 0 for s in self.sketches], np.int64),
            "grams": self._matrix([s.shingles if s else none for s in self.sketches]),
            "words": self._matrix([s.words if s else none for s in self.sketches]),
            "payload": payload,
        }

    def _matrix(self, rows: list[NDArray[np.uint16]]) -> NDArray[np.uint16]:
        if not rows:
            return np.zeros((0, self.num_perm), np.uint16)
        return np.stack(rows)


def block_shard(table: Any) -> Shard:
    """A block of sketch rows as NumPy columns."""
    from ray.data.block import BlockAccessor

    return cast(Shard, BlockAccessor.for_block(table).to_numpy())
