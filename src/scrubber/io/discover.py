"""Finding the documents under the input paths, in a stable order, without decoding any text.

Order and names are what reports and golden files rely on:

- a directory is walked depth-first, entries sorted so that the documents come out sorted by
  their relative POSIX path (code-point order, independent of locale and file system);
- ``doc_id`` is that relative path; a file given directly is named by its file name;
- with several input paths every id starts with the path's base name (``news/a.txt``), or with
  as many trailing components as it takes to tell two same-named paths apart (``a/x``, ``b/x``);
- ``site`` (the group whose pages share templates) is the document's parent directory relative
  to its root, with the root's label in front when there are several roots; a file given
  directly has site ``''`` alone, and its directory as given when several paths are given.
  JSONL records: their ``site`` field, else the host of their ``url``, else the file's name.

What is skipped without a word: hidden directories (``.git``, ``.scrubber``, ...), files whose
names match none of the globs (matched case-insensitively on the file name). Everything else
that cannot be used becomes an :class:`InputFailure`: unreadable directories, dangling symlinks,
symlink loops, a second link to a directory already walked, FIFOs and other non-regular files,
names that are not valid UTF-8 (reported with ``\\x..`` escapes), bad JSONL records.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from scrubber.errors import UsageError
from scrubber.io import jsonl
from scrubber.io.decode import display, sniff_binary
from scrubber.model import DocRef, InputFailure

Found = DocRef | InputFailure
_SNIFF_BYTES = 4096  # how much of a JSON Lines file is looked at to tell it is binary


@dataclass(frozen=True)
class Root:
    """An input path and the label in front of its documents' ids."""

    path: str  # as given on the command line
    label: str  # prefix of its doc_ids ('' when it is the only input)


@dataclass(frozen=True)
class FileEntry:
    """A directory entry waiting to be visited: its path on disk and its relative POSIX path,
    or the reason it cannot be used (reported when its turn in the sorted order comes)."""

    path: str
    rel: str
    is_dir: bool
    problem: str = ""
    regular: bool = False  # known to be a regular file, not a symlink (no stat needed)


@overload
def iter_refs(
    paths: Sequence[str], globs: Sequence[str], *, defer_records: Literal[False] = False
) -> Iterator[Found]: ...


@overload
def iter_refs(
    paths: Sequence[str], globs: Sequence[str], *, defer_records: bool
) -> Iterator[Found | PendingRecord]: ...


def iter_refs(
    paths: Sequence[str], globs: Sequence[str], *, defer_records: bool = False
) -> Iterator[Found | PendingRecord]:
    """The documents under ``paths`` (see the module docstring), as :class:`DocRef` records or
    :class:`InputFailure` for what cannot be used. Raises :class:`UsageError` at once, before
    anything is yielded, when a path does not exist.

    ``defer_records``: the lines of JSON Lines files come as :class:`PendingRecord` (read,
    not parsed), for workers to parse (``PendingRecord.parse``) and the caller to check
    for repeated ids (``RecordIds``), in order: parsing every record here would be the
    one serial step of reading a large JSON Lines file."""
    if not paths:
        raise UsageError("no input paths given; name at least one file or directory")
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{display(path)}: no such file or directory; check the path")
        if not os.path.exists(path):
            raise UsageError(f"{display(path)}: a symlink to a missing file; fix or remove it")
    return _iter_roots(roots(paths), tuple(glob.lower() for glob in globs), defer_records)


def matches(name: str, globs: Sequence[str]) -> bool:
    """Whether a file name matches one of the (lower-case) globs, ignoring case."""
    return _glob_pattern(tuple(globs)).match(name.lower()) is not None


@functools.lru_cache(maxsize=64)
def _glob_pattern(globs: tuple[str, ...]) -> re.Pattern[str]:
    """The globs as one pattern: ``fnmatchcase`` with any of them, in one match per name."""
    return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs) or "(?!)")


def roots(paths: Sequence[str]) -> list[Root]:
    """The distinct input paths with the labels that keep their doc_ids apart: the shortest
    tail of each absolute path that no other input path ends with. Linear in the number of
    paths (pre-commit passes thousands of file names)."""
    unique: dict[str, str] = {}
    for path in paths:
        unique.setdefault(os.path.abspath(path), path)
    if len(unique) == 1:
        return [Root(given, "") for given in unique.values()]
    parts = {absolute: [p for p in absolute.split(os.sep) if p] for absolute in unique}
    labels: dict[str, str] = {}
    depth = 0
    while len(labels) < len(unique):
        depth += 1
        tails = {absolute: "/".join(segments[-depth:]) for absolute, segments in parts.items()}
        counts = Counter(tails.values())
        for absolute, tail in tails.items():
            if absolute not in labels and counts[tail] == 1:
                labels[absolute] = display(tail) or "_root"
    return [Root(given, labels[absolute]) for absolute, given in unique.items()]


