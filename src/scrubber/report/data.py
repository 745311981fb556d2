"""The report's data: collected while the pipeline runs, rendered as JSON and HTML.

``RunReport`` owns the outcome of a run (like black's ``Report``): counters, failures and
the exit code. ``ReportBuilder`` collects the per-document and per-cluster records that
``report.json`` and ``report.html`` show.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scrubber import __version__
from scrubber.config import Settings
from scrubber.errors import ExitCode
from scrubber.model import (
    Cluster,
    InputFailure,
    ManifestRecord,
    MergedParagraph,
    Notes,
    Pair,
    Status,
)
from scrubber.report.alignment import CompactAlignment, TextRow, compact_alignment


@dataclass
class RunReport:
    """Counters of a run and the exit code they imply."""

    documents_in: int = 0
    documents_out: int = 0
    lines_in: int = 0
    lines_removed: int = 0
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    clusters: int = 0
    failures: list[InputFailure] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.INPUT_FAILED if self.failures else ExitCode.OK

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents_in": self.documents_in,
            "documents_out": self.documents_out,
            "failed": len(self.failures),
            "lines_in": self.lines_in,
            "lines_removed": self.lines_removed,
            "removed_by_rule": dict(sorted(self.removed_by_rule.items())),
            "clusters": self.clusters,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


@dataclass
class ReportBuilder:
    """Collects everything ``report.json`` holds."""

    settings: Settings
    run: RunReport = field(default_factory=RunReport)
    documents: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)  # every verified pair's score

    def add_document(self, fields: dict[str, Any], notes: Notes) -> None:
        """A document's entry: its manifest fields (``manifest_dict``), every removed line,
        and the kept lines around them."""
        entry = dict(fields)
        removals = notes.removals
        if removals or notes.context:
            entry["removed"] = [
                {"rule": r.rule, "line": r.line_no, "text": r.text} for r in removals
            ]
            # a few kept lines around each removal, for the HTML report
            entry["context"] = [{"line": line.no, "text": line.text} for line in notes.context]
        else:  # most documents (their context is empty too: it surrounds removals)
            entry["removed"], entry["context"] = [], []
        self.documents.append(entry)
        self.run.lines_in += fields["lines_in"]
        if removals:  # most documents of a clean corpus lose nothing
            self.run.lines_removed += len(removals)
            self.run.removed_by_rule.update(r.rule for r in removals)

    def add_cluster(
        self,
        number: int,
        cluster: Cluster,
        merged: tuple[MergedParagraph, ...],
        alignments: dict[str, list[TextRow]],
    ) -> None:
        """``alignments``: by member, its rows of canonical paragraph, member paragraph and
        score (``None`` where a side has no counterpart); stored compactly, each paragraph
        once (see ``alignment.py``)."""
        self.add_compact_cluster(number, cluster, merged, compact_alignment(alignments))

    def add_compact_cluster(
        self,
        number: int,
        cluster: Cluster,
        merged: tuple[MergedParagraph, ...],
        compact: CompactAlignment,
    ) -> None:
        """``add_cluster`` with its alignments already compacted (``compact_alignment``:
        pass 2 does it where it aligns, so each paragraph is sent once)."""
        paragraphs, rows = compact
        self.clusters.append(
            {
                "id": number,
                "canonical": cluster.canonical,
                "reason": cluster.reason,
                "members": list(cluster.members),
                "pairs": [_flat_dict(p) for p in cluster.pairs],
                "merged_paragraphs": [_flat_dict(m) for m in merged],
                "paragraphs": paragraphs,
                "alignment": rows,
            }
        )
        self.run.clusters += 1

    def add_similarities(self, scores: Iterable[float]) -> None:
        """Scores of verified candidate pairs, also those below the threshold (histogram)."""
        self.similarities.extend(round(s, 4) for s in scores)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scrubber": __version__,
            "settings": _settings_dict(self.settings),
            "stats": self.run.as_dict(),
            "documents": self.documents,
            "clusters": self.clusters,
            "failures": [dataclasses.asdict(f) for f in self.run.failures],
            "similarities": sorted(self.similarities),
        }


def _flat_dict(record: Pair | MergedParagraph) -> dict[str, Any]:
    """A dataclass of plain values as a dict (``dataclasses.asdict`` deep-copies each)."""
    return {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}


_MANIFEST_FIELDS = tuple(field.name for field in dataclasses.fields(ManifestRecord))


def manifest_dict(record: ManifestRecord) -> dict[str, Any]:
    """A manifest record as JSON-ready dict, without empty fields (its fields are plain
    values: no ``dataclasses.asdict``, which deep-copies, twice per document)."""
    return manifest_fields(**{name: getattr(record, name) for name in _MANIFEST_FIELDS})


def manifest_fields(
    input: str,
    status: Status,
    output: str | None = None,
    merged_into: str | None = None,
    encoding: str | None = None,
    confidence: float | None = None,
    lines_in: int = 0,
    lines_removed: int = 0,
    cluster: int | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """``manifest_dict`` of the ``ManifestRecord`` of these fields, without making it (pass 2
    records every document: a record and its dict took half of that). The keys come in the
    record's field order."""
    fields: dict[str, Any] = {"input": input, "status": status.value}
    if output is not None:
        fields["output"] = output
    if merged_into is not None:
        fields["merged_into"] = merged_into
    if encoding is not None:
        fields["encoding"] = encoding
    if confidence is not None:
        fields["confidence"] = confidence
    fields["lines_in"] = lines_in
    fields["lines_removed"] = lines_removed
    if cluster is not None:
        fields["cluster"] = cluster
    if reason is not None:
        fields["reason"] = reason
    return fields


def _settings_dict(settings: Settings) -> dict[str, Any]:
    data = dataclasses.asdict(settings)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
