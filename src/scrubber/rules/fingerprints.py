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


@lru_cache(maxsize=1 << 16)
def fingerprint(key: str) -> int:
    """Stable 64-bit hash of a case-folded line (``LineFacts.key``), digits folded to 0."""
    folded = DIGITS.sub("0", key)
    return int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest(), "big")


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
    facts = [fact for fact in (LineFacts.of(line.text) for line in kept) if fact.text]
    return LineFingerprints(
        hashes=tuple(fingerprint(fact.key) for fact in facts),
        words=bytes(min(fact.words, 255) for fact in facts),
        sentences=bytes(fact.sentence for fact in facts),
    )
