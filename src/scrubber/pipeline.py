"""The pipeline: the only place that knows the order of the stages.

    find inputs -> scan (decode, sketch; clean: per-page rules)    pass 1, all cores
                -> near-duplicate clusters (LSH, verify, union)    dedup/
                   (candidates are compared on their stripped text)
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

import numpy as np
from numpy.typing import NDArray

from scrubber import dedup, replay, rules
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
from scrubber.parallel import (
    map_chunks,
    map_ordered,
    resolve_jobs,
    worker_state,
)
from scrubber.report import ReportBuilder, RunReport
from scrubber.report.render import write_reports

KEEP_TEXT_BELOW_BYTES = 512 * 1024 * 1024  # inputs smaller than this keep stripped text in memory
SKETCH_CHUNK = 512  # documents a worker sketches per task in dupes


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
    failures: list[InputFailure] = []
    refs = list(found_refs(paths, settings, failures))
    return refs, failures


def scan(
    paths: Sequence[str],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    *,
    strip: bool = True,
    fingerprints: bool = False,
    cache: Path | None = None,
) -> Corpus:
    """Pass 1: decode and sketch every document (and strip it: ``strip``), on all cores."""
    refs, failures = collect_refs(paths, settings)
    return scan_refs(
        refs, failures, settings, progress, strip=strip, fingerprints=fingerprints, cache=cache
    )


def scan_refs(
    refs: Sequence[DocRef],
    failures: Sequence[InputFailure],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    *,
    strip: bool = True,
    fingerprints: bool = False,
    verdicts: bool = False,
    cache: Path | None = None,
) -> Corpus:
    """Pass 1 over documents already found; ``failures`` are discovery's, kept in front.

    ``strip``: also run the per-page rules (``clean`` does; ``dupes`` strips only the
    documents it compares). With ``cache`` (an index file, see ``scrubber.index``) only
    documents the index has not seen are read (and stripped); the result is the same."""
    results: Iterable[Scanned]
    if cache is None:
        results = scan_documents(
            refs, settings, progress, strip=strip, fingerprints=fingerprints, verdicts=verdicts
        )
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
    strip: bool = True,
    fingerprints: bool = False,
    verdicts: bool = False,
) -> Iterator[Scanned]:
    """Pass 1 for each document, in order, on all cores. ``verdicts``: keep the strip
    result compact for pass 2 (see ``scrubber.replay``)."""
    state = {
        "settings": settings,
        "dedup": dedup.DedupSettings.from_settings(settings),
        "strip": strip or fingerprints,
        "fingerprints": fingerprints,
        "keep_text": (strip or fingerprints) and _input_bytes(refs) < KEEP_TEXT_BELOW_BYTES,
        "verdicts": verdicts,
    }
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(ProgressEvent("scan", done, len(refs)))

    progress(ProgressEvent("scan", 0, len(refs)))
    yield from map_ordered(_scan_one, refs, state, settings.jobs, on_done=tick)


def _scan_one(ref: DocRef) -> Scanned:
    state = worker_state()
    settings: Settings = state["settings"]
    try:
        doc = load_document(ref, settings.errors)
    except InputError as exc:
        return Scanned(ref, failure=input_failure(ref, exc))
    sketch = dedup.sketch(doc.text, state["dedup"])
    if not state["strip"]:
        return Scanned(ref=ref, encoding=doc.encoding, confidence=doc.confidence, sketch=sketch)
    stripped = strip_document(doc, settings)
    text = stripped.text
    fingerprints = rules.fingerprint_lines(stripped.kept) if state["fingerprints"] else None
    return Scanned(
        ref=ref,
        encoding=doc.encoding,
        confidence=doc.confidence,
        lines_in=len(doc.lines),
        words=len(text.split()),
        sketch=sketch,
        fingerprints=fingerprints,
        text=text if state["keep_text"] else None,
        verdicts=replay.record(doc, stripped, fingerprints.hashes if fingerprints else ())
        if state["verdicts"]
        else None,
    )


def sketch_document(doc: Document, settings: Settings) -> dedup.DocSketch:
    """The MinHash sketch of a document as read (see ``dedup.sketch``)."""
    return dedup.sketch(doc.text, dedup.DedupSettings.from_settings(settings))


def verification_text(doc: Document, settings: Settings) -> str:
    """The text a candidate pair is compared on: the document with its per-page
    boilerplate stripped."""
    return strip_document(doc, settings).text


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
    """The verification text of document i: from memory when pass 1 kept it, else read
    and stripped."""
    read = ref_text_loader([s.ref for s in corpus.docs], settings)

    def load(index: int) -> str:
        text = corpus.docs[index].text
        return text if text is not None else read(index)

    return load


def ref_text_loader(refs: Sequence[DocRef], settings: Settings) -> Callable[[int], str]:
    """The verification text of ``refs[i]``, read and stripped."""

    def load(index: int) -> str:
        try:
            doc = load_document(refs[index], settings.errors)
        except InputError:  # changed or vanished since pass 1: it verifies as nothing (and
            return ""  # clean's pass 2 records the failure)
        return verification_text(doc, settings)

    return load


def dedup_order(ids: Sequence[str]) -> list[int]:
    """Documents in the order the dedup stage numbers them: by id (then input position),
    so that clusters do not depend on the order the inputs were found in, or the engine."""
    return sorted(range(len(ids)), key=lambda i: (ids[i], i))


def cluster(
    corpus: Corpus,
    settings: Settings,
    progress: ProgressCallback = no_progress,
    scores_out: list[float] | None = None,
) -> list[Cluster]:
    """Near-duplicate clusters over the scanned corpus, each with its canonical member.
    ``scores_out`` receives the score of every verified candidate pair (for the report).
    With ``engine = "ray"`` the candidates and their verification run on a Ray cluster."""
    if settings.engine == "ray":
        from scrubber.engines import ray as ray_engine  # an optional extra: imported on use

        return ray_engine.cluster_corpus(corpus, settings, progress, scores_out)
    table = dedup.SketchTable.zeros(len(corpus.docs), settings.num_perm)
    for row, scanned in enumerate(corpus.docs):
        if scanned.sketch is not None:
            table.put(row, scanned.sketch)
    load = stripped_text_loader(corpus, settings)
    return cluster_sketches(corpus.ids, table, load, settings, progress, scores_out)


def cluster_sketches(
    ids: Sequence[str],
    table: dedup.SketchTable,
    load_text: Callable[[int], str],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    scores_out: list[float] | None = None,
) -> list[Cluster]:
    """Clusters of the documents ``ids`` (rows of ``table``; ``load_text(row)`` gives the
    text they are compared on)."""
    found = find_candidates(ids, table, settings, progress)
    return verify_candidates(found, load_text, settings, progress, scores_out)


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs, over the documents numbered in ``dedup_order``."""

    ids: list[str]  # document k's id
    rows: list[int]  # document k's row in the sketch table (and for the text loader)
    pairs: NDArray[np.int64]  # (k, l), k < l


