"""Writing outputs so that a crash never leaves a half-written file, nor one outside OUT.

Every file is written to a temporary file in its own directory (same file system, so the
rename is atomic), flushed and fsync'ed, then moved over the target with ``os.replace``.
A reader sees the old file or the new one, never a mix; an exception removes the temporary.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

# A path segment longer than this (in UTF-8 bytes) is shortened: most file systems stop at 255.
MAX_SEGMENT_BYTES = 200
# Temporary files are named ".{target}.{random}" + TEMP_SUFFIX, next to their target: a run
# killed before the rename leaves them behind, and the next run removes them by this suffix.
TEMP_SUFFIX = ".scrubber.tmp"

_UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f]")
_DRIVE = re.compile("^([A-Za-z]):")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _default_mode() -> int:
    """The permissions a new file gets under the current umask (mkstemp would give 0600).

    Read once at import: reading the umask means setting it, which races with other threads.
    """
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_NEW_FILE_MODE = _default_mode()
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BUFFER = 1 << 20  # bytes a file written through _AtomicFile collects before each write


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically, creating missing parent directories.

    ``durable=False`` skips the two fsyncs (a few milliseconds per file on a real disk): the
    file is still never seen half-written by a reader, nor after a crash of this process,
    but a power loss may leave it empty until the caller syncs (``clean`` syncs once, at the
    end, before it removes its marker)."""
    if not durable:
        make_dirs(Path(path).parent)
        replace_file(os.fspath(path), data)
        return
    with _AtomicFile(Path(path), durable) as handle:
        handle.write(data)


def atomic_write_parts(path: Path, parts: Iterable[bytes], *, durable: bool = True) -> None:
    """``atomic_write_bytes`` of ``b"".join(parts)`` without joining them: a large file is
    written while it is produced (the report of a million documents is about a gigabyte)."""
    with _AtomicFile(Path(path), durable) as handle:
        for part in parts:
            handle.write(part)


_TEMP_NUMBERS = itertools.count()


def staged_name(path: str) -> str:
    """Where ``OutputWriter.stage`` puts ``path`` until it is committed: a temporary file
    (removed by the next run if this one is killed), named after the whole path."""
    folder, name = os.path.split(path)
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
    return os.path.join(folder, f".{name[:64]}.{digest}{TEMP_SUFFIX}")


def write_file(path: str, data: bytes, like: str | None) -> None:
    """Write ``data`` to ``path`` (not atomically: ``path`` is a temporary name), with the
    permissions that ``like`` has, or new files get (``like=None``: the caller knows that
    ``like`` does not exist, which saves looking)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o666)
    try:
        _write_all(fd, data, like)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes, like: str | None) -> None:
    rest = memoryview(data)
    while rest:
        rest = rest[os.write(fd, rest) :]
    if like is None:
        return
    mode = _target_mode(like)
    if mode != _NEW_FILE_MODE and hasattr(os, "fchmod"):  # keep a replaced file's mode
        os.fchmod(fd, mode)


def replace_file(path: str, data: bytes) -> None:
    """``atomic_write_bytes(path, data, durable=False)`` into a folder that exists, in five
    system calls: a corpus of a million documents is written a million times."""
    folder, name = os.path.split(path)
    temp = os.path.join(folder, f".{name[:64]}.{os.getpid()}-{next(_TEMP_NUMBERS)}{TEMP_SUFFIX}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o666)
    except FileExistsError:  # left by a killed run of a process with this pid
        _remove_quietly(temp)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o666)
    try:
        _write_all(fd, data, path)
        os.close(fd)
        fd = -1
        os.replace(temp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        _remove_quietly(temp)
        raise


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 exactly as given (no newline translation), atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


class AtomicJsonlWriter:
    """Write records one JSON object per line; the file appears only when the ``with``
    block ends without an exception (otherwise the temporary file is removed).

    Records are dicts (or dataclasses, converted with ``dataclasses.asdict``), written as
    UTF-8 (``ensure_ascii=False``) in key order as given; NaN and infinity are refused
    because they are not JSON.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._file: _AtomicFile | None = None
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> AtomicJsonlWriter:
        self._file = _AtomicFile(self.path)
        self._handle = self._file.__enter__()
        return self

    def write(self, record: Mapping[str, Any] | Any) -> None:
        if self._handle is None:
            raise RuntimeError("AtomicJsonlWriter.write() outside its with block")
        if dataclasses.is_dataclass(record) and not isinstance(record, type):
            record = dataclasses.asdict(record)
        self.write_line(json_line(record))

    def write_line(self, line: bytes) -> None:
        """Write a record already encoded by ``json_line``."""
        if self._handle is None:
            raise RuntimeError("AtomicJsonlWriter.write_line() outside its with block")
        self._handle.write(line)
        self.count += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        atomic, self._file, self._handle = self._file, None, None
        if atomic is not None:
            atomic.__exit__(exc_type, exc, traceback)


