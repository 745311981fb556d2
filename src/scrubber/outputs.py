"""The output directory: where cleaned documents go, and how a run claims the directory.

Documents go to the same relative path, or to ``documents.jsonl`` for JSONL input. Every file
is written atomically (temporary file + rename), so a killed run never leaves a half-written
document behind. Into an OUT that was empty, documents are written in a temporary folder of
their own (``STAGING``), whose entries are moved into OUT when every document is written: a
hundred renames instead of one per document. While a run writes, ``OUT/.scrubber-incomplete``
exists (and is locked); it is removed last, after the reports. A run killed at any moment
leaves complete files, the marker and perhaps temporary files and folders; the next run into
the same directory needs no ``--force``, removes the temporary ones and writes everything
again.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from scrubber.errors import InputError, UsageError
from scrubber.io.decode import display
from scrubber.io.write import (
    TEMP_SUFFIX,
    AtomicJsonlWriter,
    fsync_directory,
    json_line,
    make_dirs,
    output_name,
    remove_stale_temporaries,
    replace_file,
    staged_name,
    write_file,
)
from scrubber.model import DocRef, InputFailure, Scanned

if sys.platform != "win32":
    import fcntl

JSONL_OUTPUT = "documents.jsonl"
MANIFEST = "manifest.jsonl"
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
MARKER = ".scrubber-incomplete"
STAGING = f".documents{TEMP_SUFFIX}"  # an empty OUT: the documents' folder until ``publish``
# Names scrubber writes at the top of OUT: a document may not take one of them.
RESERVED = frozenset({JSONL_OUTPUT, MANIFEST, REPORT_JSON, REPORT_HTML, MARKER, STAGING})
# Write errors that concern one document's output path (the run goes on without it); any
# other (no space left, read-only file system, permissions) stops the run.
_PATH_ERRORS = frozenset(
    {errno.ENAMETOOLONG, errno.EILSEQ, errno.EISDIR, errno.ENOTDIR, errno.EEXIST, errno.EINVAL}
)

_MARKER_TEXT = (
    "scrubber clean is writing this directory. If no run is active, a run was interrupted:\n"
    "run the same command again (no --force needed while this file exists).\n"
)


def check_output_dir(src: Path, out: Path, force: bool) -> None:
    """Refuse an output directory that is the input, is inside it or contains it, that is not
    a directory, or that is not empty (unless ``force``, or an interrupted run left it)."""
    src_r, out_r = src.resolve(), out.resolve()
    if out_r == src_r or (src_r.is_dir() and out_r.is_relative_to(src_r)):
        raise UsageError(
            f"{out}: the output directory is inside the input {src}; choose a path outside it"
        )
    if src_r.is_relative_to(out_r):
        raise UsageError(
            f"{out}: the output directory contains the input {src}, whose files it could "
            "overwrite; choose a path outside it"
        )
    if out_r.exists() and not out_r.is_dir():
        raise UsageError(f"{out}: exists and is not a directory; choose another output path")
    if out_r.is_dir() and not force and not (out_r / MARKER).exists() and any(out_r.iterdir()):
        raise UsageError(
            f"{out}: the output directory is not empty; empty it, choose another one, or pass "
            f"--force to write into it (a directory that an interrupted run left, with {MARKER} "
            "in it, is reused without --force)"
        )


class OutputDirectory:
    """Claims ``out`` for one run: creates it, removes what an interrupted run left (temporary
    files), and holds the locked marker until :meth:`finish`."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._fd: int | None = None
        self.fresh = False  # set on entry: True when ``out`` was missing or empty

    def __enter__(self) -> OutputDirectory:
        self.fresh = _missing_or_empty(self.out)
        make_dirs(self.out)
        marker = self.out / MARKER
        fd = os.open(marker, os.O_RDWR | os.O_CREAT, 0o644)
        if sys.platform != "win32":
            try:
                # A POSIX record lock, not flock(): worker processes forked later inherit the
                # descriptor, and a flock would outlive a killed run in its orphaned workers.
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise UsageError(
                    f"{self.out}: another scrubber run is writing this directory; wait for it "
                    "or choose another output directory"
                ) from None
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, _MARKER_TEXT.encode())
        os.fsync(fd)
        remove_stale_temporaries(self.out)
        return self

    def finish(self) -> None:
        """The run wrote everything: make it durable, then remove the marker (the directory
        is complete). One sync here instead of two fsyncs per document: while the marker
        exists the directory counts as incomplete, also after a power loss."""
        if hasattr(os, "sync"):  # POSIX
            os.sync()
        os.unlink(self.out / MARKER)
        fsync_directory(self.out)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # releases the lock; the marker stays unless finish() ran


