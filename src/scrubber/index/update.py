"""Bringing the index up to date with the files on disk, the way git refreshes its index.

A file whose size, mtime, ctime and inode match its row is not read again, unless it was
modified too close to the moment it was hashed ("racily clean": a second change within the
timestamp granularity would go unseen), then it is hashed again. A changed file is hashed;
only content the index has never seen is decoded, stripped and sketched (``compute``, which
is pass 1 of the pipeline). Results are committed in batches, so a killed cold build keeps
what it finished, and a file that changes while it is scanned is not recorded.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scrubber.index.features import Features, bands_of
from scrubber.index.store import FileRow, Store
from scrubber.model import DocRef, Scanned

RACY_NS = 2_000_000_000  # coarse file systems keep 1-2 s timestamps
BATCH = 2000  # documents per transaction during a build
FULL_GC_AFTER = 1000  # changed files after which every orphan is looked for (a build)
Compute = Callable[[list[DocRef]], Iterable[Scanned]]


@dataclass
class Refreshed:
    """The index document id (and content key) of every ref whose document is indexed, and
    what was scanned now."""

    ids: dict[DocRef, int] = field(default_factory=dict)
    keys: dict[DocRef, bytes] = field(default_factory=dict)
    computed: dict[DocRef, Scanned] = field(default_factory=dict)


def refresh(store: Store, refs: Sequence[DocRef], compute: Compute) -> Refreshed:
    """Index every document of ``refs``; scan (``compute``) only content never seen before."""
    started = time.time_ns()
    by_path: dict[str, list[DocRef]] = {}
    for ref in refs:
        by_path.setdefault(os.path.abspath(ref.path), []).append(ref)
    known = store.files()
    rows = {path: _check(path, known.get(path), started) for path in by_path}
    ids = dict(store.db.execute("SELECT key, id FROM docs").fetchall())
    done = Refreshed()
    missing: list[DocRef] = []
    for path, path_refs in by_path.items():
        row = rows[path]
        for ref in path_refs:
            key = doc_key(ref, row.hash) if row is not None else b""
            doc = ids.get(key)
            if doc is None:
                missing.append(ref)
            else:
                done.ids[ref], done.keys[ref] = doc, key
    writer = _Writer(store, rows, done)
    for scanned in compute(missing):
        writer.add(scanned)
    writer.flush()
    _finish(store, known, rows, by_path, done)
    return done


def doc_key(ref: DocRef, file_hash: bytes) -> bytes:
    """A document's content key: its file's hash, or for a JSONL record that and its place."""
    if ref.kind == "text":
        return file_hash
    place = f"{ref.member}\x00{ref.offset}".encode()
    return hashlib.blake2b(file_hash + place, digest_size=16).digest()


def _check(path: str, row: FileRow | None, started: int) -> FileRow | None:
    """The file's row: the stored one when its stat still matches, else a fresh hash."""
    try:
        info = os.stat(path)
        if row is not None and row.same_stat(info) and info.st_mtime_ns < row.checked_ns - RACY_NS:
            return row
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16))
    except OSError:
        return None  # compute() reports why it cannot be read
    return FileRow(
        info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, digest.digest(), started
    )


class _Writer:
    """Stores scanned documents in batches, one transaction each."""

    def __init__(self, store: Store, rows: dict[str, FileRow | None], done: Refreshed) -> None:
        self.store, self.rows, self.done = store, rows, done
        self.pending: list[tuple[DocRef, bytes, bytes, Features]] = []
        self.new: dict[bytes, int] = {}

    def add(self, scanned: Scanned) -> None:
        self.done.computed[scanned.ref] = scanned
        features = Features.of(scanned)
        row = self.rows.get(os.path.abspath(scanned.ref.path))
        if features is not None and row is not None:
            key = doc_key(scanned.ref, row.hash)
            self.pending.append((scanned.ref, key, row.hash, features))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        fresh = [item for item in self.pending if self._unchanged(item[0])]
        self.pending = []
        if not fresh:
            return
        with self.store.transaction():
            stored: list[tuple[int, Features]] = []
            for ref, key, source, features in fresh:
                doc = self.new.get(key)
                if doc is None:
                    doc = self.new[key] = self.store.put_doc(key, source, features)
                    stored.append((doc, features))
                self.done.ids[ref], self.done.keys[ref] = doc, key
            self.store.put_bands(_band_rows(stored))

    def _unchanged(self, ref: DocRef) -> bool:
        """The file still has the stat it had when hashed (else its features may not match)."""
        row = self.rows.get(os.path.abspath(ref.path))
        try:
            return row is not None and row.same_stat(os.stat(ref.path))
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
    by_path: dict[str, list[DocRef]],
    done: Refreshed,
) -> None:
    """Record the files whose documents are all indexed; drop vanished files and orphans."""
    complete = [
        (path, row)
        for path, row in rows.items()
        if row is not None and row != known.get(path) and all(r in done.ids for r in by_path[path])
    ]
    gone = [path for path in known if path not in rows and not os.path.lexists(path)]
    gone += [path for path, row in rows.items() if row is None and path in known]
    if not complete and not gone:
        return
    # content that only the changed or vanished files had may now be unreferenced
    before = {known[path].hash for path, _ in complete if path in known}
    before |= {known[path].hash for path in gone}
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
