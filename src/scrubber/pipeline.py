"""The pipeline: the only place that knows the order of the stages.

    find inputs -> scan (decode, per-page rules, sketch)           pass 1, all cores
                -> near-duplicate clusters (LSH, verify, union)    dedup/
    clean only: -> site templates (counted once per cluster)       rules/
                -> strip again with templates                       pass 2, all cores
                -> merge each cluster into its canonical document   merge.py
                -> write documents, manifest, report.json/.html     io/, report/

Both passes stream over the inputs: documents are read again in pass 2 instead of kept,
unless the corpus is small enough to keep its stripped text in memory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scrubber import dedup, rules
from scrubber.assemble import ClusterAssembler, ManifestWriter, failed_record
from scrubber.config import Settings
from scrubber.errors import InputError
from scrubber.io import input_failure, iter_refs, load_document
from scrubber.model import (
    Cluster,
    DocRef,
    Document,
    DupesResult,
    InputFailure,
    Pair,
    ProgressCallback,
    ProgressEvent,
    Restripped,
    Scanned,
    Stripped,
    no_progress,
)
from scrubber.outputs import OutputDirectory, OutputWriter, check_output_dir, claim_output_names
from scrubber.parallel import map_ordered, worker_state
from scrubber.report import ReportBuilder, RunReport
from scrubber.report.render import write_reports

KEEP_TEXT_BELOW_BYTES = 512 * 1024 * 1024  # inputs smaller than this keep stripped text in memory


@dataclass(frozen=True)
class Corpus:
    """The scanned inputs: readable documents (in input order) and the failures."""

    docs: tuple[Scanned, ...]
    failures: tuple[InputFailure, ...]

    @property
    def ids(self) -> list[str]:
        return [s.ref.doc_id for s in self.docs]


def collect_refs(
    paths: Sequence[str], settings: Settings
) -> tuple[list[DocRef], list[InputFailure]]:
    """Find every input document (cheap: nothing is decoded yet)."""
    refs: list[DocRef] = []
    failures: list[InputFailure] = []
    for item in iter_refs(paths, settings.globs):
        (failures if isinstance(item, InputFailure) else refs).append(item)  # type: ignore[arg-type]
    return refs, failures


def scan(
    paths: Sequence[str],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    *,
    fingerprints: bool = False,
    cache: Path | None = None,
) -> Corpus:
    """Pass 1: decode, strip per-page boilerplate and sketch every document, on all cores."""
    refs, failures = collect_refs(paths, settings)
    return scan_refs(refs, failures, settings, progress, fingerprints=fingerprints, cache=cache)


def scan_refs(
    refs: Sequence[DocRef],
    failures: Sequence[InputFailure],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    *,
    fingerprints: bool = False,
    cache: Path | None = None,
) -> Corpus:
    """Pass 1 over documents already found; ``failures`` are discovery's, kept in front.

    With ``cache`` (an index file, see ``scrubber.index``) only documents the index has not
    seen are read; the result is the same."""
    results: Iterable[Scanned]
    if cache is None:
        results = scan_documents(refs, settings, progress, fingerprints=fingerprints)
    else:
        from scrubber.index import use_index

        def compute(todo: list[DocRef]) -> Iterator[Scanned]:
            return scan_documents(todo, settings, progress, fingerprints=True)

        results = use_index(cache, settings, lambda index: index.scan(refs, compute, fingerprints))
    docs: list[Scanned] = []
    failed = list(failures)
    for scanned in results:
        if scanned.failure is not None:
            failed.append(scanned.failure)
        else:
            docs.append(scanned)
    return Corpus(tuple(docs), tuple(failed))


def scan_documents(
    refs: Sequence[DocRef],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    *,
    fingerprints: bool = False,
) -> Iterator[Scanned]:
    """Pass 1 for each document, in order, on all cores."""
    state = {
        "settings": settings,
        "dedup": dedup.DedupSettings.from_settings(settings),
        "fingerprints": fingerprints,
        "keep_text": _input_bytes(refs) < KEEP_TEXT_BELOW_BYTES,
    }
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(ProgressEvent("scan", done, len(refs)))

    yield from map_ordered(_scan_one, refs, state, settings.jobs, on_done=tick)


def _scan_one(ref: DocRef) -> Scanned:
    state = worker_state()
    settings: Settings = state["settings"]
    try:
        doc = load_document(ref, settings.errors)
    except InputError as exc:
        return Scanned(ref, failure=input_failure(ref, exc))
    stripped = strip_document(doc, settings)
    text = stripped.text
    return Scanned(
        ref=ref,
        encoding=doc.encoding,
        confidence=doc.confidence,
        lines_in=len(doc.lines),
        words=len(text.split()),
        sketch=dedup.sketch(text, state["dedup"]),
        fingerprints=rules.fingerprint_lines(stripped.kept) if state["fingerprints"] else None,
        text=text if state["keep_text"] else None,
    )


def strip_document(
    doc: Document,
    settings: Settings,
    templates: rules.TemplateIndex | None = None,
    site: str = "",
) -> Stripped:
    """``rules.strip_page`` over a document's text (an empty document has no lines).

    The rules see ``doc.text`` as decoded: ``\n`` line endings, a final newline ending the
    last line, so a document that ends with an empty line keeps it in the count."""
    if not doc.text:
        return Stripped(doc.doc_id, (), ())
    return rules.strip_page(doc.doc_id, doc.text, settings, templates=templates, site=site)


def _input_bytes(refs: Sequence[DocRef]) -> int:
    total = 0
    for path in {ref.path for ref in refs}:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
    return total


def stripped_text_loader(corpus: Corpus, settings: Settings) -> Callable[[int], str]:
    """Document i's stripped text: from memory when kept, else read and stripped again."""

    def load(index: int) -> str:
        scanned = corpus.docs[index]
        if scanned.text is not None:
            return scanned.text
        try:
            doc = load_document(scanned.ref, settings.errors)
        except InputError:  # changed or vanished since pass 1: it verifies as nothing, and
            return ""  # pass 2 records the failure
        return strip_document(doc, settings).text

    return load


