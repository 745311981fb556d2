"""Pass 2's sink: writes each stripped document, or merges it with its cluster.

Documents arrive in input order. A document outside any cluster is written at once; the
members of a cluster wait until the last one arrives, then the cluster is merged into its
canonical document and written, and every member gets its manifest record.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from scrubber.dedup import align_paragraphs
from scrubber.errors import InputError
from scrubber.io import input_failure
from scrubber.io.write import AtomicJsonlWriter
from scrubber.merge import Aligner, join_paragraphs, merge_cluster, paragraphs_of
from scrubber.model import (
    Cluster,
    InputFailure,
    ManifestRecord,
    Restripped,
    Scanned,
    Status,
    Stripped,
)
from scrubber.outputs import MANIFEST, OutputWriter
from scrubber.report.data import ReportBuilder, manifest_dict

__all__ = ["MANIFEST", "ClusterAssembler", "ManifestWriter", "failed_record"]


class ManifestWriter:
    """``manifest.jsonl``: one record per input document, written atomically at the end."""

    def __init__(self, out: Path) -> None:
        self._writer = AtomicJsonlWriter(out / MANIFEST)

    def write(self, record: ManifestRecord) -> None:
        self._writer.write(manifest_dict(record))

    def __enter__(self) -> ManifestWriter:
        self._writer.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._writer.__exit__(exc_type, exc, tb)


def failed_record(failure: InputFailure) -> ManifestRecord:
    return ManifestRecord(input=failure.doc_id, status=Status.FAILED, reason=failure.reason)


class ClusterAssembler:
    """Turns stripped documents into written outputs, manifest records and report entries."""

    def __init__(
        self,
        clusters: Sequence[Cluster],
        merge: bool,
        writer: OutputWriter,
        report: ReportBuilder,
        manifest: ManifestWriter,
    ) -> None:
        self._clusters = list(clusters)
        self._number = {m: n for n, c in enumerate(self._clusters, 1) for m in c.members}
        self._waiting: dict[int, dict[str, tuple[Scanned, Stripped]]] = {}
        self._arrived: dict[int, int] = {}  # members seen per cluster, failed ones included
        self._merge = merge
        self._writer = writer
        self._report = report
        self._manifest = manifest

    def add(self, item: Restripped) -> None:
        scanned, stripped = item.scanned, item.stripped
        number = self._number.get(scanned.ref.doc_id)
        if item.failure is not None or stripped is None:
            failure = item.failure or InputFailure(scanned.ref.doc_id, scanned.ref.path, "vanished")
            self._report.run.failures.append(failure)
        elif number is None and item.output is not None:  # pass 2 wrote it already
            self._record(scanned, stripped, Status.KEPT, None, output=item.output)
        elif number is None:
            self._write_alone(scanned, stripped, None)
        else:
            self._waiting.setdefault(number, {})[scanned.ref.doc_id] = (scanned, stripped)
        if number is not None:
            # A member that failed in pass 2 (changed since pass 1) must not hold back the rest.
            self._arrived[number] = self._arrived.get(number, 0) + 1
            if self._arrived[number] == len(self._clusters[number - 1].members):
                self._finish_cluster(number, self._waiting.pop(number, {}))

    def _write_alone(self, scanned: Scanned, stripped: Stripped, number: int | None) -> None:
        output = self._write(scanned, stripped.text)
        if output is not None:
            self._record(scanned, stripped, Status.KEPT, number, output=output)

    def _write(self, scanned: Scanned, text: str) -> str | None:
        """Write one output; a path that cannot be written fails its document only."""
        try:
            return self._writer.write(scanned.ref, text)
        except InputError as exc:
            self._report.run.failures.append(input_failure(scanned.ref, exc))
            return None

    def _record(
        self,
        scanned: Scanned,
        stripped: Stripped,
        status: Status,
        number: int | None,
        output: str | None = None,
        merged_into: str | None = None,
    ) -> None:
        record = ManifestRecord(
            input=scanned.ref.doc_id,
            status=status,
            output=output,
            merged_into=merged_into,
            encoding=scanned.encoding,
            confidence=round(scanned.confidence, 3),
            lines_in=scanned.lines_in,
            lines_removed=len(stripped.removals),
            cluster=number,
        )
        self._manifest.write(record)
        self._report.add_document(record, stripped)
        if output is not None:
            self._report.run.documents_out += 1

    def _finish_cluster(self, number: int, members: dict[str, tuple[Scanned, Stripped]]) -> None:
        cluster = self._clusters[number - 1]
        if cluster.canonical not in members:  # it failed in pass 2: the others stand alone
            for scanned, stripped in members.values():
                self._write_alone(scanned, stripped, number)
            self._report.add_cluster(number, cluster, (), {})
            return
        canonical_scanned, canonical = members[cluster.canonical]
        others = [
            stripped for doc_id, (_, stripped) in members.items() if doc_id != cluster.canonical
        ]
        align = functools.cache(align_paragraphs)  # the merge aligns the first member again
        alignments = {other.doc_id: _aligned_rows(canonical, other, align) for other in others}
        if not self._merge:
            for doc_id in cluster.members:
                if doc_id in members:
                    self._write_alone(*members[doc_id], number)
            self._report.add_cluster(number, cluster, (), alignments)
            return
        merged = merge_cluster(canonical, others, align)
        output = self._write(canonical_scanned, merged.text)
        if output is None:
            for doc_id, (scanned, _) in members.items():
                if doc_id != cluster.canonical:
                    reason = f"merged into {cluster.canonical}, whose output could not be written"
                    failure = InputFailure(doc_id, scanned.ref.path, reason)
                    self._report.run.failures.append(failure)
            return
        self._record(canonical_scanned, canonical, Status.CANONICAL, number, output=output)
        for doc_id in cluster.members:
            if doc_id != cluster.canonical and doc_id in members:
                scanned, stripped = members[doc_id]
                self._record(
                    scanned, stripped, Status.MERGED, number, merged_into=cluster.canonical
                )
        self._report.add_cluster(number, cluster, merged.inserted, alignments)


def _aligned_rows(
    a: Stripped, b: Stripped, align: Aligner
) -> list[tuple[str | None, str | None, float]]:
    """Paragraph pairs of canonical ``a`` and member ``b`` for the side-by-side diff."""
    pa, pb = paragraphs_of(a), paragraphs_of(b)
    rows = align(join_paragraphs(pa), join_paragraphs(pb))
    return [
        (pa[i].text if i is not None else None, pb[j].text if j is not None else None, score)
        for i, j, score in rows
    ]
