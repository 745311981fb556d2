"""JSON Lines input (``.jsonl``, ``.jsonl.gz``): one record with ``id`` and ``text`` per line.

Discovery reads each file once and keeps only where each record starts (byte offset in the
decompressed stream); the text is read again at that offset when the document is needed, so
memory stays flat however large the file is. A ``.jsonl.gz`` cannot seek backwards cheaply,
so the last opened one stays open (one per process, re-opened when the file changes) and
documents read in file order cost one pass over it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from scrubber.errors import InputError
from scrubber.io.decode import display, replace_surrogates

# A line longer than this is not read into memory: the record fails, the file goes on.
MAX_LINE_BYTES = 256 * 1024 * 1024
_STRICT_FIX = "fix the record, or run with errors = 'replace'"
# Errors from a truncated or corrupt .gz stream, and from the disk.
READ_ERRORS = (OSError, EOFError, zlib.error)
Readable = IO[bytes] | io.BufferedIOBase  # a file open for reading, decompressed


def is_jsonl(name: str) -> bool:
    """Whether a file name is JSON Lines (compressed or not)."""
    return name.endswith((".jsonl", ".jsonl.gz"))


def open_jsonl(path: str) -> io.BufferedIOBase:
    """Open a JSON Lines file for binary reading, decompressing ``.gz``."""
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def iter_jsonl_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(line_no, offset, raw)`` for every line: 1-based number, byte offset in the
    decompressed stream, and the line without its ``\\n`` / ``\\r\\n``. A UTF-8 BOM at the
    start of the file is dropped; a line over :data:`MAX_LINE_BYTES` is yielded cut at the limit
    (it then fails to parse). Read errors (corrupt gzip, disk) propagate to the caller."""
    with open_jsonl(os.fspath(path)) as handle:
        yield from read_lines(handle)


def read_lines(
    handle: Readable, offset: int = 0, end: int = -1
) -> Iterator[tuple[int, int, bytes]]:
    """``iter_jsonl_lines`` from an open file whose position is ``offset``: the lines that
    start before ``end`` (-1: all), numbered from 1."""
    line_no = 0
    while end < 0 or offset < end:
        raw = handle.readline(MAX_LINE_BYTES)
        if not raw:
            return
        line_no += 1
        start, offset = offset, offset + len(raw)
        if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
            offset += skip_line(handle)
        if start == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        yield line_no, start, raw.rstrip(b"\r\n")


@dataclass(frozen=True)
class Record:
    """The parts of a JSONL record that discovery needs (the text is read again later)."""

    id: str
    site: str


def parse_record(raw: bytes) -> dict[str, Any]:
    """The JSON object on one line; ``ValueError`` (one-line reason) when it is not one."""
    if len(raw) >= MAX_LINE_BYTES:
        raise ValueError(f"the line is longer than {MAX_LINE_BYTES} bytes; split the record")
    try:
        value = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError as exc:
        raise ValueError("not usable JSON (nested too deeply)") from exc
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ValueError(f"not usable JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise ValueError(f"a JSON {_json_type(value)} where an object with id and text belongs")
    return value


def check_record(value: dict[str, Any]) -> Record:
    """Validate ``id`` and ``text``; ``ValueError`` with a one-line reason when they are bad."""
    if "text" not in value:
        raise ValueError("no 'text' field")
    if not isinstance(value["text"], str):
        raise ValueError(f"'text' is a {_json_type(value['text'])}, not a string")
    return Record(record_id(value), record_site(value))


def record_id(value: dict[str, Any]) -> str:
    """The record's ``id`` as a string: strings and integers are accepted, nothing else."""
    if "id" not in value:
        raise ValueError("no 'id' field (every record needs a unique id)")
    raw = value["id"]
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"'id' is a {_json_type(raw)}; use a string or an integer")
    ident = str(raw)
    if not ident.strip():
        raise ValueError("'id' is empty")
    if any("\ud800" <= char <= "\udfff" for char in ident):
        raise ValueError("'id' contains a lone surrogate escape (not valid Unicode)")
    return ident


