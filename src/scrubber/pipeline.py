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

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scrubber import dedup, replay, rules
from scrubber.assemble import ClusterDone, Finished, finish_alone, finish_cluster, notes_of
from scrubber.config import Settings
from scrubber.errors import InputError
from scrubber.io import (
    PendingRecord,
    RecordIds,
    input_failure,
    iter_refs,
    load_document,
    pending_document,
)
from scrubber.model import (
    Cluster,
    DocRef,
    Document,
    DupesResult,
    InputFailure,
    Pair,
    ProgressCallback,
    ProgressEvent,
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
from scrubber.record import ManifestWriter, Recorder, failed_record
from scrubber.report import ReportBuilder, RunReport
from scrubber.report.render import write_reports

SKETCH_CHUNK = 512  # documents a worker sketches per task in dupes


@dataclass(frozen=True)
class Corpus:
    """The scanned inputs: readable documents (in input order) and the failures."""

    docs: tuple[Scanned, ...]
    failures: tuple[InputFailure, ...]
    table: dedup.SketchTable | None = None  # row i: docs[i]'s sketch (else in each Scanned)

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
    writer: OutputWriter | None = None,
) -> Corpus:
    """Pass 1 over documents already found; ``failures`` are discovery's, kept in front.

    ``strip``: also run the per-page rules (``clean`` does; ``dupes`` strips only the
    documents it compares). With ``cache`` (an index file, see ``scrubber.index``) only
    documents the index has not seen are read (and stripped); the result is the same.
    With ``writer`` (and ``verdicts``), each text document's stripped text is written as
    soon as it is known (pass 2 rewrites or removes the few that change)."""
    results: Iterable[Scanned]
    if cache is None:
        state = _scan_state(settings, strip or fingerprints, verdicts, writer)
        return _scan_in_chunks(refs, failures, state, progress)
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
    writer: OutputWriter | None = None,
) -> Iterator[Scanned]:
    """Pass 1 for each document, in order, on all cores. ``verdicts``: keep the strip
    result compact for pass 2 (see ``scrubber.replay``) and write it (``writer``)."""
    state = _scan_state(settings, strip or fingerprints, verdicts, writer)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(ProgressEvent("scan", done, len(refs)))

    progress(ProgressEvent("scan", 0, len(refs)))
    yield from map_ordered(_scan_one, refs, state, settings.jobs, on_done=tick)


def _scan_state(
    settings: Settings, strip: bool, verdicts: bool, writer: OutputWriter | None
) -> dict[str, Any]:
    if resolve_jobs(settings.jobs) > 1:
        dedup.kernels.warm_up()  # once here, not in every worker process
    return {
        "settings": settings,
        "dedup": dedup.DedupSettings.from_settings(settings),
        "strip": strip or verdicts,
        "verdicts": verdicts,
        "writer": writer if verdicts else None,
    }


def _scan_in_chunks(
    refs: Sequence[DocRef],
    failures: Sequence[InputFailure],
    state: dict[str, Any],
    progress: ProgressCallback,
) -> Corpus:
    """Pass 1 with the sketches sent back as a block per chunk (see ``sketch_refs``)."""
    settings: Settings = state["settings"]
    docs: list[Scanned] = []
    failed = list(failures)
    parts: list[dedup.SketchTable] = []
    progress(ProgressEvent("scan", 0, len(refs)))
    for _chunk, (scanned, part) in map_chunks(
        _scan_chunk, refs, state, settings.jobs, chunk_size=SKETCH_CHUNK // 2
    ):
        lost = [s.failure for s in scanned if s.failure is not None]
        if lost:
            failed.extend(lost)
            part = part.rows(np.array([s.failure is None for s in scanned]))
        docs.extend(s for s in scanned if s.failure is None)
        parts.append(part)
        progress(ProgressEvent("scan", len(docs) + len(failed) - len(failures), len(refs)))
    return Corpus(tuple(docs), tuple(failed), dedup.SketchTable.concat(parts, settings.num_perm))


def _scan_chunk(refs: Sequence[DocRef]) -> tuple[list[Scanned], dedup.SketchTable]:
    state = worker_state()
    part = dedup.SketchTable.zeros(len(refs), state["settings"].num_perm)
    scanned = []
    for row, ref in enumerate(refs):
        one, sketch = _scan_doc(ref)
        if sketch is not None:
            part.put(row, sketch)
        scanned.append(one)
    return scanned, part


