"""Candidate pairs by LSH banding over a whole signature matrix at once.

Each band of ``rows`` signature values becomes one 32-bit key per document (one array
operation over all documents); documents with equal keys in some band are candidates.
Sorting the keys of a band groups equal ones, so there is no per-document Python work
and no dictionary of buckets. (A 32-bit key also collides by chance, for about N^2/2^33
pairs a band; the signature check after banding removes those.)

Candidates are only suggestions: every pair is compared exactly before it may join a
cluster.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

U64 = np.uint64
ALL_PAIRS_UP_TO = 12  # a bucket this small yields all its pairs; bigger ones a chain + star
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5)


KEY_BLOCK = 1 << 16  # documents whose band keys are computed at once (bounded memory)


def band_keys(signatures: NDArray[np.unsignedinteger[Any]], rows: int) -> NDArray[np.uint32]:
    """One key per document and band: shape (documents, bands)."""
    docs, perms = signatures.shape
    bands = perms // rows
    out = np.empty((docs, bands), np.uint32)
    for lo in range(0, docs, KEY_BLOCK):
        block = signatures[lo : lo + KEY_BLOCK, : bands * rows]
        wide = block.astype(U64).reshape(block.shape[0], bands, rows)
        keys = np.zeros((block.shape[0], bands), U64)
        for r in range(rows):
            keys = keys * U64(_MIX[r % len(_MIX)]) + wide[:, :, r] + U64(r + 1)
        keys ^= keys >> U64(31)
        keys *= U64(0xBF58476D1CE4E5B9)
        out[lo : lo + KEY_BLOCK] = keys >> U64(32)
    return out


def _ranges(firsts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenation of arange(first, first + count) for every first, count."""
    offsets = np.cumsum(counts) - counts
    return np.repeat(firsts - offsets, counts) + np.arange(int(counts.sum()))


def _bucket_pairs(members: NDArray[np.int64], starts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Pairs within each run of equal keys (members sorted by key, runs given by starts).

    A bucket of up to ALL_PAIRS_UP_TO members yields all its pairs; a bigger one (many
    exact copies) pairs each member with the next ones up to that distance and with the
    first member: enough to connect it, without a quadratic number of pairs.
    """
    sizes = np.diff(np.append(starts, members.size))
    pairs: list[NDArray[np.int64]] = []
    for gap in range(1, ALL_PAIRS_UP_TO):
        open_runs = np.flatnonzero(sizes > gap)
        if open_runs.size == 0:
            break
        counts = sizes[open_runs] - gap
        left = _ranges(starts[open_runs], counts)
        pairs.append(np.stack([members[left], members[left + gap]], axis=1))
    for run in np.flatnonzero(sizes > ALL_PAIRS_UP_TO).tolist():
        block = members[starts[run] : starts[run] + sizes[run]]
        pairs.append(np.stack([np.full(block.size - 1, block[0]), block[1:]], axis=1))
    return np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)


def band_pairs(keys: NDArray[np.uint32]) -> NDArray[np.int64]:
    """Candidate pairs (row indices i < j, unique) of documents sharing a key in some band."""
    docs = keys.shape[0]
    found: list[NDArray[np.int64]] = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        same = ordered[1:] == ordered[:-1]
        if not bool(same.any()):
            continue
        in_bucket = np.zeros(order.size, np.bool_)
        in_bucket[1:] |= same
        in_bucket[:-1] |= same
        members = order[in_bucket].astype(np.int64)
        run_keys = ordered[in_bucket]
        starts = np.flatnonzero(np.append(True, run_keys[1:] != run_keys[:-1]))
        found.append(unique_pairs([_bucket_pairs(members, starts.astype(np.int64))], docs))
    return unique_pairs(found, docs)


def unique_pairs(found: list[NDArray[np.int64]], docs: int) -> NDArray[np.int64]:
    """Sorted unique (i, j) pairs with i < j < docs from a list of pair arrays."""
    if not found:
        return np.zeros((0, 2), np.int64)
    pairs = np.concatenate(found)
    low = np.minimum(pairs[:, 0], pairs[:, 1])
    high = np.maximum(pairs[:, 0], pairs[:, 1])
    codes = np.sort((low * docs + high)[low != high])
    if codes.size:
        codes = codes[np.append(True, codes[1:] != codes[:-1])]
    return np.stack([codes // docs, codes % docs], axis=1)


def pair_count(keys: NDArray[np.uint32]) -> int:
    """How many (not necessarily distinct) pairs the bands would yield: the cost of a banding."""
    total = 0
    for band in range(keys.shape[1]):
        ordered = np.sort(keys[:, band])
        starts = np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1]))
        counts = np.diff(np.append(starts, ordered.size))
        sizes = np.minimum(counts[counts > 1], ALL_PAIRS_UP_TO)
        total += int((sizes * (sizes - 1) // 2).sum())
    return total


def agreement(
    a: NDArray[np.unsignedinteger[Any]], b: NDArray[np.unsignedinteger[Any]]
) -> NDArray[np.float64]:
    """Share of equal values of row k of a and row k of b: MinHash's estimate of Jaccard."""
    out = np.empty(a.shape[0])
    step = 1 << 16
    for lo in range(0, a.shape[0], step):
        out[lo : lo + step] = (a[lo : lo + step] == b[lo : lo + step]).mean(axis=1)
    return out
