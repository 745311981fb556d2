"""Finding the inputs of a Ray run: files and byte ranges, never documents.

The driver lists files, as Ray Data's file readers do, and cuts them into read units:
batches of text files, byte ranges of JSON Lines files, row groups of Parquet files.
The records inside are read by the workers (:mod:`.sources`), so a corpus that is one
100 GB JSON Lines file is never read on the driver.

Names are the local engine's (:mod:`scrubber.io.discover`): a document under a directory
is named by its relative path, a record by its id after ``FILE#`` (nothing when the file
was given directly), with the label of its input path in front when there are several.
Parquet files (a ``text`` column and an optional ``id`` column, else the row number) are
read when given directly or found in a directory; the local engine does not read them.
Paths may be fsspec URLs (``s3://bucket/corpus/``); their files are listed with fsspec.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import fsspec

from scrubber.errors import UsageError
from scrubber.io import jsonl
from scrubber.io.decode import display, sniff_binary
from scrubber.io.discover import Root, matches, roots, walk_files
from scrubber.model import InputFailure

MIN_RANGE_BYTES = 1 << 20  # JSON Lines byte ranges: at least this ...
MAX_RANGE_BYTES = 32 << 20  # ... and at most this
FILES_PER_UNIT = (8, 4096)  # text files per read unit: at least, at most (four units per CPU)
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class Unit:
    """One read task's share of the input."""

    kind: str  # "files", "jsonl" or "parquet"
    order: int  # position in input order: failures are reported in it
    path: str = ""  # the JSON Lines or Parquet file (a local path or a URL)
    name: str = ""  # the file's doc_id-style name (failures are NAME:LINE)
    prefix: str = ""  # what record ids get in front of them
    start: int = 0  # first byte (JSON Lines) or row group (Parquet)
    end: int = -1  # end byte or row group (exclusive); -1: the end of the file
    files: tuple[tuple[str, str], ...] = ()  # (path, doc_id) of each text file


@dataclass
class Plan:
    units: list[Unit] = field(default_factory=list)
    failures: list[tuple[int, InputFailure]] = field(default_factory=list)  # (order, failure)


@dataclass(frozen=True)
class _File:
    path: str
    doc_id: str  # for a record file: its name (failures); records get prefix + id
    prefix: str
    size: int


def is_url(path: str) -> bool:
    return "://" in path


def is_parquet(name: str) -> bool:
    return name.lower().endswith(".parquet")


def plan(paths: Sequence[str], globs: Sequence[str], cpus: int) -> Plan:
    """The read units (and discovery failures) of the input paths, in input order."""
    if not paths:
        raise UsageError("no input paths given; name at least one file or directory")
    for path in paths:
        if not is_url(path) and not os.path.exists(path):
            raise UsageError(f"{display(path)}: no such file or directory; check the path")
    lowered = tuple(glob.lower() for glob in globs)
    found: list[_File | InputFailure] = []
    for root in roots(paths):
        found.extend(_list_root(root, lowered))
    return _units(found, cpus)


def _list_root(root: Root, globs: tuple[str, ...]) -> Iterator[_File | InputFailure]:
    path, label = root.path, root.label
    if is_url(path):
        fs, base = fsspec.core.url_to_fs(path)
        if not fs.exists(base):
            raise UsageError(f"{path}: no such file or directory; check the URL")
        if fs.isdir(base):
            yield from _list_url_dir(fs, base, label, globs)
        else:
            yield _given(path, label, int(fs.size(base)))
    elif os.path.isdir(path):
        yield from _walk(root, globs)
    else:
        base = os.path.basename(path)
        if display(base) != base:
            name = label or display(base)
            yield InputFailure(name, display(path), "the file name is not valid UTF-8; rename it")
        else:
            yield _given(path, label, os.stat(path).st_size)


def _given(path: str, label: str, size: int) -> _File:
    """A file named on the command line (globs do not apply)."""
    name = label or display(os.path.basename(path.rstrip("/")))
    return _File(path, name, f"{label}/" if label else "", size)


def _in_dir(path: str, rel: str, label: str, size: int) -> _File:
    doc_id = "/".join(part for part in (label, rel) if part)
    return _File(path, doc_id, f"{doc_id}#", size)


def _wanted(name: str, globs: tuple[str, ...]) -> bool:
    return matches(name, globs) or is_parquet(name)


def _walk(root: Root, globs: tuple[str, ...]) -> Iterator[_File | InputFailure]:
    """The local engine's walk (``discover.walk_files``), Parquet files included."""
    for found in walk_files(root, globs, also=is_parquet):
        if isinstance(found, InputFailure):
            yield found
        else:
            yield from _file_entry(found.path, found.rel, root.label)