def cluster(
    corpus: Corpus,
    settings: Settings,
    progress: ProgressCallback = no_progress,
    scores_out: list[float] | None = None,
) -> list[Cluster]:
    """Near-duplicate clusters over the scanned corpus, each with its canonical member.
    ``scores_out`` receives the score of every verified candidate pair (for the report)."""
    sketches = [s.sketch for s in corpus.docs if s.sketch is not None]
    groups = dedup.find_clusters(
        sketches,
        stripped_text_loader(corpus, settings),
        dedup.DedupSettings.from_settings(settings),
        progress,
        jobs=settings.jobs,
        scores_out=scores_out,
    )
    ids = corpus.ids  # once: it is a list over the whole corpus
    return [_to_cluster(group, corpus, ids) for group in groups]


def _to_cluster(group: dedup.ClusterGroup, corpus: Corpus, ids: Sequence[str]) -> Cluster:
    members = sorted(group.members, key=lambda i: ids[i])
    best = max(members, key=lambda i: corpus.docs[i].words)  # ties: the first in path order
    pairs = tuple(_pair(ids[i], ids[j], sim) for i, j, sim in group.pairs)
    return Cluster(
        members=tuple(ids[i] for i in members),
        canonical=ids[best],
        reason=canonical_reason(corpus.docs[best].words, [corpus.docs[i].words for i in members]),
        pairs=tuple(sorted(pairs, key=lambda p: (p.a, p.b))),
    )


def _pair(a: str, b: str, similarity: float) -> Pair:
    first, second = sorted((a, b))
    return Pair(first, second, round(similarity, 4))


def canonical_reason(best_words: int, all_words: Sequence[int]) -> str:
    """Why the canonical member won (the rule is documented in the README)."""
    others = sorted(all_words, reverse=True)[1:]
    if others and others[0] == best_words:
        return f"most words after cleaning ({best_words}), tied; first in path order"
    return f"most words after cleaning ({best_words} vs {', '.join(map(str, others))})"


