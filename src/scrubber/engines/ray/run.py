"""The chain of the Ray engine's stages (see the package docstring): ``find_dupes`` for
``scrubber dupes``, ``cluster_corpus`` for the deduplication stage of ``scrubber clean``.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import ray

from scrubber.config import Settings
from scrubber.dedup.candidates import word_rows
from scrubber.model import Cluster, DupesResult, ProgressCallback, ProgressEvent, no_progress

from . import bands, clusters, components, docs, verify
from .failures import name_failures
from .read import plan
from .session import Ref, connected, partitions, submit, submit_split, transpose
from .shards import ids_array
from .sketch import read_and_sketch

if TYPE_CHECKING:
    from scrubber.scan import Corpus

MAX_ROUNDS = 200  # connected components: O(log^2 n) rounds; this many means a bug
CORPUS_BLOCK = 10_000  # documents per block a `clean` corpus is sent to the cluster in


def find_dupes(
    paths: Sequence[str], settings: Settings, progress: ProgressCallback = no_progress
) -> DupesResult:
    """``scrubber dupes --engine ray``: read, sketch and deduplicate the inputs on Ray."""
    with connected(settings) as cpus:
        found = plan(paths, settings.globs, cpus)
        blocks, rows = read_and_sketch(found.units, settings, progress)
        parts = partitions(rows, cpus)
        doc_parts, stats, rest = _partition(blocks, parts)
        failures = name_failures(found, ray.get(rest), stats)
        groups = _dedup(doc_parts, stats, settings, parts, progress)
    return DupesResult(
        threshold=settings.threshold,
        documents=sum(s.documents for s in stats),
        clusters=tuple(sorted(groups, key=lambda c: c.members)),
        failures=tuple(failures),
    )


def cluster_corpus(
    corpus: Corpus,
    settings: Settings,
    progress: ProgressCallback = no_progress,
    scores_out: list[float] | None = None,
) -> list[Cluster]:
    """``pipeline.cluster`` on Ray, for ``clean``: the corpus was scanned (sketched) on
    this machine; its sketches go to the cluster, whose tasks read the documents by ref."""
    with connected(settings) as cpus:
        parts = partitions(len(corpus.docs), cpus)
        blocks = [ray.put(block) for block in _corpus_blocks(corpus, settings.num_perm)]
        doc_parts, stats, _ = _partition(blocks, parts)
        groups = _dedup(doc_parts, stats, settings, parts, progress, scores_out)
    return sorted(groups, key=lambda c: c.members)


def _corpus_blocks(corpus: Corpus, num_perm: int) -> list[dict[str, Any]]:
    from scrubber.clusters import corpus_table  # which imports this module

    table = corpus_table(corpus, num_perm)
    blocks = []
    for lo in range(0, len(corpus.docs), CORPUS_BLOCK):
        rows = slice(lo, lo + CORPUS_BLOCK)
        chunk = corpus.docs[rows]
        payload = np.empty(len(chunk), object)
        payload[:] = [pickle.dumps(("ref", s.ref)) for s in chunk]
        blocks.append(
            {
                "kind": np.zeros(len(chunk), np.int8),
                "id": ids_array(s.ref.doc_id for s in chunk),
                "unit": np.zeros(len(chunk), np.int64),
                "local": np.arange(lo, lo + len(chunk), dtype=np.int64),
                "size": table.sizes[rows],
                "grams": table.shingles[rows],
                "words": table.words[rows],
                "payload": payload,
            }
        )
    return blocks


def _partition(blocks: list[Ref], parts: int) -> tuple[list[Ref], list[docs.PartStats], list[Ref]]:
    """Shuffle the sketch blocks into document partitions: (partitions, their counts,
    the refs of each block's failures and line counts)."""
    routed = [submit_split(docs.route_block, block, parts, returns=parts + 1) for block in blocks]
    built = [
        submit_split(docs.build_part, column, returns=2)
        for column in transpose([r[:parts] for r in routed], parts)
    ]
    stats: list[docs.PartStats] = ray.get([b[1] for b in built])
    return [b[0] for b in built], stats, [r[parts] for r in routed]


def _dedup(
    doc_parts: list[Ref],
    stats: list[docs.PartStats],
    settings: Settings,
    parts: int,
    progress: ProgressCallback,
    scores_out: list[float] | None = None,
) -> list[Cluster]:
    """Candidates -> scores -> components -> clusters, partition by partition."""
    live = sum(s.live for s in stats)
    if live < 2:
        return []
    sample = [s for s in ray.get([submit(docs.sample_words, p, live) for p in doc_parts]) if s.size]
    rows = word_rows(
        np.concatenate(sample) if sample else np.zeros((0, settings.num_perm), np.uint16), live
    )
    kept = _candidates(doc_parts, rows, parts)
    progress(ProgressEvent("candidates", 1, 1))
    own, scored, rarity = _verify(doc_parts, kept, settings, parts)
    _wait(scored, "verify", progress)
    if scores_out is not None:
        scores_out.extend(_sorted_scores(ray.get(scored)))
    labels = _components(scored, settings.threshold, parts)
    shares = [
        submit_split(clusters.to_components, *inputs, settings.threshold, parts, returns=parts)
        for inputs in zip(labels, scored, own, strict=True)
    ]
    columns = transpose(shares, parts)
    found = [submit(clusters.build_clusters, c, rarity, settings.threshold) for c in columns]
    return [cluster for part in ray.get(found) for cluster in part]


def _candidates(doc_parts: list[Ref], rows: int, parts: int) -> list[list[Ref]]:
    """Candidate pairs: per partition of b, the pairs for each partition of a, then its own."""
    entries = [
        submit_split(bands.band_entries, part, rows, parts, returns=parts) for part in doc_parts
    ]
    pairs = [
        submit_split(bands.bucket_pairs, column, parts, returns=parts)
        for column in transpose(entries, parts)
    ]
    signed = [
        submit_split(bands.with_first, part, column, parts, returns=parts)
        for part, column in zip(doc_parts, transpose(pairs, parts), strict=True)
    ]
    return [
        submit_split(bands.agreeing, part, column, parts, returns=parts + 1)
        for part, column in zip(doc_parts, transpose(signed, parts), strict=True)
    ]


def _verify(
    doc_parts: list[Ref], kept: list[list[Ref]], settings: Settings, parts: int
) -> tuple[list[Ref], list[Ref], Ref]:
    """Parse the candidates where they live, count rarity, score each pair where its second
    document lives: (parsed candidates, scores, rarity), per partition."""
    here = [k[parts] for k in kept]
    columns = transpose([k[:parts] for k in kept], parts)
    parsed = [
        submit_split(verify.parse_candidates, *inputs, settings, parts, returns=parts + 2)
        for inputs in zip(doc_parts, columns, here, strict=True)
    ]
    rarity = submit(verify.rarity, [x[0] for x in parsed])
    own = [x[1] for x in parsed]
    bundles = transpose([x[2:] for x in parsed], parts)
    scored = [
        submit(verify.score_pairs, *inputs, rarity)
        for inputs in zip(own, bundles, here, strict=True)
    ]
    return own, scored, rarity


def _components(scored: list[Ref], threshold: float, parts: int) -> list[Ref]:
    """Each partition's component labels of the verified pairs at or above the threshold."""
    rows = [submit_split(_edges, shard, threshold, parts, returns=parts) for shard in scored]
    columns = transpose(rows, parts)
    large = True
    for _ in range(MAX_ROUNDS):
        out = [
            submit_split(components.star, column, large, parts, returns=parts + 2)
            for column in columns
        ]
        if all(ray.get([o[parts + 1] for o in out])):
            return [o[parts] for o in out]
        columns = transpose([o[:parts] for o in out], parts)
        large = not large
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")


def _edges(scores: dict[str, Any], threshold: float, parts: int) -> list[Any]:
    keep = scores["score"] >= threshold
    return components.edge_rows(scores["a"][keep], scores["b"][keep], parts)


def _sorted_scores(shards: list[dict[str, Any]]) -> list[float]:
    """Every candidate's score in the local engine's order (by the pair's ids)."""
    found = [
        (a, b, s)
        for shard in shards
        for a, b, s in zip(
            shard["a"].tolist(), shard["b"].tolist(), shard["score"].tolist(), strict=True
        )
    ]
    return [s for _, _, s in sorted(found)]


def _wait(refs: list[Ref], stage: str, progress: ProgressCallback) -> None:
    pending = list(refs)
    while pending:
        _, pending = ray.wait(pending, num_returns=1)
        progress(ProgressEvent(stage, len(refs) - len(pending), len(refs)))
