"""The main process's side of pass 2: one manifest record and one report entry per input.

Workers write the documents (``scrubber.assemble``); what became of each arrives here in
input order (a cluster when its last member's turn comes) and is recorded: a line of
``manifest.jsonl``, an entry of the report. JSON Lines outputs, one file for all, are
written here too.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from scrubber.assemble import NO_NOTES, ClusterDone, Finished
from scrubber.io.write import AtomicJsonlWriter, json_line
from scrubber.model import Cluster, InputFailure, ManifestRecord, Notes, Scanned, Status
from scrubber.outputs import MANIFEST, OutputWriter
from scrubber.report.data import ReportBuilder, manifest_dict, manifest_fields

__all__ = ["MANIFEST", "ManifestWriter", "Recorder", "failed_record"]


class ManifestWriter:
    """``manifest.jsonl``: one record per input document, written atomically at the end."""

    def __init__(self, out: Path) -> None:
        self._writer = AtomicJsonlWriter(out / MANIFEST)

    def write(self, record: ManifestRecord) -> None:
        self._writer.write(manifest_dict(record))

    def write_fields(self, fields: dict[str, Any]) -> None:
        """A record already turned into ``manifest_dict(record)``."""
        self._writer.write_line(json_line(fields))

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


class Recorder:
    """Turns pass 2's results into manifest records and report entries."""

    def __init__(
        self,
        clusters: list[Cluster],
        writer: OutputWriter,
        report: ReportBuilder,
        manifest: ManifestWriter,
    ) -> None:
        self._clusters = clusters
        self._writer = writer
        self._report = report
        self._manifest = manifest

    def settled(self, scanned: Scanned) -> None:
        """A document pass 1 wrote, which nothing in pass 2 changes."""
        if scanned.staged is not None:  # JSON Lines: one file, written here in order
            self._writer.copy_staged(scanned.staged)
        self._write(scanned, Status.KEPT, scanned.notes or NO_NOTES, scanned.output)

    def document(self, done: Finished | InputFailure) -> None:
        if isinstance(done, InputFailure):
            self._report.run.failures.append(done)
        else:
            self._record(done)

    def cluster(self, done: ClusterDone) -> None:
        for finished in done.finished:
            self._record(finished)
        self._report.run.failures.extend(done.failures)
        if done.reported:
            cluster = self._clusters[done.number - 1]
            self._report.add_compact_cluster(done.number, cluster, done.merged, done.alignment)

    def _record(self, item: Finished) -> None:
        output = item.output
        if item.text is not None:  # a JSON Lines document: its output is the main process's
            output = self._writer.write(item.scanned.ref, item.text)
        self._write(item.scanned, item.status, item.notes, output, item.merged_into, item.cluster)

    def _write(
        self,
        scanned: Scanned,
        status: Status,
        notes: Notes,
        output: str | None,
        merged_into: str | None = None,
        cluster: int | None = None,
    ) -> None:
        """The document's manifest record and report entry."""
        fields = manifest_fields(
            scanned.ref.doc_id,
            status,
            output,
            merged_into,
            scanned.encoding,
            round(scanned.confidence, 3),
            scanned.lines_in,
            len(notes.removals),
            cluster,
        )
        self._manifest.write_fields(fields)
        self._report.add_document(fields, notes)
        if output is not None:
            self._report.run.documents_out += 1
