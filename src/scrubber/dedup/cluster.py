"""Clusters from verified pairs: union-find, then a guard against chaining.

Union-find alone lets one wrong link join two clusters (nine translations of one article
and nine of another become one cluster of eighteen through a single pair of similar
short documents), and lets a cluster creep through a series of weak links into
unrelated documents. So every component is checked against its core: the medoid (the
member with the most verified similarity) and the members similar to it. A member that
is not similar to the medoid stays only if it is verified-similar to at least half of
the core, or to a core member while its own similarity to the medoid is at least
``ATTACH_FLOOR`` of the threshold (a copy of a copy). The rest are clustered again
among themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

ATTACH_FLOOR = 0.75  # share of the threshold a member attached through a core member must reach


class UnionFind:
    """Disjoint sets over arbitrary ints, with path halving; the root is the smallest member."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for x in sorted(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return sorted(out.values())


Edges = dict[tuple[int, int], float]
Similar = Callable[[int, int], float]


def components(nodes: Sequence[int], edges: Edges) -> list[list[int]]:
    """Connected components (sorted) of the nodes over the edges among them."""
    found = UnionFind()
    keep = set(nodes)
    for node in nodes:
        found.find(node)
    for a, b in edges:
        if a in keep and b in keep:
            found.union(a, b)
    return found.groups()


def _medoid(members: Sequence[int], edges: Edges) -> int:
    total = dict.fromkeys(members, 0.0)
    count = dict.fromkeys(members, 0)
    for (a, b), sim in edges.items():
        if a in total and b in total:
            total[a] += sim
            total[b] += sim
            count[a] += 1
            count[b] += 1
    return min(members, key=lambda m: (-count[m], -total[m], m))


def _core(members: list[int], edges: Edges, similar: Similar, threshold: float) -> list[int]:
    """The medoid, the members similar to it, and the members attached to those."""
    medoid = _medoid(members, edges)
    to_medoid = {m: similar(m, medoid) for m in members if m != medoid}
    core = [medoid] + [m for m in members if m != medoid and to_medoid[m] >= threshold]
    in_core = set(core)
    for m in members:
        if m in in_core:
            continue
        links = sum(1 for c in core if edges.get((min(m, c), max(m, c)), 0.0) >= threshold)
        if links * 2 >= len(core) or (links and to_medoid[m] >= ATTACH_FLOOR * threshold):
            core.append(m)
            in_core.add(m)
    return sorted(core)


def guarded(
    members: list[int], edges: Edges, similar: Similar, threshold: float
) -> list[list[int]]:
    """Split a component into clusters whose members all belong to the cluster's core."""
    if len(members) <= 2:
        return [members]
    core = _core(members, edges, similar, threshold)
    rest = [m for m in members if m not in set(core)]
    out = [core] if len(core) >= 2 else []
    for part in components(rest, edges):
        if len(part) >= 2:
            out.extend(guarded(part, edges, similar, threshold))
    return out


def cluster(edges: Edges, similar: Similar, threshold: float) -> list[list[int]]:
    """Member lists (sorted) of the clusters of the verified edges (pairs i < j, >= threshold)."""
    nodes = sorted({n for pair in edges for n in pair})
    found: list[list[int]] = []
    parts = components(nodes, edges)
    # Each component's own edges (in the original order), so that guarding a component
    # costs its size, not the size of the whole corpus's edge list.
    part_of = {node: index for index, part in enumerate(parts) for node in part}
    own: list[Edges] = [{} for _ in parts]
    for pair, sim in edges.items():
        own[part_of[pair[0]]][pair] = sim
    for component, component_edges in zip(parts, own, strict=True):
        found.extend(guarded(component, component_edges, similar, threshold))
    return sorted(found)
