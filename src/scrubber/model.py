"""The records that flow between the stages of the pipeline.

Every record that crosses a stage boundary is a frozen dataclass: stages return new
records instead of mutating old ones, which keeps runs deterministic and easy to test.
Line numbers are 1-based everywhere, as an editor shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from scrubber.dedup import DocSketch
    from scrubber.replay import Verdicts
    from scrubber.rules import LineFingerprints


@dataclass(frozen=True)
class DocRef:
    """Where a document lives, enough to read it again later (streaming second pass).

    ``doc_id`` is the stable name used in every report: the path relative to the input
    directory (``news/a.txt``), the file name for a single file, or ``FILE.jsonl#ID`` style
    ids for JSON Lines records (``member`` is then the record's ``id``).
    """

    doc_id: str
    path: str  # the file on disk (absolute or as given)
    kind: str = "text"  # "text" | "jsonl"
    member: str | None = None  # JSONL record id
    offset: int = -1  # byte offset of the JSONL line (uncompressed stream), -1 for text files
    line_no: int = 0  # 1-based JSONL line number, 0 for text files
    site: str = ""  # grouping key for cross-page templates (parent directory by default)


@dataclass(frozen=True)
class Document:
    """A decoded input document: text with ``\\n`` line endings, and how it was decoded."""

    ref: DocRef
    text: str
    encoding: str
    confidence: float
    warnings: tuple[str, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.ref.doc_id

    @property
    def lines(self) -> list[str]:
        """The lines as an editor shows them: a final newline ends the last line."""
        return split_lines(self.text)


@dataclass(frozen=True)
class InputFailure:
    """An input that could not be read or decoded; the run goes on without it."""

    doc_id: str
    path: str
    reason: str  # one line: what is wrong and how to fix it


class Line(NamedTuple):
    """One line of a document, with its 1-based number in the original input.

    A named tuple, not a dataclass like the other records: every line of every page is one
    (pass 1 makes about 22 a page), and a tuple is quicker to make, smaller, and quicker to
    send between processes."""

    no: int
    text: str


class Removal(NamedTuple):
    """One removed line and the named rule that removed it (a named tuple, like ``Line``)."""

    rule: str
    line_no: int
    text: str


@dataclass(frozen=True)
class Stripped:
    """A document after boilerplate rules: the kept lines and the removed ones."""

    doc_id: str
    kept: tuple[Line, ...]
    removals: tuple[Removal, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.kept)


@dataclass(frozen=True)
class Pair:
    """A verified near-duplicate pair with its similarity in [0, 1]."""

    a: str
    b: str
    similarity: float


@dataclass(frozen=True)
class Cluster:
    """Near-duplicates of one story. ``members`` are sorted; ``canonical`` is one of them."""

    members: tuple[str, ...]
    canonical: str
    reason: str
    pairs: tuple[Pair, ...]


class Status(StrEnum):
    KEPT = "kept"  # written on its own
    CANONICAL = "canonical"  # written as the merged document of its cluster
    MERGED = "merged"  # folded into its cluster's canonical document
    FAILED = "failed"  # could not be read; see the reason


@dataclass(frozen=True)
class MergedParagraph:
    """A paragraph of the canonical output that came from another cluster member."""

    source: str  # doc_id of the member it came from
    source_line: int  # first line of the paragraph in that member's input
    output_line: int  # first line of the paragraph in the merged output document
    text: str


@dataclass(frozen=True)
class ManifestRecord:
    """One line of ``manifest.jsonl``: what became of one input document."""

    input: str
    status: Status
    output: str | None = None  # relative output path (kept / canonical)
    merged_into: str | None = None  # doc_id of the canonical (merged)
    encoding: str | None = None
    confidence: float | None = None
    lines_in: int = 0
    lines_removed: int = 0
    cluster: int | None = None
    reason: str | None = None  # for failed records


@dataclass(frozen=True)
class Notes:
    """What the report keeps of one stripped document: every removed line, and the kept
    lines around them (``report.context.near_removals``), not the whole text."""

    removals: tuple[Removal, ...] = ()
    context: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Scanned:
    """Pass 1's compact result for one document."""

    ref: DocRef
    encoding: str = ""
    confidence: float = 0.0
    lines_in: int = 0
    words: int = 0  # words of the stripped text, as the rules count them
    sketch: DocSketch | None = None
    fingerprints: LineFingerprints | None = None
    verdicts: Verdicts | None = None  # clean: pass 1's strip result, for pass 2 to reuse
    output: str | None = None  # clean: its output, staged by pass 1
    staged: tuple[str, int, int] | None = None  # clean, JSON Lines: (file, offset, length)
    notes: Notes | None = None  # clean: pass 1's removals, for the report
    failure: InputFailure | None = None


@dataclass(frozen=True)
class ProgressEvent:
    """A progress tick: ``stage`` advanced to ``done`` of ``total`` (``total`` may be 0)."""

    stage: str
    done: int
    total: int


ProgressCallback = Callable[[ProgressEvent], None]


def no_progress(_event: ProgressEvent) -> None:
    """The default progress callback: library code never prints."""


@dataclass(frozen=True)
class DupesResult:
    """What ``scrubber dupes`` reports."""

    threshold: float
    documents: int
    clusters: tuple[Cluster, ...]
    failures: tuple[InputFailure, ...] = ()


def split_lines(text: str) -> list[str]:
    """Split on ``\n``; a trailing newline terminates the last line instead of adding one."""
    if not text:
        return []
    return (text[:-1] if text.endswith("\n") else text).split("\n")
