"""Stage 2, candidates: LSH band keys -> pairs sharing a key -> pairs whose signatures agree.

Shuffles: (1) every (band, key, id) entry to the partition of its (band, key): a bucket
is whole in one partition, where its pairs are formed as ``lsh.band_pairs`` forms them on
the local engine (members in id order; a big bucket gives a chain and a star); (2) each
pair to the partition of its first document, which adds that document's signatures and
drops repeats; (3) to the partition of its second document, which keeps the pair if the
signatures agree as ``dedup.candidates`` requires.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup.candidates import (
    MIN_SHINGLE_AGREEMENT,
    MIN_WORD_AGREEMENT,
    SHINGLE_ROWS,
)
from scrubber.dedup.lsh import agreement, band_keys, band_pairs

from .docs import DocPart
from .shards import Shard, concat, part_of, split, take

_MIX_KEY = np.uint64(0x9E3779B97F4A7C15)
_MIX_BAND = np.uint64(0xC2B2AE3D27D4EB4F)


def band_entries(part: DocPart, word_rows: int, parts: int) -> list[Shard]:
    """Map side: the (band, key, id) entries of this partition's documents with words,
    by the partition of their (band, key). Bands of the n-gram channel come first."""
    live = np.flatnonzero(part.sizes > 0)
    grams = band_keys(part.grams[live], SHINGLE_ROWS)
    words = band_keys(part.words[live], word_rows)
    keys = np.concatenate([grams, words], axis=1)  # (documents, bands)
    bands = np.broadcast_to(np.arange(keys.shape[1], dtype=np.int64), keys.shape)
    ids = np.repeat(part.ids[live], keys.shape[1])
    entry = {"band": bands.ravel(), "key": keys.ravel(), "id": ids}
    mixed = entry["key"].astype(np.uint64) * _MIX_KEY + entry["band"].astype(np.uint64) * _MIX_BAND
    return split(entry, ((mixed >> np.uint64(33)) % np.uint64(parts)).astype(np.int64), parts)


def bucket_pairs(shards: list[Shard], parts: int) -> list[Shard]:
    """Reduce side: the pairs (a < b by id) of the buckets in this partition, each once,
    by the partition of a."""
    entry = _shared_keys(concat(shards))
    if not entry or entry["id"].size == 0:
        return [_pairs(np.empty(0, object), np.empty(0, object))] * parts
    ids, rank = np.unique(entry["id"], return_inverse=True)
    order = np.lexsort((rank, entry["band"]))
    band, key, rank = entry["band"][order], entry["key"][order], rank[order]
    starts = np.flatnonzero(np.append(True, band[1:] != band[:-1]))
    ends = np.append(starts[1:], band.size)
    found = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        pairs = band_pairs(key[lo:hi, None])  # rows of this band are in id order
        found.append(rank[lo:hi][pairs])
    codes = np.unique(np.concatenate(found) @ np.array([ids.size, 1]))
    a, b = ids[codes // ids.size], ids[codes % ids.size]
    return split(_pairs(a, b), part_of(a, parts), parts)


def _shared_keys(entry: Shard) -> Shard:
    """The entries whose (band, key) another entry has: most keys are a single document's,
    and dropping them first keeps the sort by id (of strings) small."""
    if not entry:
        return entry
    order = np.lexsort((entry["key"], entry["band"]))
    band, key = entry["band"][order], entry["key"][order]
    same = (band[1:] == band[:-1]) & (key[1:] == key[:-1])
    shared = np.zeros(order.size, np.bool_)
    shared[1:] |= same
    shared[:-1] |= same
    return take(entry, order[shared])


def _pairs(a: NDArray[np.object_], b: NDArray[np.object_]) -> Shard:
    return {"a": a, "b": b}


def with_first(part: DocPart, shards: list[Shard], parts: int) -> list[Shard]:
    """At the partition of a: each pair once, with a's signatures, by the partition of b."""
    pairs = concat(shards)
    if not pairs or pairs["a"].size == 0:
        return [_signed(part, np.empty(0, object), np.empty(0, np.int64))] * parts
    rows = part.rows(pairs["a"])
    others, code = np.unique(pairs["b"], return_inverse=True)
    _, keep = np.unique(rows * others.size + code, return_index=True)
    signed = _signed(part, pairs["b"][keep], rows[keep])
    signed["a"] = pairs["a"][keep]
    return split(signed, part_of(signed["b"], parts), parts)


def _signed(part: DocPart, b: NDArray[np.object_], rows: NDArray[np.int64]) -> Shard:
    perms = part.grams.shape[1]
    grams = part.grams[rows] if perms else np.zeros((0, 0), np.uint16)
    words = part.words[rows] if perms else np.zeros((0, 0), np.uint16)
    return {"a": part.ids[rows], "b": b, "grams": grams, "words": words}


def agreeing(part: DocPart, shards: list[Shard], parts: int) -> list[Shard]:
    """At the partition of b: the candidate pairs, whose signatures agree enough (as
    ``dedup.candidates`` checks), by the partition of a; the last output keeps them here."""
    signed = concat([s for s in shards if s["a"].size])
    if not signed:
        nothing = _pairs(np.empty(0, object), np.empty(0, object))
        return [nothing] * (parts + 1)
    rows = part.rows(signed["b"])
    keep = (agreement(signed["grams"], part.grams[rows]) >= MIN_SHINGLE_AGREEMENT) | (
        agreement(signed["words"], part.words[rows]) >= MIN_WORD_AGREEMENT
    )
    found = take(_pairs(signed["a"], signed["b"]), np.flatnonzero(keep))
    return [*split(found, part_of(found["a"], parts), parts), found]