def _iter_roots(
    roots: list[Root], globs: tuple[str, ...], defer: bool
) -> Iterator[Found | PendingRecord]:
    for root in roots:
        if os.path.isdir(root.path):
            yield from _walk(root, globs, defer)
        else:
            yield from _given_file_refs(root, defer)


def _given_file_refs(root: Root, defer: bool) -> Iterator[Found | PendingRecord]:
    """A file named on the command line: globs do not apply to it."""
    base = os.path.basename(root.path)
    name = root.label or display(base)
    if display(base) != base:
        yield InputFailure(name, display(root.path), "the file name is not valid UTF-8; rename it")
    elif jsonl.is_jsonl(root.path):
        prefix = f"{root.label}/" if root.label else ""
        yield from _jsonl_refs(JsonlFile(root.path, name, prefix, name), defer)
    else:
        # Files named one by one (pre-commit passes them so) group by the directory they are in.
        site = os.path.dirname(os.path.normpath(root.path)) if root.label else ""
        yield from _file_ref(
            root.path,
            name,
            display(site).replace(os.sep, "/"),
            stat.S_ISREG(os.stat(root.path).st_mode),
        )


def _walk(root: Root, globs: tuple[str, ...], defer: bool) -> Iterator[Found | PendingRecord]:
    for found in walk_files(root, globs):
        if isinstance(found, InputFailure):
            yield found
        else:
            yield from _entry_refs(root, found, defer)


def walk_files(
    root: Root, globs: tuple[str, ...], also: Callable[[str], bool] | None = None
) -> Iterator[FileEntry | InputFailure]:
    """The files under a directory ``root`` that match the (lower-case) globs, or whose
    name ``also`` accepts, depth-first in sorted relative-path order, with a failure for
    each directory or entry that cannot be used (in its place in that order). An explicit
    stack (no recursion limit on deep trees) of entries pushed in reverse sorted order, so
    they pop in sorted order."""
    top = os.stat(root.path)
    visited = {(top.st_dev, top.st_ino)}
    stack = [FileEntry(root.path, "", True)]
    while stack:
        item = stack.pop()
        if item.problem:
            yield _failure(root, item, item.problem)
        elif not item.is_dir:
            yield item
        else:
            try:
                stack.extend(reversed(_list_dir(item, globs, visited, also)))
            except OSError as exc:
                yield _failure(root, item, f"cannot list this directory: {_why(exc)}")


def _list_dir(
    item: FileEntry,
    globs: tuple[str, ...],
    visited: set[tuple[int, int]],
    also: Callable[[str], bool] | None,
) -> list[FileEntry]:
    """The entries of one directory to visit, sorted so their relative paths are sorted."""
    with os.scandir(item.path) as scan:
        entries = list(scan)
    own = _scrubber_outputs({entry.name for entry in entries})
    found = []
    for entry in entries:
        rel = f"{item.rel}/{entry.name}" if item.rel else entry.name
        if not _is_dir(entry):
            wanted = matches(entry.name, globs) or (also is not None and also(entry.name))
            if wanted and entry.name not in own:
                found.append(FileEntry(entry.path, rel, False, regular=_is_plain_file(entry)))
        elif not entry.name.startswith("."):  # hidden directories: .git, .scrubber, .venv
            found.append(FileEntry(entry.path, rel, True, _directory_problem(entry, visited)))
    # Sorting siblings by name, with "/" after a directory's name, sorts the full paths.
    found.sort(key=lambda child: child.rel + "/" if child.is_dir else child.rel)
    return found


def _scrubber_outputs(names: set[str]) -> set[str]:
    """scrubber's own records in a folder that is a `scrubber clean` output (cleaning it again)."""
    return {"manifest.jsonl"} if {"manifest.jsonl", "report.json"} <= names else set()


def _is_plain_file(entry: os.DirEntry[str]) -> bool:
    """A regular file that is not a symlink, as the directory listing says (no system call
    where the file system reports entry types, as Linux's do)."""
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows symlinks; a broken one is not a directory
    except OSError:
        return False


def _directory_problem(entry: os.DirEntry[str], visited: set[tuple[int, int]]) -> str:
    """Why a subdirectory is not walked ('' when it is); marks it visited."""
    if display(entry.name) != entry.name:
        return "the directory name is not valid UTF-8; rename it"
    try:
        info = entry.stat()
    except OSError as exc:
        return f"cannot examine this directory: {_why(exc)}"
    key = (info.st_dev, info.st_ino)
    if key in visited:
        return "a symlink to a directory already walked (a loop or a second link); skipped"
    visited.add(key)
    return ""


