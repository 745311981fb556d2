"""Candidate pairs from the sketches: two LSH channels and a cheap signature check.

The n-gram channel bands its signature in ``SHINGLE_ROWS`` rows (pairs of 5-gram Jaccard
0.5 collide with probability 0.87, of 0.8 with 0.9999), and unrelated documents share
no n-grams, so it costs nothing.

The content-word channel must reach translations (content-stem Jaccard 0.2-0.9), where
unrelated documents of one language share some words by chance (0.03 on Wikipedia, 0.08
between parts of one article). Its rows per band are the fewest, from ``WORD_ROWS``,
whose collisions stay within ``PAIRS_PER_DOC`` per document, estimated on a sample of
about ``SAMPLE`` documents chosen by a hash of their ids (``in_sample``: the same choice
in any input order and on any engine): loose on a few thousand documents, tighter on a
million. A pair then needs a signature
agreement (the MinHash estimate of Jaccard) of ``MIN_SHINGLE_AGREEMENT`` on n-grams or
``MIN_WORD_AGREEMENT`` on content words before the exact comparison.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup.lsh import agreement, band_keys, band_pairs, pair_count, unique_pairs
from scrubber.dedup.sketch import SketchTable

SHINGLE_ROWS = 4
WORD_ROWS = (3, 4, 5, 6, 8)
PAIRS_PER_DOC = 5  # raw collision budget of the content-word channel
MIN_PAIRS = 200_000  # ... but never less than this (small corpora)
SAMPLE = 20_000  # documents the budget is estimated on
CHUNK = 65_536  # pairs checked at once (bounded memory)
MIN_SHINGLE_AGREEMENT = 0.05  # any shared run of words: an edited copy
MIN_WORD_AGREEMENT = 0.2  # dev set: translation pairs are 0.3 and up (1st percentile)

Signatures = NDArray[np.unsignedinteger[Any]]


def in_sample(doc_id: str, total: int) -> bool:
    """Whether a document is in the sample the content-word banding is chosen on."""
    step = total // SAMPLE
    return step <= 1 or zlib.crc32(doc_id.encode("utf-8", "surrogatepass")) % step == 0


def word_rows(sample: Signatures, total: int) -> int:
    """The fewest rows per band whose collisions, over ``total`` documents, stay within
    the budget, estimated on the content-word signatures of a sample of them."""
    scale = (total / max(1, sample.shape[0])) ** 2
    budget = max(MIN_PAIRS, PAIRS_PER_DOC * total)
    for rows in WORD_ROWS:
        if pair_count(band_keys(sample, rows)) * scale <= budget:
            return rows
    return WORD_ROWS[-1]


def _agreeing(grams: Signatures, words: Signatures, pairs: NDArray[np.int64]) -> NDArray[np.bool_]:
    keep = np.zeros(pairs.shape[0], np.bool_)
    for lo in range(0, pairs.shape[0], CHUNK):
        left, right = pairs[lo : lo + CHUNK, 0], pairs[lo : lo + CHUNK, 1]
        by_grams = agreement(grams[left], grams[right]) >= MIN_SHINGLE_AGREEMENT
        keep[lo : lo + CHUNK] = by_grams | (
            agreement(words[left], words[right]) >= MIN_WORD_AGREEMENT
        )
    return keep


def candidate_pairs(
    sketches: SketchTable, sample: Sequence[bool] | NDArray[np.bool_] | None = None
) -> NDArray[np.int64]:
    """Sorted unique pairs (i, j), i < j, of sketch rows worth an exact comparison.

    ``sample[k]``: row k is in the sample the content-word banding is chosen on
    (``in_sample`` of its id); without it, every n-th row is. Empty rows are never
    candidates."""
    live = np.flatnonzero(sketches.sizes > 0)
    if live.size < 2:
        return np.zeros((0, 2), np.int64)
    grams = sketches.shingles[live]
    words = sketches.words[live]
    if sample is None:
        chosen = words[:: max(1, live.size // SAMPLE)]
    else:
        chosen = words[np.asarray(sample, np.bool_)[live]]
    # The two channels at once: NumPy's sorts and arithmetic let go of the GIL.
    with ThreadPoolExecutor(2) as threads:
        by_grams = threads.submit(lambda: band_pairs(band_keys(grams, SHINGLE_ROWS)))
        rows = word_rows(chosen, int(live.size))
        by_words = band_pairs(band_keys(words, rows))
        found = [by_grams.result(), by_words]
    pairs = unique_pairs(found, len(live))
    pairs = pairs[_agreeing(grams, words, pairs)]
    return live.astype(np.int64)[pairs]
