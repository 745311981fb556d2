"""Pass 2's work on one document or one cluster, in a worker: write it, say what became of it.

A document that is in no cluster is written on its own (pass 1 has usually done that
already). A cluster is merged into its canonical document: the canonical output is
written, the merged members' pass-1 outputs are removed, and each member gets its
``Finished`` record, which the main process turns into manifest and report entries
(``scrubber.record``). Nothing here touches the manifest or the report, so it can run in
any process; a JSON Lines document is not written here but handed back (``Finished.text``)
because its output is one file that only the main process writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scrubber.dedup import Parsed, align_paragraphs
from scrubber.dedup.align import Row
from scrubber.errors import InputError
from scrubber.io import input_failure
from scrubber.merge import Aligner, Paragraph, join_paragraphs, merge_cluster, paragraph_memo
from scrubber.model import (
    Cluster,
    InputFailure,
    MergedParagraph,
    Notes,
    Scanned,
    Status,
    Stripped,
)
from scrubber.outputs import OutputWriter
from scrubber.report.alignment import CompactAlignment, compact_alignment
from scrubber.report.context import near_removals

AlignedRows = list[tuple[str | None, str | None, float]]


@dataclass(frozen=True)
class Finished:
    """What became of one document: enough for its manifest record and report entry."""

    scanned: Scanned
    status: Status
    notes: Notes
    output: str | None = None  # where it was written, relative to OUT
    merged_into: str | None = None
    cluster: int | None = None
    text: str | None = None  # a JSON Lines document's text, for the main process to write


@dataclass(frozen=True)
class ClusterDone:
    """A cluster after the merge: its members' records (in manifest order), the members
    that failed, and what the diff report shows."""

    number: int
    finished: tuple[Finished, ...]
    failures: tuple[InputFailure, ...]
    merged: tuple[MergedParagraph, ...] = ()
    # the diff report's rows, compacted here: each paragraph once (``compact_alignment``)
    alignment: CompactAlignment = field(default_factory=lambda: ([], {}))
    reported: bool = True  # False: the merged output could not be written; no cluster entry


NO_NOTES = Notes()  # one object for every page that lost nothing: pickled once per batch


def notes_of(stripped: Stripped) -> Notes:
    """The report's view of a stripped document."""
    if not stripped.removals:
        return NO_NOTES
    return Notes(stripped.removals, tuple(near_removals(stripped.kept, stripped.removals)))


def finish_alone(
    scanned: Scanned, stripped: Stripped, writer: OutputWriter, cluster: int | None = None
) -> Finished | InputFailure:
    """Write a document on its own (a JSON Lines document: hand its text back)."""
    put = _put(scanned, stripped.text, writer)
    if isinstance(put, InputFailure):
        return put
    output, text = put
    return Finished(scanned, Status.KEPT, notes_of(stripped), output, cluster=cluster, text=text)


def finish_cluster(
    number: int,
    cluster: Cluster,
    members: Mapping[str, tuple[Scanned, Stripped]],
    merge: bool,
    writer: OutputWriter,
    parsed: Mapping[str, Parsed] | None = None,
) -> ClusterDone:
    """Merge the members that could be read (``members``, in input order) and write the
    result; without ``merge``, or without the canonical member, each is written alone.
    ``parsed``: by id, members' stripped text as the verification parsed it (only for
    members whose stripped text is the one it compared); their alignment starts there."""
    if cluster.canonical not in members:  # it failed in pass 2: the others stand alone
        return _alone(number, members, writer, {})
    canonical_scanned, canonical = members[cluster.canonical]
    others = [stripped for doc_id, (_, stripped) in members.items() if doc_id != cluster.canonical]
    paragraphs = paragraph_memo()
    known = _known_parses(members, parsed or {}, paragraphs)

    def align_known(a: str, b: str) -> list[Row]:
        return align_paragraphs(a, b, known)

    align = functools.cache(align_known)  # the merge aligns the first member again
    alignments = {
        other.doc_id: _aligned_rows(paragraphs(canonical), paragraphs(other), align)
        for other in others
    }
    if not merge:
        in_order = {doc_id: members[doc_id] for doc_id in cluster.members if doc_id in members}
        return _alone(number, in_order, writer, alignments)
    merged = merge_cluster(canonical, others, align, paragraphs)
    put = _put(canonical_scanned, merged.text, writer)
    others_ids = [d for d in cluster.members if d != cluster.canonical and d in members]
    if isinstance(put, InputFailure):
        lost = [_orphan(members[d][0], cluster.canonical, writer) for d in others_ids]
        return ClusterDone(number, (), (put, *lost), reported=False)
    output, text = put
    head = Finished(
        canonical_scanned, Status.CANONICAL, notes_of(canonical), output, cluster=number, text=text
    )
    rest = [_merged_member(*members[d], cluster.canonical, number, writer) for d in others_ids]
    return ClusterDone(number, (head, *rest), (), merged.inserted, compact_alignment(alignments))