def _scan_one(ref: DocRef) -> Scanned:
    scanned, sketch = _scan_doc(ref)
    return replace(scanned, sketch=sketch) if sketch is not None else scanned


def _scan_doc(ref: DocRef) -> tuple[Scanned, dedup.DocSketch | None]:
    """Pass 1 for one document: read, sketch, and (``strip``) strip, fingerprint, write."""
    state = worker_state()
    settings: Settings = state["settings"]
    try:
        doc = load_document(ref, settings.errors)
    except InputError as exc:
        return Scanned(ref, failure=input_failure(ref, exc)), None
    sketch = dedup.sketch(doc.text, state["dedup"])
    if not state["strip"]:
        return Scanned(ref=ref, encoding=doc.encoding, confidence=doc.confidence), sketch
    page = rules.strip_and_fingerprint(doc.doc_id, doc.text, settings)
    stripped = page.stripped
    text = stripped.text
    verdicts = replay.record(doc, page) if state["verdicts"] else None
    scanned = Scanned(
        ref=ref,
        encoding=doc.encoding,
        confidence=doc.confidence,
        lines_in=len(stripped.kept) + len(stripped.removals),
        words=len(text.split()),
        fingerprints=page.fingerprints,
        verdicts=verdicts,
        output=_written(ref, text, state["writer"]),
        notes=notes_of(stripped) if verdicts is not None else None,
    )
    return scanned, sketch


def _written(ref: DocRef, text: str, writer: OutputWriter | None) -> str | None:
    """Where pass 1 staged a text document's stripped text (None: pass 2 writes it)."""
    if writer is None or ref.kind != "text":
        return None
    try:
        return writer.stage(ref, text)
    except InputError:  # pass 2 tries again and records the failure
        return None


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


def stripped_text_loader(corpus: Corpus, settings: Settings) -> Callable[[int], str]:
    """The verification text of document i, read again: pass 1's strip result replayed
    when it kept one (``clean``), else stripped."""
    docs = corpus.docs
    strip_again = ref_text_loader([s.ref for s in docs], settings)

    def load(index: int) -> str:
        verdicts = docs[index].verdicts
        if verdicts is None:
            return strip_again(index)
        try:
            doc = load_document(docs[index].ref, settings.errors)
        except InputError:  # changed or vanished since pass 1: it verifies as nothing
            return ""
        replayed = replay.replay(doc, verdicts)
        return replayed.text if replayed is not None else verification_text(doc, settings)

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
    table = corpus_table(corpus, settings.num_perm)
    load = stripped_text_loader(corpus, settings)
    return cluster_sketches(corpus.ids, table, load, settings, progress, scores_out)


def corpus_table(corpus: Corpus, num_perm: int) -> dedup.SketchTable:
    """The corpus's sketches as a table, a row per document (a document with no sketch:
    a row of zeros, never a candidate)."""
    if corpus.table is not None:
        return corpus.table
    table = dedup.SketchTable.zeros(len(corpus.docs), num_perm)
    for row, scanned in enumerate(corpus.docs):
        if scanned.sketch is not None:
            table.put(row, scanned.sketch)
    return table


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
        sketched = sketch_refs(found_items(paths, settings, found_failures), settings, progress)
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


def found_items(
    paths: Sequence[str], settings: Settings, failures: list[InputFailure]
) -> Iterator[DocRef | PendingRecord]:
    """``found_refs``, with JSON Lines records left for the workers to parse."""
    for item in iter_refs(paths, settings.globs, defer_records=True):
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
    items: Iterable[DocRef | PendingRecord],
    settings: Settings,
    progress: ProgressCallback = no_progress,
) -> Sketched:
    """Read and sketch every document on all cores, starting while ``items`` is still
    being produced; workers send back a block of signatures per chunk of documents, not
    an object per document. JSON Lines records (``PendingRecord``) are parsed by the
    workers; their ids are checked for repeats here, in order."""
    total = len(items) if isinstance(items, Sequence) else 0  # 0: not known yet
    if resolve_jobs(settings.jobs) > 1:
        dedup.kernels.warm_up()  # once here, not in every worker process
    kept: list[DocRef] = []
    parts: list[dedup.SketchTable] = []
    failures: list[InputFailure] = []
    ids = RecordIds()
    state = {"settings": settings, "dedup": dedup.DedupSettings.from_settings(settings)}
    progress(ProgressEvent("scan", 0, total))
    for chunk, (part, found) in map_chunks(
        _sketch_chunk, items, state, settings.jobs, chunk_size=SKETCH_CHUNK
    ):
        checked = [_checked(item, ref, ids) for item, ref in zip(chunk, found, strict=True)]
        failures.extend(ref for ref in checked if isinstance(ref, InputFailure))
        good = [isinstance(ref, DocRef) for ref in checked]
        kept.extend(ref for ref in checked if isinstance(ref, DocRef))
        parts.append(part if all(good) else part.rows(np.array(good)))
        progress(ProgressEvent("scan", len(kept) + len(failures), total))
    table = dedup.SketchTable.concat(parts, settings.num_perm)
    return Sketched(tuple(kept), table, tuple(failures))


