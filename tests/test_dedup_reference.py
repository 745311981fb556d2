"""Our one-permutation MinHash estimates Jaccard as well as datasketch's classic MinHash.

datasketch (the named reference implementation) is the yardstick: on sets of known Jaccard
similarity, the mean error of our estimate must be no worse than datasketch's by more than
a small margin, and both must track the exact value.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np
from datasketch import MinHash

from scrubber.dedup.minhash import signature

NUM_PERM = 128


def token_hashes(tokens: list[str]) -> np.ndarray:
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            for t in tokens
        ],
        dtype=np.uint64,
    )


def pair_with_jaccard(rng: random.Random, size: int, jaccard: float) -> tuple[list[str], list[str]]:
    shared = round(2 * size * jaccard / (1 + jaccard))
    common = [f"w{rng.random()}" for _ in range(shared)]
    a = common + [f"a{rng.random()}" for _ in range(size - shared)]
    b = common + [f"b{rng.random()}" for _ in range(size - shared)]
    return a, b


def ours(a: list[str], b: list[str]) -> float:
    sa, sb = signature(token_hashes(a), NUM_PERM), signature(token_hashes(b), NUM_PERM)
    return float(np.mean(sa == sb))


def theirs(a: list[str], b: list[str]) -> float:
    ma, mb = MinHash(num_perm=NUM_PERM, seed=1), MinHash(num_perm=NUM_PERM, seed=1)
    ma.update_batch([t.encode() for t in a])
    mb.update_batch([t.encode() for t in b])
    return float(ma.jaccard(mb))


def test_estimates_track_exact_jaccard_like_datasketch() -> None:
    rng = random.Random(7)
    errors_ours, errors_theirs = [], []
    for jaccard in (0.1, 0.3, 0.5, 0.7, 0.9):
        for size in (40, 300, 1500):
            a, b = pair_with_jaccard(rng, size, jaccard)
            exact = len(set(a) & set(b)) / len(set(a) | set(b))
            errors_ours.append(abs(ours(a, b) - exact))
            errors_theirs.append(abs(theirs(a, b) - exact))
    assert max(errors_ours) < 0.15
    assert np.mean(errors_ours) <= np.mean(errors_theirs) + 0.02
