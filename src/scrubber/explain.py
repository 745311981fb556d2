"""``scrubber explain`` and ``scrubber diff`` as data: what scrubber does to one file, and
how two documents compare. Nothing here prints; cli.py renders the results with rich.

``explain_file`` strips a file exactly as ``clean`` would: with ``--corpus DIR`` it learns the
site templates from that directory the way ``clean`` does (scan, near-duplicate clusters,
templates counted once per cluster), so "removed by site-template" means the same in both.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scrubber import dedup, rules
from scrubber.clusters import cluster
from scrubber.config import Settings
from scrubber.errors import InputError, UsageError
from scrubber.finish import learn_templates
from scrubber.io import input_failure, load_document
from scrubber.model import (
    DocRef,
    Document,
    InputFailure,
    ProgressCallback,
    Stripped,
    no_progress,
)
from scrubber.normalize import paragraphs
from scrubber.report.diff import Segment, word_segments
from scrubber.scan import collect_refs, scan, strip_document


@dataclass(frozen=True)
class ExplainedLine:
    """One input line: kept (``rule`` is None) or removed by ``rule``."""

    no: int
    text: str
    rule: str | None = None


@dataclass(frozen=True)
class ExplainedDocument:
    doc_id: str
    encoding: str
    confidence: float
    site: str
    lines: tuple[ExplainedLine, ...]
    warnings: tuple[str, ...] = ()

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.rule is not None)

    def by_rule(self) -> dict[str, int]:
        """Removed lines per rule, most first."""
        counts = Counter(line.rule for line in self.lines if line.rule is not None)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class Explanation:
    """What ``clean`` would do to each document of one file (a JSONL file holds several)."""

    path: str
    documents: tuple[ExplainedDocument, ...]
    failures: tuple[InputFailure, ...] = ()
    corpus: str | None = None  # the directory the site templates were learned from
    in_corpus: bool = False  # the file is one of the corpus' documents (templates apply)


def explain_file(
    path: str | Path,
    settings: Settings,
    corpus: str | Path | None = None,
    progress: ProgressCallback = no_progress,
) -> Explanation:
    """Every line of the file at ``path``, marked kept or removed with its rule."""
    refs, failures = collect_refs([str(path)], settings)
    templates: rules.TemplateIndex | None = None
    sites: dict[tuple[str, str | None], str] = {}
    if corpus is not None and settings.templates:
        templates, sites = _learn_templates(str(corpus), settings, progress)
    documents = []
    for ref in refs:
        site = sites.get(_ref_key(ref), ref.site)
        try:
            doc = load_document(ref, settings.errors)
        except InputError as exc:
            failures.append(input_failure(ref, exc))
            continue
        stripped = strip_document(doc, settings, templates, site)
        documents.append(_explained(doc, stripped, site))
    in_corpus = bool(refs) and all(_ref_key(ref) in sites for ref in refs)
    corpus_name = str(corpus) if corpus is not None else None
    return Explanation(str(path), tuple(documents), tuple(failures), corpus_name, in_corpus)


def _ref_key(ref: DocRef) -> tuple[str, str | None]:
    return os.path.realpath(ref.path), ref.member


def _learn_templates(
    corpus: str, settings: Settings, progress: ProgressCallback
) -> tuple[rules.TemplateIndex, dict[tuple[str, str | None], str]]:
    """The corpus' site templates as ``clean`` learns them, and each document's site."""
    if not Path(corpus).is_dir():
        raise UsageError(f"{corpus}: --corpus must be a directory of documents")
    scanned = scan([corpus], settings, progress, fingerprints=True)
    clusters = cluster(scanned, settings, progress)
    index = learn_templates(scanned, clusters, settings)
    return index, {_ref_key(s.ref): s.ref.site for s in scanned.docs}


def _explained(doc: Document, stripped: Stripped, site: str) -> ExplainedDocument:
    removed = {r.line_no: r.rule for r in stripped.removals}
    lines = tuple(
        ExplainedLine(no, text, removed.get(no)) for no, text in enumerate(doc.lines, start=1)
    )
    return ExplainedDocument(
        doc.doc_id, doc.encoding, doc.confidence, site, lines, tuple(doc.warnings)
    )


# ---- scrubber diff ----------------------------------------------------------------------


@dataclass(frozen=True)
class AlignedParagraphs:
    """One row of the aligned diff: a paragraph of each side (or None) and their score."""

    left: str | None
    right: str | None
    score: float
    left_words: tuple[Segment, ...] = ()
    right_words: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class DocumentDiff:
    a: str
    b: str
    similarity: float
    threshold: float
    rows: tuple[AlignedParagraphs, ...]
    stripped: bool  # compared after boilerplate removal (as dedup does), not raw

    @property
    def near_duplicates(self) -> bool:
        return self.similarity >= self.threshold


def diff_documents(
    a: str | Path, b: str | Path, settings: Settings, raw: bool = False
) -> DocumentDiff:
    """Similarity and aligned paragraphs of two documents, after stripping unless ``raw``."""
    left, right = (_comparable(p, settings, raw) for p in (a, b))
    similarity = dedup.similarity(left[1], right[1], dedup.DedupSettings.from_settings(settings))
    pa, pb = paragraphs(left[1]), paragraphs(right[1])
    rows = dedup.align_paragraphs("\n\n".join(pa), "\n\n".join(pb))
    return DocumentDiff(
        left[0],
        right[0],
        float(similarity),
        settings.threshold,
        tuple(_row(pa, pb, i, j, score) for i, j, score in rows),
        not raw,
    )


def _comparable(path: str | Path, settings: Settings, raw: bool) -> tuple[str, str]:
    """``(doc_id, text)`` of the one document at ``path``, stripped unless ``raw``."""
    refs, failures = collect_refs([str(path)], settings)
    if failures:
        raise UsageError(f"{path}: {failures[0].reason}")
    if len(refs) != 1:
        raise UsageError(f"{path}: diff compares two documents; this path holds {len(refs)}")
    try:
        doc = load_document(refs[0], settings.errors)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    text = doc.text if raw else strip_document(doc, settings).text
    return doc.doc_id, text


def _row(
    pa: Sequence[str], pb: Sequence[str], i: int | None, j: int | None, score: float
) -> AlignedParagraphs:
    left = pa[i] if i is not None else None
    right = pb[j] if j is not None else None
    if left is None or right is None:
        return AlignedParagraphs(left, right, float(score))
    left_words, right_words = word_segments(left, right)
    return AlignedParagraphs(left, right, float(score), tuple(left_words), tuple(right_words))