def _checked(
    item: DocRef | PendingRecord, found: DocRef | InputFailure, ids: RecordIds
) -> DocRef | InputFailure:
    return ids.check(found, item.source) if isinstance(item, PendingRecord) else found


def _sketch_chunk(
    items: Sequence[DocRef | PendingRecord],
) -> tuple[dedup.SketchTable, list[DocRef | InputFailure]]:
    """The sketches of a chunk of documents, and each one's ref (or why it failed)."""
    state = worker_state()
    settings: Settings = state["settings"]
    part = dedup.SketchTable.zeros(len(items), settings.num_perm)
    found: list[DocRef | InputFailure] = []
    for row, item in enumerate(items):
        doc = _loaded(item, settings.errors)
        if isinstance(doc, InputFailure):
            found.append(doc)
            continue
        part.put(row, dedup.sketch(doc.text, state["dedup"]))
        found.append(doc.ref)
    return part, found


def _loaded(item: DocRef | PendingRecord, errors: str) -> Document | InputFailure:
    if isinstance(item, PendingRecord):
        return pending_document(item, errors)
    try:
        return load_document(item, errors)
    except InputError as exc:
        return input_failure(item, exc)


def finish(
    corpus: Corpus,
    clusters: Sequence[Cluster],
    settings: Settings,
    templates: rules.TemplateIndex | None,
    writer: OutputWriter,
    progress: ProgressCallback = no_progress,
) -> Iterator[Scanned | Finished | InputFailure | ClusterDone]:
    """Pass 2: what became of every document, in input order (a cluster at its last
    member), on all cores. A page that pass 1 staged and the site templates cannot change
    is settled: its staged output is moved into place and its ``Scanned`` comes back as it
    is. The others are stripped again with the templates and written, and each cluster is
    merged."""
    tasks = _finishing_tasks(corpus, clusters, templates)
    members = _member_indices(corpus, clusters)
    state = {
        "settings": settings,
        "templates": templates,
        "docs": corpus.docs,  # workers are forked: they share it, nothing is sent
        "clusters": clusters,
        "members": members,
        "writer": writer,
    }
    progress(ProgressEvent("strip", 0, len(corpus.docs)))
    done = 0
    results = map_ordered(_finish_task, tasks, state, settings.jobs, chunk_size=4)
    for (kind, items), result in zip(tasks, results, strict=True):
        if isinstance(result, list):  # a run of settled documents
            yield from (failure or corpus.docs[i] for i, failure in zip(items, result, strict=True))
            done += len(items)
        else:
            yield result
            done += len(members[items[0] - 1]) if kind == "cluster" else 1
        progress(ProgressEvent("strip", done, len(corpus.docs)))


COMMIT_BATCH = 256  # settled documents a worker moves into place per task
Task = tuple[str, tuple[int, ...]]  # ("commit", indices) | ("doc", (index,)) | ("cluster", (n,))


def _finishing_tasks(
    corpus: Corpus, clusters: Sequence[Cluster], templates: rules.TemplateIndex | None
) -> list[Task]:
    """Pass 2's work in input order: runs of settled documents, the documents to strip
    again, and each cluster where its last member is."""
    number = {m: n for n, c in enumerate(clusters, 1) for m in c.members}
    last = {number[s.ref.doc_id]: i for i, s in enumerate(corpus.docs) if s.ref.doc_id in number}
    tasks: list[Task] = []
    batch: list[int] = []
    for i, scanned in enumerate(corpus.docs):
        n = number.get(scanned.ref.doc_id, 0)
        if not n and _settled(scanned, templates):
            batch.append(i)
            if len(batch) == COMMIT_BATCH:
                tasks.append(("commit", tuple(batch)))
                batch = []
        elif not n or last[n] == i:  # (an earlier member waits for its cluster's last)
            if batch:
                tasks.append(("commit", tuple(batch)))
                batch = []
            tasks.append(("cluster", (n,)) if n else ("doc", (i,)))
    if batch:
        tasks.append(("commit", tuple(batch)))
    return tasks