def record_site(value: dict[str, Any]) -> str:
    """The record's ``site`` field, else the host of its ``url`` field, else ``''``."""
    site = value.get("site")
    if isinstance(site, str) and site:
        return site
    url = value.get("url")
    if isinstance(url, str):
        try:
            return urlsplit(url).hostname or ""
        except ValueError:  # "http://[::1" and other broken URLs
            return ""
    return ""


def read_record_text(path: str, offset: int, member: str | None, errors: str) -> tuple[str, int]:
    """The ``text`` of the record at ``offset`` and how many undecodable bytes and lone
    surrogate escapes it had (replaced by U+FFFD; with ``errors="strict"`` they raise).
    :class:`InputError` when the record is not there any more or cannot be read."""
    try:
        raw = _read_line_at(path, offset).rstrip(b"\r\n")
    except READ_ERRORS as exc:
        problem = f"cannot read the record at byte {offset}: {exc}"
        raise InputError(display(path), problem) from exc
    if offset == 0 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return record_text(raw, path, offset, member, errors)


def record_text(
    raw: bytes,
    path: str,
    offset: int,
    member: str | None,
    errors: str,
    parsed: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """``read_record_text`` for a line already read (without its line break and BOM), and
    perhaps parsed (``parse_record(raw)``)."""
    bad_bytes = _count_bad_utf8(raw, path, member, errors)
    try:
        value = parse_record(raw) if parsed is None else parsed
        found: str | None = record_id(value)
    except ValueError:
        value, found = {}, None
    text = value.get("text")
    if found != member or not isinstance(text, str):
        problem = f"no record with id {member!r} at byte {offset} any more"
        raise InputError(display(path), problem, "the file changed during the run; run again")
    text, surrogates = replace_surrogates(text)
    if surrogates and errors == "strict":
        problem = f"record {member!r}: 'text' has {surrogates} lone surrogate escape(s)"
        raise InputError(display(path), problem, _STRICT_FIX)
    return text, bad_bytes + surrogates


def _count_bad_utf8(raw: bytes, path: str, member: str | None, errors: str) -> int:
    """Invalid UTF-8 bytes in one line (JSON Lines are UTF-8); strict mode refuses them."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if errors == "strict":
            problem = f"record {member!r} is not valid UTF-8 (byte {exc.start} of its line)"
            raise InputError(display(path), problem, _STRICT_FIX) from exc
        replaced = raw.decode("utf-8", errors="replace").count("\ufffd")
        return replaced - raw.decode("utf-8", errors="ignore").count("\ufffd")
    return 0


class _GzipCache:
    """The last ``.jsonl.gz`` read, kept open so reading records in order is one pass.

    Keyed by process id too: a worker forked while a handle was open shares its file offset
    with the parent, so it must open its own instead of seeking on the inherited one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int, int, int] | None = None
        self._handle: io.BufferedIOBase | None = None

    def read_line(self, path: str, offset: int) -> bytes:
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size, os.getpid())
        with self._lock:
            if self._handle is None or self._key != key:
                if self._key is not None and self._key[3] != key[3]:
                    self._handle = None  # the parent's; leave its offset alone
                self.close_unlocked()
                self._handle, self._key = gzip.open(path, "rb"), key  # noqa: SIM115 - kept open
            # Forward seeks decompress from the current position; backward ones restart.
            self._handle.seek(offset)
            return self._handle.readline(MAX_LINE_BYTES)

    def close(self) -> None:
        with self._lock:
            self.close_unlocked()

    def close_unlocked(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle, self._key = None, None


_GZIP_CACHE = _GzipCache()


def release_cached_files() -> None:
    """Close the ``.jsonl.gz`` kept open between reads (safe to call any time)."""
    _GZIP_CACHE.close()


def _read_line_at(path: str, offset: int) -> bytes:
    if path.endswith(".gz"):
        return _GZIP_CACHE.read_line(path, offset)
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.readline(MAX_LINE_BYTES)


def skip_line(handle: Readable) -> int:
    """Read past the rest of the current line; return how many bytes that was."""
    skipped = 0
    while True:
        chunk = handle.readline(1024 * 1024)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _json_type(value: object) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}
    return "null" if value is None else names.get(type(value), "object")
