"""Bringing the index up to date with the files on disk, the way git refreshes its index.

A file whose size, mtime, ctime and inode match its row is not read again, unless it was
modified too close to the moment it was hashed ("racily clean": a second change within the
timestamp granularity would go unseen), then it is hashed again. A changed file is hashed;
only content the index has never seen is decoded, stripped and sketched (``compute``, which
is pass 1 of the pipeline). Results are committed in batches, so a killed cold build keeps
what it finished, and a file that changes while it is scanned is not recorded.

Documents are named by :func:`entry` (a text file's absolute path), so a warm run over
100,000 unchanged text files makes no per-document object but a stat.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scrubber.index.features import Features, bands_of
from scrubber.index.store import (
    STAT,
    FileRow,
    Store,
    file_row,
    row_checked,
    row_hash,
    stat_of,
)
from scrubber.model import DocRef, Scanned

RACY_NS = 2_000_000_000  # coarse file systems keep 1-2 s timestamps
BATCH = 2000  # documents per transaction during a build
FULL_GC_AFTER = 1000  # changed files after which every orphan is looked for (a build)
Compute = Callable[[list[DocRef]], Iterable[Scanned]]
RefsOf = Callable[[str], list[DocRef]]


def entry(ref: DocRef) -> str:
    """How :class:`Refreshed` names a document: its file's absolute path (and for a JSONL
    record, its id and offset)."""
    path = os.path.abspath(ref.path)
    return path if ref.kind == "text" else f"{path}\x00{ref.member}\x00{ref.offset}"


@dataclass
class Refreshed:
    """Per document (by :func:`entry`): its index id and content key when it is indexed, and
    what was scanned in this run (failures included)."""

    ids: dict[str, int] = field(default_factory=dict)
    keys: dict[str, bytes] = field(default_factory=dict)
    computed: dict[str, Scanned] = field(default_factory=dict)


def refresh(store: Store, refs: Sequence[DocRef], compute: Compute) -> Refreshed:
    """Index every document of ``refs``; scan (``compute``) only content never seen before."""
    by_path: dict[str, list[DocRef]] = {}
    for ref in refs:
        by_path.setdefault(os.path.abspath(ref.path), []).append(ref)
    return refresh_files(store, list(by_path), by_path.__getitem__, compute)


def refresh_files(
    store: Store, paths: Sequence[str], refs_of: RefsOf, compute: Compute, whole: bool = True
) -> Refreshed:
    """Like :func:`refresh` for files given by absolute path; ``refs_of(path)`` (their
    documents) is only called for files that changed. ``whole``: ``paths`` are the whole
    corpus, and indexed files missing from disk are dropped (else only ``paths`` are looked
    at: a part of the corpus, such as the pages of one site)."""
    started = time.time_ns()
    known = store.files(None if whole else paths)
    done = Refreshed()
    rows, lookup = _stat_all(paths, known, started, done)
    missing = _look_up(store, lookup, rows, refs_of, done)
    writer = _Writer(store, rows, done)
    for scanned in compute(missing):
        writer.add(scanned)
    writer.flush()
    changed = [path for path in lookup if rows[path] is not known.get(path)]
    _finish(store, known, rows, changed, refs_of, done, whole)
    return done


def _stat_all(
    paths: Sequence[str], known: dict[str, FileRow], started: int, done: Refreshed
) -> tuple[dict[str, FileRow | None], list[str]]:
    """The rows of the files whose documents must be looked up (None: unreadable), and
    those files.

    A text file whose stat matches its row (and is not racily clean) is done here: this
    loop is the whole cost of a warm run, so it makes no call it can avoid."""
    rows: dict[str, FileRow | None] = {}
    lookup: list[str] = []
    stat, pack, number = os.stat, STAT.pack, int.from_bytes
    ids, keys = done.ids, done.keys
    for path in paths:
        row = known.get(path)
        try:
            info = stat(path)
        except OSError:
            rows[path] = None
            lookup.append(path)
            continue
        if (
            row is not None
            and row[:32] == pack(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            and info.st_mtime_ns + RACY_NS < number(row[32:40], "little", signed=True)
        ):
            doc = number(row[56:64], "little", signed=True)  # see store.file_row
            if doc >= 0:
                ids[path], keys[path] = doc, row[40:56]
                continue
            rows[path] = row
        else:
            rows[path] = _hashed(path, info, started)
        lookup.append(path)
    return rows, lookup


def doc_key(ref: DocRef, file_hash: bytes) -> bytes:
    """A document's content key: its file's hash, or for a JSONL record that and its place."""
    if ref.kind == "text":
        return file_hash
    place = f"{ref.member}\x00{ref.offset}".encode()
    return hashlib.blake2b(file_hash + place, digest_size=16).digest()


def _hashed(path: str, info: os.stat_result, started: int) -> FileRow | None:
    """A new row for a file whose stat changed (None when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16))
    except OSError:
        return None  # compute() reports why it cannot be read
    return file_row(stat_of(info), started, digest.digest(), None)


