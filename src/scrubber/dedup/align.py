"""The similarity of two texts, and their paragraph alignment, from one sentence matching."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz

from scrubber.dedup.kernels import kernel
from scrubber.dedup.parse import Parsed, parse
from scrubber.dedup.scoring import Match, match
from scrubber.dedup.sketch import DedupSettings
from scrubber.normalize import paragraphs

# A cluster's canonical document is aligned with each other member: parse it, and split
# it into paragraphs, once.
_parsed = functools.lru_cache(maxsize=16)(parse)


@functools.lru_cache(maxsize=16)
def _paragraphs(text: str) -> tuple[str, ...]:
    """``paragraphs`` of a canonical document, kept for its cluster's next members."""
    return tuple(paragraphs(text))


PARAGRAPH_MATCH = 0.5  # a paragraph whose sentences are covered this much has a counterpart

Row = tuple[int | None, int | None, float]


def similarity(a: str, b: str, settings: DedupSettings | None = None) -> float:
    """The exact similarity of two texts on their own (no corpus word frequencies)."""
    del settings  # the score does not depend on the LSH settings
    return match(parse(a), parse(b)).score()


def _parsed_text(text: str, known: Mapping[str, Parsed] | None) -> Parsed:
    found = known.get(text) if known else None
    return found if found is not None else _parsed(text)


def _paragraph_credit(found: Match) -> NDArray[np.float64]:
    """cover[p, q]: share of b's paragraph q (by words) covered by a's paragraph p."""
    a, b = found.a, found.b
    per_para = np.zeros((a.paragraphs, b.units))
    if found.credit.size:
        np.maximum.at(per_para, a.unit_paragraph, found.credit)
    weighted = per_para * b.unit_words
    cover = np.zeros((a.paragraphs, b.paragraphs))
    np.add.at(cover.T, b.unit_paragraph, weighted.T)
    words = np.bincount(b.unit_paragraph, weights=b.unit_words, minlength=b.paragraphs)
    return np.divide(cover, words, out=np.zeros_like(cover), where=words > 0)


class Cover(NamedTuple):
    """How a's paragraphs cover b's (``_cover``)."""

    cover: NDArray[np.float64]  # [p, q]: share of b's paragraph q covered by a's paragraph p
    best: NDArray[np.int64]  # per q: the first p with the most cover
    top: NDArray[np.float64]  # per q: that cover
    tied: NDArray[np.bool_]  # per q: another p comes within 1e-9 of it (and it is > 0)


def _cover(found: Match) -> Cover:
    """``_paragraph_credit``, and per paragraph of b: the first paragraph of a covering it
    most, that cover, and whether it is tied (``verify_kernels.paragraph_cover``, compiled;
    this is its NumPy reference)."""
    a, b = found.a, found.b
    compiled = kernel("paragraph_cover")
    if compiled is not None:
        args = (a.unit_paragraph, a.paragraphs, b.unit_paragraph, b.unit_words, b.paragraphs)
        return Cover(*compiled(found.dice, *args))
    return _cover_numpy(found)


def _cover_numpy(found: Match) -> Cover:
    cover = _paragraph_credit(found)
    pa, pb = cover.shape
    if not pa:
        return Cover(cover, np.zeros(pb, np.int64), np.zeros(pb), np.zeros(pb, np.bool_))
    top = cover.max(axis=0)
    tied = (np.count_nonzero(cover >= top - 1e-9, axis=0) > 1) & (top > 0)
    return Cover(cover, cover.argmax(axis=0).astype(np.int64), top, tied)


def _best_counterparts(found: Cover, a: str, b: str) -> NDArray[np.int64]:
    """For each paragraph of b, the paragraph of a covering it best. Ties are common (a
    headline and the paragraph it summarises both cover b's paragraph fully), so they go
    to the paragraph of a that reads most like b's (rapidfuzz ratio)."""
    cover, best, top, tied = found
    pa, pb = cover.shape
    contested = np.flatnonzero(tied)
    if not contested.size:
        return best
    paras_a, paras_b = _paragraphs(a), paragraphs(b)
    if (len(paras_a), len(paras_b)) != (pa, pb):
        return best
    best = best.copy()
    for j in contested:
        near = np.flatnonzero(cover[:, j] >= top[j] - 1e-9)
        best[j] = _most_alike(paras_b[j], [paras_a[i] for i in near], near)
    return best


def _most_alike(text: str, candidates: list[str], numbers: NDArray[np.int64]) -> int:
    """The number of the first candidate with the highest rapidfuzz ratio to ``text``: the
    first equal one if there is one (nothing else scores 100), else each ratio computed
    only as far as it could beat the best so far (``score_cutoff``; the same scores)."""
    chosen, best = int(numbers[0]), -1.0
    for number, candidate in zip(numbers, candidates, strict=True):
        if candidate == text:
            return int(number)
        score = fuzz.ratio(candidate, text, score_cutoff=max(best, 0.0))
        if score > best:
            chosen, best = int(number), score
    return chosen


def align_paragraphs(a: str, b: str, known: Mapping[str, Parsed] | None = None) -> list[Row]:
    """Paragraph alignment of a and b (blank-line separated paragraphs, 0-based).
    ``known``: texts already parsed (``parse``), by text; others are parsed here.

    Each paragraph of b whose sentences have counterparts in a (at least half of its
    words) is paired with the paragraph of a that covers it best; several paragraphs of
    b may pair with one of a (a split paragraph). Rows come in a's order: a paragraph of
    a with its counterparts ``(i, j, score)``, or ``(i, None, 0.0)``; paragraphs of b
    without a counterpart ``(None, j, best cover)`` follow the a paragraph their
    predecessor in b paired with (at the top if none did).
    """
    found = _cover(match(_parsed_text(a, known), _parsed_text(b, known)))
    pa, pb = found.cover.shape
    best = _best_counterparts(found, a, b).tolist()
    score = found.top.tolist()  # (Python floats and ints: a row takes a few of each)
    shown = [round(value, 4) for value in score]
    paired: dict[int, list[int]] = {}
    after: dict[int, list[int]] = {}
    anchor = -1
    for j in range(pb):
        if score[j] >= PARAGRAPH_MATCH:
            anchor = best[j]
            paired.setdefault(anchor, []).append(j)
        else:
            after.setdefault(anchor, []).append(j)
    rows: list[Row] = [(None, j, shown[j]) for j in after.get(-1, [])]
    for i in range(pa):
        rows.extend((i, j, shown[j]) for j in paired.get(i, []))
        if i not in paired:
            rows.append((i, None, 0.0))
        rows.extend((None, j, shown[j]) for j in after.get(i, []))
    return rows
