"""Candidate pairs by LSH banding over a whole signature matrix at once.

Each band of ``rows`` signature values becomes one 64-bit key per document (one array
operation over all documents); documents with equal keys in some band are candidates.
Sorting the keys of a band groups equal ones, so there is no per-document Python work
and no dictionary of buckets.

Candidates are only suggestions: every pair is compared exactly before it may join a
cluster.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

U64 = np.uint64
ALL_PAIRS_UP_TO = 12  # a bucket this small yields all its pairs; bigger ones a chain + star
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5)


def band_keys(signatures: NDArray[np.uint32], rows: int) -> NDArray[np.uint64]:
    """One key per document and band: shape (documents, bands)."""
    docs, perms = signatures.shape
    bands = perms // rows
    wide = signatures[:, : bands * rows].astype(U64).reshape(docs, bands, rows)
    keys = np.zeros((docs, bands), U64)
    for r in range(rows):
        keys = keys * U64(_MIX[r % len(_MIX)]) + wide[:, :, r] + U64(r + 1)
    keys ^= keys >> U64(31)
    keys *= U64(0xBF58476D1CE4E5B9)
    return keys ^ (keys >> U64(29))


def _ranges(firsts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenation of arange(first, first + count) for every first, count."""
    offsets = np.cumsum(counts) - counts
    return np.repeat(firsts - offsets, counts) + np.arange(int(counts.sum()))


def _bucket_pairs(members: NDArray[np.int64], starts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Pairs within each run of equal keys (members sorted by key, runs given by starts)."""
    sizes = np.diff(np.append(starts, members.size))
    pairs: list[NDArray[np.int64]] = []
    # consecutive members of every bucket: covers buckets of two, chains big ones
    follow = np.ones(members.size, np.bool_)
    follow[starts] = False
    idx = np.flatnonzero(follow)
    pairs.append(np.stack([members[idx - 1], members[idx]], axis=1))
    for gap in range(2, ALL_PAIRS_UP_TO):
        open_runs = np.flatnonzero(sizes > gap)
        if open_runs.size == 0:
            break
        first = starts[open_runs]
        counts = np.minimum(sizes[open_runs], ALL_PAIRS_UP_TO) - gap
        left = _ranges(first, counts)
        pairs.append(np.stack([members[left], members[left + gap]], axis=1))
    big = np.flatnonzero(sizes > ALL_PAIRS_UP_TO)
    for run in big:  # star from the bucket's first member (exact copies, many of them)
        block = members[starts[run] : starts[run] + sizes[run]]
        pairs.append(np.stack([np.full(block.size - 1, block[0]), block[1:]], axis=1))
    return np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)


def band_pairs(keys: NDArray[np.uint64], ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """Candidate pairs (i < j, unique) of documents sharing a key in some band."""
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
        members = order[in_bucket]
        run_keys = ordered[in_bucket]
        starts = np.flatnonzero(np.append(True, run_keys[1:] != run_keys[:-1]))
        found.append(_bucket_pairs(ids[members], starts.astype(np.int64)))
    return unique_pairs(found)


def unique_pairs(found: list[NDArray[np.int64]]) -> NDArray[np.int64]:
    """Sorted unique (i, j) pairs with i < j from a list of pair arrays."""
    if not found:
        return np.zeros((0, 2), np.int64)
    pairs = np.concatenate(found)
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if pairs.size == 0:
        return np.zeros((0, 2), np.int64)
    return np.unique(pairs, axis=0)


def pair_count(keys: NDArray[np.uint64]) -> int:
    """How many (not necessarily distinct) pairs the bands would yield: the cost of a banding."""
    total = 0
    for band in range(keys.shape[1]):
        _, counts = np.unique(keys[:, band], return_counts=True)
        sizes = np.minimum(counts[counts > 1], ALL_PAIRS_UP_TO)
        total += int((sizes * (sizes - 1) // 2).sum())
    return total


def agreement(signatures: NDArray[np.uint32], pairs: NDArray[np.int64]) -> NDArray[np.float64]:
    """Share of equal signature values of each pair: the MinHash estimate of their Jaccard."""
    if pairs.size == 0:
        return np.zeros(0)
    out = np.empty(pairs.shape[0])
    step = 1 << 16
    for lo in range(0, pairs.shape[0], step):
        part = pairs[lo : lo + step]
        same = signatures[part[:, 0]] == signatures[part[:, 1]]
        out[lo : lo + step] = same.mean(axis=1)
    return out
