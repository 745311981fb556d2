"""The exact similarity: how much of each document has a counterpart sentence in the other.

Two documents tell the same story when (nearly) every sentence of one has a counterpart in
the other. A counterpart is found by word overlap, not by wording: translations of one
sentence share its names, numbers and terms even when no three words in a row agree.

1. Each sentence is a set of word stems (first five characters, so "infected" and
   "infection" agree; "81,369" and "31.6" are one word each).
2. A stem weighs more the rarer it is. Among the sentences of the two documents:
   ``log((sentences + 1) / sentences holding it) ** 2``, counted in the document where
   it is rarer, so words in every sentence ("the") weigh nothing and a name in one
   sentence of each weighs most. In a corpus, also among the other documents compared:
   ``log(N / (other documents holding it + 1)) ** 2`` (a topic's vocabulary, shared by
   all its articles, weighs little). Numbers weigh ``DIGIT_WEIGHT`` times more:
   templates (census pages, results) differ in them and translations keep them.
3. Two sentences overlap by the weighted Dice coefficient of their stems. A sentence's
   credit is its best overlap, full from ``FULL_MATCH`` up, proportional down to
   ``MIN_MATCH``, nothing below; a sentence of the other document that is the best match
   of more than ``CAPACITY`` sentences shares its credit among them (ten repetitions of a
   template sentence do not all count against one).
4. A document's coverage is its sentences' credit weighted by their word counts. The
   similarity is the mean of the two coverages with the shorter document counted twice:
   a translation or an edited copy covers both ways (about 1.0), a copy truncated to 70 %
   covers the shorter fully and the longer in part (0.9), two articles on one topic cover
   little either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup import kernels
from scrubber.dedup.parse import Parsed

FULL_MATCH = 0.2
MIN_MATCH = 0.1
CAPACITY = 2
DIGIT_WEIGHT = 3.0
SENTENCE_POWER = 2.0
CORPUS_POWER = 2.0


@dataclass(frozen=True, eq=False)
class Rarity:
    """Document frequencies of stems over the documents compared in a run."""

    stems: NDArray[np.uint64]  # sorted distinct stems
    counts: NDArray[np.int64]  # documents holding each stem
    documents: int

    @classmethod
    def of(cls, docs: list[Parsed], block: int = 4096) -> Rarity:
        """Count the documents holding each stem, ``block`` documents at a time (a
        million documents' vocabularies never sit in one array)."""
        stems, counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        for lo in range(0, len(docs), block):
            part, part_counts = np.unique(
                np.concatenate([d.vocab for d in docs[lo : lo + block]]), return_counts=True
            )
            stems, counts = _merged(stems, counts, part, part_counts.astype(np.int64))
        return cls(stems, counts, len(docs))

    def counts_of(self, stems: NDArray[np.uint64]) -> NDArray[np.int64]:
        """Documents holding each stem (0 for stems never seen)."""
        if self.stems.size == 0:
            return np.zeros(stems.size, np.int64)
        at = np.minimum(np.searchsorted(self.stems, stems), self.stems.size - 1)
        return np.where(self.stems[at] == stems, self.counts[at], 0)


def _merged(
    stems: NDArray[np.uint64],
    counts: NDArray[np.int64],
    more: NDArray[np.uint64],
    more_counts: NDArray[np.int64],
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Two sorted stem tables with counts as one (counts of equal stems added)."""
    together = np.concatenate([stems, more])
    if together.size == 0:
        return stems, counts
    order = np.argsort(together, kind="stable")
    ordered = together[order]
    first = np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1]))
    summed = np.add.reduceat(np.concatenate([counts, more_counts])[order], first)
    return ordered[first], summed.astype(np.int64)


@dataclass(frozen=True)
class Context:
    """What a comparison knows beyond the two documents: the corpus, if any."""

    documents: int = 0  # documents in the corpus (0: the two documents alone)
    counts_a: NDArray[np.integer[Any]] | None = None  # documents holding each stem of a's vocab
    counts_b: NDArray[np.integer[Any]] | None = None


@dataclass(frozen=True, eq=False)
class Match:
    """Sentence overlaps of two documents: ``dice[i, j]`` in [0, 1]."""

    dice: NDArray[np.float64]
    a: Parsed
    b: Parsed

    @property
    def credit(self) -> NDArray[np.float64]:
        return _credit(self.dice)

    def coverage(self) -> tuple[float, float]:
        """Share of a's words, and of b's words, whose sentence has a counterpart."""
        if self.dice.size == 0:
            return 0.0, 0.0
        cover_a = float(_capped(self.dice) @ self.a.unit_words) / self.a.unit_words.sum()
        cover_b = float(_capped(self.dice.T) @ self.b.unit_words) / self.b.unit_words.sum()
        return cover_a, cover_b

    def score(self) -> float:
        return combined(*self.coverage(), self.a.size > self.b.size)


def score_pair(a: Parsed, b: Parsed, context: Context = Context()) -> float:
    """The similarity of two parsed documents (what ``--threshold`` applies to)."""
    compiled = kernels.kernel("coverage")
    if compiled is None:
        return match(a, b, context).score()
    cover_a, cover_b = compiled(match(a, b, context).dice, a.unit_words, b.unit_words)
    return combined(cover_a, cover_b, a.size > b.size)


_NO_COUNTS = np.zeros(0, np.int64)


def _kernel_arguments(a: Parsed, b: Parsed, context: Context) -> tuple[Any, ...]:
    counts_a = _NO_COUNTS if context.counts_a is None else context.counts_a
    counts_b = _NO_COUNTS if context.counts_b is None else context.counts_b
    return (
        *(a.vocab, a.numeric, a.cell_unit, a.cell_stem, a.unit_words, counts_a),
        *(b.vocab, b.numeric, b.cell_unit, b.cell_stem, b.unit_words, counts_b),
        context.documents,
    )


def combined(cover_a: float, cover_b: float, a_longer: bool) -> float:
    """The similarity from the two coverages: the shorter document's counts twice."""
    if a_longer:
        cover_a, cover_b = cover_b, cover_a
    return round(float(2.0 * cover_a + cover_b) / 3.0, 6)


def _credit(dice: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(dice >= MIN_MATCH, np.minimum(dice / FULL_MATCH, 1.0), 0.0)


def _capped(dice: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each row's credit for its best column; a column chosen by many rows shares it."""
    choice = dice.argmax(axis=1)
    credit = _credit(dice[np.arange(dice.shape[0]), choice])
    chosen = np.bincount(choice[credit > 0], minlength=dice.shape[1])
    shared: NDArray[np.float64] = credit * np.minimum(1.0, CAPACITY / np.maximum(chosen[choice], 1))
    return shared


def _weights(
    doc: Parsed,
    units: NDArray[np.float64],
    shared: NDArray[np.bool_],
    counts: NDArray[np.integer[Any]] | None,
    context: Context,
    total_units: int,
) -> NDArray[np.float64]:
    """Weight of each of doc's vocab entries in this comparison (see the module docstring)."""
    weight = np.log((total_units + 1.0) / units) ** SENTENCE_POWER
    weight = np.where(doc.numeric, weight * DIGIT_WEIGHT, weight)
    if counts is not None and context.documents > 2:
        others = np.maximum(counts - 1 - shared, 0)
        weight = weight * np.log(context.documents / (others + 1.0)) ** CORPUS_POWER
    return weight


def _sentences_holding(
    a: Parsed, b: Parsed, in_a: NDArray[np.int64], in_b: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """How many of the pair's sentences hold each stem, as the weights count them.

    A shared stem is as common as it is in the document where it is rarer: "the", in
    most sentences of both, is common; "April", in every sentence of one article and in
    two of another (a list of months), is not, so a month article does not match the
    same template filled in for another month.
    """
    units_a = a.stem_units.astype(np.float64)
    units_b = b.stem_units.astype(np.float64)
    share = np.minimum(units_a[in_a] / a.units, units_b[in_b] / b.units)
    both = np.maximum((a.units + b.units) * share, 1.0)
    units_a[in_a] = both
    units_b[in_b] = both
    return units_a, units_b


def match(a: Parsed, b: Parsed, context: Context = Context()) -> Match:
    """Compare every sentence of ``a`` with every sentence of ``b`` (weighted Dice)."""
    compiled = kernels.kernel("dice_matrix")
    if compiled is not None:
        return Match(compiled(*_kernel_arguments(a, b, context)), a, b)
    return match_numpy(a, b, context)


def match_numpy(a: Parsed, b: Parsed, context: Context = Context()) -> Match:
    """The reference implementation of match (also used without numba)."""
    if a.units == 0 or b.units == 0:
        return Match(np.zeros((a.units, b.units)), a, b)
    _, in_a, in_b = np.intersect1d(a.vocab, b.vocab, assume_unique=True, return_indices=True)
    units_a, units_b = _sentences_holding(a, b, in_a, in_b)
    shared_a = np.zeros(a.vocab.size, np.bool_)
    shared_a[in_a] = True
    shared_b = np.zeros(b.vocab.size, np.bool_)
    shared_b[in_b] = True
    total = a.units + b.units
    weight_a = _weights(a, units_a, shared_a, context.counts_a, context, total)
    weight_b = _weights(b, units_b, shared_b, context.counts_b, context, total)
    mass_a = np.bincount(a.cell_unit, weights=weight_a[a.cell_stem], minlength=a.units)
    mass_b = np.bincount(b.cell_unit, weights=weight_b[b.cell_stem], minlength=b.units)
    overlap = _shared_overlap(a, b, in_a, in_b, weight_a)
    denominator = mass_a[:, None] + mass_b[None, :]
    dice = np.divide(2.0 * overlap, denominator, out=np.zeros_like(overlap), where=denominator > 0)
    return Match(dice, a, b)


def _shared_overlap(
    a: Parsed,
    b: Parsed,
    in_a: NDArray[np.int64],
    in_b: NDArray[np.int64],
    weight_a: NDArray[np.float64],
) -> NDArray[np.float64]:
    """overlap[i, j]: total weight of the stems sentence i of a and sentence j of b share.

    Built from the (sentence of a, sentence of b) pairs of every shared stem and summed
    with one bincount: no BLAS call, whose thread start-up costs more than the product
    of such small matrices and competes with the worker processes.
    """
    column_a = np.full(a.vocab.size, -1, np.int64)
    column_a[in_a] = np.arange(in_a.size)
    column_b = np.full(b.vocab.size, -1, np.int64)
    column_b[in_b] = np.arange(in_b.size)
    col_a = column_a[a.cell_stem]
    keep_a = np.flatnonzero(col_a >= 0)
    keep_a = keep_a[np.argsort(col_a[keep_a], kind="stable")]
    col_b = column_b[b.cell_stem]
    keep_b = np.flatnonzero(col_b >= 0)
    keep_b = keep_b[np.argsort(col_b[keep_b], kind="stable")]
    per_column_b = np.bincount(col_b[keep_b], minlength=in_b.size)
    first_b = np.cumsum(per_column_b) - per_column_b
    cols = col_a[keep_a]
    repeat = per_column_b[cols]
    left = np.repeat(keep_a, repeat)
    right = keep_b[_ranges(first_b[cols], repeat)]
    flat = a.cell_unit[left].astype(np.int64) * b.units + b.cell_unit[right]
    weights = weight_a[a.cell_stem[left]]
    overlap = np.bincount(flat, weights=weights, minlength=a.units * b.units)
    return overlap.astype(np.float64, copy=False).reshape(a.units, b.units)


def _ranges(firsts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenation of arange(first, first + count) for every first, count."""
    offsets = np.cumsum(counts) - counts
    return np.repeat(firsts - offsets, counts) + np.arange(int(counts.sum()))
