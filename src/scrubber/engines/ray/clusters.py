"""Stage 5, clusters: each component, whole in one partition, guarded against chaining.

Shuffle: the members (with their parsed text and word count) and the verified pairs at
or above the threshold go to the partition of their component's label. There, as on the
local engine, ``dedup.cluster.guarded`` splits a component into clusters, scoring the
pairs it asks about that were not candidates with the same parsed documents and rarity,
and a cluster reports every scored pair at or above the threshold between its members.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup.cluster import guarded
from scrubber.dedup.parse import Parsed
from scrubber.dedup.scoring import Rarity
from scrubber.dedup.verify import ClusterGroup
from scrubber.model import Cluster

from .shards import Shard, concat, part_of, split, take
from .verify import ParsedPart, Scorer


def to_components(
    labels: Shard, scores: Shard, parsed: ParsedPart, threshold: float, parts: int
) -> list[tuple[Shard, Shard]]:
    """At a document partition: its labelled members, and the verified pairs kept here
    (second document here), by the partition of their component."""
    at = np.searchsorted(parsed.ids, labels["id"])
    members = {
        "label": labels["label"],
        "id": labels["id"],
        "words": parsed.words[at],
        "parsed": _objects([parsed.parsed[k] for k in at]),
    }
    edges = take(scores, np.flatnonzero(scores["score"] >= threshold))
    edges["label"] = labels["label"][np.searchsorted(labels["id"], edges["b"])]
    by_member = split(members, part_of(members["label"], parts), parts)
    by_edge = split(edges, part_of(edges["label"], parts), parts)
    return list(zip(by_member, by_edge, strict=True))


def _objects(values: list[Parsed]) -> NDArray[np.object_]:
    out = np.empty(len(values), object)
    out[:] = values
    return out


def build_clusters(
    shares: list[tuple[Shard, Shard]], rarity: Rarity, threshold: float
) -> list[Cluster]:
    """The clusters of the components in this partition."""
    from scrubber.clusters import to_cluster

    members = concat([m for m, _ in shares if m["id"].size])
    edges = concat([e for _, e in shares if e["a"].size])
    if not members:
        return []
    members = take(members, np.lexsort((members["id"], members["label"])))
    edge_order = (
        np.lexsort((edges["b"], edges["a"], edges["label"])) if edges else np.zeros(0, np.int64)
    )
    edges = take(edges, edge_order) if edges else edges
    score = Scorer(rarity)
    found: list[Cluster] = []
    for label, rows in _runs(members["label"]):
        ids = members["id"][rows]
        own = take(edges, _edges_of(edges, label)) if edges else {}
        for group in _guard(
            ids, members["parsed"][rows], members["words"][rows], own, score, threshold
        ):
            found.append(to_cluster(group, ids.tolist()))
    return found


def _runs(labels: NDArray[np.object_]) -> list[tuple[str, NDArray[np.int64]]]:
    starts = np.flatnonzero(np.append(True, labels[1:] != labels[:-1]))
    ends = np.append(starts[1:], labels.size)
    return [(labels[lo], np.arange(lo, hi)) for lo, hi in zip(starts, ends, strict=True)]


def _edges_of(edges: Shard, label: str) -> NDArray[np.int64]:
    lo = np.searchsorted(edges["label"], label, side="left")
    hi = np.searchsorted(edges["label"], label, side="right")
    return np.arange(lo, hi)


def _guard(
    ids: NDArray[np.object_],
    parsed: NDArray[np.object_],
    words: NDArray[np.int64],
    edges: Shard,
    score: Scorer,
    threshold: float,
) -> list[ClusterGroup]:
    """``guarded`` over one component (members numbered in id order, as locally)."""
    index = {doc_id: k for k, doc_id in enumerate(ids.tolist())}
    known: dict[tuple[int, int], float] = {}
    if edges:
        for a, b, sim in zip(
            edges["a"].tolist(), edges["b"].tolist(), edges["score"].tolist(), strict=True
        ):
            known[(index[a], index[b])] = sim
    found = dict(known)

    def similar(i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        if key not in found:
            found[key] = score(ids[key[0]], parsed[key[0]], ids[key[1]], parsed[key[1]])
        return found[key]

    groups = guarded(list(range(ids.size)), known, similar, threshold)
    out = []
    for group in groups:
        inside = set(group)
        pairs = tuple(
            (i, j, sim)
            for (i, j), sim in sorted(found.items())
            if sim >= threshold and i in inside and j in inside
        )
        out.append(ClusterGroup(tuple(group), pairs, tuple(int(words[k]) for k in group)))
    return out
