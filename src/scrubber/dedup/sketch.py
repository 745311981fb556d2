"""Per-document features computed in pass 1: two MinHash signatures and a word count.

Two channels find candidates for the exact comparison, because near-duplicates come in
two kinds. Copies (edited, truncated, re-wrapped, wrapped in site chrome) share long
runs of words: the word n-gram signature finds them, and unrelated documents share no
n-grams at all, so this channel costs nothing on a big corpus. Translations of one text
share few n-grams (two human translations: under 20 % of their 3-grams) but many of
their content words (names, numbers, terms): the second signature is over the stems of
the words of five or more characters, which leaves out most function words in any
language with spaces between words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.config import Settings
from scrubber.dedup.minhash import signature
from scrubber.dedup.tokens import shingles, words_of

FORMAT = "scrubber-sketch-2"  # changes whenever sketches or band keys of the same text change
CONTENT_CHARS = 5  # words this long or longer are "content words" for the second channel
MIN_CONTENT = 8  # fewer content words than this (short text, CJK): use all words instead


@dataclass(frozen=True)
class DedupSettings:
    """What near-duplicate detection needs from the settings."""

    threshold: float
    num_perm: int = 128
    ngram: int = 5
    seed: int = 1

    @classmethod
    def from_settings(cls, s: Settings) -> DedupSettings:
        return cls(threshold=s.threshold, num_perm=s.num_perm, ngram=s.ngram, seed=s.seed)


@dataclass(frozen=True, eq=False)
class DocSketch:
    """Compact, picklable features of one document (about 600 bytes at 128 permutations).

    Signature values keep 16 bits of each bin's minimum: two different minima agree by
    chance once in 65,536 bins, which neither the LSH bands (3 to 8 values each) nor the
    agreement check notice, and a million sketches take 0.5 GB instead of 1 GB.
    """

    shingles: NDArray[np.uint16]  # MinHash of the word n-grams
    words: NDArray[np.uint16]  # MinHash of the content-word stems
    size: int  # number of words

    @property
    def empty(self) -> bool:
        return self.size == 0


def _seeded(hashes: NDArray[np.uint64], seed: int) -> NDArray[np.uint64]:
    """Re-key hashes by the seed (an odd multiplier keeps distinct hashes distinct)."""
    if seed == 1:
        return hashes
    key = np.uint64(((seed * 0x9E3779B97F4A7C15) | 1) & 0xFFFFFFFFFFFFFFFF)
    mixed = hashes * key
    return mixed ^ (mixed >> np.uint64(29))


def sketch(text: str, settings: DedupSettings) -> DocSketch:
    """The document's sketch; pure and deterministic (same text and settings, same sketch)."""
    found = words_of(text)
    grams = _seeded(shingles(found.hashes, settings.ngram), settings.seed)
    content = found.stems[found.chars >= CONTENT_CHARS]
    if content.size < MIN_CONTENT:
        content = found.stems
    stems = _seeded(content, settings.seed)
    return DocSketch(
        shingles=signature(grams, settings.num_perm).astype(np.uint16),
        words=signature(stems, settings.num_perm).astype(np.uint16),
        size=len(found),
    )