def _entry_refs(root: Root, item: FileEntry, defer: bool) -> Iterator[Found | PendingRecord]:
    """Refs for one file that matched the globs: itself, or the records of a JSONL file."""
    if display(item.rel) != item.rel:
        yield _failure(root, item, "the file name is not valid UTF-8; rename it")
        return
    if item.regular:
        regular = True
    else:  # a symlink, or a listing that did not say: look
        try:
            regular = stat.S_ISREG(os.stat(item.path).st_mode)
        except OSError as exc:
            yield _failure(root, item, _why_stat(item.path, exc))
            return
    doc_id = _join(root.label, item.rel)
    if jsonl.is_jsonl(item.rel) and regular:
        yield from _jsonl_refs(JsonlFile(item.path, doc_id, f"{doc_id}#", doc_id), defer)
    else:
        yield from _file_ref(item.path, doc_id, _site(root, item.rel), regular)


def _file_ref(path: str, doc_id: str, site: str, regular: bool) -> Iterator[Found]:
    if not regular:
        yield InputFailure(doc_id, display(path), "not a regular file (a FIFO, socket or device)")
        return
    yield DocRef(doc_id=doc_id, path=path, site=site)


def _jsonl_refs(source: JsonlFile, defer: bool) -> Iterator[Found | PendingRecord]:
    """One DocRef per good record of a JSON Lines file, an InputFailure per bad line; one
    InputFailure for the file when it is binary (an image or archive under a .jsonl name).
    ``defer``: a PendingRecord per non-blank line instead (see ``iter_refs``)."""
    ids = RecordIds()
    line_no = 0
    try:
        binary = _sniff_jsonl(source.path)
        if binary is not None:
            reason = f"not JSON Lines: {binary}; remove it"
            yield InputFailure(source.name, display(source.path), reason)
            return
        for line_no, offset, raw in jsonl.iter_jsonl_lines(source.path):
            if not raw.strip():  # blank lines (a trailing newline, spacing) are not records
                continue
            pending = PendingRecord(source, line_no, offset, raw)
            yield pending if defer else ids.check(pending.parse()[0], source)
    except jsonl.READ_ERRORS as exc:
        reason = f"cannot read past line {line_no}: {_why(exc)}; the records before it were kept"
        yield InputFailure(source.name, display(source.path), reason)


def _sniff_jsonl(path: str) -> str | None:
    """What the (decompressed) start of a JSON Lines file is when it is clearly not text."""
    with jsonl.open_jsonl(path) as handle:
        head = handle.read(_SNIFF_BYTES)
    return sniff_binary(head)


@dataclass(frozen=True)
class JsonlFile:
    """A JSON Lines file being read: how its ids are spelled."""

    path: str
    name: str  # the file's doc_id-style name, used for failures: f"{name}:{line_no}"
    id_prefix: str
    default_site: str


@dataclass(frozen=True)
class PendingRecord:
    """A line of a JSON Lines file, read but not parsed yet."""

    source: JsonlFile
    line_no: int
    offset: int
    raw: bytes

    def parse(self) -> tuple[Found, dict[str, Any] | None]:
        """The record's ref (or why the line is not a usable record) and its JSON object."""
        where = f"{self.source.name}:{self.line_no}"
        try:
            value = jsonl.parse_record(self.raw)
            record = jsonl.check_record(value)
        except ValueError as exc:
            failure = InputFailure(where, display(self.source.path), f"line {self.line_no}: {exc}")
            return failure, None
        ref = DocRef(
            doc_id=self.source.id_prefix + record.id,
            path=self.source.path,
            kind="jsonl",
            member=record.id,
            offset=self.offset,
            line_no=self.line_no,
            site=record.site or self.source.default_site,
        )
        return ref, value


@dataclass
class RecordIds:
    """The ids seen so far per JSON Lines file: a repeated id fails its later record."""

    first_line: dict[tuple[str, str], int] = field(default_factory=dict)

    def check(self, found: Found, source: JsonlFile) -> Found:
        """``found`` (a record of ``source``), or a failure when its id came before."""
        if isinstance(found, InputFailure) or found.member is None:
            return found
        first = self.first_line.setdefault((source.path, found.member), found.line_no)
        if first == found.line_no:
            return found
        reason = f"line {found.line_no}: duplicate id {found.member!r} (first on line {first})"
        return InputFailure(f"{source.name}:{found.line_no}", display(source.path), reason)


def _site(root: Root, rel: str) -> str:
    """The parent directory of a document relative to the root (with the root's label)."""
    parent = rel.rpartition("/")[0]
    return _join(root.label, parent)


def _join(label: str, rel: str) -> str:
    return "/".join(part for part in (label, rel) if part)


def _failure(root: Root, item: FileEntry, reason: str) -> InputFailure:
    doc_id = _join(root.label, item.rel) or root.path
    return InputFailure(display(doc_id), display(item.path), reason)


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


def _why_stat(path: str, exc: OSError) -> str:
    """Why a matching entry could not be examined, with what to do about it."""
    if exc.errno == errno.ELOOP:
        return "a symlink loop; remove or fix the link"
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        return f"a dangling symlink to {display(os.readlink(path))}; fix or remove the link"
    return f"cannot examine it: {_why(exc)}"
