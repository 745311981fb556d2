"""Ingest and output: finding inputs, decoding them, JSON Lines, atomic writing.

The pipeline reads every document twice (once to build signatures, once to write it), so
discovery (:func:`iter_refs`) keeps only where each document is, and :func:`load_document`
reads and decodes one when it is needed.

Limits: a text document larger than :data:`MAX_DOCUMENT_BYTES` is an input failure (it would
be held in memory several times over as text); so is a JSONL line larger than
:data:`scrubber.io.jsonl.MAX_LINE_BYTES`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence

from scrubber.errors import InputError
from scrubber.io.decode import Decoded, decode_bytes, display, normalize_newlines, sniff_binary
from scrubber.io.discover import PendingRecord, RecordIds, iter_refs
from scrubber.io.jsonl import (
    iter_jsonl_lines,
    read_record_text,
    record_text,
    release_cached_files,
)
from scrubber.io.write import (
    AtomicJsonlWriter,
    atomic_write_bytes,
    atomic_write_text,
    safe_output_path,
)
from scrubber.model import DocRef, Document, InputFailure

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "AtomicJsonlWriter",
    "Decoded",
    "PendingRecord",
    "RecordIds",
    "atomic_write_bytes",
    "atomic_write_text",
    "decode_bytes",
    "input_failure",
    "iter_jsonl_lines",
    "iter_refs",
    "load_document",
    "pending_document",
    "prefetch",
    "read_documents",
    "release_cached_files",
    "safe_output_path",
]

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024

_STRICT_FIX = "fix the file, or run with errors = 'replace' to turn bad bytes into U+FFFD"


def load_document(ref: DocRef, errors: str = "replace") -> Document:
    """Read and decode one document; :class:`InputError` (naming the file and the fix) when
    it is not text, cannot be read, is too large, or (``errors="strict"``) does not decode.
    The text has ``\\n`` line endings and no BOM."""
    if ref.kind == "jsonl":
        text, replaced = read_record_text(ref.path, ref.offset, ref.member, errors)
        decoded = Decoded(text.removeprefix("\ufeff"), "utf-8", 1.0, replaced)
    else:
        decoded = _decode_file(ref.path, errors)
    return _document(ref, decoded)


_WILLNEED = getattr(os, "POSIX_FADV_WILLNEED", None)
_JSONL_AHEAD = 1 << 16  # bytes of a JSON Lines file asked for at a record's offset


def prefetch(refs: Iterable[DocRef]) -> None:
    """Ask the kernel to start reading these documents now; they are read one at a time
    next. From a cold page cache one read waits about 90 us for the disk on its own, but
    reads asked for together overlap: 100,000 files then take a tenth of the time. Does
    nothing where ``posix_fadvise`` is missing; a file that cannot be opened is left for
    ``load_document`` to report."""
    if _WILLNEED is None:
        return
    for ref in refs:
        if ref.path.endswith(".gz"):
            continue  # read as one stream from its start anyway
        try:
            fd = os.open(ref.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            length = 0 if ref.kind == "text" else _JSONL_AHEAD  # 0: to the end of the file
            os.posix_fadvise(fd, max(ref.offset, 0), length, _WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def pending_document(item: PendingRecord, errors: str = "replace") -> Document | InputFailure:
    """``load_document`` for a JSON Lines line that discovery read but did not parse
    (``iter_refs(..., defer_records=True)``); the failure when it is not a usable record."""
    found, value = item.parse()
    if isinstance(found, InputFailure):
        return found
    try:
        text, replaced = record_text(
            item.raw, found.path, found.offset, found.member, errors, value
        )
    except InputError as exc:
        return input_failure(found, exc)
    return _document(found, Decoded(text.removeprefix("\ufeff"), "utf-8", 1.0, replaced))


def _document(ref: DocRef, decoded: Decoded) -> Document:
    warnings = (f"replaced {decoded.replaced} undecodable bytes",) if decoded.replaced else ()
    text = normalize_newlines(decoded.text)
    return Document(ref, text, decoded.encoding, decoded.confidence, warnings)


def read_documents(
    paths: Sequence[str], globs: Sequence[str], errors: str = "replace"
) -> Iterator[Document | InputFailure]:
    """Every document under ``paths``, decoded, one at a time; unusable inputs become
    :class:`InputFailure`. Raises :class:`UsageError` at once for a missing path."""
    refs = iter_refs(paths, globs)
    return _load_all(refs, errors)


def _load_all(
    refs: Iterator[DocRef | InputFailure], errors: str
) -> Iterator[Document | InputFailure]:
    try:
        for ref in refs:
            if isinstance(ref, InputFailure):
                yield ref
                continue
            try:
                yield load_document(ref, errors)
            except InputError as exc:
                yield input_failure(ref, exc)
    finally:
        release_cached_files()


def input_failure(ref: DocRef, exc: InputError) -> InputFailure:
    """The failure record of a document that :func:`load_document` refused: its reason says
    what is wrong and how to fix it, without the path (the record names the input)."""
    return InputFailure(ref.doc_id, display(ref.path), _reason(exc))


def _decode_file(path: str, errors: str) -> Decoded:
    data = _read_bytes(path)
    what = sniff_binary(data)
    if what is not None:
        raise InputError(display(path), f"not text: {what}", "remove it or exclude it with globs")
    try:
        return decode_bytes(data, errors)
    except UnicodeDecodeError as exc:
        where = (
            f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
            if exc.start < len(data)
            else "the end"
        )
        raise InputError(display(path), f"not valid {exc.encoding}: {where}", _STRICT_FIX) from exc


def _read_bytes(path: str) -> bytes:
    """The whole file; refuses what is not a regular file (opening a FIFO would block, hence
    O_NONBLOCK) and what is larger than :data:`MAX_DOCUMENT_BYTES`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(display(path), f"cannot open: {_strerror(exc)}", _open_fix(exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(display(path), "not a regular file", "remove it or exclude it")
        if info.st_size > MAX_DOCUMENT_BYTES:
            raise InputError(display(path), f"too large ({info.st_size} bytes)", _size_fix())
        with open(fd, "rb", closefd=False) as handle:
            # Ask for the size fstat saw (plus one byte, to notice growth): asking for
            # MAX_DOCUMENT_BYTES makes Python allocate that much for every small file.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since fstat: read the rest, up to the limit
                data += handle.read(MAX_DOCUMENT_BYTES + 1 - len(data))
    except OSError as exc:
        raise InputError(display(path), f"cannot read: {_strerror(exc)}") from exc
    finally:
        os.close(fd)
    if len(data) > MAX_DOCUMENT_BYTES:  # it grew while we read it
        raise InputError(display(path), "too large (it is still growing)", _size_fix())
    return data


def _strerror(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _open_fix(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "make it readable (chmod +r) or exclude it"
    if isinstance(exc, FileNotFoundError):
        return "it was removed during the run; run again"
    return ""


def _size_fix() -> str:
    return f"documents larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB are not read; split it"


def _reason(exc: InputError) -> str:
    return f"{exc.problem} ({exc.fix})" if exc.fix else exc.problem