def json_line(record: Mapping[str, Any] | Any) -> bytes:
    """One record as a JSON Lines line: compact UTF-8 JSON, keys in the order given."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # ``json_bytes`` says what it does then
        return json_bytes(record) + b"\n"


def json_bytes(value: Any) -> bytes:
    """``value`` (dicts, lists, strings, numbers) as compact JSON in UTF-8.

    orjson writes it: six to ten times faster than the standard library's C encoder, which
    took seconds of a run's end for the report of 100,000 documents (``bench/report_speed.py``).
    The output is the same JSON as ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))``, except where orjson writes floats shorter ("1e-5", not
    "1e-05") and NaN as ``null``. What orjson cannot encode goes to the standard library: an
    integer beyond 64 bits, and a lone surrogate (which UTF-8 cannot hold; decoding never
    makes one, but a caller's string may have it), which becomes U+FFFD; a value that also
    holds a NaN then fails (``ValueError``)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:  # rare: a lone surrogate, an integer beyond 64 bits
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return _LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_output_path(out_dir: Path, doc_id: str) -> Path:
    """The path under ``out_dir`` for a document; it can never point outside ``out_dir``.

    A normal relative id maps to itself (``news/a.txt`` -> ``OUT/news/a.txt``). Otherwise:
    ``\\`` separates segments like ``/``; empty and ``.`` segments are dropped (so absolute
    ids become relative); ``..`` becomes ``%2E%2E``; a drive prefix ``C:`` becomes ``C%3A``;
    control characters (NUL included) become ``%XX``; a lone surrogate becomes U+FFFD; a
    segment over :data:`MAX_SEGMENT_BYTES` is cut and ends in a digest of the whole segment.
    An id with nothing left becomes ``_``. Distinct ids can meet (``/a`` and ``a``): callers
    that need unique outputs must check. The mapping is lexical: it does not look at the disk
    (a symlink already inside ``out_dir`` is the caller's business), nor at Windows device
    names such as ``CON``.
    """
    segments = [_safe_segment(s) for s in re.split(r"[/\\]", doc_id) if s not in ("", ".")]
    if segments:
        segments[0] = _DRIVE.sub(r"\1%3A", segments[0])
    return Path(out_dir).joinpath(*(segments or ["_"]))


# An id that ``safe_output_path`` maps to itself: ASCII segments of up to 200 characters,
# none empty, none starting with a dot, with no control character, backslash or colon.
_PLAIN_ID = re.compile(
    r"(?:[^/\\\x00-\x1f\x7f.:][^/\\\x00-\x1f\x7f:]{0,199}/)*"
    r"[^/\\\x00-\x1f\x7f.:][^/\\\x00-\x1f\x7f:]{0,199}"
)


def output_name(doc_id: str) -> str:
    """``safe_output_path(Path(), doc_id).as_posix()``, quickly for the usual id."""
    if doc_id.isascii() and _PLAIN_ID.fullmatch(doc_id):
        return doc_id
    return safe_output_path(Path(), doc_id).as_posix()


def _safe_segment(segment: str) -> str:
    if segment == "..":
        return "%2E%2E"
    segment = _SURROGATES.sub("\ufffd", segment)
    segment = _UNSAFE_CHARS.sub(lambda m: f"%{ord(m.group()):02X}", segment)
    encoded = segment.encode("utf-8")
    if len(encoded) <= MAX_SEGMENT_BYTES:
        return segment
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    _, dot, suffix = segment.rpartition(".")
    suffix = f".{suffix}" if dot and len(suffix) <= 16 else ""
    keep = encoded[: MAX_SEGMENT_BYTES - len(digest) - len(suffix.encode()) - 1]
    return f"{keep.decode('utf-8', errors='ignore')}~{digest}{suffix}"


class _AtomicFile:
    """A temporary file next to ``path`` that replaces ``path`` on a clean exit."""

    def __init__(self, path: Path, durable: bool = True) -> None:
        self.path = path
        self.durable = durable
        self._handle: IO[bytes] | None = None
        self._temp = ""

    def __enter__(self) -> IO[bytes]:
        make_dirs(self.path.parent)
        fd, self._temp = tempfile.mkstemp(
            prefix=f".{self.path.name[:64]}.", suffix=TEMP_SUFFIX, dir=self.path.parent
        )
        self._handle = os.fdopen(fd, "wb", buffering=_BUFFER)
        return self._handle

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            if exc_type is None:
                handle.flush()
                if hasattr(os, "fchmod"):  # POSIX; Windows files have no mode bits to keep
                    os.fchmod(handle.fileno(), _target_mode(self.path))
                if self.durable:
                    os.fsync(handle.fileno())
            handle.close()
            if exc_type is None:
                os.replace(self._temp, self.path)
                if self.durable:
                    fsync_directory(self.path.parent)
        except BaseException:
            _remove_quietly(self._temp)
            raise
        if exc_type is not None:
            _remove_quietly(self._temp)


def make_dirs(directory: Path) -> None:
    """``mkdir -p`` without recursion: ``Path.mkdir(parents=True)`` and ``os.makedirs``
    recurse once per missing level and fail on the deep trees that scrapes produce."""
    missing = []
    folder = Path(directory)
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir()


def remove_stale_temporaries(directory: Path) -> int:
    """Remove the temporary files and folders that killed runs left under ``directory``
    (recursively, without following symlinks); return how many there were."""
    removed = 0
    stack = [os.fspath(directory)]  # os.walk recurses (before Python 3.12): deep trees fail
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                temporary = entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)
                if entry.is_dir(follow_symlinks=False):
                    if temporary:
                        shutil.rmtree(entry.path, ignore_errors=True)
                        removed += 1
                    else:
                        stack.append(entry.path)
                elif temporary:
                    _remove_quietly(entry.path)
                    removed += 1
    return removed


def _target_mode(path: Path | str) -> int:
    """Keep the permissions of the file being replaced; new files follow the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return _NEW_FILE_MODE


def fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); where directories cannot be opened, skip."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the data is already synced
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
