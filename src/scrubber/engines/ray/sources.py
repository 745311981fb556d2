"""Reading documents in Ray workers: the records of a read unit, and documents again by
their locators (the exact comparison reads its candidates a second time, as the local
engine does).

Local files and JSON Lines records are read with :func:`scrubber.io.load_document`, so they
decode exactly as on the local engine; files at fsspec URLs and Parquet rows are decoded
the same way from their bytes or strings.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, cast

import fsspec

from scrubber.errors import InputError
from scrubber.io import MAX_DOCUMENT_BYTES, input_failure, jsonl, load_document
from scrubber.io.decode import (
    decode_bytes,
    display,
    normalize_newlines,
    replace_surrogates,
    sniff_binary,
)
from scrubber.model import DocRef, Document, InputFailure

from .read import Unit, is_url

# Where a document can be read again:
#   ("ref", DocRef)                       a local text file or JSON Lines record
#   ("url", url)                          a text file at an fsspec URL
#   ("jsonl-url", url, offset, member)    a JSON Lines record at an fsspec URL
#   ("parquet", path, row_group, row)     a row of a Parquet file (row within its group)
Locator = tuple[Any, ...]


@dataclass(frozen=True)
class Found:
    """A document a read unit gave: where it can be read again and where it was in the
    input (``local``: line of the unit, or row of the file; duplicate ids keep the first)."""

    doc: Document
    locator: Locator
    local: int


@dataclass(frozen=True)
class Failed:
    """An input that failed in a worker. ``kind`` "record": a bad JSON Lines line or
    Parquet row (``local`` says where; the driver names it NAME:LINE once it knows the
    lines of the units before); "plain": ``failure`` says it all. ``phase`` 0 failures are
    the ones the local engine finds while listing inputs, phase 1 while reading them."""

    kind: str
    phase: int
    unit: int
    local: int = 0
    message: str = ""
    failure: InputFailure | None = None


def read_unit(unit: Unit, errors: str) -> tuple[list[Found | Failed], int]:
    """The documents and failures of one unit, and how many lines it owns (JSON Lines)."""
    if unit.kind == "files":
        return [_text_file(unit, path, doc_id, errors) for path, doc_id in unit.files], 0
    if unit.kind == "parquet":
        return list(_parquet_rows(unit)), 0
    out: list[Found | Failed] = []
    lines = 0
    try:
        for lines, offset, raw in _range_lines(unit):
            if raw.strip():
                out.append(_record(unit, lines, offset, raw, errors))
    except jsonl.READ_ERRORS as exc:
        out.append(Failed("record", 0, unit.order, lines + 1, f"cannot read: {exc}"))
    return out, lines


def _text_file(unit: Unit, path: str, doc_id: str, errors: str) -> Found | Failed:
    if not is_url(path):
        ref = DocRef(doc_id=doc_id, path=path)
        try:
            return Found(load_document(ref, errors), ("ref", ref), 0)
        except InputError as exc:
            return Failed("plain", 1, unit.order, failure=input_failure(ref, exc))
    try:
        doc = _url_document(doc_id, path, errors)
    except InputError as exc:
        reason = f"{exc.problem} ({exc.fix})" if exc.fix else exc.problem
        return Failed("plain", 1, unit.order, failure=InputFailure(doc_id, path, reason))
    return Found(doc, ("url", path), 0)


def _url_document(doc_id: str, url: str, errors: str) -> Document:
    """A text file at a URL, decoded as :func:`scrubber.io.load_document` decodes files."""
    try:
        with fsspec.open(url, "rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(url, f"cannot read: {exc}") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(url, "too large", "split it")
    binary = sniff_binary(data)
    if binary is not None:
        raise InputError(url, f"not text: {binary}", "remove it or exclude it with globs")
    try:
        decoded = decode_bytes(data, errors)
    except UnicodeDecodeError as exc:
        raise InputError(url, f"not valid {exc.encoding}", "run with errors = 'replace'") from exc
    text = normalize_newlines(decoded.text)
    return Document(DocRef(doc_id, url), text, decoded.encoding, decoded.confidence)


def _open(path: str) -> IO[bytes]:
    if is_url(path):
        return cast(IO[bytes], fsspec.open(path, "rb", compression="infer").open())
    return cast(IO[bytes], gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb"))


def _range_lines(unit: Unit) -> Iterator[tuple[int, int, bytes]]:
    """``(line, offset, raw)`` of the lines that start in the unit's byte range: line
    numbers count from 1 within the unit, offsets are in the (decompressed) file."""
    with _open(unit.path) as handle:
        offset = 0
        if unit.start > 0:  # the line that starts before the range belongs to the one before
            handle.seek(unit.start - 1)
            offset = unit.start - 1 + jsonl.skip_line(handle)
        yield from jsonl.read_lines(handle, offset, unit.end)


def _record(unit: Unit, line: int, offset: int, raw: bytes, errors: str) -> Found | Failed:
    """One JSON Lines record, decoded from the line already read (the local engine reads
    it again by offset, with the same result)."""
    try:
        value = jsonl.parse_record(raw)
        record = jsonl.check_record(value)
    except ValueError as exc:
        return Failed("record", 0, unit.order, line, str(exc))
    ref = DocRef(unit.prefix + record.id, unit.path, kind="jsonl", member=record.id, offset=offset)
    try:
        text = _record_text(raw, value["text"], errors, unit.path, record.id)
    except InputError as exc:
        return Failed("plain", 1, unit.order, line, failure=input_failure(ref, exc))
    where = ("ref", ref) if not is_url(unit.path) else ("jsonl-url", unit.path, offset, record.id)
    return Found(Document(ref, text, "utf-8", 1.0), where, line)


_STRICT_FIX = "fix the record, or run with errors = 'replace'"  # as scrubber.io.jsonl says


def _record_text(raw: bytes, text: str, errors: str, path: str, member: str) -> str:
    """A record's text as :func:`scrubber.io.load_document` gives it: lone surrogates
    replaced, no BOM, ``\n`` line endings; with ``errors="strict"`` bad bytes fail it."""
    if errors == "strict":
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"record {member!r} is not valid UTF-8 (byte {exc.start} of its line)"
            raise InputError(display(path), problem, _STRICT_FIX) from exc
    text, surrogates = replace_surrogates(text)
    if surrogates and errors == "strict":
        problem = f"record {member!r}: 'text' has {surrogates} lone surrogate escape(s)"
        raise InputError(display(path), problem, _STRICT_FIX)
    return normalize_newlines(text.removeprefix("\ufeff"))


def _parquet_rows(unit: Unit) -> Iterator[Found | Failed]:
    """Rows of the unit's row groups; ``local`` is the row number in the file (from 0)."""
    import pyarrow.parquet as pq

    with fsspec.open(unit.path, "rb") as handle:
        source = pq.ParquetFile(handle)
        names = source.schema_arrow.names
        if "text" not in names:
            if unit.start == 0:
                reason = "no 'text' column (a Parquet corpus needs 'text' and may have 'id')"
                yield Failed(
                    "plain",
                    0,
                    unit.order,
                    failure=InputFailure(unit.name, display(unit.path), reason),
                )
            return
        row = sum(source.metadata.row_group(g).num_rows for g in range(unit.start))
        columns = [c for c in ("id", "text") if c in names]
        for group in range(unit.start, unit.end):
            table = source.read_row_group(group, columns=columns)
            texts = table.column("text").to_pylist()
            ids = table.column("id").to_pylist() if "id" in names else None
            for k, text in enumerate(texts):
                ident = row if ids is None else ids[k]
                yield _parquet_row(unit, row, (group, k), ident, text)
                row += 1


