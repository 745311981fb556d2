"""Pass 1: read every document once, on all cores, and keep what the later stages need.

``dupes`` (``sketch_refs``) reads and sketches each document; JSON Lines records are parsed
by the workers. ``clean`` (``scan_refs``) also strips each page with the per-page rules,
fingerprints its lines for the site templates, keeps the strip result in a few bytes
(``scrubber.replay``) and stages the stripped text as a temporary file next to its output,
which pass 2 (``scrubber.finish``) moves into place or replaces.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from scrubber import dedup, replay, rules
from scrubber.assemble import NO_NOTES
from scrubber.config import Settings
from scrubber.errors import InputError
from scrubber.io import (
    PendingRecord,
    RecordIds,
    input_failure,
    iter_refs,
    load_document,
    pending_document,
    prefetch,
)
from scrubber.model import (
    DocRef,
    Document,
    InputFailure,
    Notes,
    ProgressCallback,
    ProgressEvent,
    Scanned,
    Stripped,
    no_progress,
)
from scrubber.outputs import OutputWriter, Staged
from scrubber.parallel import (
    map_chunks,
    map_ordered,
    resolve_jobs,
    worker_state,
)
from scrubber.report.context import near_removed

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
    refs: Iterable[DocRef],
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
    """Pass 1 over documents already found, or being found: ``refs`` may be a generator
    that fills ``failures`` (discovery's, kept in front) as it goes, so that pass 1 starts
    at the first document found.

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

        found = list(refs)
        results = use_index(cache, settings, lambda index: index.scan(found, compute, fingerprints))
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
    refs: Iterable[DocRef],
    failures: Sequence[InputFailure],
    state: dict[str, Any],
    progress: ProgressCallback,
) -> Corpus:
    """Pass 1 with the sketches sent back as a block per chunk (see ``sketch_refs``)."""
    settings: Settings = state["settings"]
    docs: list[Scanned] = []
    failed: list[InputFailure] = []
    parts: list[dedup.SketchTable] = []
    counted = _Counted(refs)
    progress(ProgressEvent("scan", 0, counted.total))
    for chunk, (results, part) in map_chunks(
        _scan_chunk, counted, state, settings.jobs, chunk_size=SKETCH_CHUNK // 2
    ):
        scanned = [Scanned(ref, *values) for ref, values in zip(chunk, results, strict=True)]
        lost = [s.failure for s in scanned if s.failure is not None]
        if lost:
            failed.extend(lost)
            part = part.rows(np.array([s.failure is None for s in scanned]))
        docs.extend(s for s in scanned if s.failure is None)
        parts.append(part)
        progress(ProgressEvent("scan", len(docs) + len(failed), counted.total))
    table = dedup.SketchTable.concat(parts, settings.num_perm)
    return Corpus(tuple(docs), (*failures, *failed), table)


class _Counted:
    """The items of an iterable as they are taken; ``total`` is their number once it is
    known (a sequence's length, or a generator's count when it is used up), else 0."""

    def __init__(self, items: Iterable[DocRef]) -> None:
        self._items = items
        self.total = len(items) if isinstance(items, Sequence) else 0

    def __iter__(self) -> Iterator[DocRef]:
        count = 0
        for item in self._items:
            count += 1
            yield item
        self.total = count


# ``Scanned`` without its first field, the ref: what a worker sends back for a document.
# The main process has the refs already; a copy of each, unpickled, would double them.
ScannedFields = tuple[Any, ...]
_fields_after_ref = operator.attrgetter(*(field.name for field in fields(Scanned)[1:]))


# Documents a worker takes through each step of pass 1 together (read them all, then
# sketch them all, then strip them all, ...): each step's code and data stay in the CPU's
# caches, which took 7 % off clean's pass 1 against one document through all steps at once.
_STEP_BATCH = 64


def _scan_chunk(refs: Sequence[DocRef]) -> tuple[list[ScannedFields], dedup.SketchTable]:
    state = worker_state()
    part = dedup.SketchTable.zeros(len(refs), state["settings"].num_perm)
    prefetch(refs)
    results = []
    for start in range(0, len(refs), _STEP_BATCH):
        done = _scan_batch(refs[start : start + _STEP_BATCH])
        for row, (one, sketch) in enumerate(done, start):
            if sketch is not None:
                part.put(row, sketch)
            results.append(_fields_after_ref(one))
    return results, part