def find_candidates(
    ids: Sequence[str],
    table: dedup.SketchTable,
    settings: Settings,
    progress: ProgressCallback = no_progress,
) -> Candidates:
    """The candidate pairs of the documents ``ids`` (rows of ``table``)."""
    order = dedup_order(ids)
    ordered = table if order == list(range(len(ids))) else table.rows(np.array(order, np.int64))
    sorted_ids = [ids[i] for i in order]
    live = int(np.count_nonzero(ordered.sizes))
    sample = np.array([dedup.in_sample(doc_id, live) for doc_id in sorted_ids], np.bool_)
    return Candidates(sorted_ids, order, dedup.find_candidates(ordered, progress, sample))


def verify_candidates(
    found: Candidates,
    load_text: Callable[[int], str],
    settings: Settings,
    progress: ProgressCallback = no_progress,
    scores_out: list[float] | None = None,
) -> list[Cluster]:
    """Compare every candidate pair exactly (``load_text(row)``: the text it is compared
    on) and cluster the similar ones, each with its canonical member."""
    rows = found.rows
    groups = dedup.verify_candidates(
        found.pairs,
        lambda k: load_text(rows[k]),
        dedup.DedupSettings.from_settings(settings),
        progress,
        jobs=settings.jobs,
        scores_out=scores_out,
    )
    return [to_cluster(group, found.ids) for group in groups]