def _finish_task(task: Task) -> list[InputFailure | None] | Finished | InputFailure | ClusterDone:
    kind, items = task
    state = worker_state()
    if kind == "commit":
        return [_commit(state["docs"][i], state["writer"]) for i in items]
    if kind == "doc":
        return _finish_document(items[0])
    return _finish_cluster(items[0])


def _commit(scanned: Scanned, writer: OutputWriter) -> InputFailure | None:
    """Move a settled document's staged output into place (None: done)."""
    try:
        writer.commit(scanned.ref)
    except InputError as exc:
        return input_failure(scanned.ref, exc)
    return None


def _finish_document(index: int) -> Finished | InputFailure:
    """A document in no cluster, stripped again with the templates and written."""
    state = worker_state()
    scanned = state["docs"][index]
    stripped = _stripped_again(scanned)
    if isinstance(stripped, InputFailure):
        return stripped
    return finish_alone(scanned, stripped, state["writer"])


def _finish_cluster(number: int) -> ClusterDone:
    """Cluster ``number``'s members read again, stripped, merged and written."""
    state = worker_state()
    members: dict[str, tuple[Scanned, Stripped]] = {}
    failures: list[InputFailure] = []
    for i in state["members"][number - 1]:
        scanned = state["docs"][i]
        stripped = _stripped_again(scanned)
        if isinstance(stripped, InputFailure):
            failures.append(stripped)
        else:
            members[scanned.ref.doc_id] = (scanned, stripped)
    settings: Settings = state["settings"]
    cluster = state["clusters"][number - 1]
    done = finish_cluster(number, cluster, members, settings.merge, state["writer"])
    return replace(done, failures=(*failures, *done.failures)) if failures else done


def _settled(scanned: Scanned, templates: rules.TemplateIndex | None) -> bool:
    """Pass 1 wrote it, and pass 2 would write the same."""
    if scanned.output is None or scanned.verdicts is None:
        return False
    return templates is None or replay.unchanged_by(
        scanned.verdicts, templates.for_site(scanned.ref.site)
    )


def _member_indices(corpus: Corpus, clusters: Sequence[Cluster]) -> list[list[int]]:
    """Per cluster, its members' positions in the corpus, in input order."""
    members: list[list[int]] = [[] for _ in clusters]
    number = {m: n for n, c in enumerate(clusters) for m in c.members}
    for i, scanned in enumerate(corpus.docs):
        n = number.get(scanned.ref.doc_id)
        if n is not None:
            members[n].append(i)
    return members


def _stripped_again(scanned: Scanned) -> Stripped | InputFailure:
    """A document read again and stripped with the site templates (pass 1's result when
    they cannot change it); a document that vanished since pass 1 loses its output."""
    state = worker_state()
    settings: Settings = state["settings"]
    try:
        doc = load_document(scanned.ref, settings.errors)
    except InputError as exc:  # changed or vanished since pass 1
        state["writer"].discard(scanned.ref)
        return input_failure(scanned.ref, exc)
    stripped = _replayed(doc, scanned, state["templates"])
    if stripped is None:
        stripped = strip_document(doc, settings, state["templates"], scanned.ref.site)
    return stripped


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
    builder = ReportBuilder(settings)
    with OutputWriter(out) as writer, ManifestWriter(out) as manifest:
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
        clusters = sorted(cluster(corpus, settings, progress, scores), key=lambda c: c.members)
        timer.lap("dedup")
        progress(ProgressEvent("templates", 0, 1))
        templates = learn_templates(corpus, clusters, settings) if settings.templates else None
        progress(ProgressEvent("templates", 1, 1))
        timer.lap("templates")
        builder.add_similarities(scores)
        builder.run.documents_in = len(corpus.docs) + len(corpus.failures)
        builder.run.failures.extend(corpus.failures)
        recorder = Recorder(clusters, writer, builder, manifest)
        for item in finish(corpus, clusters, settings, templates, writer, progress):
            if isinstance(item, Scanned):
                recorder.settled(item)
            elif isinstance(item, ClusterDone):
                recorder.cluster(item)
            else:
                recorder.document(item)
        for failure in builder.run.failures:
            manifest.write(failed_record(failure))
    timer.lap("strip+merge+write")
    builder.run.seconds = timer.seconds
    progress(ProgressEvent("report", 0, 1))
    write_reports(out, builder)
    progress(ProgressEvent("report", 1, 1))
    return builder.run