def _file_entry(path: str, rel: str, label: str) -> Iterator[_File | InputFailure]:
    if display(rel) != rel:
        yield _failure(path, rel, label, "the file name is not valid UTF-8; rename it")
        return
    try:
        info = os.stat(path)
    except OSError as exc:
        yield _failure(path, rel, label, f"cannot examine it: {_why(exc)}")
        return
    if not stat.S_ISREG(info.st_mode):
        yield _failure(path, rel, label, "not a regular file (a FIFO, socket or device)")
        return
    yield _in_dir(path, rel, label, info.st_size)


def _list_url_dir(
    fs: fsspec.AbstractFileSystem, base: str, label: str, globs: tuple[str, ...]
) -> Iterator[_File]:
    base = base.rstrip("/")
    found = fs.find(base, detail=True)
    listed: list[tuple[str, str, int]] = []
    for path, info in found.items():
        rel = path[len(base) :].lstrip("/")
        *folders, name = rel.split("/")
        if any(folder.startswith(".") for folder in folders) or not _wanted(name, globs):
            continue
        listed.append((rel, fs.unstrip_protocol(path), int(info.get("size") or 0)))
    outputs = {rel.rpartition("/")[0] for rel, _, _ in listed if rel.endswith("report.json")}
    for rel, url, size in sorted(listed):
        folder, _, name = rel.rpartition("/")
        if name == "manifest.jsonl" and folder in outputs:
            continue
        yield _in_dir(url, rel, label, size)


def _units(found: list[_File | InputFailure], cpus: int) -> Plan:
    """Read units in input order: consecutive text files are batched."""
    out = Plan()
    texts = [f for f in found if isinstance(f, _File) and _kind(f.path) == "text"]
    per_unit = min(max(len(texts) // (4 * cpus), FILES_PER_UNIT[0]), FILES_PER_UNIT[1])
    batch: list[tuple[str, str]] = []

    def flush() -> None:
        if batch:
            out.units.append(Unit("files", len(out.units), files=tuple(batch)))
            batch.clear()

    for item in found:
        if isinstance(item, InputFailure):
            out.failures.append((len(out.units), item))
        elif _kind(item.path) == "text":
            batch.append((item.path, item.doc_id))
            if len(batch) >= per_unit:
                flush()
        else:
            flush()
            _record_units(item, cpus, out)
    flush()
    return out


def _kind(path: str) -> str:
    if jsonl.is_jsonl(path):
        return "jsonl"
    return "parquet" if is_parquet(path) else "text"


def _record_units(item: _File, cpus: int, out: Plan) -> None:
    """Units of one JSON Lines (byte ranges) or Parquet (row groups) file."""
    if _kind(item.path) == "parquet":
        _parquet_units(item, cpus, out)
        return
    binary = _sniff(item.path)
    if binary is not None:
        reason = f"not JSON Lines: {binary}; remove it"
        out.failures.append((len(out.units), InputFailure(item.doc_id, display(item.path), reason)))
        return
    step = -(-item.size // (4 * cpus)) if item.size else 1
    step = min(max(step, MIN_RANGE_BYTES), MAX_RANGE_BYTES)
    if item.path.endswith(".gz"):  # no seeking into a gzip stream: one unit
        bounds = [(0, -1)]
    else:
        bounds = [(lo, min(lo + step, item.size)) for lo in range(0, max(item.size, 1), step)]
    for start, end in bounds:
        out.units.append(
            Unit("jsonl", len(out.units), item.path, item.doc_id, item.prefix, start, end)
        )


def _parquet_units(item: _File, cpus: int, out: Plan) -> None:
    import pyarrow.parquet as pq

    with fsspec.open(item.path, "rb") as handle:
        groups = pq.ParquetFile(handle).metadata.num_row_groups
    step = max(1, -(-groups // (2 * cpus)))
    for start in range(0, max(groups, 1), step):
        end = min(start + step, groups)
        out.units.append(
            Unit("parquet", len(out.units), item.path, item.doc_id, item.prefix, start, end)
        )


def _sniff(path: str) -> str | None:
    """What the start of a JSON Lines file is when it is clearly not text."""
    try:
        with fsspec.open(path, "rb", compression="infer") as handle:
            return sniff_binary(handle.read(SNIFF_BYTES))
    except (OSError, EOFError, ValueError):
        return None  # the readers report it, with the line they got to


def _failure(path: str, rel: str, label: str, reason: str) -> InputFailure:
    doc_id = "/".join(part for part in (label, rel) if part) or path
    return InputFailure(display(doc_id), display(path), reason)


def _why(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
