"""The index file: one SQLite database, opened under a lock, validated before it is trusted.

Tables: ``meta`` (schema version, settings fingerprint), ``files`` (path -> stat and content
hash, git-index style), ``docs`` (content key -> features, see :mod:`.features`) and
``bands`` (band key -> document, a WITHOUT ROWID table that is its own index).

Every change happens in a transaction, so a killed run leaves the last committed state,
which is always usable: entries are keyed by content, and a file whose stat no longer
matches is hashed again. What cannot be trusted (not a database, truncated, another schema
version, other settings or code, a row failing its checksum) is deleted and rebuilt.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from scrubber.index.features import SCHEMA_VERSION, CorruptIndex, Features, from_row, to_row

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

CHUNK = 900  # SQLite's limit on query parameters is 999 in old builds
_HEADER = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(path TEXT PRIMARY KEY, row BLOB NOT NULL, hash BLOB NOT NULL);
CREATE INDEX files_hash ON files(hash);
CREATE TABLE docs(id INTEGER PRIMARY KEY, key BLOB UNIQUE NOT NULL, source BLOB NOT NULL,
                  encoding TEXT, confidence REAL, lines_in INTEGER, words INTEGER, size INTEGER,
                  shingles BLOB, content BLOB, prints BLOB, checksum BLOB);
CREATE INDEX docs_source ON docs(source);
CREATE TABLE bands(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc))
    WITHOUT ROWID;
"""
_FEATURES = "encoding, confidence, lines_in, words, size, shingles, content, prints, checksum"


# A file's row, packed (a warm run loads 100,000 of them): its stat when last hashed (size,
# mtime, ctime, inode), when that was, its content hash, and the id of its document (text
# files; -1 for a JSON Lines file, whose records are looked up by key).
FileRow = bytes
STAT = struct.Struct("<QqqQ")
_TAIL = struct.Struct("<q16sq")


def file_row(stat: bytes, checked: int, digest: bytes, doc: int | None) -> FileRow:
    return stat + _TAIL.pack(checked, digest, -1 if doc is None else doc)