class _StageTimer:
    """Seconds spent per stage, for the run statistics."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = now - self._last
        self._last = now


def find_dupes(
    paths: Sequence[str],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    *,
    cache: Path | None = None,
) -> DupesResult:
    """``scrubber dupes``: scan the inputs and return the verified near-duplicate clusters."""
    corpus = scan(paths, settings, progress, cache=cache)
    clusters = cluster(corpus, settings, progress)
    return DupesResult(
        threshold=settings.threshold,
        documents=len(corpus.docs),
        clusters=tuple(sorted(clusters, key=lambda c: c.members)),
        failures=corpus.failures,
    )


def restrip(
    corpus: Corpus,
    settings: Settings,
    templates: rules.TemplateIndex | None,
    progress: ProgressCallback = no_progress,
) -> Iterator[Restripped]:
    """Pass 2: read every document again and strip it with the site templates, in input order."""
    state = {"settings": settings, "templates": templates}
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(ProgressEvent("strip", done, len(corpus.docs)))

    yield from map_ordered(_restrip_one, corpus.docs, state, settings.jobs, on_done=tick)


def _restrip_one(scanned: Scanned) -> Restripped:
    state = worker_state()
    settings: Settings = state["settings"]
    try:
        doc = load_document(scanned.ref, settings.errors)
    except InputError as exc:  # changed or vanished since pass 1
        return Restripped(scanned, None, input_failure(scanned.ref, exc))
    stripped = strip_document(doc, settings, state["templates"], scanned.ref.site)
    return Restripped(scanned, stripped)


def learn_templates(
    corpus: Corpus, clusters: Sequence[Cluster], settings: Settings
) -> rules.TemplateIndex:
    """Site templates from every page, counting repetition once per duplicate cluster.

    Pages with no line left (empty, whitespace-only) are no evidence and not counted: an
    empty file next to a site's pages must not change how they are cleaned."""
    group_of = {member: c.canonical for c in clusters for member in c.members}
    return rules.TemplateIndex.build(
        (
            (s.ref.site, group_of.get(s.ref.doc_id, s.ref.doc_id), s.fingerprints)
            for s in corpus.docs
            if s.fingerprints is not None and len(s.fingerprints.hashes)
        ),
        settings,
    )


def clean(
    src: Path,
    out: Path,
    settings: Settings,
    progress: ProgressCallback = no_progress,
    *,
    force: bool = False,
    cache: Path | None = None,
) -> RunReport:
    """``scrubber clean``: strip, deduplicate, merge, and write documents and reports.

    OUT holds a marker while the run writes (see ``outputs``): a killed run can be rerun.
    With ``cache`` (an index file), pass 1 reads only documents the index has not seen."""
    check_output_dir(src, out, force)
    refs, failures = collect_refs([str(src)], settings)
    refs, clashes = claim_output_names(refs)
    with OutputDirectory(out) as directory:
        run = _clean_into(out, refs, [*failures, *clashes], settings, progress, cache)
        directory.finish()
    return run


def _clean_into(
    out: Path,
    refs: Sequence[DocRef],
    failures: Sequence[InputFailure],
    settings: Settings,
    progress: ProgressCallback,
    cache: Path | None = None,
) -> RunReport:
    timer = _StageTimer()
    corpus = scan_refs(
        refs, failures, settings, progress, fingerprints=settings.templates, cache=cache
    )
    timer.lap("scan")
    scores: list[float] = []
    clusters = sorted(cluster(corpus, settings, progress, scores), key=lambda c: c.members)
    timer.lap("dedup")
    templates = learn_templates(corpus, clusters, settings) if settings.templates else None
    timer.lap("templates")
    builder = ReportBuilder(settings)
    builder.add_similarities(scores)
    builder.run.documents_in = len(corpus.docs) + len(corpus.failures)
    builder.run.failures.extend(corpus.failures)
    with OutputWriter(out) as writer, ManifestWriter(out) as manifest:
        assembler = ClusterAssembler(clusters, settings.merge, writer, builder, manifest)
        for item in restrip(corpus, settings, templates, progress):
            assembler.add(item)
        for failure in builder.run.failures:
            manifest.write(failed_record(failure))
    timer.lap("strip+merge+write")
    builder.run.seconds = timer.seconds
    write_reports(out, builder)
    return builder.run
