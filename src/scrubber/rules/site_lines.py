"""One site's fingerprinted lines as flat numpy arrays, and the stories its groups form.

``TemplateIndex`` works on every line of a site at once; keeping them as parallel arrays
(one row per line) turns "count each line once per story" into sorts and reductions
instead of a Python loop per line.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scrubber.rules.fingerprints import LineFingerprints, unpacked

_STORY_WORDS = 10  # lines this long tell one story from another
_STORY_SHARE = 0.8  # groups sharing this share of their long lines are one story
_STORY_MIN_SHARED = 3
_STORY_CAP = 16  # a long line on more groups than this is chrome, not a story's text


@dataclass(frozen=True)
class SiteLines:
    """Every fingerprinted line of one site, one row per line, pages in input order."""

    hashes: np.ndarray  # uint64 fingerprint
    words: np.ndarray  # uint8 word count
    sentences: np.ndarray  # bool: ends like a sentence
    page: np.ndarray  # index of the page the line is on
    position: np.ndarray  # index of the line on its page
    group: np.ndarray  # index of the page's group (sorted group names)
    starts: np.ndarray  # row of each page's first line
    groups: int  # how many groups (pages without lines included)

    @classmethod
    def of(cls, pages: Sequence[tuple[str, LineFingerprints]]) -> SiteLines:
        names = sorted({group for group, _prints in pages})
        index = {name: i for i, name in enumerate(names)}
        sizes = np.array([len(prints.words) for _group, prints in pages], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if len(sizes) else sizes
        total = int(sizes.sum())
        hashes = unpacked(b"".join(p.hashes for _g, p in pages))
        page = np.repeat(np.arange(len(pages)), sizes)
        return cls(
            hashes=hashes,
            words=np.frombuffer(b"".join(p.words for _g, p in pages), dtype=np.uint8),
            sentences=np.frombuffer(b"".join(p.sentences for _g, p in pages), dtype=bool),
            page=page,
            position=np.arange(total) - starts[page] if total else page,
            group=np.repeat(np.array([index[g] for g, _p in pages], dtype=np.int64), sizes),
            starts=starts,
            groups=len(names),
        )


def first_of_runs(*keys: np.ndarray) -> np.ndarray:
    """For rows sorted by ``keys``: True where a new combination of key values starts."""
    if not len(keys[0]):
        return np.zeros(0, dtype=bool)
    new = np.zeros(len(keys[0]), dtype=bool)
    new[0] = True
    for key in keys:
        new[1:] |= key[1:] != key[:-1]
    return new


def stories(lines: SiteLines) -> tuple[np.ndarray, int]:
    """Story id of every line, and how many stories: groups sharing most long lines merge."""
    groups = lines.groups
    parent = list(range(groups))
    for (a, b), shared, smaller in _group_overlaps(lines, groups):
        if shared >= _STORY_MIN_SHARED and shared >= _STORY_SHARE * smaller:
            parent[_root(parent, a)] = _root(parent, b)
    roots = np.array([_root(parent, g) for g in range(groups)], dtype=np.int64)
    labels, story_of_group = np.unique(roots, return_inverse=True)
    return story_of_group[lines.group], len(labels)


def _group_overlaps(lines: SiteLines, groups: int) -> list[tuple[tuple[int, int], int, int]]:
    """``((a, b), shared long lines, long lines of the smaller)`` for groups sharing any."""
    long = lines.words >= _STORY_WORDS
    hashes, group = lines.hashes[long], lines.group[long]
    order = np.lexsort((group, hashes))
    hashes, group = hashes[order], group[order]
    distinct = first_of_runs(hashes, group)
    hashes, group = hashes[distinct], group[distinct]
    if not len(hashes):
        return []
    sizes = np.bincount(group, minlength=groups)
    starts = np.flatnonzero(first_of_runs(hashes))
    ends = np.append(starts[1:], len(hashes))
    pairs: Counter[tuple[int, int]] = Counter()
    for start, end in zip(starts, ends, strict=True):
        if 2 <= end - start <= _STORY_CAP:
            pairs.update(itertools.combinations(group[start:end].tolist(), 2))
    return [((a, b), n, int(min(sizes[a], sizes[b]))) for (a, b), n in pairs.items()]


def _root(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index
