"""Stage 4, connected components of the verified pairs: alternating large-star and
small-star operations (Kiveris et al., "Connected Components in MapReduce and Beyond",
2014), each a shuffle of the edges by node, until every component is a star around its
smallest id. O(log^2 n) rounds; no step holds more than one partition's edges.

An edge is two rows (node, neighbour), one in each end's partition. A round's input is
converged when every node with a smaller neighbour has no other neighbour: then each
edge joins a component's smallest id (the root) to one of its other members, and a
node's label is its smaller neighbour, or itself.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .shards import Shard, concat, ids_array, part_of, split

NONE = np.iinfo(np.int64).max


def edge_rows(x: NDArray[np.object_], y: NDArray[np.object_], parts: int) -> list[Shard]:
    """Both rows of each edge (x, y), by the partition of their node."""
    rows = {"node": np.concatenate([x, y]), "nbr": np.concatenate([y, x])}
    return split(rows, part_of(rows["node"], parts), parts)


def star(shards: list[Shard], large: bool, parts: int) -> list[object]:
    """One large-star (``large``) or small-star round at one partition: the new edges'
    rows for every partition, then this partition's labels and whether its input was
    converged."""
    rows = concat([s for s in shards if s["node"].size])
    if not rows:
        nothing = edge_rows(ids_array([]), ids_array([]), parts)
        return [*nothing, _labels(ids_array([]), ids_array([])), True]
    names, codes = np.unique(np.concatenate([rows["node"], rows["nbr"]]), return_inverse=True)
    node, nbr = codes[: rows["node"].size], codes[rows["node"].size :]
    _, once = np.unique(node * names.size + nbr, return_index=True)  # rows from two rounds
    node, nbr = node[once], nbr[once]
    smallest = np.full(names.size, NONE)
    np.minimum.at(smallest, node, nbr)
    degree = np.bincount(node, minlength=names.size)
    present = np.unique(node)
    leaf = smallest[present] < present
    converged = bool(np.all(degree[present[leaf]] == 1))
    label = np.where(smallest[present] < present, smallest[present], present)
    root = np.minimum(smallest, np.arange(names.size))  # min of each node and its neighbours
    if large:  # every larger neighbour joins the root of the node's neighbourhood
        keep = nbr > node
        x, y = nbr[keep], root[node[keep]]
    else:  # every smaller neighbour, and the node itself, join the node's root
        keep = (nbr < node) & (nbr != root[node])
        joins = present[smallest[present] < present]
        x = np.concatenate([nbr[keep], joins])
        y = np.concatenate([root[node[keep]], root[joins]])
    pairs = np.unique(np.stack([x, y], axis=1), axis=0) if x.size else np.zeros((0, 2), np.int64)
    out = edge_rows(names[pairs[:, 0]], names[pairs[:, 1]], parts)
    return [*out, _labels(names[present], names[label]), converged]


def _labels(ids: NDArray[np.object_], labels: NDArray[np.object_]) -> Shard:
    return {"id": ids, "label": labels}