def _missing_or_empty(folder: Path) -> bool:
    if not folder.is_dir():
        return True
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def claim_output_names(refs: Iterable[DocRef], failures: list[InputFailure]) -> Iterator[DocRef]:
    """The refs whose output paths are their own, as they come; a failure in ``failures``
    for each other one: a document may not overwrite scrubber's files, nor share its output
    path with an earlier document (``safe_output_path`` maps some distinct ids to one
    path)."""
    owner: dict[str, str] = {}
    for ref in refs:
        if ref.kind == "jsonl":
            yield ref
            continue
        name = output_name(ref.doc_id)
        if name in RESERVED:
            reason = f"its output would overwrite scrubber's own {name}; rename or exclude it"
        elif name in owner:
            reason = f"its output path {name} is already that of {owner[name]}; rename one"
        else:
            owner[name] = ref.doc_id
            yield ref
            continue
        failures.append(InputFailure(ref.doc_id, display(ref.path), reason))


Staged = tuple[str, int, int]  # a staged JSON Lines document: (file, offset, length)


def _body(text: str) -> str:
    """An output's content: the text, ended by ``\n`` (a text that ends with ``\n`` ends
    with an empty line, which keeps its own ``\n``)."""
    return text + "\n" if text else ""


def _record(ref: DocRef, body: str) -> dict[str, str | None]:
    """A JSON Lines document's record in ``documents.jsonl``."""
    record = {"id": ref.member, "text": body}
    if ref.doc_id != ref.member:  # several JSONL inputs: ids are unique per source
        record["source"] = ref.doc_id.rsplit("#", 1)[0]
    return record


