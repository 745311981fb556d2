"""The pipeline: the only place that knows the order of the stages.

    find inputs -> pass 1: read, sketch (clean: strip, stage)    scan.py, all cores
                -> near-duplicate clusters (LSH, verify, union)  clusters.py, dedup/
                   (candidates are compared on their stripped text)
    clean only: -> site templates (counted once per cluster)     finish.py, rules/
                -> pass 2: settle, or strip again with templates, finish.py, all cores
                   merge each cluster into its canonical document  assemble.py, merge.py
                -> manifest and report entries, in input order   record.py
                -> report.json and report.html                   report/

Both passes stream over the inputs; no document text is kept between them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from scrubber.assemble import ClusterDone
from scrubber.clusters import cluster, find_candidates, ref_text_loader, verify_candidates
from scrubber.config import Settings
from scrubber.dedup import Parsed
from scrubber.finish import finish, learn_templates
from scrubber.model import (
    DocRef,
    DupesResult,
    InputFailure,
    ProgressCallback,
    ProgressEvent,
    Scanned,
    no_progress,
)
from scrubber.outputs import OutputDirectory, OutputWriter, check_output_dir, claim_output_names
from scrubber.parallel import fewer_gc_pauses, steady_heap
from scrubber.record import ManifestWriter, Recorder, failed_record
from scrubber.report import ReportBuilder, RunReport
from scrubber.report.render import write_reports
from scrubber.scan import found_items, found_refs, scan, scan_refs, sketch_refs


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
    with fewer_gc_pauses(), steady_heap():
        return _find_dupes(paths, settings, progress, cache)


def _find_dupes(
    paths: Sequence[str], settings: Settings, progress: ProgressCallback, cache: Path | None
) -> DupesResult:
    if cache is not None:
        corpus = scan(paths, settings, progress, strip=False, cache=cache)
        clusters = cluster(corpus, settings, progress)
        documents, failures = len(corpus.docs), corpus.failures
    else:
        found_failures: list[InputFailure] = []
        sketched = sketch_refs(found_items(paths, settings, found_failures), settings, progress)
        ids = [ref.doc_id for ref in sketched.refs]
        found = find_candidates(ids, sketched.table, settings, progress)
        refs, failures = sketched.refs, (*found_failures, *sketched.failures)
        del sketched, ids  # the signatures (half a gigabyte a million documents) are done
        load = ref_text_loader(refs, settings)
        clusters = verify_candidates(found, load, settings, progress, refs=refs)
        documents = len(refs)
    return DupesResult(
        threshold=settings.threshold,
        documents=documents,
        clusters=tuple(sorted(clusters, key=lambda c: c.members)),
        failures=tuple(failures),
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
    # Found while pass 1 already works on the first documents; what cannot be read, or
    # would be written where another document is, goes to ``failures`` (in input order).
    failures: list[InputFailure] = []
    refs = claim_output_names(found_refs([str(src)], settings, failures), failures)
    with OutputDirectory(out) as directory, fewer_gc_pauses(), steady_heap():
        run = _clean_into(out, refs, failures, settings, progress, cache, fresh=directory.fresh)
        directory.finish()
    return run


def _clean_into(
    out: Path,
    refs: Iterable[DocRef],
    failures: Sequence[InputFailure],
    settings: Settings,
    progress: ProgressCallback,
    cache: Path | None = None,
    *,
    fresh: bool = False,
) -> RunReport:
    timer = _StageTimer()
    builder = ReportBuilder(settings)
    with OutputWriter(out, fresh=fresh) as writer, ManifestWriter(out) as manifest:
        _write_documents(
            refs, failures, settings, progress, cache, writer, manifest, builder, timer
        )
    timer.lap("strip+merge+write")
    builder.run.seconds = timer.seconds
    # Pass 1's results are gone by now (a few KB a document): the reports, the largest
    # step in memory, have the room.
    progress(ProgressEvent("report", 0, 1))
    write_reports(out, builder)
    progress(ProgressEvent("report", 1, 1))
    return builder.run


def _write_documents(
    refs: Iterable[DocRef],
    failures: Sequence[InputFailure],
    settings: Settings,
    progress: ProgressCallback,
    cache: Path | None,
    writer: OutputWriter,
    manifest: ManifestWriter,
    builder: ReportBuilder,
    timer: _StageTimer,
) -> None:
    """Both passes: every document written, recorded in the manifest and in ``builder``."""
    corpus = scan_refs(
        refs,
        failures,
        settings,
        progress,
        fingerprints=settings.templates,
        verdicts=True,
        cache=cache,
        writer=writer,
    )
    timer.lap("scan")
    scores: list[float] = []
    parsed: dict[str, Parsed] = {}  # members' text as compared: the merge aligns it
    clusters = sorted(
        cluster(corpus, settings, progress, scores, staged=writer.staged_text, parsed_out=parsed),
        key=lambda c: c.members,
    )
    timer.lap("dedup")
    progress(ProgressEvent("templates", 0, 1))
    templates = learn_templates(corpus, clusters, settings) if settings.templates else None
    progress(ProgressEvent("templates", 1, 1))
    timer.lap("templates")
    builder.add_similarities(scores)
    builder.run.documents_in = len(corpus.docs) + len(corpus.failures)
    builder.run.failures.extend(corpus.failures)
    recorder = Recorder(clusters, writer, builder, manifest)
    for item in finish(corpus, clusters, settings, templates, writer, progress, parsed):
        if isinstance(item, Scanned):
            recorder.settled(item)
        elif isinstance(item, ClusterDone):
            recorder.cluster(item)
        else:
            recorder.document(item)
    for failure in builder.run.failures:
        manifest.write(failed_record(failure))
    writer.publish()  # a fresh OUT: the documents move into place, a folder at a time
