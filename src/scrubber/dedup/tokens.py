"""Words as stable 64-bit hashes, found and hashed in bulk with NumPy.

This is the hot path of ``dupes``: every document passes through it once. A regex and a
hash call per word cost about three times as much as doing the same on the UTF-8 bytes
with a handful of array operations: classify every byte, find where words start and
end, and hash all words at once with a polynomial hash over a prefix sum.

The words are those of :func:`scrubber.normalize.words` (NFKC, casefolded, runs of
letters and digits, each CJK character a word of its own); the tests check that both
agree. Hashes are seeded constants only, never the built-in ``hash()``, so they are the
same in every process and every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup import kernels
from scrubber.normalize import unicode_fold

U64 = np.uint64
STEM_CHARS = 5  # a word's stem: its first five characters ("infected", "infection": "infec")
_BASE = 0x100000001B3  # odd multiplier of the polynomial hash (FNV prime)
_MASK64 = (1 << 64) - 1
_SEP, _WORD, _CJK = 0, 1, 2


def _inverse(a: int) -> int:
    """Inverse of an odd number modulo 2**64 (Newton iteration)."""
    x = 1
    for _ in range(7):
        x = (x * (2 - a * x)) & _MASK64
    return x


class _Powers:
    """BASE**k and BASE**-k modulo 2**64 for k < len, grown on demand (never shrinks)."""

    def __init__(self) -> None:
        self.pow = np.ones(0, U64)
        self.inv = np.ones(0, U64)

    def ensure(self, n: int) -> None:
        if n <= self.pow.size:
            return
        size = max(n, 2 * self.pow.size, 1 << 14)
        step = np.full(size, _BASE, U64)
        step[0] = 1
        self.pow = np.cumprod(step, dtype=U64)
        step[1:] = _inverse(_BASE)
        self.inv = np.cumprod(step, dtype=U64)


_POWERS = _Powers()


def _ascii_classes() -> NDArray[np.uint8]:
    table = np.zeros(256, np.uint8)
    for char in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        table[char] = _WORD
    return table


_ASCII = _ascii_classes()


def _lead_classes() -> NDArray[np.uint8]:
    """Class of a multi-byte character by its first two bytes (index: lead * 256 + next)."""
    table = np.full((256, 256), _WORD, np.uint8)
    table[0xC2, :] = _SEP  # U+0080-00BF: Latin-1 punctuation and symbols
    table[0xC3, 0x97] = table[0xC3, 0xB7] = _SEP  # multiplication and division signs
    table[0xE2, :] = _SEP  # U+2000-2FFF: general punctuation, symbols, arrows, dingbats
    table[0xE3, :] = _CJK  # U+3040-3FFF: kana, CJK extension A ...
    table[0xE3, 0x80] = _SEP  # U+3000-303F: CJK punctuation ("。", "、", brackets)
    table[0xE4:0xEA, :] = _CJK  # U+4000-9FFF: CJK unified ideographs
    table[0xEF, 0xA4:0xAC] = _CJK  # U+F900-FAFF: CJK compatibility ideographs
    table[0xEF, 0xB8:0xC0] = _SEP  # U+FE00-FFFF: variation selectors, BOM, specials
    table[0xF0, 0x9F] = _SEP  # U+1F000-1FFFF: emoji and pictographs
    table[0xF0, 0xA0:0xB0] = _CJK  # U+20000-2FFFF: CJK extensions B-F
    return table.reshape(-1)


_LEADS = _lead_classes()


def _fmix(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """MurmurHash3's 64-bit finalizer: spreads every input bit over the whole hash."""
    h = h ^ (h >> U64(33))
    h = h * U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> U64(33))
    h = h * U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> U64(33))


@dataclass(frozen=True)
class Words:
    """The words of a text: hashes, stem hashes, lengths and byte offsets in ``data``."""

    data: NDArray[np.uint8]  # the folded text as UTF-8
    hashes: NDArray[np.uint64]
    stems: NDArray[np.uint64]
    chars: NDArray[np.int64]  # characters per word
    starts: NDArray[np.int64]  # byte offset of each word in data
    ends: NDArray[np.int64]  # byte offset just after each word

    def __len__(self) -> int:
        return int(self.hashes.size)

    def text(self, index: int) -> str:
        """Word ``index`` as folded text (for tests and explanations)."""
        return bytes(self.data[self.starts[index] : self.ends[index]]).decode("utf-8")


def _classes(data: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], NDArray[np.int64] | None]:
    """Byte classes (separator, word, CJK) and the offsets of UTF-8 continuation bytes.

    Most scraped text is mostly ASCII, so multi-byte characters are classified sparsely:
    only their bytes are looked at. The continuation offsets are None for ASCII text.
    """
    classes = _ASCII.take(data)
    high = np.flatnonzero(data >= 0x80)
    if high.size == 0:
        return classes, None
    values = data.take(high)
    is_lead = values >= 0xC0
    nxt = data.take(np.minimum(high + 1, data.size - 1)).astype(np.int64)
    per_lead = _LEADS.take(values.astype(np.int64) * 256 + nxt)
    # a continuation byte takes the class of the lead byte before it
    owner = np.maximum.accumulate(np.where(is_lead, np.arange(high.size), 0))
    classes[high] = per_lead.take(owner)
    return classes, high[~is_lead]