class OutputWriter:
    """Writes cleaned documents under ``out``; use as a context manager.

    ``fresh``: ``out`` held nothing when the run began (``OutputDirectory.fresh``). Documents
    are then written in the folder ``STAGING`` under their own names, and ``publish`` moves
    its entries into ``out``: nothing needs a rename of its own (``commit``), and no output
    exists that a staged document would replace and whose permissions it would keep.
    Otherwise each document is staged under a temporary name next to its output."""

    def __init__(self, out: Path, *, fresh: bool = False) -> None:
        self.out = out
        self._fresh = fresh
        self._jsonl: AtomicJsonlWriter | None = None
        self._real = out.resolve()
        self._checked: set[Path] = {out}
        self._out = os.fspath(out)
        # where documents are written: the staging folder of a fresh OUT, or OUT itself
        self._root = os.path.join(self._out, STAGING) if fresh else self._out
        self._made: set[str] = set()
        self._part: tuple[int, int, str, int] | None = None  # (pid, fd, path, size)
        self._parts: dict[str, BinaryIO] = {}  # staged record files being copied, by path

    def write(self, ref: DocRef, text: str) -> str:
        """Write one document; return its output location relative to ``out``.

        The file ends with ``\\n``; a text that ends with ``\\n`` ends with an empty line,
        which keeps its own ``\\n``. Into a fresh OUT, the file in the staging folder is
        overwritten where it is (the folder is what moves into place whole, ``publish``):
        no file is made and none freed. (ext4 without a journal makes each new file skip,
        one by one, the inodes freed in the last minutes: every replaced file makes the
        next files slower to make.) Elsewhere the output is replaced atomically."""
        body = _body(text)
        if ref.kind == "jsonl":
            self._records().write_line(json_line(_record(ref, body)))
            return f"{JSONL_OUTPUT}#{ref.doc_id}"
        name = output_name(ref.doc_id)
        target = os.path.join(self._root, name)
        with self._errors(ref, name):
            self._make_folder(os.path.dirname(target))
            if self._fresh:  # in the staging folder: overwritten in place, no new file
                write_file(target, body.encode("utf-8"), like=None)
            else:
                replace_file(target, body.encode("utf-8"))  # OutputDirectory.finish syncs
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(staged_name(target))
        return name

    def stage(self, ref: DocRef, text: str) -> str:
        """Write a text document where it waits for ``commit`` (a temporary name next to
        its output) or ``publish`` (the staging folder); ``discard`` removes it. Returns
        the output location.

        Pass 1 writes every page this way before the duplicates are known: a run killed
        before pass 2 leaves only temporary files, which the next run removes."""
        name = output_name(ref.doc_id)
        target = os.path.join(self._root, name)
        try:  # (not ``_errors``: a context manager costs a tenth of a page's write)
            self._make_folder(os.path.dirname(target))
            if self._fresh:
                write_file(target, _body(text).encode("utf-8"), like=None)
            else:
                write_file(staged_name(target), _body(text).encode("utf-8"), like=target)
        except OSError as exc:
            raise self._error(exc, ref, name) from exc
        return name

    def stage_record(self, ref: DocRef, text: str) -> tuple[str, Staged]:
        """``stage`` for a JSON Lines document: its line of ``documents.jsonl``, appended to
        a temporary file of this process (``copy_staged`` copies it into place)."""
        line = json_line(_record(ref, _body(text)))
        if self._part is None or self._part[0] != os.getpid():  # a forked worker's own
            path = os.path.join(self._out, f".{JSONL_OUTPUT}.{os.getpid()}{TEMP_SUFFIX}")
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
            self._part = (os.getpid(), os.open(path, flags, 0o666), path, 0)
        pid, fd, path, offset = self._part
        with self._errors(ref, JSONL_OUTPUT):
            rest = memoryview(line)  # unbuffered: a worker process ends without flushing
            while rest:
                rest = rest[os.write(fd, rest) :]
        self._part = (pid, fd, path, offset + len(line))
        return f"{JSONL_OUTPUT}#{ref.doc_id}", (path, offset, len(line))

    def copy_staged(self, staged: Staged) -> None:
        """Append a staged JSON Lines document to ``documents.jsonl``, in the caller's order."""
        path, offset, length = staged
        if path not in self._parts:
            self._parts[path] = open(path, "rb", buffering=0)  # noqa: SIM115 - closed on exit
        part = self._parts[path]
        part.seek(offset)
        line = part.read(length)
        if len(line) != length:
            raise UsageError(f"{self.out}: {os.path.basename(path)} was cut short during the run")
        self._records().write_line(line)

    def staged_text(self, scanned: Scanned) -> str | None:
        """The stripped text pass 1 staged for a document (``stage``, ``stage_record``),
        read back; None when it staged nothing or the staged copy cannot be read."""
        if scanned.output is None:
            return None
        body: str
        try:
            if scanned.staged is not None:
                path, offset, length = scanned.staged
                with open(path, "rb", buffering=0) as part:
                    part.seek(offset)
                    body = json.loads(part.read(length))["text"]
            else:
                with open(self._staged_path(scanned.ref), "rb", buffering=0) as staged:
                    body = staged.read().decode("utf-8")
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return body[:-1] if body.endswith("\n") else body  # ``_body`` undone

    def _records(self) -> AtomicJsonlWriter:
        if self._jsonl is None:
            self._jsonl = AtomicJsonlWriter(self.out / JSONL_OUTPUT)
            self._jsonl.__enter__()
        return self._jsonl

    @property
    def commits(self) -> bool:
        """Whether a staged document needs ``commit`` (not in a fresh OUT: ``publish``)."""
        return not self._fresh

    def commit(self, ref: DocRef) -> None:
        """Move a staged document into place (in a fresh OUT, ``publish`` does)."""
        if self._fresh:
            return
        name = output_name(ref.doc_id)
        target = os.path.join(self._out, name)
        try:
            os.replace(staged_name(target), target)
        except OSError as exc:
            raise self._error(exc, ref, name) from exc

    def discard(self, ref: DocRef) -> None:
        """Remove a staged document (it was merged, or failed in pass 2)."""
        if ref.kind == "text":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._staged_path(ref))

    def publish(self) -> None:
        """Move what is in the staging folder of a fresh OUT into OUT: its top entries, a
        folder at a time (nothing else is in OUT but scrubber's own files, which no
        document may be named like)."""
        if not self._fresh or not os.path.isdir(self._root):
            return
        with os.scandir(self._root) as entries:
            names = [entry.name for entry in entries]
        for name in names:
            try:
                os.rename(os.path.join(self._root, name), os.path.join(self._out, name))
            except OSError as exc:
                why = (exc.strerror or str(exc)).lower()
                raise UsageError(f"{self.out}: cannot move {name} into place: {why}") from exc
        os.rmdir(self._root)

    def _staged_path(self, ref: DocRef) -> str:
        """Where ``stage`` puts a text document's stripped text."""
        target = os.path.join(self._root, output_name(ref.doc_id))
        return target if self._fresh else staged_name(target)

    @contextlib.contextmanager
    def _errors(self, ref: DocRef, name: str) -> Iterator[None]:
        """An output path that cannot be written fails its document (``InputError``); a
        directory that cannot be written fails the run (``UsageError``)."""
        try:
            yield
        except OSError as exc:
            raise self._error(exc, ref, name) from exc

    def _error(self, exc: OSError, ref: DocRef, name: str) -> InputError | UsageError:
        """What ``_errors`` raises for ``exc``."""
        why = (exc.strerror or str(exc)).lower()
        if exc.errno in _PATH_ERRORS:
            return InputError(display(ref.path), f"cannot write its output {name}: {why}")
        return UsageError(f"{self.out}: cannot write {name}: {why}")

    def _make_folder(self, folder: str) -> None:
        """Create a folder for outputs once, refusing a symlink that leads out of OUT."""
        if folder in self._made:
            return
        self._check_inside(Path(folder))
        make_dirs(Path(folder))
        self._made.add(folder)

    def _check_inside(self, folder: Path) -> None:
        """Refuse to write through a symlink that leads out of OUT (left there before --force)."""
        if folder in self._checked:
            return
        if not folder.resolve().is_relative_to(self._real):
            raise UsageError(
                f"{folder}: a symlink that leads out of the output directory; remove it"
            )
        self._checked.add(folder)

    def __enter__(self) -> OutputWriter:
        make_dirs(self.out)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._jsonl is not None:
            self._jsonl.__exit__(exc_type, exc, tb)
        for handle in self._parts.values():
            handle.close()
        if self._part is not None and self._part[0] == os.getpid():
            os.close(self._part[1])
        for part in self.out.glob(f".{JSONL_OUTPUT}.*{TEMP_SUFFIX}"):  # every process's records
            part.unlink(missing_ok=True)
