"""Per-document features computed in pass 1: two MinHash signatures and a word count.

Two channels find candidates for the exact comparison, because near-duplicates come in
two kinds. Copies (edited, truncated, re-wrapped, wrapped in site chrome) share long
runs of words: the word n-gram signature finds them, and unrelated documents share no
n-grams at all, so this channel costs nothing on a big corpus. Translations of one text
share few n-grams (two human translations: under 20 % of their 3-grams) but many of
their content words (names, numbers, terms): the second signature is over the stems of
the words of five or more characters, which leaves out most function words in any
language with spaces between words.

Both are taken over the document as read, before the boilerplate rules: site chrome is
mostly short lines (menus, buttons, dates, captions), and lines of fewer than
``PROSE_LINE_WORDS`` words are left out of the sketch, unless they hold most of the
document (a list, a poem). The exact comparison of the candidates sees the stripped text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.config import Settings
from scrubber.dedup import kernels, tokens
from scrubber.dedup.minhash import DENSIFY_SALT, signature
from scrubber.dedup.tokens import Words, shingles, words_of

FORMAT = "scrubber-sketch-3"  # changes whenever sketches or band keys of the same text change
CONTENT_CHARS = 5  # words this long or longer are "content words" for the second channel
MIN_CONTENT = 8  # fewer content words than this (short text, CJK): use all words instead
PROSE_LINE_WORDS = 6  # shorter lines are left out of the sketch (unless they are most words)


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


@dataclass(frozen=True, eq=False)
class SketchTable:
    """The sketches of many documents as two matrices, a row per document (half a
    kilobyte a document at 128 permutations, and no Python object per document)."""

    shingles: NDArray[np.uint16]  # (documents, num_perm)
    words: NDArray[np.uint16]
    sizes: NDArray[np.int64]  # words per document; 0: empty (never a candidate)

    @classmethod
    def zeros(cls, documents: int, num_perm: int) -> SketchTable:
        return cls(
            np.zeros((documents, num_perm), np.uint16),
            np.zeros((documents, num_perm), np.uint16),
            np.zeros(documents, np.int64),
        )

    @classmethod
    def of(cls, sketches: Sequence[DocSketch], num_perm: int) -> SketchTable:
        table = cls.zeros(len(sketches), num_perm)
        for row, found in enumerate(sketches):
            table.put(row, found)
        return table

    @classmethod
    def concat(cls, parts: Sequence[SketchTable], num_perm: int) -> SketchTable:
        if not parts:
            return cls.zeros(0, num_perm)
        return cls(
            np.concatenate([p.shingles for p in parts]),
            np.concatenate([p.words for p in parts]),
            np.concatenate([p.sizes for p in parts]),
        )

    def put(self, row: int, found: DocSketch) -> None:
        self.shingles[row], self.words[row], self.sizes[row] = (
            found.shingles,
            found.words,
            found.size,
        )

    def rows(self, keep: NDArray[np.bool_] | NDArray[np.int64]) -> SketchTable:
        return SketchTable(self.shingles[keep], self.words[keep], self.sizes[keep])

    def __len__(self) -> int:
        return int(self.sizes.size)


def _seed_key(seed: int) -> np.uint64:
    """The odd multiplier of a seed; 0 for seed 1 (hashes as they are)."""
    if seed == 1:
        return np.uint64(0)
    return np.uint64(((seed * 0x9E3779B97F4A7C15) | 1) & 0xFFFFFFFFFFFFFFFF)


def _seeded(hashes: NDArray[np.uint64], seed: int) -> NDArray[np.uint64]:
    """Re-key hashes by the seed (an odd multiplier keeps distinct hashes distinct)."""
    if seed == 1:
        return hashes
    key = _seed_key(seed)
    mixed = hashes * key
    return mixed ^ (mixed >> np.uint64(29))


def prose_words(found: Words) -> NDArray[np.bool_] | None:
    """Which words are on lines of at least PROSE_LINE_WORDS words (None: all of them).

    Short lines are kept when they hold half the words or more: such a document is a
    list, a table or verse, and its short lines are its content."""
    if len(found) == 0:
        return None
    line = np.searchsorted(np.flatnonzero(found.data == 0x0A), found.starts)
    per_line = np.bincount(line)
    keep = per_line[line] >= PROSE_LINE_WORDS
    kept = int(np.count_nonzero(keep))
    return None if kept == len(found) or 2 * kept < len(found) else keep


def sketch(text: str, settings: DedupSettings, folded: str | None = None) -> DocSketch:
    """The sketch of a document as read; pure and deterministic (same text, same sketch).

    ``folded``: a text with the words of ``unicode_fold(text)``, line by line (the strip
    has it: ``FingerprintedPage.folded``), to sketch instead of folding ``text`` again."""
    compiled = kernels.kernel("sketch")
    if compiled is not None:
        data = tokens.folded_bytes(text) if folded is None else tokens.utf8_bytes(folded)
        grams, words, size = compiled(
            data,
            tokens._ASCII,
            tokens._LEADS,
            tokens.STEM_CHARS,
            settings.ngram,
            settings.num_perm,
            np.uint64(DENSIFY_SALT),
            _seed_key(settings.seed),
            PROSE_LINE_WORDS,
            CONTENT_CHARS,
            MIN_CONTENT,
        )
        return DocSketch(shingles=grams, words=words, size=size)
    return sketch_numpy(text, settings, folded)


def sketch_numpy(text: str, settings: DedupSettings, folded: str | None = None) -> DocSketch:
    """The reference implementation of sketch (also used without numba)."""
    found = words_of(text) if folded is None else tokens.words_of_folded(folded)
    hashes, stems, chars = found.hashes, found.stems, found.chars
    keep = prose_words(found)
    if keep is not None:
        hashes, stems, chars = hashes[keep], stems[keep], chars[keep]
    grams = _seeded(shingles(hashes, settings.ngram), settings.seed)
    content = stems[chars >= CONTENT_CHARS]
    if content.size < MIN_CONTENT:
        content = stems
    stems = _seeded(content, settings.seed)
    return DocSketch(
        shingles=signature(grams, settings.num_perm).astype(np.uint16),
        words=signature(stems, settings.num_perm).astype(np.uint16),
        size=len(found),
    )