def stat_of(info: os.stat_result) -> bytes:
    return STAT.pack(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def row_checked(row: FileRow) -> int:
    return int.from_bytes(row[32:40], "little", signed=True)


def row_hash(row: FileRow) -> bytes:
    return row[40:56]


class Store:
    """An open, validated index file (use :func:`open_store`)."""

    def __init__(self, db: sqlite3.Connection, num_perm: int) -> None:
        self.db = db
        self.num_perm = num_perm

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def files(self, paths: Sequence[str] | None = None) -> dict[str, FileRow]:
        """The rows of ``paths`` (all rows when None)."""
        if paths is None:
            return dict(self.db.execute("SELECT path, row FROM files"))
        found: dict[str, FileRow] = {}
        for part in _chunks(paths):
            sql = f"SELECT path, row FROM files WHERE path IN ({_marks(part)})"
            found.update(self.db.execute(sql, part))
        return found

    def put_files(self, rows: Iterable[tuple[str, FileRow]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?)",
            ((path, row, row_hash(row)) for path, row in rows),
        )

    def delete_files(self, paths: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in paths))

    def known_keys(self, keys: Sequence[bytes]) -> dict[bytes, int]:
        """Document id of each of ``keys`` that the index holds."""
        found: dict[bytes, int] = {}
        for part in _chunks(keys):
            sql = f"SELECT key, id FROM docs WHERE key IN ({_marks(part)})"
            found.update(self.db.execute(sql, part).fetchall())
        return found

    def put_doc(self, key: bytes, source: bytes, features: Features) -> int:
        cursor = self.db.execute(
            f"INSERT OR REPLACE INTO docs (key, source, {_FEATURES})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, source, *to_row(features)),
        )
        return int(cursor.lastrowid or 0)

    def put_bands(self, rows: Iterable[tuple[int, int]]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", rows)

    def features(self, ids: Sequence[int]) -> dict[int, Features]:
        found: dict[int, Features] = {}
        for part in _chunks(ids):
            sql = f"SELECT id, {_FEATURES} FROM docs WHERE id IN ({_marks(part)})"
            for row in self.db.execute(sql, part):
                found[row[0]] = from_row(row[1:], self.num_perm)
        if len(found) != len(set(ids)):
            raise CorruptIndex("documents the files table names are missing")
        return found

    def signatures(self, ids: Sequence[int]) -> dict[int, tuple[bytes, bytes, int]]:
        """(n-gram signature, content-word signature, words) of each document, unverified."""
        found: dict[int, tuple[bytes, bytes, int]] = {}
        for part in _chunks(ids):
            sql = f"SELECT id, shingles, content, size FROM docs WHERE id IN ({_marks(part)})"
            found.update((row[0], tuple(row[1:])) for row in self.db.execute(sql, part))
        return found

    def band_members(self, keys: Sequence[int]) -> dict[int, list[int]]:
        """The documents with each of the band ``keys`` (keys no document has are left out)."""
        found: dict[int, list[int]] = {}
        for part in _chunks(keys):
            sql = f"SELECT key, doc FROM bands WHERE key IN ({_marks(part)})"
            for key, doc in self.db.execute(sql, part):
                found.setdefault(key, []).append(doc)
        return found

    def orphans(self, sources: set[bytes] | None) -> list[tuple[int, bytes, bytes]]:
        """(id, n-gram signature, word signature) of the documents no file row leads to:
        among those of ``sources`` (content hashes), or all of them."""
        unused = "NOT EXISTS (SELECT 1 FROM files WHERE files.hash = docs.source)"
        if sources is None:
            rows = self.db.execute(f"SELECT id, shingles, content FROM docs WHERE {unused}")
            return [(row[0], row[1], row[2]) for row in rows]
        found: list[tuple[int, bytes, bytes]] = []
        for part in _chunks(sorted(sources)):
            sql = f"SELECT id, shingles, content FROM docs WHERE source IN ({_marks(part)}) AND {unused}"
            found.extend((row[0], row[1], row[2]) for row in self.db.execute(sql, part))
        return found

    def delete_docs(self, ids: Sequence[int], bands: Iterable[tuple[int, int]]) -> None:
        self.db.executemany("DELETE FROM bands WHERE key = ? AND doc = ?", bands)
        self.db.executemany("DELETE FROM docs WHERE id = ?", ((i,) for i in ids))


def _chunks(items: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


def _marks(part: Sequence[Any]) -> str:
    return ",".join("?" * len(part))


@contextlib.contextmanager
def open_store(path: Path, fingerprint: str, num_perm: int) -> Iterator[Store]:
    """The index at ``path``, locked for this process; rebuilt empty when it cannot be trusted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _ignore_in_git(path.parent)
    with _locked(path.with_name(path.name + ".lock")):
        db = _open_trusted(path, fingerprint)
        try:
            yield Store(db, num_perm)
        finally:
            db.close()


def reset(path: Path) -> None:
    """Delete the index file and its journals (the caller holds the lock)."""
    for suffix in ("", "-journal", "-wal", "-shm"):  # the database first: see _create
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def _open_trusted(path: Path, fingerprint: str) -> sqlite3.Connection:
    if path.exists():
        try:
            db = _connect(path)
            if _meta(db) == {"schema": str(SCHEMA_VERSION), "settings": fingerprint} and _whole(
                path
            ):
                return db
            db.close()
        except sqlite3.DatabaseError:
            pass
    reset(path)
    return _create(path, fingerprint)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=60)
    db.execute("PRAGMA cache_size = -65536")  # 64 MiB: band inserts touch many pages
    return db


def _meta(db: sqlite3.Connection) -> dict[str, str]:
    """The meta table (reading it also rolls back a transaction a killed run left)."""
    return dict(db.execute("SELECT key, value FROM meta").fetchall())


def _whole(path: Path) -> bool:
    """The header's page count fits the file (a truncated copy fails this)."""
    with path.open("rb") as handle:
        head = handle.read(100)
    if len(head) < 100 or not head.startswith(_HEADER):
        return False
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    if head[24:28] != head[92:96]:  # the page count is not maintained: nothing to compare
        return True
    return path.stat().st_size >= pages * page_size


def _create(path: Path, fingerprint: str) -> sqlite3.Connection:
    """A new, empty index: schema and meta in one transaction (a killed run leaves no meta,
    which the next run rejects)."""
    # reset() removed the database before its journal; one found now is stale and must not be
    # rolled back into the new file.
    reset(path)
    db = _connect(path)
    meta = f"INSERT INTO meta VALUES ('schema', '{SCHEMA_VERSION}'), ('settings', '{fingerprint}');"
    db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}{meta}COMMIT;")
    return db


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """One process at a time per index (pre-commit may start hooks side by side)."""
    handle: IO[bytes] = lock_path.open("ab")
    try:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def _ignore_in_git(folder: Path) -> None:
    """A ``.scrubber/`` folder ignores itself, as ``.pytest_cache/`` does."""
    marker = folder / ".gitignore"
    if folder.name == ".scrubber" and not marker.exists():
        with contextlib.suppress(OSError):
            marker.write_text("# created by scrubber: the index is a cache\n*\n")
