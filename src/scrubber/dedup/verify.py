"""find_clusters: candidates, exact verification, clusters.

Documents are read again (``load_text``) only if they are in a candidate pair, once
each, in index order; their parsed sentences are kept for the comparisons and for the
document frequencies that weigh rare words up (see :mod:`scrubber.dedup.scoring`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup.candidates import candidate_pairs
from scrubber.dedup.cluster import cluster
from scrubber.dedup.parse import Parsed, parse
from scrubber.dedup.scoring import Context, Rarity, match
from scrubber.dedup.sketch import DedupSettings, DocSketch
from scrubber.model import ProgressCallback, ProgressEvent, no_progress

TICK = 256  # progress events every this many documents or pairs


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


def _parse_all(
    needed: NDArray[np.int64], load_text: Callable[[int], str], progress: ProgressCallback
) -> dict[int, Parsed]:
    docs: dict[int, Parsed] = {}
    for n, index in enumerate(needed.tolist(), 1):
        docs[index] = parse(load_text(index))
        if n % TICK == 0 or n == needed.size:
            progress(ProgressEvent("verify", n, int(needed.size)))
    return docs


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
) -> list[ClusterGroup]:
    """Clusters (>= 2 sorted member indices, with their verified pairs) of near-duplicates.

    Candidates (LSH over the sketches) -> exact similarity of every candidate pair ->
    union-find over the pairs at or above the threshold, guarded against chaining.
    Deterministic: the same sketches and texts give the same clusters.
    """
    del jobs  # verification runs in this process (it is a small share of the time)
    pairs = candidate_pairs(sketches)
    progress(ProgressEvent("candidates", int(pairs.shape[0]), int(pairs.shape[0])))
    verifier = Verifier(_parse_all(np.unique(pairs), load_text, progress))
    edges: dict[tuple[int, int], float] = {}
    for a, b in pairs.tolist():
        sim = verifier(a, b)
        if sim >= settings.threshold:
            edges[(a, b)] = sim
    members = cluster(edges, verifier, settings.threshold)
    return _groups(members, verifier, settings.threshold)
