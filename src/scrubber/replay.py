"""Pass 1's strip result kept small, so that pass 2 need not run the rules again.

``clean`` strips every page twice: pass 1 with the per-page rules (for the site
templates and the comparison), pass 2 with the site templates learnt in between. The
templates change a page only if one of its lines that reach the page rules is a template
line; for every other page, pass 2's result is pass 1's. So pass 1 keeps, per page, a
byte per line (which rule removed it, if any: ``Verdicts``) and the fingerprints of the
lines the page rules saw, and pass 2 rebuilds the ``Stripped`` when the site's templates
miss all of them: from the text pass 1 staged and its removals (``from_staged``), or from
the page read again (``replay``; a page that changed between the passes, another checksum,
is stripped again).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from scrubber import rules
from scrubber.model import Document, Removal, Stripped
from scrubber.rules.fingerprints import unpacked
from scrubber.rules.strip import lines_of, stripped_of

_NAMES: tuple[str, ...] = tuple(info.name for info in rules.list_rules())
_CODES = {name: code for code, name in enumerate(_NAMES, start=1)}  # 0: the line is kept


@dataclass(frozen=True)
class Verdicts:
    """One page's strip result in a few bytes: what pass 2 needs to rebuild it."""

    codes: bytes  # per line: 0 kept, else 1 + the rule's position in ``list_rules()``
    checksum: int  # crc32 of the text the codes were taken from
    seen: bytes  # (packed) fingerprints of the lines the page rules saw, kept or removed


def _lines(text: str) -> list[str]:
    raw = text.split("\n") if text else []
    if text.endswith("\n"):
        raw.pop()
    return raw


def _checksum(text: str) -> int:
    """A checksum of a page, to tell in pass 2 whether it is the page pass 1 read: C where
    the wheel has it (no encoding: a tenth of the time), else CRC-32 of its UTF-8."""
    if _text_checksum is not None:
        return _text_checksum(text)
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


_text_checksum: Callable[[str], int] | None
try:
    from scrubber._speedups import text_checksum as _text_checksum
except ImportError:  # a pure Python install
    _text_checksum = None


def record(doc: Document, page: rules.FingerprintedPage) -> Verdicts:
    """The verdicts of a page stripped without templates (``rules.strip_and_fingerprint``)."""
    if page.removals:
        codes = bytes([_CODES[rule] if rule is not None else 0 for rule in page.verdicts])
    else:
        codes = bytes(len(page.verdicts))
    return Verdicts(codes, _checksum(doc.text), page.seen)


def unchanged_by(verdicts: Verdicts, templates: frozenset[int]) -> bool:
    """Whether stripping the page with these site templates gives pass 1's result."""
    return not templates or templates.isdisjoint(unpacked(verdicts.seen).tolist())


def unchanged_by_each(pages: Sequence[Verdicts], templates: frozenset[int]) -> list[bool]:
    """``unchanged_by`` for many pages of one site at once (pass 2 asks it of every page)."""
    if not templates or not pages:
        return [True] * len(pages)
    seen = np.frombuffer(b"".join(page.seen for page in pages), "<u8")
    hits = np.isin(seen, np.fromiter(templates, np.uint64, len(templates)))
    sizes = np.fromiter((len(page.seen) // 8 for page in pages), np.int64, len(pages))
    ends = np.cumsum(sizes)
    touched = np.concatenate(([0], np.cumsum(hits)))  # template lines among the first k
    return (touched[ends] == touched[ends - sizes]).tolist()  # type: ignore[no-any-return]


def replay(doc: Document, verdicts: Verdicts) -> Stripped | None:
    """Pass 1's ``Stripped`` rebuilt from the page and its verdicts (None: the page changed)."""
    raw = _lines(doc.text)
    if len(raw) != len(verdicts.codes) or _checksum(doc.text) != verdicts.checksum:
        return None
    return stripped_of(
        doc.doc_id, raw, [_NAMES[code - 1] if code else None for code in verdicts.codes]
    )


def from_staged(
    doc_id: str, text: str, verdicts: Verdicts, removals: tuple[Removal, ...]
) -> Stripped | None:
    """Pass 1's ``Stripped`` rebuilt from the text it kept (``Stripped.text``), its verdicts
    and its removals, without the page; None when they do not fit together (a kept text of
    one empty line reads back as none)."""
    kept_lines = text.split("\n") if text else []
    numbers = [i for i, code in enumerate(verdicts.codes, start=1) if not code]
    if len(kept_lines) != len(numbers) or len(removals) != len(verdicts.codes) - len(numbers):
        return None
    return Stripped(doc_id, lines_of(zip(numbers, kept_lines, strict=True)), removals)
