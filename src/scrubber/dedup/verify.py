"""find_clusters: candidates, exact verification, clusters.

Documents are read again (``load_text``: the text the comparison sees, boilerplate
stripped) only if they are in a candidate pair, once each, in index order; their parsed
sentences are kept for the comparisons and for the document frequencies that weigh rare
words up (see :mod:`scrubber.dedup.scoring`).
Reading and parsing run on ``jobs`` processes; so does comparing when there are many
pairs (forked: the workers inherit the parsed documents instead of receiving them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup.candidates import candidate_pairs
from scrubber.dedup.cluster import cluster
from scrubber.dedup.parse import Parsed, parse
from scrubber.dedup.scoring import Context, Rarity, score_pair
from scrubber.dedup.sketch import DedupSettings, DocSketch, SketchTable
from scrubber.model import ProgressCallback, ProgressEvent, no_progress
from scrubber.parallel import map_chunks, map_ordered, worker_state

Prepare = Callable[[Sequence[int]], None]
POOL_FROM_PAIRS = 10_000  # fewer pairs are scored in-process (about 25 us each): a pool costs more


@dataclass(frozen=True)
class ClusterGroup:
    """Near-duplicates of one story: sorted member indices and their verified pairs."""

    members: tuple[int, ...]
    pairs: tuple[tuple[int, int, float], ...]  # (i, j, similarity), i < j, at or above threshold
    words: tuple[int, ...]  # words of each member's compared text (whitespace-separated)


class Verifier:
    """Exact similarities of document pairs, computed once each, with corpus frequencies."""

    def __init__(self, docs: dict[int, Parsed], words: dict[int, int]) -> None:
        self.docs = docs
        self.words = words
        order = sorted(docs)
        rarity = Rarity.of([docs[k] for k in order])
        self.documents = rarity.documents
        self.counts = _counts_by_doc(rarity, order, docs)
        self.scores: dict[tuple[int, int], float] = {}

    def __call__(self, a: int, b: int) -> float:
        key = (a, b) if a < b else (b, a)
        found = self.scores.get(key)
        if found is None:
            i, j = key
            context = Context(self.documents, self.counts[i], self.counts[j])
            found = score_pair(self.docs[i], self.docs[j], context)
            self.scores[key] = found
        return found


def _counts_by_doc(
    rarity: Rarity, order: list[int], docs: dict[int, Parsed]
) -> dict[int, NDArray[np.int32]]:
    """Per document, how many documents hold each of its stems: one look-up for all."""
    if not order:
        return {}
    vocab = np.concatenate([docs[k].vocab for k in order])
    counts = rarity.counts_of(vocab).astype(np.int32)
    ends = np.cumsum([docs[k].vocab.size for k in order])[:-1]
    return dict(zip(order, np.split(counts, ends), strict=True))


PARSE_CHUNK = 64  # candidates a worker prepares per task


def _parse_chunk(indices: Sequence[int]) -> list[tuple[Parsed, int]]:
    state = worker_state()
    load: Callable[[int], str] = state["load_text"]
    if state["prepare"] is not None:
        state["prepare"](indices)
    return [(parse(text), len(text.split())) for text in map(load, indices)]


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
    needed: list[int],
    load_text: Callable[[int], str],
    progress: ProgressCallback,
    jobs: int,
    prepare: Prepare | None = None,
) -> Verifier:
    """Read and parse the documents of the candidate pairs, each once, on ``jobs`` processes
    (``prepare(indices)`` first for each chunk of them: see ``verify_candidates``)."""
    progress(ProgressEvent("verify", 0, len(needed)))
    docs: dict[int, Parsed] = {}
    words: dict[int, int] = {}
    state = {"load_text": load_text, "prepare": prepare}
    for chunk, found in map_chunks(_parse_chunk, needed, state, jobs, chunk_size=PARSE_CHUNK):
        for index, (parsed, count) in zip(chunk, found, strict=True):
            docs[index], words[index] = parsed, count
        progress(ProgressEvent("verify", len(docs), len(needed)))
    return Verifier(docs, words)


def score_all(
    pairs: list[tuple[int, int]], verifier: Verifier, progress: ProgressCallback, jobs: int
) -> dict[tuple[int, int], float]:
    """The exact similarity of every pair, on ``jobs`` processes (which inherit the docs)
    when there are enough pairs to pay for starting them."""
    tick = _Ticker(progress, "verify", len(pairs))
    workers = jobs if len(pairs) >= POOL_FROM_PAIRS else 1
    scores = map_ordered(_score_one, pairs, {"verifier": verifier}, workers, on_done=tick)
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
    return [
        ClusterGroup(tuple(m), tuple(p), tuple(verifier.words[k] for k in m))
        for m, p in zip(members, pairs, strict=True)
    ]


def find_candidates(
    sketches: SketchTable,
    progress: ProgressCallback = no_progress,
    sample: Sequence[bool] | NDArray[np.bool_] | None = None,
) -> NDArray[np.int64]:
    """Candidate pairs (sorted rows i < j) by LSH over the sketches (see ``candidates``)."""
    progress(ProgressEvent("candidates", 0, 0))
    found = candidate_pairs(sketches, sample)
    progress(ProgressEvent("candidates", int(found.shape[0]), int(found.shape[0])))
    return found


def verify_candidates(
    found: NDArray[np.int64],
    load_text: Callable[[int], str],
    settings: DedupSettings,
    progress: ProgressCallback = no_progress,
    jobs: int = 1,
    scores_out: list[float] | None = None,
    prepare: Prepare | None = None,
    parsed_out: dict[int, Parsed] | None = None,
) -> list[ClusterGroup]:
    """Clusters of the candidate pairs: the exact similarity of every pair, then
    union-find over the pairs at or above the threshold, guarded against chaining.
    ``scores_out``, when given, receives the score of every pair, those below the
    threshold too (the report's histogram of similarities). ``prepare(indices)`` is
    called before the documents ``indices`` are loaded, one after the other (to ask for
    them from the disk at once). ``parsed_out``, when given, receives the parsed text of
    the clusters' members (see ``keep_members``), for the merge to align them with."""
    pairs: list[tuple[int, int]] = [(a, b) for a, b in found.tolist()]
    verifier = parse_all(np.unique(found).tolist(), load_text, progress, jobs, prepare)
    scores = score_all(pairs, verifier, progress, jobs)
    if scores_out is not None:
        scores_out.extend(scores[pair] for pair in sorted(scores))
    edges = {pair: sim for pair, sim in scores.items() if sim >= settings.threshold}
    members = cluster(edges, verifier, settings.threshold)
    groups = _groups(members, verifier, settings.threshold)
    if parsed_out is not None:
        keep_members(verifier.docs, groups, parsed_out)
    return groups


KEPT_PARSED_BYTES = 256 << 20  # parsed members handed on to the merge, at most


def keep_members(
    docs: dict[int, Parsed],
    groups: Sequence[ClusterGroup],
    out: dict[int, Parsed],
    budget: int = KEPT_PARSED_BYTES,
) -> None:
    """The parsed texts of the groups' members into ``out``, in group order, until they
    would hold more than ``budget`` bytes (at about 8.5 KB each, the members of a corpus
    of some 200,000 documents; further members are parsed again when they are merged)."""
    used = 0
    for group in groups:
        for k in group.members:
            size = docs[k].nbytes
            if used + size > budget:
                return
            out[k] = docs[k]
            used += size


def find_clusters(
    sketches: SketchTable | Sequence[DocSketch],
    load_text: Callable[[int], str],
    settings: DedupSettings,
    progress: ProgressCallback = no_progress,
    jobs: int = 1,
    scores_out: list[float] | None = None,
    sample: Sequence[bool] | NDArray[np.bool_] | None = None,
) -> list[ClusterGroup]:
    """Clusters (>= 2 sorted member indices, with their verified pairs) of near-duplicates:
    ``find_candidates``, then ``verify_candidates``. Deterministic: the same sketches and
    texts give the same clusters. ``sample``: see ``candidates.candidate_pairs``."""
    if not isinstance(sketches, SketchTable):
        sketches = SketchTable.of(sketches, settings.num_perm)
    found = find_candidates(sketches, progress, sample)
    return verify_candidates(found, load_text, settings, progress, jobs, scores_out)
