"""The incremental index: pass 1's results cached on disk, keyed by content and settings.

``scrubber dupes --cache``, ``scrubber clean --cache`` and the pre-commit hooks share one
SQLite file (by default ``.scrubber/index.sqlite`` under the corpus root). A document is
decoded, stripped and sketched once per content and settings; a warm run only stats the
files, like ``git status``, and answers exactly as a cold run would.

    use_index(path, settings, work)      run ``work(CorpusIndex)``; a damaged index is rebuilt
    CorpusIndex.refresh(refs, compute)   bring the index up to date, scanning new content only
    CorpusIndex.scan(refs, compute)      ... and return every ref's ``Scanned`` (pipeline pass 1)
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from scrubber.config import Settings
from scrubber.errors import UsageError
from scrubber.index.features import CorruptIndex, Features, fingerprint
from scrubber.index.store import Store, open_store, reset
from scrubber.index.update import Compute, Refreshed, RefsOf, entry, refresh, refresh_files
from scrubber.model import DocRef, Scanned

__all__ = ["DEFAULT_NAME", "CorpusIndex", "Refreshed", "default_path", "entry", "use_index"]

DEFAULT_NAME = ".scrubber/index.sqlite"
T = TypeVar("T")


def default_path(root: Path) -> Path:
    """Where a corpus keeps its index: ``ROOT/.scrubber/index.sqlite`` (a file's folder for a file)."""
    folder = root if root.is_dir() else root.parent
    return folder / DEFAULT_NAME


class CorpusIndex:
    """An open index; every method may raise ``CorruptIndex`` (``use_index`` handles it)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def refresh(self, refs: Sequence[DocRef], compute: Compute) -> Refreshed:
        """Index every ref's document, scanning (``compute``) only content not indexed yet."""
        return refresh(self.store, refs, compute)

    def refresh_files(
        self, paths: Sequence[str], refs_of: RefsOf, compute: Compute, whole: bool = True
    ) -> Refreshed:
        """The same for files given by absolute path (``refs_of``: a changed file's documents;
        ``whole``: they are the whole corpus, see :func:`~scrubber.index.update.refresh_files`)."""
        return refresh_files(self.store, paths, refs_of, compute, whole)

    def scan(self, refs: Sequence[DocRef], compute: Compute, fingerprints: bool) -> list[Scanned]:
        """Pass 1 for ``refs`` (in their order), from the index where it can be trusted."""
        done = self.refresh(refs, compute)
        names = [entry(ref) for ref in refs]
        wanted = {done.ids[n] for n in names if n not in done.computed and n in done.ids}
        stored = self.store.features(sorted(wanted))
        return [
            _scanned(ref, name, done, stored, fingerprints)
            for ref, name in zip(refs, names, strict=True)
        ]

    def features(self, ids: Sequence[int]) -> dict[int, Features]:
        return self.store.features(ids)


def _scanned(
    ref: DocRef, name: str, done: Refreshed, stored: dict[int, Features], fingerprints: bool
) -> Scanned:
    computed = done.computed.get(name)
    if computed is not None:
        return computed if fingerprints else dataclasses.replace(computed, fingerprints=None)
    doc = done.ids.get(name)
    if doc is None:  # compute() was given the ref and returned nothing for it: a bug upstream
        raise CorruptIndex(f"{ref.doc_id}: neither indexed nor scanned")
    return stored[doc].scanned(Scanned(ref), fingerprints)


def use_index(path: Path, settings: Settings, work: Callable[[CorpusIndex], T]) -> T:
    """``work(index)`` with the index at ``path`` locked for this process.

    An index that cannot be trusted (see :mod:`scrubber.index.store`) is rebuilt on opening;
    one found damaged while ``work`` reads it is deleted and ``work`` runs again on a new one.
    """
    key = fingerprint(settings)
    for attempt in range(2):
        try:
            with open_store(path, key, settings.num_perm) as store:
                try:
                    return work(CorpusIndex(store, settings))
                except (CorruptIndex, sqlite3.DatabaseError):
                    if attempt:
                        raise
                    store.db.close()
                    reset(path)
        except OSError as exc:
            raise UsageError(_cannot_use(path, exc)) from exc
        except (CorruptIndex, sqlite3.DatabaseError) as exc:
            raise UsageError(_cannot_use(path, exc)) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _cannot_use(path: Path, exc: BaseException) -> str:
    return (
        f"{path}: cannot use the index ({exc}); delete the file, give another place with "
        "--cache-file, or run without --cache"
    )
