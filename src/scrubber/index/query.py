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

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber import dedup
from scrubber.config import Settings
from scrubber.dedup.candidates import MIN_SHINGLE_AGREEMENT, MIN_WORD_AGREEMENT
from scrubber.index import CorpusIndex, Refreshed
from scrubber.index.features import CorruptIndex, bands_of
from scrubber.model import DocRef, Pair

Signatures = dict[int, tuple[NDArray[np.uint32], NDArray[np.uint32], int]]


@dataclass(frozen=True)
class Query:
    """The corpus (:func:`~scrubber.index.entry` names), what the index knows of it, a
    document by name, and how to read its stripped text."""

    index: CorpusIndex
    done: Refreshed
    corpus: Sequence[str]
    ref_of: Callable[[str], DocRef]
    load_text: Callable[[DocRef], str]
    settings: Settings


def new_pairs(query: Query, targets: Sequence[str]) -> list[Pair]:
    """Verified near-duplicate pairs (sorted, ``a < b`` by doc id) with a document of
    ``targets`` (names)."""
    ids = query.done.ids
    asking = _names_by_doc(ids, targets, None)
    own = _signatures(query.index, sorted(asking))
    asked = [doc for doc in sorted(asking) if own[doc][2] > 0]
    candidates = _candidates(query.index, own, asked)
    found = set().union(*candidates.values())
    names_of = _names_by_doc(ids, (*query.corpus, *targets), found | asking.keys())
    others = _Matrix(_signatures(query.index, sorted(found & names_of.keys())))
    scores = _Scores(query, names_of)
    pairs: dict[tuple[str, str], float] = {}
    for doc in asked:
        for other in others.agreeing(own[doc], candidates[doc]):
            similarity = scores.get(doc, other)
            if similarity >= query.settings.threshold:
                for name, mate in itertools.product(asking[doc], names_of[other]):
                    if mate != name:
                        a, b = sorted((query.ref_of(name).doc_id, query.ref_of(mate).doc_id))
                        pairs[(a, b)] = similarity
    return [Pair(a, b, round(sim, 4)) for (a, b), sim in sorted(pairs.items())]


def _candidates(index: CorpusIndex, own: Signatures, asked: Sequence[int]) -> dict[int, set[int]]:
    """The documents sharing a band key with each asked document."""
    if not asked:
        return {}
    shingles = np.stack([own[doc][0] for doc in asked]).astype(np.uint32)
    words = np.stack([own[doc][1] for doc in asked]).astype(np.uint32)
    keys = bands_of(shingles, words).tolist()
    members = index.store.band_members(sorted({key for row in keys for key in row}))
    return {
        doc: {other for key in row for other in members.get(key, ())}
        for doc, row in zip(asked, keys, strict=True)
    }


def _names_by_doc(
    ids: dict[str, int], names: Iterable[str], wanted: set[int] | None
) -> dict[int, list[str]]:
    """The names of each indexed document (of ``wanted`` documents only, when given)."""
    found: dict[int, list[str]] = {}
    for name in names:
        doc = ids.get(name)
        if doc is not None and (wanted is None or doc in wanted):
            members = found.setdefault(doc, [])
            if name not in members:
                members.append(name)
    return found


def _signatures(index: CorpusIndex, docs: Sequence[int]) -> Signatures:
    found: Signatures = {}
    for doc, (shingles, words, size) in index.store.signatures(docs).items():
        found[doc] = (np.frombuffer(shingles, "<u4"), np.frombuffer(words, "<u4"), int(size))
    if len(found) != len(docs):
        raise CorruptIndex("documents the files table names are missing")
    return found


class _Matrix:
    """The candidates' signatures, stacked once."""

    def __init__(self, found: Signatures) -> None:
        docs = [doc for doc, (_, _, size) in sorted(found.items()) if size > 0]
        self.row = {doc: k for k, doc in enumerate(docs)}
        perm = len(next(iter(found.values()))[0]) if found else 0
        self.shingles = np.stack([found[d][0] for d in docs]) if docs else np.zeros((0, perm))
        self.words = np.stack([found[d][1] for d in docs]) if docs else np.zeros((0, perm))

    def agreeing(
        self, mine: tuple[NDArray[np.uint32], NDArray[np.uint32], int], candidates: set[int]
    ) -> list[int]:
        """The candidates whose signatures agree enough with ``mine`` on either channel."""
        docs = sorted(doc for doc in candidates if doc in self.row)
        rows = np.array([self.row[doc] for doc in docs], np.int64)
        if not docs:
            return []
        keep = ((self.shingles[rows] == mine[0]).mean(axis=1) >= MIN_SHINGLE_AGREEMENT) | (
            (self.words[rows] == mine[1]).mean(axis=1) >= MIN_WORD_AGREEMENT
        )
        return [doc for doc, kept in zip(docs, keep.tolist(), strict=True) if kept]


class _Scores:
    """Exact similarities of document pairs, each text read and each pair scored once."""

    def __init__(self, query: Query, names_of: dict[int, list[str]]) -> None:
        self.query, self.names_of = query, names_of
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
        return self.query.done.keys[self.names_of[doc][0]]

    def _text(self, doc: int) -> str:
        if doc not in self.texts:
            ref = self.query.ref_of(self.names_of[doc][0])
            self.texts[doc] = self.query.load_text(ref)
        return self.texts[doc]
