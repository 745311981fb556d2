"""Union-find over verified pairs, and the guard against chaining."""

from __future__ import annotations

import itertools

from scrubber.dedup.cluster import UnionFind, cluster, components

THRESHOLD = 0.8


def _similar_by_group(groups: dict[int, str], inside: float = 0.9, across: float = 0.2):  # type: ignore[no-untyped-def]
    def similar(a: int, b: int) -> float:
        return inside if groups[a] == groups[b] else across

    return similar


def test_union_find_roots_are_smallest_members() -> None:
    found = UnionFind()
    found.union(5, 3)
    found.union(3, 9)
    found.union(1, 2)
    assert found.groups() == [[1, 2], [3, 5, 9]]


def test_components() -> None:
    edges = {(0, 1): 0.9, (1, 2): 0.9, (4, 5): 0.9}
    assert components([0, 1, 2, 3, 4, 5], edges) == [[0, 1, 2], [3], [4, 5]]


def test_one_wrong_link_does_not_join_two_clusters() -> None:
    """Nine translations of one story and nine of another, joined by a single false pair."""
    groups = {n: "a" if n < 9 else "b" for n in range(18)}
    edges = {(i, j): 0.9 for i, j in itertools.combinations(range(9), 2)}
    edges |= {(i, j): 0.9 for i, j in itertools.combinations(range(9, 18), 2)}
    edges[(8, 9)] = 0.81  # the weak link
    found = cluster(edges, _similar_by_group(groups), THRESHOLD)
    assert found == [list(range(9)), list(range(9, 18))]


def test_a_chain_of_weak_links_does_not_creep_into_unrelated_documents() -> None:
    """0-1-2-3-4: each neighbour verified, nothing else alike: cut where it leaves the core."""
    scores = {(0, 1): 0.85, (1, 2): 0.85, (2, 3): 0.85, (3, 4): 0.85}

    def similar(a: int, b: int) -> float:
        a, b = min(a, b), max(a, b)
        return scores.get((a, b), 0.3)

    found = cluster(dict(scores), similar, THRESHOLD)
    assert found == [[0, 1, 2], [3, 4]]


def test_copies_of_copies_stay_in_their_cluster() -> None:
    """Base 0, variants 1-3 of it, 4 a variant of 3 a little further from the base."""
    scores = {(0, 1): 0.95, (0, 2): 0.93, (0, 3): 0.9, (3, 4): 0.9, (1, 2): 0.9}

    def similar(a: int, b: int) -> float:
        a, b = min(a, b), max(a, b)
        return scores.get((a, b), 0.7 if 4 in (a, b) else 0.85)

    assert cluster(dict(scores), similar, THRESHOLD) == [[0, 1, 2, 3, 4]]


def test_pairs_are_clusters() -> None:
    edges = {(3, 7): 0.9, (1, 2): 0.85}
    assert cluster(edges, lambda a, b: 0.0, THRESHOLD) == [[1, 2], [3, 7]]
