"""Near-duplicates of a few documents against the whole indexed corpus.

Instead of banding every signature again, the band keys of the documents asked about are
looked up in the index: the documents sharing a band are the candidates. As in ``dupes``,
a candidate needs a signature agreement (the MinHash estimate of Jaccard) of at least
``MIN_SHINGLE_AGREEMENT`` on the n-gram channel or ``MIN_WORD_AGREEMENT`` on the
content-word channel, and then the exact similarity (``scrubber diff``'s, of the two
stripped texts) of at least the threshold. Everything depends only on the documents'
contents, so a warm index and a cold one give the same pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber import dedup
from scrubber.config import Settings
from scrubber.dedup.candidates import MIN_SHINGLE_AGREEMENT, MIN_WORD_AGREEMENT
from scrubber.index import CorpusIndex, Refreshed
from scrubber.index.features import bands_of
from scrubber.model import DocRef, Pair

Signatures = dict[int, tuple[NDArray[np.uint32], NDArray[np.uint32], int]]


@dataclass(frozen=True)
class Query:
    """The corpus, what the index knows of it, and how to read a document's stripped text."""

    index: CorpusIndex
    done: Refreshed
    corpus: Sequence[DocRef]
    load_text: Callable[[DocRef], str]
    settings: Settings


def new_pairs(query: Query, targets: Sequence[DocRef]) -> list[Pair]:
    """Verified near-duplicate pairs (sorted, ``a < b`` by id) with a document of ``targets``."""
    done = query.done
    refs_of = _refs_by_doc(done, (*query.corpus, *targets))
    asking = _refs_by_doc(done, targets)
    own = _signatures(query.index, sorted(asking))
    asked = [doc for doc in sorted(asking) if own[doc][2] > 0]
    found = query.index.store.band_members(_band_keys(own, asked))
    others = _signatures(query.index, sorted(found & refs_of.keys()))
    scores = _Scores(query, refs_of)
    pairs: dict[tuple[str, str], float] = {}
    for doc in asked:
        for other in _agreeing(own[doc], others):
            similarity = scores.get(doc, other)
            if similarity < query.settings.threshold:
                continue
            for ref in asking[doc]:
                for mate in refs_of[other]:
                    if mate.doc_id != ref.doc_id:
                        a, b = sorted((ref.doc_id, mate.doc_id))
                        pairs[(a, b)] = similarity
    return [Pair(a, b, round(sim, 4)) for (a, b), sim in sorted(pairs.items())]


def _refs_by_doc(done: Refreshed, refs: Sequence[DocRef]) -> dict[int, list[DocRef]]:
    found: dict[int, list[DocRef]] = {}
    for ref in refs:
        doc = done.ids.get(ref)
        if doc is not None and ref not in found.get(doc, ()):
            found.setdefault(doc, []).append(ref)
    return found


def _signatures(index: CorpusIndex, docs: Sequence[int]) -> Signatures:
    found: Signatures = {}
    for doc, (shingles, words, size) in index.store.signatures(docs).items():
        found[doc] = (np.frombuffer(shingles, "<u4"), np.frombuffer(words, "<u4"), int(size))
    return found


def _band_keys(own: Signatures, docs: Sequence[int]) -> list[int]:
    if not docs:
        return []
    shingles = np.stack([own[doc][0] for doc in docs]).astype(np.uint32)
    words = np.stack([own[doc][1] for doc in docs]).astype(np.uint32)
    return sorted(set(bands_of(shingles, words).ravel().tolist()))


def _agreeing(
    mine: tuple[NDArray[np.uint32], NDArray[np.uint32], int], others: Signatures
) -> list[int]:
    """The candidates whose signatures agree enough with ``mine`` on either channel."""
    docs = [doc for doc, (_, _, size) in sorted(others.items()) if size > 0]
    if not docs:
        return []
    shingles = np.stack([others[doc][0] for doc in docs])
    words = np.stack([others[doc][1] for doc in docs])
    keep = ((shingles == mine[0]).mean(axis=1) >= MIN_SHINGLE_AGREEMENT) | (
        (words == mine[1]).mean(axis=1) >= MIN_WORD_AGREEMENT
    )
    return [doc for doc, kept in zip(docs, keep.tolist(), strict=True) if kept]


class _Scores:
    """Exact similarities of document pairs, each text read and each pair scored once."""

    def __init__(self, query: Query, refs_of: dict[int, list[DocRef]]) -> None:
        self.query, self.refs_of = query, refs_of
        self.texts: dict[int, str] = {}
        self.scores: dict[tuple[int, int], float] = {}

    def get(self, a: int, b: int) -> float:
        """The similarity of documents a and b, taken in content-key order (ids are not
        stable between runs; the score must not depend on which run numbered them)."""
        first, second = sorted((a, b), key=self._key)
        if (first, second) not in self.scores:
            score = dedup.similarity(self._text(first), self._text(second))
            self.scores[(first, second)] = score
        return self.scores[(first, second)]

    def _key(self, doc: int) -> bytes:
        return self.query.done.keys[self.refs_of[doc][0]]

    def _text(self, doc: int) -> str:
        if doc not in self.texts:
            self.texts[doc] = self.query.load_text(self.refs_of[doc][0])
        return self.texts[doc]