def _scan_one(ref: DocRef) -> Scanned:
    ((scanned, sketch),) = _scan_batch([ref])
    return replace(scanned, sketch=sketch) if sketch is not None else scanned


def _scan_batch(refs: Sequence[DocRef]) -> list[tuple[Scanned, dedup.DocSketch | None]]:
    """Pass 1 for a few documents, in order, a step at a time (see ``_STEP_BATCH``): read
    them; with ``strip``, strip and fingerprint them; sketch them; with ``strip``, stage
    each one's stripped text."""
    state = worker_state()
    settings: Settings = state["settings"]
    docs: list[Document] = []
    failed: dict[int, InputFailure] = {}
    for i, ref in enumerate(refs):
        try:
            docs.append(load_document(ref, settings.errors))
        except InputError as exc:
            failed[i] = input_failure(ref, exc)
    if state["strip"]:
        pages = rules.strip_and_fingerprint_pages(
            [(doc.doc_id, doc.text) for doc in docs], settings
        )
        # the line rules folded every line: the sketch need not fold the page again
        folded = zip(docs, pages, strict=True)
        sketches = [dedup.sketch(doc.text, state["dedup"], page.folded) for doc, page in folded]
        scanned = list(map(_stripped_result, docs, pages))
    else:
        sketches = [dedup.sketch(doc.text, state["dedup"]) for doc in docs]
        scanned = [Scanned(doc.ref, doc.encoding, doc.confidence) for doc in docs]
    done = iter(zip(scanned, sketches, strict=True))
    return [
        (Scanned(ref, failure=failed[i]), None) if i in failed else next(done)
        for i, ref in enumerate(refs)
    ]


def _stripped_result(doc: Document, page: rules.FingerprintedPage) -> Scanned:
    """A stripped page's ``Scanned``; its text staged when the run writes (``verdicts``)."""
    state = worker_state()
    verdicts = replay.record(doc, page) if state["verdicts"] else None
    output, staged = _stage(doc.ref, page.text, state["writer"])
    return Scanned(
        ref=doc.ref,
        encoding=doc.encoding,
        confidence=doc.confidence,
        lines_in=len(page.lines),
        words=page.words,
        fingerprints=page.fingerprints,
        verdicts=verdicts,
        output=output,
        staged=staged,
        notes=_notes(page) if verdicts is not None else None,
    )


def _notes(page: rules.FingerprintedPage) -> Notes:
    """``notes_of(page.stripped)``, without making the page's ``Stripped``."""
    if not page.removals:  # most pages
        return NO_NOTES
    return Notes(page.removals, tuple(near_removed(page.lines, page.verdicts)))


def _stage(ref: DocRef, text: str, writer: OutputWriter | None) -> tuple[str | None, Staged | None]:
    """Stage a document's stripped text: a temporary file next to its output (a JSON Lines
    document: a line of a temporary file). ``(output, staged)``, or ``(None, None)`` when
    it is not staged: pass 2 writes it."""
    if writer is None:
        return None, None
    try:
        if ref.kind == "text":
            return writer.stage(ref, text), None
        return writer.stage_record(ref, text)
    except InputError:  # pass 2 tries again and records the failure
        return None, None


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


def found_refs(
    paths: Sequence[str], settings: Settings, failures: list[InputFailure]
) -> Iterator[DocRef]:
    """The documents under ``paths`` as they are found; what cannot be read goes to
    ``failures``. A path that does not exist raises ``UsageError`` now, not when the
    first document is asked for."""
    return _failures_aside(iter_refs(paths, settings.globs), failures)


def found_items(
    paths: Sequence[str], settings: Settings, failures: list[InputFailure]
) -> Iterator[DocRef | PendingRecord]:
    """``found_refs``, with JSON Lines records left for the workers to parse."""
    return _failures_aside(iter_refs(paths, settings.globs, defer_records=True), failures)


def _failures_aside(
    items: Iterable[DocRef | PendingRecord | InputFailure], failures: list[InputFailure]
) -> Iterator[Any]:
    for item in items:
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
    prefetch(item for item in items if isinstance(item, DocRef))
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
