"""The exact similarity: how much of each document has a counterpart sentence in the other.

Two documents tell the same story when (nearly) every sentence of one has a counterpart in
the other. A counterpart is found by word overlap, not by wording: translations of one
sentence share its names, numbers and terms even when no three words in a row agree.

1. Each sentence is a set of word stems (first five characters, so "infected" and
   "infection" agree).
2. A stem weighs more the rarer it is: among the sentences of the two documents (words
   in every sentence, such as "the", weigh almost nothing) and, in a corpus, among the
   other documents compared (a topic's vocabulary, shared by all its articles, weighs
   little; names and numbers weigh much).
3. Two sentences match by the weighted Dice overlap of their stems; a sentence's credit
   is its best match, full from ``FULL_MATCH`` up, proportional down to ``MIN_MATCH``,
   nothing below.
4. A document's coverage is the credit of its sentences weighted by their word counts.
   The similarity is the mean of the two coverages with the shorter document counted
   twice: a translation or an edited copy covers both ways (about 1.0), a truncated copy
   covers the shorter fully and the longer in part (70 % kept: 0.9), two articles on one
   topic cover little either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup.parse import Parsed

FULL_MATCH = 0.2  # a sentence whose best weighted Dice overlap reaches this is matched
MIN_MATCH = 0.1  # below this a sentence has no counterpart
PAIR_POWER = 2.0
DIGIT_WEIGHT = 1.0


@dataclass(frozen=True, eq=False)
class Rarity:
    """Document frequencies of stems over the documents compared in a run."""

    stems: NDArray[np.uint64]  # sorted distinct stems
    counts: NDArray[np.int64]  # documents containing each stem
    documents: int

    @classmethod
    def of(cls, docs: list[Parsed]) -> Rarity:
        if not docs:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.int64), 0)
        every = np.concatenate([doc.distinct_stems() for doc in docs])
        stems, counts = np.unique(every, return_counts=True)
        return cls(stems, counts.astype(np.int64), len(docs))

    def weights(self, stems: NDArray[np.uint64], shared: NDArray[np.int64]) -> NDArray[np.float64]:
        """log((N+2)/(df+1)) over the other documents (``shared``: how many of the pair have it)."""
        if self.documents <= 2:
            return np.ones(stems.size)
        at = np.minimum(np.searchsorted(self.stems, stems), max(self.stems.size - 1, 0))
        found = self.stems[at] == stems
        others = np.where(found, self.counts[at] - shared, 0).clip(0)
        return np.log((self.documents + 0.0) / (others + 1.0))


@dataclass(frozen=True, eq=False)
class Match:
    """Sentence credits of two documents: ``credit[i, j]`` in [0, 1]."""

    credit: NDArray[np.float64]
    a: Parsed
    b: Parsed

    def coverage(self) -> tuple[float, float]:
        """Share of a's words, and of b's words, whose sentence has a counterpart."""
        if self.credit.size == 0:
            return 0.0, 0.0
        cover_a = float(self.credit.max(axis=1) @ self.a.unit_words) / self.a.unit_words.sum()
        cover_b = float(self.credit.max(axis=0) @ self.b.unit_words) / self.b.unit_words.sum()
        return cover_a, cover_b

    def score(self) -> float:
        cover_a, cover_b = self.coverage()
        if self.a.size > self.b.size:
            cover_a, cover_b = cover_b, cover_a
        return round((2.0 * cover_a + cover_b) / 3.0, 6)


def match(a: Parsed, b: Parsed, rarity: Rarity | None = None) -> Match:
    """Compare every sentence of ``a`` with every sentence of ``b`` (weighted Dice)."""
    if a.units == 0 or b.units == 0:
        return Match(np.zeros((a.units, b.units)), a, b)
    vocab, index = np.unique(np.concatenate([a.stems, b.stems]), return_inverse=True)
    in_a = np.zeros((a.units, vocab.size))
    in_a[a.unit, index[: a.size]] = 1.0
    in_b = np.zeros((b.units, vocab.size))
    in_b[b.unit, index[a.size :]] = 1.0
    sentences = in_a.sum(axis=0) + in_b.sum(axis=0)
    weight = np.log((a.units + b.units + 1.0) / sentences) ** PAIR_POWER
    if DIGIT_WEIGHT != 1.0:
        numeric = np.zeros(vocab.size, np.bool_)
        numeric[index[: a.size][a.numeric]] = True
        numeric[index[a.size :][b.numeric]] = True
        weight = np.where(numeric, weight * DIGIT_WEIGHT, weight)
    if rarity is not None:
        shared = (in_a.any(axis=0).astype(np.int64)) + in_b.any(axis=0)
        weight = weight * rarity.weights(vocab, shared)
    weighted_a = in_a * weight
    overlap = weighted_a @ in_b.T
    total = weighted_a.sum(axis=1)[:, None] + (in_b @ weight)[None, :]
    dice = np.divide(2.0 * overlap, total, out=np.zeros_like(overlap), where=total > 0)
    credit = np.where(dice >= MIN_MATCH, np.minimum(dice / FULL_MATCH, 1.0), 0.0)
    return Match(credit, a, b)
