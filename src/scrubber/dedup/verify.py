"""find_clusters: candidates, exact verification, clusters.

Documents are read again (``load_text``) only if they are in a candidate pair, once
each, in index order; their parsed sentences are kept for the comparisons and for the
document frequencies that weigh rare words up (see :mod:`scrubber.dedup.scoring`).
Reading, parsing and comparing run on ``jobs`` processes (forked: the workers inherit
the parsed documents instead of receiving them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from scrubber.dedup.candidates import candidate_pairs
from scrubber.dedup.cluster import cluster
from scrubber.dedup.parse import Parsed, parse
from scrubber.dedup.scoring import Context, Rarity, match
from scrubber.dedup.sketch import DedupSettings, DocSketch
from scrubber.model import ProgressCallback, ProgressEvent, no_progress
from scrubber.parallel import map_ordered, worker_state


@dataclass(frozen=True)
class ClusterGroup:
    """Near-duplicates of one story: sorted member indices and their verified pairs."""

    members: tuple[int, ...]
    pairs: tuple[tuple[int, int, float], ...]  # (i, j, similarity), i < j, at or above threshold


class Verifier:
    """Exact similarities of document pairs, computed once each, with corpus frequencies."""

    def __init__(self, docs: dict[int, Parsed]) -> None:
        self.docs = docs
        rarity = Rarity.of([docs[k] for k in sorted(docs)])
        self.documents = rarity.documents
        self.counts = {k: rarity.counts_of(doc.vocab) for k, doc in docs.items()}
        self.scores: dict[tuple[int, int], float] = {}

    def __call__(self, a: int, b: int) -> float:
        key = (a, b) if a < b else (b, a)
        found = self.scores.get(key)
        if found is None:
            i, j = key
            context = Context(self.documents, self.counts[i], self.counts[j])
            found = match(self.docs[i], self.docs[j], context).score()
            self.scores[key] = found
        return found


def _parse_one(index: int) -> Parsed:
    load: Callable[[int], str] = worker_state()["load_text"]
    return parse(load(index))


def _score_one(pair: tuple[int, int]) -> float:
    verifier: Verifier = worker_state()["verifier"]
    return verifier(*pair)


class _Ticker:
    """Progress of one stage, reported every chunk."""

    def __init__(self, progress: ProgressCallback, stage: str, total: int) -> None:
        self.progress, self.stage, self.total, self.done = progress, stage, total, 0

    def __call__(self, n: int) -> None:
        self.done += n
        self.progress(ProgressEvent(self.stage, self.done, self.total))


def parse_all(
    needed: list[int], load_text: Callable[[int], str], progress: ProgressCallback, jobs: int
) -> dict[int, Parsed]:
    """Read and parse the documents of the candidate pairs, each once, on ``jobs`` processes."""
    tick = _Ticker(progress, "verify", len(needed))
    parsed = map_ordered(_parse_one, needed, {"load_text": load_text}, jobs, on_done=tick)
    return dict(zip(needed, parsed, strict=True))


def score_all(
    pairs: list[tuple[int, int]], verifier: Verifier, progress: ProgressCallback, jobs: int
) -> dict[tuple[int, int], float]:
    """The exact similarity of every pair, on ``jobs`` processes (which inherit the docs)."""
    tick = _Ticker(progress, "verify", len(pairs))
    scores = map_ordered(_score_one, pairs, {"verifier": verifier}, jobs, on_done=tick)
    found = dict(zip(pairs, scores, strict=True))
    verifier.scores.update(found)
    return found


def _groups(members: list[list[int]], verifier: Verifier, threshold: float) -> list[ClusterGroup]:
    owner = {m: k for k, group in enumerate(members) for m in group}
    pairs: list[list[tuple[int, int, float]]] = [[] for _ in members]
    for (a, b), sim in sorted(verifier.scores.items()):
        group = owner.get(a)
        if sim >= threshold and group is not None and owner.get(b) == group:
            pairs[group].append((a, b, sim))
    return [ClusterGroup(tuple(m), tuple(p)) for m, p in zip(members, pairs, strict=True)]


def find_clusters(
    sketches: Sequence[DocSketch],
    load_text: Callable[[int], str],
    settings: DedupSettings,
    progress: ProgressCallback = no_progress,
    jobs: int = 1,
    scores_out: list[float] | None = None,
) -> list[ClusterGroup]:
    """Clusters (>= 2 sorted member indices, with their verified pairs) of near-duplicates.

    ``scores_out``, when given, receives the exact score of every candidate pair, those
    below the threshold too (the report's histogram of similarities).

    Candidates (LSH over the sketches) -> exact similarity of every candidate pair ->
    union-find over the pairs at or above the threshold, guarded against chaining.
    Deterministic: the same sketches and texts give the same clusters.
    """
    found = candidate_pairs(sketches)
    progress(ProgressEvent("candidates", int(found.shape[0]), int(found.shape[0])))
    pairs: list[tuple[int, int]] = [(a, b) for a, b in found.tolist()]
    verifier = Verifier(parse_all(np.unique(found).tolist(), load_text, progress, jobs))
    scores = score_all(pairs, verifier, progress, jobs)
    if scores_out is not None:
        scores_out.extend(scores[pair] for pair in sorted(scores))
    edges = {pair: sim for pair, sim in scores.items() if sim >= settings.threshold}
    members = cluster(edges, verifier, settings.threshold)
    return _groups(members, verifier, settings.threshold)