def _look_up(
    store: Store,
    paths: list[str],
    rows: dict[str, FileRow | None],
    refs_of: RefsOf,
    done: Refreshed,
) -> list[DocRef]:
    """Find the documents of changed files in the index; return those it does not hold."""
    missing: list[DocRef] = []
    wanted: dict[str, tuple[DocRef, bytes]] = {}
    for path in paths:
        row = rows[path]
        for ref in refs_of(path):
            if row is None:
                missing.append(ref)
            else:
                wanted[entry(ref)] = (ref, doc_key(ref, row_hash(row)))
    found = store.known_keys(sorted({key for _, key in wanted.values()}))
    for name, (ref, key) in wanted.items():
        if key in found:
            done.ids[name], done.keys[name] = found[key], key
        else:
            missing.append(ref)
    return missing


class _Writer:
    """Stores scanned documents in batches, one transaction each."""

    def __init__(self, store: Store, rows: dict[str, FileRow | None], done: Refreshed) -> None:
        self.store, self.rows, self.done = store, rows, done
        self.pending: list[tuple[str, bytes, bytes, Features]] = []
        self.new: dict[bytes, int] = {}

    def add(self, scanned: Scanned) -> None:
        name = entry(scanned.ref)
        self.done.computed[name] = scanned
        features = Features.of(scanned)
        row = self.rows.get(os.path.abspath(scanned.ref.path))
        if features is not None and row is not None:
            source = row_hash(row)
            self.pending.append((name, doc_key(scanned.ref, source), source, features))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        fresh = [item for item in self.pending if self._unchanged(item[0])]
        self.pending = []
        if not fresh:
            return
        with self.store.transaction():
            stored: list[tuple[int, Features]] = []
            for name, key, source, features in fresh:
                doc = self.new.get(key)
                if doc is None:
                    doc = self.new[key] = self.store.put_doc(key, source, features)
                    stored.append((doc, features))
                self.done.ids[name], self.done.keys[name] = doc, key
            self.store.put_bands(_band_rows(stored))

    def _unchanged(self, name: str) -> bool:
        """The file still has the stat it had when hashed (else its features may not match)."""
        path = name.split("\x00", 1)[0]
        row = self.rows.get(path)
        try:
            return row is not None and row[:32] == stat_of(os.stat(path))
        except OSError:
            return False


def _band_rows(stored: Sequence[tuple[int, Features]]) -> list[tuple[int, int]]:
    live = [(doc, f.sketch) for doc, f in stored if not f.sketch.empty]
    if not live:
        return []
    keys = bands_of(np.stack([s.shingles for _, s in live]), np.stack([s.words for _, s in live]))
    docs = np.repeat(np.array([doc for doc, _ in live], np.int64), keys.shape[1])
    return list(zip(keys.ravel().tolist(), docs.tolist(), strict=True))


def _finish(
    store: Store,
    known: dict[str, FileRow],
    rows: dict[str, FileRow | None],
    changed: list[str],
    refs_of: RefsOf,
    done: Refreshed,
    whole: bool,
) -> None:
    """Record the changed files whose documents are all indexed; drop vanished files, and
    the documents only they had."""
    complete: list[tuple[str, FileRow]] = []
    for path in changed:
        row = rows[path]
        names = [entry(ref) for ref in refs_of(path)] if row is not None else []
        if row is not None and all(name in done.ids for name in names):
            doc = done.ids[path] if names == [path] else None  # one text document
            complete.append((path, file_row(row[:32], row_checked(row), row_hash(row), doc)))
    gone = [path for path in changed if rows[path] is None and path in known]
    if whole:
        listed = done.ids.keys() | rows.keys()
        gone += [path for path in known if path not in listed and not os.path.lexists(path)]
    if not complete and not gone:
        return
    before = {row_hash(known[path]) for path, _ in complete if path in known}
    before |= {row_hash(known[path]) for path in gone}
    with store.transaction():
        store.put_files(complete)
        store.delete_files(gone)
        _drop_orphans(store, None if len(complete) > FULL_GC_AFTER else before)


def _drop_orphans(store: Store, sources: set[bytes] | None) -> None:
    """Documents no file leads to any more (of ``sources``, or all), with their band keys."""
    orphans = store.orphans(sources)
    if not orphans:
        return
    ids = [doc for doc, _, _ in orphans]
    shingles = np.stack([np.frombuffer(s, dtype="<u4") for _, s, _ in orphans])
    words = np.stack([np.frombuffer(w, dtype="<u4") for _, _, w in orphans])
    keys = bands_of(shingles.astype(np.uint32), words.astype(np.uint32))
    docs = np.repeat(np.array(ids, np.int64), keys.shape[1])
    store.delete_docs(ids, zip(keys.ravel().tolist(), docs.tolist(), strict=True))
