"""Rewriting one file without its boilerplate, byte for byte otherwise.

The fixer changes nothing but the removed lines: the encoding, a byte-order mark and each
kept line's own line ending stay as they were. A file whose bytes do not decode and encode
back to themselves (undecodable bytes, an encoding guess that does not round-trip) is left
alone and reported, never rewritten.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scrubber.config import Settings
from scrubber.errors import InputError
from scrubber.io import load_document
from scrubber.io.decode import normalize_newlines
from scrubber.model import DocRef, split_lines
from scrubber.rules import TemplateIndex
from scrubber.scan import strip_document

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Fix:
    """What stripping does to one file: its new bytes (None: unchanged or not fixable)."""

    ref: DocRef
    old: str = ""
    new: str = ""
    data: bytes | None = None
    removed: Counter[str] = field(default_factory=Counter)
    problem: str = ""  # why the file was left alone

    @property
    def changed(self) -> bool:
        return self.data is not None

    def diff(self) -> str:
        """A unified diff of the change (empty when unchanged)."""
        if not self.changed:
            return ""
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            f"a/{self.ref.doc_id}",
            f"b/{self.ref.doc_id}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def fix_file(ref: DocRef, settings: Settings, templates: TemplateIndex | None) -> Fix:
    """The file of ``ref`` with the lines the rules remove taken out (nothing is written)."""
    try:
        doc = load_document(ref, settings.errors)
        raw = Path(ref.path).read_bytes()
    except (InputError, OSError) as exc:
        return Fix(ref, problem=str(exc))
    stripped = strip_document(doc, settings, templates, ref.site)
    if not stripped.removals:
        return Fix(ref)
    bom, codec = _codec(raw, doc.encoding)
    try:
        text = raw[len(bom) :].decode(codec)
        same = bom + text.encode(codec) == raw
    except (UnicodeError, LookupError):
        text, same = "", False
    lines = _LINES.findall(text)
    if (
        doc.warnings
        or not same
        or normalize_newlines(text) != doc.text
        or len(lines) != len(split_lines(doc.text))
    ):
        return Fix(ref, problem=f"not rewritten: its bytes do not round-trip as {doc.encoding}")
    gone = {removal.line_no for removal in stripped.removals}
    new = "".join(line for no, line in enumerate(lines, 1) if no not in gone)
    removed = Counter(removal.rule for removal in stripped.removals)
    return Fix(ref, text, new, bom + new.encode(codec), removed)


def _codec(raw: bytes, encoding: str) -> tuple[bytes, str]:
    """The byte-order mark the file starts with (it decided the encoding), and the codec."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return bom, codec
    return b"", encoding
