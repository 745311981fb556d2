"""Stage 3, verification: read and parse the candidates, count word rarity, score pairs.

Each partition reads its documents that are in a candidate pair (once each) and parses
their comparison text (``pipeline.verification_text``). Rarity (documents holding each
stem, over the candidates) is a distributed count: per-partition counts, summed in one
task; the table is a vocabulary, broadcast to the scorers. Scoring is a join: the
parsed first document of each pair travels to the partition of the second, once per
destination partition, and the pair is scored there as the local engine scores it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.config import Settings
from scrubber.dedup.parse import Parsed, parse
from scrubber.dedup.scoring import Context, Rarity, score_pair

from .docs import DocPart
from .shards import Shard, concat, ids_array, part_of
from .sources import load_documents


@dataclass(frozen=True, eq=False)
class ParsedPart:
    """Parsed candidates of one partition, sorted by id, with their compared word counts."""

    ids: NDArray[np.object_]
    parsed: list[Parsed]
    words: NDArray[np.int64]

    def get(self, doc_id: str) -> Parsed:
        return self.parsed[int(np.searchsorted(self.ids, doc_id))]

    def subset(self, ids: NDArray[np.object_]) -> ParsedPart:
        rows = np.searchsorted(self.ids, ids)
        return ParsedPart(self.ids[rows], [self.parsed[r] for r in rows], self.words[rows])


@dataclass(frozen=True, eq=False)
class Vocabulary:
    stems: NDArray[np.uint64]
    counts: NDArray[np.int64]
    documents: int


def parse_candidates(
    part: DocPart, routed: list[Shard], here: Shard, settings: Settings, parts: int
) -> list[object]:
    """The candidates of this partition (first documents of the pairs routed here, second
    documents of the pairs kept here), parsed: [vocabulary, ParsedPart, then for each
    partition the parsed first documents its pairs need]."""
    from scrubber.scan import verification_text

    firsts = concat([s for s in routed if s["a"].size])
    wanted = [firsts["a"]] if firsts else []
    if here and here["b"].size:
        wanted.append(here["b"])
    ids = np.unique(np.concatenate(wanted)) if wanted else np.empty(0, object)
    docs = load_documents(part.locators(part.rows(ids)), [str(i) for i in ids], settings.errors)
    texts = ["" if doc is None else verification_text(doc, settings) for doc in docs]
    found = ParsedPart(
        ids, [parse(t) for t in texts], np.array([len(t.split()) for t in texts], np.int64)
    )
    bundles = _bundles(found, firsts, parts)
    return [_vocabulary(found), found, *bundles]


def _bundles(found: ParsedPart, firsts: Shard, parts: int) -> list[ParsedPart]:
    """For each partition q: the parsed first documents of the pairs whose second is in q."""
    if not firsts:
        return [found.subset(np.empty(0, object))] * parts
    dest = part_of(firsts["b"], parts)
    return [found.subset(np.unique(firsts["a"][dest == q])) for q in range(parts)]


def _vocabulary(found: ParsedPart) -> Vocabulary:
    if not found.parsed:
        return Vocabulary(np.zeros(0, np.uint64), np.zeros(0, np.int64), 0)
    stems, counts = np.unique(np.concatenate([p.vocab for p in found.parsed]), return_counts=True)
    return Vocabulary(stems, counts.astype(np.int64), len(found.parsed))


def rarity(parts: list[Vocabulary]) -> Rarity:
    """Documents holding each stem, over every candidate (``scoring.Rarity``)."""
    documents = sum(v.documents for v in parts)
    if documents == 0:
        return Rarity(np.zeros(0, np.uint64), np.zeros(0, np.int64), 0)
    stems, where = np.unique(np.concatenate([v.stems for v in parts]), return_inverse=True)
    counts = np.bincount(where, weights=np.concatenate([v.counts for v in parts]))
    return Rarity(stems, counts.astype(np.int64), documents)


class Scorer:
    """Scores pairs of parsed documents in the context of the run's rarity."""

    def __init__(self, rarity: Rarity) -> None:
        self.rarity = rarity
        self._counts: dict[str, NDArray[np.int32]] = {}

    def __call__(self, a: str, pa: Parsed, b: str, pb: Parsed) -> float:
        """The score of a and b, a first in id order (as the local engine orders them)."""
        context = Context(self.rarity.documents, self._of(a, pa), self._of(b, pb))
        return score_pair(pa, pb, context)

    def _of(self, doc_id: str, parsed: Parsed) -> NDArray[np.int32]:
        found = self._counts.get(doc_id)
        if found is None:
            # as dedup.verify.Verifier keeps them (the compiled scorer is typed by them)
            found = self._counts[doc_id] = self.rarity.counts_of(parsed.vocab).astype(np.int32)
        return found


def score_pairs(own: ParsedPart, bundles: list[ParsedPart], here: Shard, rarity: Rarity) -> Shard:
    """The exact score of every candidate pair kept in this partition."""
    if not here or here["a"].size == 0:
        return {"a": ids_array([]), "b": ids_array([]), "score": np.zeros(0)}
    firsts: dict[str, Parsed] = {}
    for bundle in bundles:
        firsts.update(zip(bundle.ids.tolist(), bundle.parsed, strict=True))
    score = Scorer(rarity)
    scores = [
        score(a, firsts[a], b, own.get(b))
        for a, b in zip(here["a"].tolist(), here["b"].tolist(), strict=True)
    ]
    return {"a": here["a"], "b": here["b"], "score": np.array(scores, np.float64)}
