"""Line fingerprints: what the first pass keeps of each page for site-template detection.

A fingerprint is a stable 64-bit hash (never the built-in ``hash``, which changes from run
to run) of a line's comparison form: NFKC, invisible characters dropped, whitespace
collapsed, case-folded (``LineFacts.key``), and every run of digits folded to ``0`` so
that "© 2023 Example" and "© 2024 Example", or "12 comments" and "3 comments", are one
line.

The hash is the one the sketch gives a word (``dedup.tokens.span_hashes``): over the folded
UTF-8 bytes ``b[0..n)``, ``h = sum(b[k] * P**k) mod 2**64`` with the FNV prime ``P``, then
the MurmurHash3 finalizer of ``h ^ n``. Clean's first pass fingerprints every line of
every page, so this is a hot path, with three implementations of one definition (the tests
hold each to a plain Python statement of it):

* ``scrubber._speedups`` (C, built with the wheel where a compiler is found): reads the
  keys' characters where they are stored, and writes a page's ``LineFingerprints`` in one
  call, about 4 µs a page (``fingerprint_facts``; ``fingerprint_keys`` for other keys);
* a numba loop over the keys' UTF-8 bytes, for many pages at once (about 20 µs a page
  with the ``LineFingerprints`` made in Python);
* the same arithmetic in NumPy, without numba.

A cryptographic hash for each line cost about 100 µs a page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import numpy as np

from scrubber.dedup.kernels import kernel
from scrubber.dedup.tokens import span_hashes
from scrubber.model import Line
from scrubber.rules.text import DIGITS, LineFacts

_fingerprint_facts: (
    Callable[[list[LineFacts], list[bool] | None], tuple[bytes, bytes, bytes, bytes, int]] | None
)
_fingerprint_keys: Callable[[list[str]], bytes] | None
try:
    from scrubber._speedups import fingerprint_facts as _fingerprint_facts
    from scrubber._speedups import fingerprint_keys as _fingerprint_keys
except ImportError:  # a pure Python install: no compiler when it was built
    _fingerprint_facts = _fingerprint_keys = None

_FOLD = np.arange(256, dtype=np.uint8)
_FOLD[ord("1") : ord("9") + 1] = ord("0")  # ASCII digits; runs of "0" are then one "0"


def fingerprint(key: str) -> int:
    """Stable 64-bit hash of a case-folded line (``LineFacts.key``), digits folded to 0."""
    return fingerprint_keys([key])[0]


def fingerprint_keys(keys: Sequence[str]) -> list[int]:
    """``fingerprint`` of each key, in one call (the keys of a page's lines)."""
    return fingerprint_array(keys).tolist()  # type: ignore[no-any-return]


def fingerprint_array(keys: Sequence[str]) -> np.ndarray:
    """``fingerprint_keys`` as an array of uint64."""
    if not keys:
        return np.zeros(0, np.uint64)
    if _fingerprint_keys is not None:  # C, where the wheel has it
        return unpacked(_fingerprint_keys(list(keys)))
    compiled = kernel("fingerprints")
    if compiled is None:
        encoded = [_folded(key) for key in keys]
        data = np.frombuffer(b"".join(encoded), np.uint8)
        return _hashes(data, np.fromiter(map(len, encoded), np.int64, len(encoded)))
    # The compiled loop folds every digit itself, and takes the keys as one text, a line
    # each: one encoding for them all instead of one per key (a page's lines, or a batch's).
    data = np.frombuffer("\n".join(keys).encode("utf-8", "surrogatepass"), np.uint8)
    breaks = np.flatnonzero(data == ord("\n"))
    if breaks.size == len(keys) - 1:  # no key holds a line break of its own
        lengths = np.diff(breaks, prepend=-1, append=data.size) - 1
        return compiled(data, lengths, 1, *_digit_ranges())  # type: ignore[no-any-return]
    encoded = [key.encode("utf-8", "surrogatepass") for key in keys]
    data = np.frombuffer(b"".join(encoded), np.uint8)
    lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
    return compiled(data, lengths, 0, *_digit_ranges())  # type: ignore[no-any-return]


def packed(hashes: np.ndarray) -> bytes:
    """Fingerprints as ``LineFingerprints.hashes`` keeps them: 8 bytes each, little-endian
    (a page's dozen lines in 100 bytes, where a tuple of Python ints takes 500)."""
    return hashes.astype("<u8", copy=False).tobytes()


def unpacked(data: bytes) -> np.ndarray:
    """``packed`` undone: the fingerprints as an array of uint64."""
    return np.frombuffer(data, "<u8").astype(np.uint64)


def _folded(key: str) -> bytes:
    """A key as UTF-8 with its non-ASCII digits ("٣", "໐") folded (``_hashes`` folds the
    ASCII ones)."""
    if key.isascii():
        return key.encode("ascii")
    return DIGITS.sub("0", key).encode("utf-8", "surrogatepass")


@lru_cache(maxsize=1)
def _digit_ranges() -> tuple[np.ndarray, np.ndarray]:
    """The code point ranges ``[start, end)`` of the non-ASCII characters ``\\d`` matches
    (this Python's Unicode database; found once, in about a tenth of a second)."""
    every = "".join(map(chr, range(0x80, sys.maxunicode + 1)))
    spans = np.array([m.span() for m in DIGITS.finditer(every)], np.int64).reshape(-1, 2)
    spans += 0x80
    return spans[:, 0].copy(), spans[:, 1].copy()


def _hashes(data: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The fingerprints of the keys laid end to end in ``data`` (NumPy; see the module):
    ASCII digits folded, each run of them to one "0", then each key's word hash."""
    folded = _FOLD[data]
    starts = np.cumsum(lengths) - lengths
    zero = folded == ord("0")
    repeat = np.zeros(data.size, bool)
    repeat[1:] = zero[1:] & zero[:-1]
    repeat[starts[starts < data.size]] = False  # a key's first byte repeats nothing
    key_of = np.repeat(np.arange(lengths.size), lengths)[~repeat]
    counts = np.bincount(key_of, minlength=lengths.size)
    ends = np.cumsum(counts)
    return span_hashes(folded[~repeat], ends - counts, ends)


@dataclass(frozen=True)
class LineFingerprints:
    """One page's surviving non-empty lines, reduced to what template detection needs.

    ``unpacked(hashes)[i]`` is the fingerprint of the i-th line (in page order: the index judges a
    line's position against the page's own unique paragraphs, so order is all it needs),
    ``words[i]`` its word count (capped at 255) and ``sentences[i]`` 1 when it ends like a
    sentence. Small and picklable, so a first pass can run in worker processes.
    """

    hashes: bytes  # ``packed`` fingerprints
    words: bytes
    sentences: bytes


def fingerprint_lines(kept: Sequence[Line]) -> LineFingerprints:
    """Fingerprints of the kept non-empty lines of one page (after the per-page rules)."""
    return fingerprints_of(
        [fact for fact in map(LineFacts.of, (line.text for line in kept)) if fact.text]
    )


PageFingerprints = tuple[bytes, LineFingerprints, int]


def fingerprint_pages(
    pages: Sequence[tuple[list[LineFacts], list[bool] | None]],
) -> list[PageFingerprints]:
    """Per page ``(facts, keep)`` (the facts of the lines the page rules saw, and which of
    them stay; None: all), ``(seen, prints, words)``: the ``packed`` fingerprints of every
    line, the ``LineFingerprints`` of the kept ones and the words of the kept ones."""
    if _fingerprint_facts is not None:
        return [_page_fingerprints(*_fingerprint_facts(*page)) for page in pages]
    hashes = fingerprint_array([fact.key for facts, _keep in pages for fact in facts])
    ends = np.cumsum([len(facts) for facts, _keep in pages]).tolist()
    return list(map(_page_of, pages, np.split(hashes, ends[:-1])))


def _page_fingerprints(
    seen: bytes, hashes: bytes, words: bytes, sentences: bytes, total: int
) -> PageFingerprints:
    return seen, LineFingerprints(hashes, words, sentences), total


def _page_of(page: tuple[list[LineFacts], list[bool] | None], seen: np.ndarray) -> PageFingerprints:
    facts, keep = page
    if keep is None:
        prints = fingerprints_of(facts, seen)
        return prints.hashes, prints, sum(fact.words for fact in facts)
    kept = list(compress(facts, keep))
    prints = fingerprints_of(kept, seen[np.array(keep, bool)] if keep else seen)
    return packed(seen), prints, sum(fact.words for fact in kept)


def fingerprints_of(
    facts: Sequence[LineFacts], hashes: np.ndarray | None = None
) -> LineFingerprints:
    """Fingerprints of lines whose facts are known (``strip_and_fingerprint`` has them),
    and their ``hashes`` when those are known too."""
    if hashes is None:
        hashes = fingerprint_array([fact.key for fact in facts])
    return LineFingerprints(
        hashes=packed(hashes),
        words=bytes([min(fact.words, 255) for fact in facts]),  # (a list: 2x a generator)
        sentences=bytes([fact.sentence for fact in facts]),
    )
