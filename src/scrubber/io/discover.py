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
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

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


def iter_refs(paths: Sequence[str], globs: Sequence[str]) -> Iterator[Found]:
    """The documents under ``paths`` (see the module docstring), as :class:`DocRef` records or
    :class:`InputFailure` for what cannot be used. Raises :class:`UsageError` at once, before
    anything is yielded, when a path does not exist."""
    if not paths:
        raise UsageError("no input paths given; name at least one file or directory")
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{display(path)}: no such file or directory; check the path")
        if not os.path.exists(path):
            raise UsageError(f"{display(path)}: a symlink to a missing file; fix or remove it")
    return _iter_roots(roots(paths), tuple(glob.lower() for glob in globs))


def matches(name: str, globs: Sequence[str]) -> bool:
    """Whether a file name matches one of the (lower-case) globs, ignoring case."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, glob) for glob in globs)


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


def _iter_roots(roots: list[Root], globs: tuple[str, ...]) -> Iterator[Found]:
    for root in roots:
        if os.path.isdir(root.path):
            yield from _walk(root, globs)
        else:
            yield from _given_file_refs(root)


def _given_file_refs(root: Root) -> Iterator[Found]:
    """A file named on the command line: globs do not apply to it."""
    base = os.path.basename(root.path)
    name = root.label or display(base)
    if display(base) != base:
        yield InputFailure(name, display(root.path), "the file name is not valid UTF-8; rename it")
    elif jsonl.is_jsonl(root.path):
        yield from _jsonl_refs(root.path, name, f"{root.label}/" if root.label else "", name)
    else:
        # Files named one by one (pre-commit passes them so) group by the directory they are in.
        site = os.path.dirname(os.path.normpath(root.path)) if root.label else ""
        yield from _file_ref(
            root.path, name, display(site).replace(os.sep, "/"), os.stat(root.path)
        )


def _walk(root: Root, globs: tuple[str, ...]) -> Iterator[Found]:
    for found in walk_files(root, globs):
        if isinstance(found, InputFailure):
            yield found
        else:
            yield from _entry_refs(root, found)


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
                found.append(FileEntry(entry.path, rel, False))
        elif not entry.name.startswith("."):  # hidden directories: .git, .scrubber, .venv
            found.append(FileEntry(entry.path, rel, True, _directory_problem(entry, visited)))
    # Sorting siblings by name, with "/" after a directory's name, sorts the full paths.
    found.sort(key=lambda child: child.rel + "/" if child.is_dir else child.rel)
    return found


def _scrubber_outputs(names: set[str]) -> set[str]:
    """scrubber's own records in a folder that is a `scrubber clean` output (cleaning it again)."""
    return {"manifest.jsonl"} if {"manifest.jsonl", "report.json"} <= names else set()


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


def _entry_refs(root: Root, item: FileEntry) -> Iterator[Found]:
    """Refs for one file that matched the globs: itself, or the records of a JSONL file."""
    if display(item.rel) != item.rel:
        yield _failure(root, item, "the file name is not valid UTF-8; rename it")
        return
    try:
        info = os.stat(item.path)
    except OSError as exc:
        yield _failure(root, item, _why_stat(item.path, exc))
        return
    doc_id = _join(root.label, item.rel)
    if jsonl.is_jsonl(item.rel) and stat.S_ISREG(info.st_mode):
        yield from _jsonl_refs(item.path, doc_id, f"{doc_id}#", doc_id)
    else:
        yield from _file_ref(item.path, doc_id, _site(root, item.rel), info)


def _file_ref(path: str, doc_id: str, site: str, info: os.stat_result) -> Iterator[Found]:
    if not stat.S_ISREG(info.st_mode):
        yield InputFailure(doc_id, display(path), "not a regular file (a FIFO, socket or device)")
        return
    yield DocRef(doc_id=doc_id, path=path, site=site)


def _jsonl_refs(path: str, name: str, id_prefix: str, default_site: str) -> Iterator[Found]:
    """One DocRef per good record of a JSON Lines file, an InputFailure per bad line; one
    InputFailure for the file when it is binary (an image or archive under a .jsonl name)."""
    source = _JsonlSource(path, name, id_prefix, default_site)
    line_no = 0
    try:
        binary = _sniff_jsonl(path)
        if binary is not None:
            yield InputFailure(name, display(path), f"not JSON Lines: {binary}; remove it")
            return
        for line_no, offset, raw in jsonl.iter_jsonl_lines(path):
            if raw.strip():  # blank lines (a trailing newline, spacing) are not records
                yield source.ref(line_no, offset, raw)
    except jsonl.READ_ERRORS as exc:
        reason = f"cannot read past line {line_no}: {_why(exc)}; the records before it were kept"
        yield InputFailure(name, display(path), reason)


def _sniff_jsonl(path: str) -> str | None:
    """What the (decompressed) start of a JSON Lines file is when it is clearly not text."""
    with jsonl.open_jsonl(path) as handle:
        head = handle.read(_SNIFF_BYTES)
    return sniff_binary(head)


@dataclass
class _JsonlSource:
    """One JSON Lines file being scanned: how its ids are spelled, and the ids seen so far."""

    path: str
    name: str  # the file's doc_id-style name, used for failures: f"{name}:{line_no}"
    id_prefix: str
    default_site: str
    first_line: dict[str, int] = field(default_factory=dict)

    def ref(self, line_no: int, offset: int, raw: bytes) -> Found:
        where = f"{self.name}:{line_no}"
        try:
            record = jsonl.check_record(jsonl.parse_record(raw))
        except ValueError as exc:
            return InputFailure(where, display(self.path), f"line {line_no}: {exc}")
        first = self.first_line.setdefault(record.id, line_no)
        if first != line_no:
            reason = f"line {line_no}: duplicate id {record.id!r} (first on line {first})"
            return InputFailure(where, display(self.path), reason)
        return DocRef(
            doc_id=self.id_prefix + record.id,
            path=self.path,
            kind="jsonl",
            member=record.id,
            offset=offset,
            line_no=line_no,
            site=record.site or self.default_site,
        )


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