def _put(
    scanned: Scanned, text: str, writer: OutputWriter
) -> tuple[str | None, str | None] | InputFailure:
    """``(output, None)`` once written, ``(None, text)`` for a JSON Lines document (the main
    process writes it), or the failure of a path that cannot be written."""
    if scanned.ref.kind != "text":
        return None, text
    try:
        return writer.write(scanned.ref, text), None
    except InputError as exc:
        writer.discard(scanned.ref)
        return input_failure(scanned.ref, exc)


def _alone(
    number: int,
    members: Mapping[str, tuple[Scanned, Stripped]],
    writer: OutputWriter,
    alignments: dict[str, AlignedRows],
) -> ClusterDone:
    finished: list[Finished] = []
    failures: list[InputFailure] = []
    for scanned, stripped in members.values():
        done = finish_alone(scanned, stripped, writer, number)
        if isinstance(done, InputFailure):
            failures.append(done)
        else:
            finished.append(done)
    return ClusterDone(number, tuple(finished), tuple(failures), (), compact_alignment(alignments))


def _merged_member(
    scanned: Scanned, stripped: Stripped, canonical: str, number: int, writer: OutputWriter
) -> Finished:
    writer.discard(scanned.ref)  # pass 1 wrote it before it was known to be a duplicate
    return Finished(
        scanned, Status.MERGED, notes_of(stripped), merged_into=canonical, cluster=number
    )


def _orphan(scanned: Scanned, canonical: str, writer: OutputWriter) -> InputFailure:
    writer.discard(scanned.ref)
    reason = f"merged into {canonical}, whose output could not be written"
    return InputFailure(scanned.ref.doc_id, scanned.ref.path, reason)


def _known_parses(
    members: Mapping[str, tuple[Scanned, Stripped]],
    parsed: Mapping[str, Parsed],
    paragraphs: Callable[[Stripped], list[Paragraph]],
) -> dict[str, Parsed]:
    """By the text the alignment gets (its paragraphs joined again), the parses of the
    members whose text that is exactly: those the alignment need not parse again."""
    known: dict[str, Parsed] = {}
    for doc_id, (_, stripped) in members.items():
        found = parsed.get(doc_id)
        if found is None:
            continue
        text = join_paragraphs(paragraphs(stripped))
        if text == stripped.text:  # one empty line between paragraphs, none at the ends
            known[text] = found
    return known


def _aligned_rows(pa: Sequence[Paragraph], pb: Sequence[Paragraph], align: Aligner) -> AlignedRows:
    """Paragraph pairs of canonical ``a`` and member ``b`` (their paragraphs ``pa`` and
    ``pb``) for the side-by-side diff."""
    rows = align(join_paragraphs(pa), join_paragraphs(pb))
    return [
        (pa[i].text if i is not None else None, pb[j].text if j is not None else None, score)
        for i, j, score in rows
    ]
