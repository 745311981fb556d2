"""Where cleaned documents go: the same relative path, or ``documents.jsonl`` for JSONL input.

Every file is written atomically (temporary file + rename), so a killed run never leaves a
half-written document behind.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from scrubber.io.write import AtomicJsonlWriter, atomic_write_text, safe_output_path
from scrubber.model import DocRef

JSONL_OUTPUT = "documents.jsonl"


class OutputWriter:
    """Writes cleaned documents under ``out``; use as a context manager."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._jsonl: AtomicJsonlWriter | None = None

    def write(self, ref: DocRef, text: str) -> str:
        """Write one document; return its output location relative to ``out``."""
        body = text if not text or text.endswith("\n") else text + "\n"
        if ref.kind == "jsonl":
            if self._jsonl is None:
                self._jsonl = AtomicJsonlWriter(self.out / JSONL_OUTPUT)
                self._jsonl.__enter__()
            self._jsonl.write({"id": ref.member, "text": body})
            return f"{JSONL_OUTPUT}#{ref.member}"
        target = safe_output_path(self.out, ref.doc_id)
        atomic_write_text(target, body)
        return target.relative_to(self.out).as_posix()

    def __enter__(self) -> OutputWriter:
        self.out.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._jsonl is not None:
            self._jsonl.__exit__(exc_type, exc, tb)
