"""MinHash signatures by one-permutation hashing, in bulk.

A classic MinHash applies ``num_perm`` hash functions to every shingle: 600 shingles x
128 permutations is 77k multiply-mod operations per document, the bulk of the time of
datasketch and its peers. One-permutation hashing (Li, Owen and Zhang, 2012) hashes each
shingle once and splits the hash range into ``num_perm`` bins; a bin's value is the
smallest hash that falls into it. Sorting the hashes once gives every bin's minimum.
Empty bins (short documents) borrow the value of the next non-empty bin with a salt per
distance ("rotation" densification, Shrivastava and Li, 2014), so two documents agree
on a bin with probability close to their Jaccard similarity, as with classic MinHash.

Measured on the 20k benchmark corpus (one core, tokenizing included): datasketch
``MinHash.bulk`` with xxh32 and 128 permutations, 1,780 documents/s; ``sketch()`` with
both signatures, 13,900 documents/s (5,400 without the numba kernels).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup import kernels

U64 = np.uint64
EMPTY = np.uint32(0xFFFFFFFF)
DENSIFY_SALT = 0x9E3779B97F4A7C15


def bin_edges(num_perm: int) -> NDArray[np.uint64]:
    """Smallest 64-bit hash of each bin: bin k holds hashes h with (h >> 32) * num_perm >> 32 == k."""
    return np.array([(-(-(k << 32) // num_perm)) << 32 for k in range(num_perm)], dtype=U64)


_EDGES: dict[int, NDArray[np.uint64]] = {}


def signature(hashes: NDArray[np.uint64], num_perm: int) -> NDArray[np.uint32]:
    """One-permutation MinHash of a set of 64-bit hashes (duplicates are harmless)."""
    if hashes.size == 0:
        return np.full(num_perm, EMPTY, np.uint32)
    compiled = kernels.kernel("signature")
    if compiled is not None:
        found: NDArray[np.uint32] = compiled(hashes, num_perm, U64(DENSIFY_SALT))
        return found
    return signature_numpy(hashes, num_perm)


def signature_numpy(hashes: NDArray[np.uint64], num_perm: int) -> NDArray[np.uint32]:
    """The reference implementation of signature (also used without numba)."""
    edges = _EDGES.get(num_perm)
    if edges is None:
        edges = _EDGES.setdefault(num_perm, bin_edges(num_perm))
    ordered = np.sort(hashes)
    first = np.searchsorted(ordered, edges)
    last = np.append(first[1:], ordered.size)
    present = first < last
    values = (ordered[np.minimum(first, ordered.size - 1)] & U64(0xFFFFFFFF)).astype(np.uint32)
    if bool(present.all()):
        return values
    return _densify(values, present)


def _densify(values: NDArray[np.uint32], present: NDArray[np.bool_]) -> NDArray[np.uint32]:
    """Fill each empty bin from the next non-empty bin (circularly), salted by the distance."""
    size = values.size
    full = np.flatnonzero(present)
    position = np.arange(size)
    # index of the next non-empty bin at or after each bin, wrapping around
    nxt = np.searchsorted(full, position)
    wrapped = nxt >= full.size
    source = full[np.where(wrapped, 0, nxt)]
    distance = (source - position) % size
    salt = (distance.astype(U64) * U64(DENSIFY_SALT)) >> U64(32)
    return (values[source] ^ salt.astype(np.uint32)).astype(np.uint32)