def _bounds(
    classes: NDArray[np.uint8], cont: NDArray[np.int64] | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Start and end byte offsets of the words (CJK characters are words of their own)."""
    word = np.zeros(classes.size + 2, np.bool_)
    word[1:-1] = classes != _SEP
    inner = word[1:] != word[:-1]  # inner[p]: the word state changes before byte p
    if cont is not None:
        cjk = np.zeros(classes.size + 2, np.bool_)
        cjk[1:-1] = classes == _CJK
        if bool(cjk.any()):
            lead = np.ones(classes.size, np.bool_)
            lead[cont] = False
            # a CJK character ends the word before it and is a word of its own
            cut = np.zeros(classes.size + 1, np.bool_)
            cut[:-1] = lead & (cjk[1:-1] | cjk[:-2]) & word[1:-1] & word[:-2]
            starts = np.flatnonzero((inner & word[1:]) | cut)
            ends = np.flatnonzero((inner & word[:-1]) | cut)
            return starts.astype(np.int64), ends.astype(np.int64)
    edges = np.flatnonzero(inner).astype(np.int64)  # words and gaps alternate: start, end, ...
    return edges[0::2], edges[1::2]


def _stem_ends(
    starts: NDArray[np.int64], ends: NDArray[np.int64], cont: NDArray[np.int64] | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Characters per word, and the byte offset after each word's first STEM_CHARS characters."""
    stem_ends = np.minimum(ends, starts + STEM_CHARS)
    if cont is None:
        return ends - starts, stem_ends
    before = np.searchsorted(cont, starts)
    inside = np.searchsorted(cont, ends) - before
    chars = (ends - starts) - inside
    wide = np.flatnonzero(inside)  # words with multi-byte characters: widen their stems
    first, last, skipped = starts[wide], ends[wide], before[wide]
    stems = stem_ends[wide]
    for _ in range(4 * STEM_CHARS):  # each round adds the continuation bytes passed so far
        ahead = np.searchsorted(cont, stems, side="right") - skipped  # continuation bytes so far
        wider = np.minimum(last, first + STEM_CHARS + ahead)
        if np.array_equal(wider, stems):
            break
        stems = wider
    stem_ends[wide] = stems
    return chars, stem_ends


def folded_bytes(text: str) -> NDArray[np.uint8]:
    """``text`` NFKC-normalized and casefolded, as UTF-8 bytes (what words are found in)."""
    return utf8_bytes(unicode_fold(text))


def utf8_bytes(folded: str) -> NDArray[np.uint8]:
    """A folded text as UTF-8 bytes (a lone surrogate as "?")."""
    return np.frombuffer(folded.encode("utf-8", "replace"), np.uint8)


def words_of(text: str) -> Words:
    """Find and hash the words of ``text`` (NFKC, casefolded) in one vectorized pass."""
    return words_of_folded(unicode_fold(text))


def words_of_folded(folded: str) -> Words:
    """``words_of`` a text already folded."""
    data = utf8_bytes(folded)
    scan = kernels.kernel("scan_words")
    if scan is not None:
        hashes, stems, spans = scan(data, _ASCII, _LEADS, STEM_CHARS)
        return Words(data, hashes, stems, spans[0], spans[1], spans[2])
    return _words_numpy(data)


def _words_numpy(data: NDArray[np.uint8]) -> Words:
    """The reference implementation of words_of (also used without numba)."""
    classes, cont = _classes(data)
    starts, ends = _bounds(classes, cont)
    chars, stem_ends = _stem_ends(starts, ends, cont)
    prefix = _prefix_sums(data)
    unshift = _POWERS.inv[starts]
    raw = (prefix[ends] - prefix[starts]) * unshift
    raw_stems = (prefix[stem_ends] - prefix[starts]) * unshift
    hashes = _fmix(raw ^ (ends - starts).astype(U64))
    stems = _fmix(raw_stems ^ ((stem_ends - starts).astype(U64) | U64(1 << 40)))
    return Words(data, hashes, stems, chars, starts, ends)


def span_hashes(
    data: NDArray[np.uint8], starts: NDArray[np.int64], ends: NDArray[np.int64]
) -> NDArray[np.uint64]:
    """The word hash of each span ``data[starts[i]:ends[i]]``: ``sum(b[k] * BASE**k)`` mod
    2**64 over its bytes, finished with ``_fmix`` of that xor its length (what a word gets;
    the line fingerprints of ``scrubber.rules`` use it too)."""
    prefix = _prefix_sums(data)
    raw = (prefix[ends] - prefix[starts]) * _POWERS.inv[starts]
    return _fmix(raw ^ (ends - starts).astype(U64))


def _prefix_sums(data: NDArray[np.uint8]) -> NDArray[np.uint64]:
    """``prefix[i]``: the sum of ``data[k] * BASE**k`` for k < i (mod 2**64)."""
    _POWERS.ensure(data.size + 1)
    prefix = np.zeros(data.size + 1, U64)
    np.cumsum(data * _POWERS.pow[: data.size], out=prefix[1:])
    return prefix


def shingles(hashes: NDArray[np.uint64], n: int) -> NDArray[np.uint64]:
    """Hashes of the word n-grams (a text shorter than n words is one shingle, none if empty)."""
    count = hashes.size
    if count == 0:
        return hashes
    n = max(1, min(n, count))
    mixed = hashes[: count - n + 1].copy()
    for k in range(1, n):
        mixed = mixed * U64(0x9E3779B97F4A7C15) + hashes[k : count - n + 1 + k]
    return _fmix(mixed)
