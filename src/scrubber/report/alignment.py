"""A cluster's aligned paragraphs as ``report.json`` stores them: each text once.

Each member of a cluster is aligned paragraph by paragraph with the canonical. Written as
text, the canonical's paragraphs would repeat in every member's rows and an unchanged
paragraph would appear on both sides of its row (three quarters of a large report). So a
cluster stores its distinct paragraphs once, in ``paragraphs``, and each aligned row as
``[canonical, member, score]``, where ``canonical`` and ``member`` index ``paragraphs``
and ``null`` marks the side without a counterpart. ``expand_alignment`` gives the rows with
their texts again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

TextRow = tuple[str | None, str | None, float]  # canonical paragraph, member paragraph, score
IndexRow = list[Any]  # [canonical index | None, member index | None, score]
CompactAlignment = tuple[list[str], dict[str, list[IndexRow]]]  # (paragraphs, rows by member)


def compact_alignment(alignments: Mapping[str, Sequence[TextRow]]) -> CompactAlignment:
    """The distinct paragraphs (in order of first use, members sorted) and, by member, the
    rows as indexes into them."""
    index: dict[str, int] = {}
    number = index.setdefault  # ``len(index)`` is evaluated before a new text is added

    def rows_of(rows: Sequence[TextRow]) -> list[IndexRow]:
        return [
            [
                None if a is None else number(a, len(index)),
                None if b is None else number(b, len(index)),
                round(score, 3),
            ]
            for a, b, score in rows
        ]

    compact = {member: rows_of(alignments[member]) for member in sorted(alignments)}
    return list(index), compact


def expand_alignment(cluster: Mapping[str, Any]) -> dict[str, list[TextRow]]:
    """The aligned rows of a ``report.json`` cluster with paragraph texts instead of indexes."""
    paragraphs: list[str] = cluster["paragraphs"]

    def text(i: int | None) -> str | None:
        return None if i is None else paragraphs[i]

    return {
        member: [(text(a), text(b), score) for a, b, score in rows]
        for member, rows in cluster["alignment"].items()
    }