def to_cluster(group: dedup.ClusterGroup, ids: Sequence[str]) -> Cluster:
    """A cluster of document ids (sorted), its canonical member and its verified pairs."""
    words = dict(zip(group.members, group.words, strict=True))
    members = sorted(group.members, key=lambda i: ids[i])
    best = max(members, key=lambda i: words[i])  # ties: the first in id order
    pairs = tuple(_pair(ids[i], ids[j], sim) for i, j, sim in group.pairs)
    return Cluster(
        members=tuple(ids[i] for i in members),
        canonical=ids[best],
        reason=canonical_reason(words[best], [words[i] for i in members]),
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
    """``scrubber dupes``: sketch the inputs and return the verified near-duplicate clusters.
    With ``engine = "ray"`` every stage runs on a Ray cluster (``scrubber.engines.ray``)."""
    if settings.engine == "ray":
        from scrubber.engines import ray as ray_engine  # an optional extra: imported on use

        return ray_engine.find_dupes(paths, settings, progress)
    if cache is not None:
        corpus = scan(paths, settings, progress, strip=False, cache=cache)
        clusters = cluster(corpus, settings, progress)
        documents, failures = len(corpus.docs), corpus.failures
    else:
        found_failures: list[InputFailure] = []
        sketched = sketch_refs(found_refs(paths, settings, found_failures), settings, progress)
        ids = [ref.doc_id for ref in sketched.refs]
        found = find_candidates(ids, sketched.table, settings, progress)
        refs, failures = sketched.refs, (*found_failures, *sketched.failures)
        del sketched, ids  # the signatures (half a gigabyte a million documents) are done
        clusters = verify_candidates(found, ref_text_loader(refs, settings), settings, progress)
        documents = len(refs)
    return DupesResult(
        threshold=settings.threshold,
        documents=documents,
        clusters=tuple(sorted(clusters, key=lambda c: c.members)),
        failures=tuple(failures),
    )


def found_refs(
    paths: Sequence[str], settings: Settings, failures: list[InputFailure]
) -> Iterator[DocRef]:
    """The documents under ``paths`` as they are found; what cannot be read goes to
    ``failures``."""
    for item in iter_refs(paths, settings.globs):
        if isinstance(item, InputFailure):
            failures.append(item)
        else:
            yield item


@dataclass(frozen=True)
class Sketched:
    """Pass 1 of ``dupes``: the readable documents (input order) and their sketches."""

    refs: tuple[DocRef, ...]
    table: dedup.SketchTable  # row i: refs[i]
    failures: tuple[InputFailure, ...]


def sketch_refs(
    refs: Iterable[DocRef], settings: Settings, progress: ProgressCallback = no_progress
) -> Sketched:
    """Read and sketch every document on all cores, starting while ``refs`` is still
    being produced; workers send back a block of signatures per chunk of documents, not
    an object per document."""
    total = len(refs) if isinstance(refs, Sequence) else 0  # 0: not known yet
    if resolve_jobs(settings.jobs) > 1:
        dedup.kernels.warm_up()  # once here, not in every worker process
    kept: list[DocRef] = []
    parts: list[dedup.SketchTable] = []
    failures: list[InputFailure] = []
    state = {"settings": settings, "dedup": dedup.DedupSettings.from_settings(settings)}
    progress(ProgressEvent("scan", 0, total))
    for chunk, (part, lost) in map_chunks(
        _sketch_chunk, refs, state, settings.jobs, chunk_size=SKETCH_CHUNK
    ):
        failed = {row for row, _ in lost}
        failures.extend(failure for _, failure in lost)
        kept.extend(ref for row, ref in enumerate(chunk) if row not in failed)
        if failed:
            part = part.rows(np.array([row not in failed for row in range(len(chunk))]))
        parts.append(part)
        progress(ProgressEvent("scan", len(kept) + len(failures), total))
    table = dedup.SketchTable.concat(parts, settings.num_perm)
    return Sketched(tuple(kept), table, tuple(failures))


def _sketch_chunk(
    refs: Sequence[DocRef],
) -> tuple[dedup.SketchTable, list[tuple[int, InputFailure]]]:
    state = worker_state()
    settings: Settings = state["settings"]
    part = dedup.SketchTable.zeros(len(refs), settings.num_perm)
    lost: list[tuple[int, InputFailure]] = []
    for row, ref in enumerate(refs):
        try:
            doc = load_document(ref, settings.errors)
        except InputError as exc:
            lost.append((row, input_failure(ref, exc)))
            continue
        part.put(row, dedup.sketch(doc.text, state["dedup"]))
    return part, lost


def restrip(
    corpus: Corpus,
    settings: Settings,
    templates: rules.TemplateIndex | None,
    progress: ProgressCallback = no_progress,
    writer: OutputWriter | None = None,
    clusters: Sequence[Cluster] = (),
) -> Iterator[Restripped]:
    """Pass 2: read every document again and strip it with the site templates, in input
    order. With a ``writer``, the workers also write each text document that is in none of
    the ``clusters`` (the others are merged first)."""
    state = {
        "settings": settings,
        "templates": templates,
        "docs": corpus.docs,  # workers are forked: they share it, nothing is sent
        "writer": writer,
        "clustered": frozenset(m for c in clusters for m in c.members),
    }
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(ProgressEvent("strip", done, len(corpus.docs)))

    progress(ProgressEvent("strip", 0, len(corpus.docs)))
    indices = range(len(corpus.docs))
    for index, (stripped, failure, output) in zip(
        indices, map_ordered(_restrip_one, indices, state, settings.jobs, on_done=tick), strict=True
    ):
        yield Restripped(corpus.docs[index], stripped, failure, output)


def _restrip_one(index: int) -> tuple[Stripped | None, InputFailure | None, str | None]:
    state = worker_state()
    settings: Settings = state["settings"]
    scanned: Scanned = state["docs"][index]
    try:
        doc = load_document(scanned.ref, settings.errors)
    except InputError as exc:  # changed or vanished since pass 1
        return None, input_failure(scanned.ref, exc), None
    stripped = _replayed(doc, scanned, state["templates"])
    if stripped is None:
        stripped = strip_document(doc, settings, state["templates"], scanned.ref.site)
    writer: OutputWriter | None = state["writer"]
    if writer is None or scanned.ref.kind != "text" or scanned.ref.doc_id in state["clustered"]:
        return stripped, None, None
    try:
        return stripped, None, writer.write(scanned.ref, stripped.text)
    except InputError:  # the main process writes it again and records the failure
        return stripped, None, None


def _replayed(
    doc: Document, scanned: Scanned, templates: rules.TemplateIndex | None
) -> Stripped | None:
    """Pass 1's result, when the site's templates cannot change it (None: strip again)."""
    if scanned.verdicts is None:
        return None
    if templates is not None and not replay.unchanged_by(
        scanned.verdicts, templates.for_site(scanned.ref.site)
    ):
        return None
    return replay.replay(doc, scanned.verdicts)


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
        refs,
        failures,
        settings,
        progress,
        fingerprints=settings.templates,
        verdicts=True,
        cache=cache,
    )
    timer.lap("scan")
    scores: list[float] = []
    clusters = sorted(cluster(corpus, settings, progress, scores), key=lambda c: c.members)
    timer.lap("dedup")
    progress(ProgressEvent("templates", 0, 1))
    templates = learn_templates(corpus, clusters, settings) if settings.templates else None
    progress(ProgressEvent("templates", 1, 1))
    timer.lap("templates")
    builder = ReportBuilder(settings)
    builder.add_similarities(scores)
    builder.run.documents_in = len(corpus.docs) + len(corpus.failures)
    builder.run.failures.extend(corpus.failures)
    with OutputWriter(out) as writer, ManifestWriter(out) as manifest:
        assembler = ClusterAssembler(clusters, settings.merge, writer, builder, manifest)
        for item in restrip(corpus, settings, templates, progress, writer, clusters):
            assembler.add(item)
        for failure in builder.run.failures:
            manifest.write(failed_record(failure))
    timer.lap("strip+merge+write")
    builder.run.seconds = timer.seconds
    progress(ProgressEvent("report", 0, 1))
    write_reports(out, builder)
    progress(ProgressEvent("report", 1, 1))
    return builder.run
