"""Merge a near-duplicate cluster into one canonical document.

The canonical member is kept whole. Each other member (in path order) is aligned
paragraph by paragraph against the text merged so far; a paragraph that has no
counterpart there is inserted after the paragraph that its predecessor aligned with,
so the result reads as one version of the story, not a concatenation of versions.
Where every inserted paragraph came from is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scrubber.dedup import align_paragraphs
from scrubber.dedup.align import Row
from scrubber.model import Line, MergedParagraph, Stripped


@dataclass(frozen=True)
class Paragraph:
    """A block of consecutive non-empty lines; ``source``/``first_line`` say where it came from."""

    text: str
    source: str
    first_line: int


@dataclass(frozen=True)
class Merged:
    text: str
    inserted: tuple[MergedParagraph, ...]


def paragraphs_of(stripped: Stripped) -> list[Paragraph]:
    """The blank-line separated paragraphs of a stripped document."""
    blocks: list[list[Line]] = [[]]
    for line in stripped.kept:
        if line.text.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [
        Paragraph("\n".join(line.text for line in block), stripped.doc_id, block[0].no)
        for block in blocks
        if block
    ]


def paragraph_memo() -> Callable[[Stripped], list[Paragraph]]:
    """``paragraphs_of``, computed once per document (by ``doc_id``) of one cluster: the
    merge and the diff report both split the canonical document and each member."""
    found: dict[str, list[Paragraph]] = {}

    def paragraphs(stripped: Stripped) -> list[Paragraph]:
        known = found.get(stripped.doc_id)
        if known is None:
            known = found[stripped.doc_id] = paragraphs_of(stripped)
        return known

    return paragraphs


Aligner = Callable[[str, str], list[Row]]


def merge_cluster(
    canonical: Stripped,
    others: Sequence[Stripped],
    align: Aligner = align_paragraphs,
    paragraphs: Callable[[Stripped], list[Paragraph]] = paragraphs_of,
) -> Merged:
    """The canonical document plus the paragraphs only other members have. ``align`` is
    ``align_paragraphs``, or a memo of it shared with the diff report; ``paragraphs`` is
    ``paragraphs_of``, or a memo of it (``paragraph_memo``)."""
    merged = list(paragraphs(canonical))
    for other in sorted(others, key=lambda s: s.doc_id):
        merged = _fold_in(merged, paragraphs(other), align)
    text = join_paragraphs(merged)
    return Merged(text, tuple(_provenance(merged, canonical.doc_id)))


def _fold_in(base: list[Paragraph], extra: list[Paragraph], align: Aligner) -> list[Paragraph]:
    """Insert the paragraphs of ``extra`` that have no counterpart in ``base``."""
    if not extra:
        return base
    alignment = align(join_paragraphs(base), join_paragraphs(extra))
    matched_in_base = {j: i for i, j, _ in alignment if i is not None and j is not None}
    insert_after: dict[int, list[Paragraph]] = {}
    anchor = -1  # -1: before the first paragraph of base
    for j, paragraph in enumerate(extra):
        if j in matched_in_base:
            anchor = matched_in_base[j]
        else:
            insert_after.setdefault(anchor, []).append(paragraph)
    result = list(insert_after.get(-1, []))
    for i, paragraph in enumerate(base):
        result.append(paragraph)
        result.extend(insert_after.get(i, []))
    return result


def join_paragraphs(paragraphs: Sequence[Paragraph]) -> str:
    """Paragraphs as one text, separated by one empty line (what the alignment splits)."""
    return "\n\n".join(p.text for p in paragraphs)


def _provenance(paragraphs: Sequence[Paragraph], canonical: str) -> list[MergedParagraph]:
    records = []
    output_line = 1
    for paragraph in paragraphs:
        if paragraph.source != canonical:
            records.append(
                MergedParagraph(paragraph.source, paragraph.first_line, output_line, paragraph.text)
            )
        output_line += paragraph.text.count("\n") + 2  # its lines plus the blank separator
    return records
