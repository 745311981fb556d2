"""Pass 2 of ``clean``: the site templates, then what becomes of every document.

Pages that pass 1 staged and the site templates cannot change are settled: their staged
output is renamed into place (in a fresh OUT, where pass 1 wrote them in a staging folder,
nothing is done: the folder moves into place at the end, ``OutputWriter.publish``). The
others are read again and stripped with the templates; each near-duplicate cluster is
merged into its canonical document (``scrubber.assemble``), its members rebuilt from what
pass 1 staged where the templates leave them as they were.
All of it runs on the worker processes; the main process records the results in order
(``scrubber.record``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from scrubber import replay, rules
from scrubber.assemble import ClusterDone, Finished, finish_alone, finish_cluster
from scrubber.config import Settings
from scrubber.dedup import Parsed
from scrubber.errors import InputError
from scrubber.io import input_failure, load_document, prefetch
from scrubber.model import (
    Cluster,
    InputFailure,
    ProgressCallback,
    ProgressEvent,
    Scanned,
    Stripped,
    no_progress,
)
from scrubber.outputs import OutputWriter
from scrubber.parallel import map_ordered, resolve_jobs, worker_state
from scrubber.replay import Verdicts
from scrubber.scan import Corpus, strip_document


def finish(
    corpus: Corpus,
    clusters: Sequence[Cluster],
    settings: Settings,
    templates: rules.TemplateIndex | None,
    writer: OutputWriter,
    progress: ProgressCallback = no_progress,
    parsed: Mapping[str, Parsed] | None = None,
) -> Iterator[Scanned | Finished | InputFailure | ClusterDone]:
    """Pass 2: what became of every document, in input order (a cluster at its last
    member), on all cores. A page that pass 1 staged and the site templates cannot change
    is settled: its staged output is moved into place (``OutputWriter.commit``) and its
    ``Scanned`` comes back as it is. The others are stripped again with the templates and
    written, and each cluster is merged. ``parsed``: by id, the text of cluster members as the verification parsed it
    (``clusters.cluster``'s ``parsed_out``); used when pass 1's result stands."""
    tasks = _finishing_tasks(corpus, clusters, templates)
    members = _member_indices(corpus, clusters)
    state = {
        "parsed": parsed or {},  # by id: members' text as the verification parsed it
        "settings": settings,
        "templates": templates,
        "docs": corpus.docs,  # workers are forked: they share it, nothing is sent
        "clusters": clusters,
        "members": members,
        "writer": writer,
    }
    progress(ProgressEvent("strip", 0, len(corpus.docs)))
    done = 0
    # settled documents in a fresh OUT need nothing: ``OutputWriter.publish`` moves them
    sent = [task for task in tasks if writer.commits or task[0] != "commit"]
    chunk = _chunk_size(len(sent), resolve_jobs(settings.jobs))
    pending = map_ordered(_finish_task, sent, state, settings.jobs, chunk_size=chunk)
    results = _with_settled(tasks, pending, writer.commits)
    for (kind, items), result in zip(tasks, results, strict=True):
        if isinstance(result, list):  # a run of settled documents
            yield from (failure or corpus.docs[i] for i, failure in zip(items, result, strict=True))
            done += len(items)
        else:
            yield result
            done += len(members[items[0] - 1]) if kind == "cluster" else 1
        progress(ProgressEvent("strip", done, len(corpus.docs)))


COMMIT_BATCH = 256  # settled documents a worker moves into place per task


def _chunk_size(tasks: int, workers: int) -> int:
    """Tasks a worker takes at once: up to 64 (each message between the processes costs
    the main process time, and a cluster takes about a millisecond), but few enough that
    every worker gets eight chunks or more."""
    return max(4, min(64, tasks // (workers * 8)))


Task = tuple[str, tuple[int, ...]]  # ("commit", indices) | ("doc", (index,)) | ("cluster", (n,))
TaskResult = list[InputFailure | None] | Finished | InputFailure | ClusterDone


def _with_settled(
    tasks: Sequence[Task], pending: Iterator[TaskResult], commits: bool
) -> Iterator[TaskResult]:
    """The result of every task, in order: the workers' (``pending``), and nothing to
    report for each settled document that was not sent because it needs no commit."""
    for kind, items in tasks:
        yield next(pending) if commits or kind != "commit" else [None] * len(items)
    yield from pending  # (nothing: the pool's end)


def _finishing_tasks(
    corpus: Corpus, clusters: Sequence[Cluster], templates: rules.TemplateIndex | None
) -> list[Task]:
    """Pass 2's work in input order: runs of settled documents, the documents to strip
    again, and each cluster where its last member is."""
    number = {m: n for n, c in enumerate(clusters, 1) for m in c.members}
    last = {number[s.ref.doc_id]: i for i, s in enumerate(corpus.docs) if s.ref.doc_id in number}
    settled = _settled(corpus.docs, templates)
    tasks: list[Task] = []
    batch: list[int] = []
    for i, scanned in enumerate(corpus.docs):
        n = number.get(scanned.ref.doc_id, 0)
        if not n and settled[i]:
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


def _finish_task(task: Task) -> TaskResult:
    kind, items = task
    state = worker_state()
    if kind == "commit":
        return [_commit(state["docs"][i], state["writer"]) for i in items]
    if kind == "doc":
        return _finish_document(items[0])
    return _finish_cluster(items[0])


def _commit(scanned: Scanned, writer: OutputWriter) -> InputFailure | None:
    """Move a settled document's staged output into place (None: done)."""
    if scanned.staged is not None:  # a JSON Lines document: the main process copies it
        return None
    try:
        writer.commit(scanned.ref)
    except InputError as exc:
        writer.discard(scanned.ref)
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
    parsed: dict[str, Parsed] = {}  # of the members whose pass-1 text stands
    failures: list[InputFailure] = []
    docs = [state["docs"][i] for i in state["members"][number - 1]]
    stands = [_pass_one_stands(scanned, state["templates"]) for scanned in docs]
    # the sources of members whose pass-1 result the templates change: read again below
    prefetch(scanned.ref for scanned, stand in zip(docs, stands, strict=True) if not stand)
    for scanned, stand in zip(docs, stands, strict=True):
        found = _read_again(scanned, stand)
        if isinstance(found, InputFailure):
            failures.append(found)
            continue
        doc_id = scanned.ref.doc_id
        members[doc_id] = (scanned, found[0])
        if found[1] and doc_id in state["parsed"]:
            parsed[doc_id] = state["parsed"][doc_id]
    settings: Settings = state["settings"]
    cluster = state["clusters"][number - 1]
    done = finish_cluster(number, cluster, members, settings.merge, state["writer"], parsed)
    return replace(done, failures=(*failures, *done.failures)) if failures else done


def _settled(docs: Sequence[Scanned], templates: rules.TemplateIndex | None) -> list[bool]:
    """Per document: pass 1 wrote it, and pass 2 would write the same (the site's
    templates miss every line its page rules saw). A site's pages are checked at once."""
    written = [s.output is not None and s.verdicts is not None for s in docs]
    if templates is None:
        return written
    by_site: dict[str, list[tuple[int, Verdicts]]] = defaultdict(list)
    for i, scanned in enumerate(docs):
        if scanned.verdicts is not None and written[i]:
            by_site[scanned.ref.site].append((i, scanned.verdicts))
    for site, pages in by_site.items():
        same = replay.unchanged_by_each([v for _i, v in pages], templates.for_site(site))
        for (i, _verdicts), unchanged in zip(pages, same, strict=True):
            written[i] = unchanged
    return written


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
    found = _read_again(scanned)
    return found if isinstance(found, InputFailure) else found[0]


def _read_again(
    scanned: Scanned, stands: bool | None = None
) -> tuple[Stripped, bool] | InputFailure:
    """``_stripped_again``, and whether the result is pass 1's (the text pass 1 staged).
    ``stands``: ``_pass_one_stands`` of the page, where the caller has it already.

    Pass 1's result is rebuilt from the text it staged and its verdicts when it stands: the
    source is not read again, as it is not for a settled page (pass 2 finishes what pass 1
    read). When the staged text cannot be read back, the source is read and replayed."""
    state = worker_state()
    settings: Settings = state["settings"]
    if stands is None:
        stands = _pass_one_stands(scanned, state["templates"])
    if stands and scanned.verdicts is not None and scanned.notes is not None:
        text = state["writer"].staged_text(scanned)
        staged = None
        if text is not None:
            removals = scanned.notes.removals
            staged = replay.from_staged(scanned.ref.doc_id, text, scanned.verdicts, removals)
        if staged is not None:
            return staged, True
    try:
        doc = load_document(scanned.ref, settings.errors)
    except InputError as exc:  # vanished since pass 1
        state["writer"].discard(scanned.ref)
        return input_failure(scanned.ref, exc)
    if stands and scanned.verdicts is not None:
        replayed = replay.replay(doc, scanned.verdicts)
        if replayed is not None:
            return replayed, True
    return strip_document(doc, settings, state["templates"], scanned.ref.site), False


def _pass_one_stands(scanned: Scanned, templates: rules.TemplateIndex | None) -> bool:
    """Whether pass 1's strip result is the page's (the site's templates cannot change it)."""
    if scanned.verdicts is None:
        return False
    return templates is None or replay.unchanged_by(
        scanned.verdicts, templates.for_site(scanned.ref.site)
    )


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
