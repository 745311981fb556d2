"""The output directory: where cleaned documents go, and how a run claims the directory.

Documents go to the same relative path, or to ``documents.jsonl`` for JSONL input. Every file
is written atomically (temporary file + rename), so a killed run never leaves a half-written
document behind. While a run writes, ``OUT/.scrubber-incomplete`` exists (and is locked); it
is removed last, after the reports. A run killed at any moment leaves complete files, the
marker and perhaps temporary files; the next run into the same directory needs no ``--force``,
removes the temporary files and writes everything again.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from scrubber.errors import InputError, UsageError
from scrubber.io.decode import display
from scrubber.io.write import (
    AtomicJsonlWriter,
    atomic_write_text,
    fsync_directory,
    make_dirs,
    remove_stale_temporaries,
    safe_output_path,
)
from scrubber.model import DocRef, InputFailure

if sys.platform != "win32":
    import fcntl

JSONL_OUTPUT = "documents.jsonl"
MANIFEST = "manifest.jsonl"
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
MARKER = ".scrubber-incomplete"
# Names scrubber writes at the top of OUT: a document may not take one of them.
RESERVED = frozenset({JSONL_OUTPUT, MANIFEST, REPORT_JSON, REPORT_HTML, MARKER})
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

    def __enter__(self) -> OutputDirectory:
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


def claim_output_names(refs: Sequence[DocRef]) -> tuple[list[DocRef], list[InputFailure]]:
    """The refs whose output paths are their own, and a failure for each other one: a document
    may not overwrite scrubber's files, nor share its output path with an earlier document
    (``safe_output_path`` maps some distinct ids to one path)."""
    kept: list[DocRef] = []
    failures: list[InputFailure] = []
    owner: dict[str, str] = {}
    for ref in refs:
        if ref.kind == "jsonl":
            kept.append(ref)
            continue
        name = safe_output_path(Path(), ref.doc_id).as_posix()
        if name in RESERVED:
            reason = f"its output would overwrite scrubber's own {name}; rename or exclude it"
        elif name in owner:
            reason = f"its output path {name} is already that of {owner[name]}; rename one"
        else:
            owner[name] = ref.doc_id
            kept.append(ref)
            continue
        failures.append(InputFailure(ref.doc_id, display(ref.path), reason))
    return kept, failures


class OutputWriter:
    """Writes cleaned documents under ``out``; use as a context manager."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._jsonl: AtomicJsonlWriter | None = None
        self._real = out.resolve()
        self._checked: set[Path] = {out}

    def write(self, ref: DocRef, text: str) -> str:
        """Write one document; return its output location relative to ``out``.

        The file ends with ``\\n``; a text that ends with ``\\n`` ends with an empty line,
        which keeps its own ``\\n``."""
        body = text + "\n" if text else ""
        if ref.kind == "jsonl":
            if self._jsonl is None:
                self._jsonl = AtomicJsonlWriter(self.out / JSONL_OUTPUT)
                self._jsonl.__enter__()
            record = {"id": ref.member, "text": body}
            if ref.doc_id != ref.member:  # several JSONL inputs: ids are unique per source
                record["source"] = ref.doc_id.rsplit("#", 1)[0]
            self._jsonl.write(record)
            return f"{JSONL_OUTPUT}#{ref.doc_id}"
        target = safe_output_path(self.out, ref.doc_id)
        name = target.relative_to(self.out).as_posix()
        self._check_inside(target.parent)
        try:
            atomic_write_text(target, body, durable=False)  # OutputDirectory.finish syncs
        except OSError as exc:
            why = (exc.strerror or str(exc)).lower()
            if exc.errno in _PATH_ERRORS:
                raise InputError(
                    display(ref.path), f"cannot write its output {name}: {why}"
                ) from exc
            raise UsageError(f"{self.out}: cannot write {name}: {why}") from exc
        return name

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
