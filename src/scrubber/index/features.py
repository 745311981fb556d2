"""What the index keeps of one document, as bytes, and what those bytes depend on.

A document's features are a pure function of its bytes, the settings that change stripping
and sketching, and scrubber's own code: ``fingerprint(settings)`` names all three, and an
index written under another fingerprint is rebuilt, never read. Each stored row carries a
checksum of its fields, so a damaged row is detected when it is read.

Band keys are the LSH keys of both signature channels (n-grams in ``SHINGLE_ROWS`` rows per
band, content words in ``WORD_ROWS[0]``, the loosest banding ``dupes`` may use: a query for
a few documents can afford the most recall), each salted by its channel and band so one
indexed column answers "which documents share a band with this one".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import scrubber
from scrubber.config import Settings
from scrubber.dedup import DocSketch
from scrubber.dedup.candidates import SHINGLE_ROWS, WORD_ROWS
from scrubber.dedup.lsh import band_keys
from scrubber.model import Scanned
from scrubber.rules import LineFingerprints

SCHEMA_VERSION = 5
QUERY_WORD_ROWS = WORD_ROWS[0]
# Settings that change no stored feature: a different value must not rebuild the index.
_NOT_STORED = frozenset({"threshold", "jobs", "globs", "merge", "templates", "roots"})
# The code whose output the index stores (any change there rebuilds it).
_CODE = ("rules", "dedup", "io", "index", "normalize.py", "pipeline.py", "config.py", "model.py")
_U64 = np.uint64


class CorruptIndex(Exception):
    """The index file is damaged or inconsistent: rebuild it (never shown to users)."""


@dataclass(frozen=True)
class Features:
    """Pass 1's result for one document, as the index stores it."""

    encoding: str
    confidence: float
    lines_in: int
    words: int
    sketch: DocSketch
    fingerprints: LineFingerprints

    @classmethod
    def of(cls, scanned: Scanned) -> Features | None:
        """The features of a scanned document (None when it failed or lacks a part)."""
        if scanned.failure or scanned.sketch is None or scanned.fingerprints is None:
            return None
        return cls(
            scanned.encoding,
            scanned.confidence,
            scanned.lines_in,
            scanned.words,
            scanned.sketch,
            scanned.fingerprints,
        )

    def scanned(self, scanned: Scanned, fingerprints: bool) -> Scanned:
        """``scanned`` (a bare ref) completed with these features."""
        return dataclasses.replace(
            scanned,
            encoding=self.encoding,
            confidence=self.confidence,
            lines_in=self.lines_in,
            words=self.words,
            sketch=self.sketch,
            fingerprints=self.fingerprints if fingerprints else None,
        )


Row = tuple[str, float, int, int, int, bytes, bytes, bytes, bytes]


def to_row(features: Features) -> Row:
    """The stored columns: encoding ... fingerprints, then a checksum of them all."""
    fields = (
        features.encoding,
        features.confidence,
        features.lines_in,
        features.words,
        features.sketch.size,
        features.sketch.shingles.astype("<u4").tobytes(),
        features.sketch.words.astype("<u4").tobytes(),
        pack_fingerprints(features.fingerprints),
    )
    return (*fields, _checksum(fields))


def from_row(row: tuple[Any, ...], num_perm: int) -> Features:
    """Features from stored columns; :class:`CorruptIndex` when they do not add up."""
    fields, digest = tuple(row[:-1]), row[-1]
    try:
        encoding, confidence, lines_in, words, size, shingles, content, prints = fields
        good = digest == _checksum(fields) and len(shingles) == len(content) == 4 * num_perm
    except (TypeError, ValueError) as exc:
        raise CorruptIndex(f"bad document row: {exc}") from exc
    if not good:
        raise CorruptIndex("a document row fails its checksum")
    sketch = DocSketch(
        shingles=np.frombuffer(shingles, dtype="<u4").astype(np.uint32),
        words=np.frombuffer(content, dtype="<u4").astype(np.uint32),
        size=int(size),
    )
    return Features(
        str(encoding), float(confidence), int(lines_in), int(words), sketch, unpack(prints)
    )


def pack_fingerprints(prints: LineFingerprints) -> bytes:
    """The fields of ``LineFingerprints`` (bytes, each of them) as one blob."""
    parts = []
    for spec in dataclasses.fields(prints):
        value = getattr(prints, spec.name)
        if not isinstance(value, bytes):
            raise TypeError(f"LineFingerprints.{spec.name}: cannot store {type(value).__name__}")
        name = spec.name.encode()
        parts.append(bytes([len(name)]) + name + b"b" + len(value).to_bytes(4, "little") + value)
    return b"".join(parts)


def unpack(blob: bytes) -> LineFingerprints:
    fields: dict[str, Any] = {}
    at = 0
    try:
        while at < len(blob):
            size = blob[at]
            name, kind = blob[at + 1 : at + 1 + size].decode(), blob[at + 1 + size : at + 2 + size]
            length = int.from_bytes(blob[at + 2 + size : at + 6 + size], "little")
            if kind != b"b" or at + 6 + size + length > len(blob):
                raise ValueError(f"field {name!r} is not whole")
            fields[name] = bytes(blob[at + 6 + size : at + 6 + size + length])
            at += 6 + size + length
        return LineFingerprints(**fields)
    except (IndexError, TypeError, ValueError) as exc:
        raise CorruptIndex(f"bad fingerprints: {exc}") from exc


def _checksum(fields: tuple[object, ...]) -> bytes:
    digest = hashlib.blake2b(digest_size=8)
    for field in fields:
        data = field if isinstance(field, bytes) else repr(field).encode()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.digest()


def bands_of(shingles: NDArray[np.uint32], words: NDArray[np.uint32]) -> NDArray[np.int64]:
    """Salted band keys of documents (rows of the two signature matrices): shape (docs, bands)."""
    channels = [band_keys(shingles, SHINGLE_ROWS), band_keys(words, QUERY_WORD_ROWS)]
    salted = []
    for channel, keys in enumerate(channels):
        band = np.arange(keys.shape[1], dtype=_U64) + _U64(64 * channel + 1)
        mixed = keys ^ (band * _U64(0x9E3779B97F4A7C15))
        mixed = mixed * _U64(0xBF58476D1CE4E5B9)
        salted.append(mixed ^ (mixed >> _U64(31)))
    return np.concatenate(salted, axis=1).view(np.int64)


def fingerprint(settings: Settings) -> str:
    """Names everything a stored feature depends on besides the document's bytes."""
    stored = {
        field.name: getattr(settings, field.name)
        for field in dataclasses.fields(settings)
        if field.name not in _NOT_STORED
    }
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps([SCHEMA_VERSION, stored], sort_keys=True, default=list).encode())
    digest.update(_code_digest())
    return digest.hexdigest()


_CODE_DIGEST: list[bytes] = []


def _code_digest() -> bytes:
    if not _CODE_DIGEST:
        package = Path(scrubber.__file__).parent
        digest = hashlib.blake2b(scrubber.__version__.encode(), digest_size=16)
        for name in _CODE:
            top = package / name
            for path in sorted(top.rglob("*.py")) if top.is_dir() else [top]:
                digest.update(path.relative_to(package).as_posix().encode())
                digest.update(path.read_bytes())
        _CODE_DIGEST.append(digest.digest())
    return _CODE_DIGEST[0]