def _parquet_row(
    unit: Unit, row: int, where: tuple[int, int], ident: Any, text: Any
) -> Found | Failed:
    try:
        member = jsonl.record_id({"id": ident})
    except ValueError as exc:
        return Failed("record", 0, unit.order, row, str(exc))
    if not isinstance(text, str):
        return Failed("record", 0, unit.order, row, "'text' is not a string")
    doc = Document(
        DocRef(unit.prefix + member, unit.path, kind="parquet", member=member, offset=row),
        _record_text(b"", text, "replace", unit.path, member),
        "utf-8",
        1.0,
    )
    return Found(doc, ("parquet", unit.path, *where), row)


def load_documents(
    locators: Sequence[Locator], ids: Sequence[str], errors: str
) -> list[Document | None]:
    """The documents at the locators, read again (None: gone or changed since)."""
    out: list[Document | None] = [None] * len(locators)
    groups: dict[tuple[str, int], list[int]] = {}
    for k, locator in enumerate(locators):
        if locator[0] == "parquet":
            groups.setdefault((locator[1], locator[2]), []).append(k)
            continue
        try:
            out[k] = _load_one(locator, ids[k], errors)
        except InputError:
            out[k] = None
    for (path, group), members in groups.items():
        texts = _parquet_texts(path, group)
        for k in members:
            text = texts[locators[k][3]]
            ref = DocRef(ids[k], path, kind="parquet")
            text = _record_text(b"", text, "replace", path, ids[k])
            out[k] = Document(ref, text, "utf-8", 1.0)
    return out


def _load_one(locator: Locator, doc_id: str, errors: str) -> Document:
    kind = locator[0]
    if kind == "ref":
        return load_document(locator[1], errors)
    if kind == "url":
        return _url_document(doc_id, locator[1], errors)
    url, offset, member = locator[1:]
    with _open(url) as handle:
        handle.seek(offset)
        raw = handle.readline(jsonl.MAX_LINE_BYTES).rstrip(b"\r\n")
    if offset == 0 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        value = jsonl.parse_record(raw)
        if jsonl.check_record(value).id != member:
            raise ValueError("another record")
    except ValueError as exc:
        raise InputError(url, f"no record with id {member!r} at byte {offset} any more") from exc
    text = _record_text(raw, value["text"], errors, url, member)
    return Document(
        DocRef(doc_id, url, kind="jsonl", member=member, offset=offset), text, "utf-8", 1.0
    )


def _parquet_texts(path: str, group: int) -> list[Any]:
    import pyarrow.parquet as pq

    with fsspec.open(path, "rb") as handle:
        table = pq.ParquetFile(handle).read_row_group(group, columns=["text"])
    return cast(list[Any], table.column("text").to_pylist())
