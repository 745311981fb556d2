"""The deduplication stage: candidates by LSH, exact verification, clusters.

Documents are numbered by id (``dedup_order``), so clusters do not depend on the order the
inputs were found in, nor on the engine. Candidates are compared on their stripped text:
read again (``ref_text_loader``), rebuilt from pass 1's strip result, or read back from
what ``clean``'s pass 1 staged (``stripped_text_loader``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber import dedup, replay
from scrubber.config import Settings
from scrubber.errors import InputError
from scrubber.io import load_document, prefetch
from scrubber.model import (
    Cluster,
    DocRef,
    Pair,
    ProgressCallback,
    Scanned,
    no_progress,
)
from scrubber.scan import Corpus, verification_text

StagedText = Callable[[Scanned], str | None]


def stripped_text_loader(
    corpus: Corpus, settings: Settings, staged: StagedText | None = None
) -> Callable[[int], str]:
    """The verification text of document i: what pass 1 staged (``clean``: ``staged``
    reads it back, see ``OutputWriter.staged_text``), else read again, with pass 1's strip
    result replayed when it kept one, else stripped."""
    docs = corpus.docs
    strip_again = ref_text_loader([s.ref for s in docs], settings)

    def load(index: int) -> str:
        text = staged(docs[index]) if staged is not None else None
        if text is not None:
            return text
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
    staged: StagedText | None = None,
    parsed_out: dict[str, dedup.Parsed] | None = None,
) -> list[Cluster]:
    """Near-duplicate clusters over the scanned corpus, each with its canonical member.
    ``scores_out`` receives the score of every verified candidate pair (for the report).
    ``staged``: the stripped text pass 1 staged for a document, if any (``clean``).
    ``parsed_out`` receives, by id, the parsed text that members were compared on (as
    much as ``dedup.verify.keep_members`` keeps), for the merge.
    With ``engine = "ray"`` the candidates and their verification run on a Ray cluster."""
    if settings.engine == "ray":
        from scrubber.engines import ray as ray_engine  # an optional extra: imported on use

        return ray_engine.cluster_corpus(corpus, settings, progress, scores_out)
    table = corpus_table(corpus, settings.num_perm)
    load = stripped_text_loader(corpus, settings, staged)
    refs = [scanned.ref for scanned in corpus.docs]
    found = find_candidates(corpus.ids, table, settings, progress)
    return verify_candidates(found, load, settings, progress, scores_out, refs, parsed_out)


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
    refs: Sequence[DocRef] = (),
    parsed_out: dict[str, dedup.Parsed] | None = None,
) -> list[Cluster]:
    """Compare every candidate pair exactly (``load_text(row)``: the text it is compared
    on) and cluster the similar ones, each with its canonical member. ``refs``: where
    row i is read from (its documents are then asked for from the disk a chunk at once).
    ``parsed_out``: see ``cluster``."""
    rows = found.rows

    def prepare(indices: Sequence[int]) -> None:
        prefetch(refs[rows[k]] for k in indices)

    parsed: dict[int, dedup.Parsed] | None = {} if parsed_out is not None else None
    groups = dedup.verify_candidates(
        found.pairs,
        lambda k: load_text(rows[k]),
        dedup.DedupSettings.from_settings(settings),
        progress,
        jobs=settings.jobs,
        scores_out=scores_out,
        prepare=prepare if refs else None,
        parsed_out=parsed,
    )
    if parsed_out is not None and parsed:
        parsed_out.update((found.ids[k], text) for k, text in parsed.items())
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
