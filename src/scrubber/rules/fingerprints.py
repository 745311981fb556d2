"""Line fingerprints: what the first pass keeps of each page for site-template detection.

A fingerprint is a stable 64-bit hash (blake2b, never the built-in ``hash``, which changes
from run to run) of a line's comparison form: NFKC, invisible characters dropped,
whitespace collapsed, case-folded, and every run of digits folded to ``0`` so that
"© 2023 Example" and "© 2024 Example", or "12 comments" and "3 comments", are one line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scrubber.model import Line
from scrubber.rules.text import DIGITS, LineFacts

_ASCII_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


@lru_cache(maxsize=1 << 16)
def fingerprint(key: str) -> int:
    """Stable 64-bit hash of a case-folded line (``LineFacts.key``), digits folded to 0."""
    return int.from_bytes(hashlib.blake2b(_folded(key), digest_size=8).digest(), "big")


def _folded(key: str) -> bytes:
    """``DIGITS.sub("0", key)`` as UTF-8; for ASCII (most lines) by a byte table: every
    digit becomes 0, then every run of zeros one 0 (in half the time of the regex)."""
    if not key.isascii():
        return DIGITS.sub("0", key).encode("utf-8")
    folded = key.encode("ascii").translate(_ASCII_DIGITS_TO_ZERO)
    while b"00" in folded:
        folded = folded.replace(b"00", b"0")
    return folded


@dataclass(frozen=True)
class LineFingerprints:
    """One page's surviving non-empty lines, reduced to what template detection needs.

    ``hashes[i]`` is the fingerprint of the i-th line (in page order: the index judges a
    line's position against the page's own unique paragraphs, so order is all it needs),
    ``words[i]`` its word count (capped at 255) and ``sentences[i]`` 1 when it ends like a
    sentence. Small and picklable, so a first pass can run in worker processes.
    """

    hashes: tuple[int, ...]
    words: bytes
    sentences: bytes


def fingerprint_lines(kept: Sequence[Line]) -> LineFingerprints:
    """Fingerprints of the kept non-empty lines of one page (after the per-page rules)."""
    return fingerprints_of(
        [fact for fact in map(LineFacts.of, (line.text for line in kept)) if fact.text]
    )


def fingerprints_of(facts: Sequence[LineFacts]) -> LineFingerprints:
    """Fingerprints of lines whose facts are known (``strip_and_fingerprint`` has them)."""
    return LineFingerprints(
        hashes=tuple(fingerprint(fact.key) for fact in facts),
        words=bytes(min(fact.words, 255) for fact in facts),
        sentences=bytes(fact.sentence for fact in facts),
    )
