"""Compiled kernels for the hot path, used when numba is installed.

The NumPy code in :mod:`scrubber.dedup.tokens` and :mod:`scrubber.dedup.minhash` is the
reference; these loops compute exactly the same words, hashes and signatures (the tests
compare both) in one pass over the bytes instead of twenty array operations, about three
times faster per document. Compiled code is cached on disk by numba (``cache=True``), so
only the first run on a machine pays for compiling (about a second).
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from typing import Any

import numpy as np

Kernel = Callable[..., Any]
NAMES = (
    "scan_words",
    "signature",
    "sketch",
    "parse_units",
    "dice_matrix",
    "coverage",
    "fingerprints",
    "paragraph_cover",
)
_BUILT: dict[str, Kernel | None] = {}


def kernel(name: str) -> Kernel | None:
    """The compiled kernel ``name`` (one of ``NAMES``), or None without numba.

    numba is imported on first use (it takes half a second), and never when the
    environment variable SCRUBBER_NO_NUMBA is set (the tests compare both paths).
    """
    if not _BUILT:
        _BUILT.update(_build())
    return _BUILT.get(name)


def warm_up() -> None:
    """Load every kernel now (from numba's cache: about half a second in all), so that
    worker processes forked later inherit them instead of each loading its own."""
    found = kernel("scan_words")
    if found is None:
        return
    from scrubber.dedup.align import align_paragraphs
    from scrubber.dedup.parse import parse
    from scrubber.dedup.scoring import score_pair
    from scrubber.dedup.sketch import DedupSettings, sketch
    from scrubber.rules.fingerprints import fingerprint

    sketch("warm up the kernels", DedupSettings(threshold=0.8))
    fingerprint("warm up the kernels")
    parsed = parse("Warm up. The kernels.")
    score_pair(parsed, parsed)
    align_paragraphs("Warm up. The kernels.", "Warm up. The kernels.")


def _build() -> dict[str, Kernel | None]:
    if os.environ.get("SCRUBBER_NO_NUMBA"):
        return dict.fromkeys(NAMES)
    try:
        import numba  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover - depends on the environment
        return dict.fromkeys(NAMES)
    from scrubber.dedup import verify_kernels as vk

    def compiled(func: Kernel) -> Kernel:
        return numba.njit(cache=True, nogil=True)(_rebind(func, scope))

    scope: dict[str, Any] = {"np": np}
    scope["_fmix"] = numba.njit(cache=True)(_fmix)
    for helper in (vk._is_space_after, vk._radix_order, vk._stem_cells, vk._weights, vk._credit):
        scope[helper.__name__] = numba.njit(cache=True, nogil=True)(helper)
    scope["_capped_cover"] = compiled(vk._capped_cover)
    scope["_scan_words"] = compiled(_scan_words)
    scope["_signature"] = compiled(_signature)
    scope["_seeded"] = compiled(_seeded)
    return {
        "scan_words": scope["_scan_words"],
        "signature": scope["_signature"],
        "sketch": compiled(_sketch),
        "parse_units": compiled(vk.parse_units),
        "dice_matrix": compiled(vk.dice_matrix),
        "coverage": compiled(vk.coverage),
        "fingerprints": compiled(_fingerprints),
        "paragraph_cover": compiled(vk.paragraph_cover),
    }


def _rebind(func: Kernel, scope: dict[str, Any]) -> Kernel:
    """The same function seeing the compiled helpers instead of the Python ones."""
    bound = types.FunctionType(func.__code__, {**func.__globals__, **scope}, func.__name__)
    bound.__module__ = func.__module__
    bound.__qualname__ = func.__qualname__
    return bound


def _fmix(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _fingerprints(data: Any, lengths: Any, gap: int, digit_starts: Any, digit_ends: Any) -> Any:
    """rules.fingerprints: the fingerprints of the UTF-8 keys laid end to end in ``data``
    (``gap`` bytes between two keys), every decimal digit read as "0" and a run of them as
    one "0", in one pass over the bytes. ``digit_starts``/``digit_ends``: the sorted code
    point ranges of the non-ASCII digits."""
    out = np.empty(lengths.size, np.uint64)
    i = 0
    for key in range(lengths.size):
        end = i + lengths[key]
        h, power, n, after_digit = np.uint64(0), np.uint64(1), 0, False
        while i < end:
            b = np.int64(data[i])
            if b < 0x80:
                size, digit = 1, 48 <= b <= 57
            else:
                size = 4 if b >= 0xF0 else 3 if b >= 0xE0 else 2 if b >= 0xC0 else 1
                size = min(size, end - i)
                point = b & (0x7F >> size)
                for k in range(1, size):
                    point = (point << 6) | (np.int64(data[i + k]) & 0x3F)
                at = np.searchsorted(digit_starts, point, side="right") - 1
                digit = size > 1 and at >= 0 and point < digit_ends[at]
            if digit:
                i += size
                if after_digit:
                    continue
                after_digit = True
                h += np.uint64(48) * power
                power *= np.uint64(0x100000001B3)
                n += 1
                continue
            after_digit = False
            for k in range(size):
                h += np.uint64(data[i + k]) * power
                power *= np.uint64(0x100000001B3)
            i += size
            n += size
        out[key] = _fmix(h ^ np.uint64(n))
        i += gap
    return out


def _scan_words(data: Any, ascii_classes: Any, lead_classes: Any, stem_chars: int) -> Any:
    """Words of UTF-8 bytes: hashes, stems, and rows (chars, starts, ends, line), as
    tokens.words_of (line: the number of newlines before the word).

    Skip separators; from a word's first letter or digit, hash characters until the next
    separator; a CJK character is a word of its own. The character classification is
    written out twice on purpose: numba does not inline a helper called per character,
    and the call costs forty times the loop (measured: 160 us a document against 4).
    """
    n = data.size
    hashes = np.empty(n // 2 + 1, np.uint64)
    stems = np.empty(n // 2 + 1, np.uint64)
    spans = np.empty((4, n // 2 + 1), np.int64)
    count = 0
    line = 0
    i = 0
    while i < n:
        b = data[i]
        if b < 0x80:
            length, kind = 1, ascii_classes[b]
        else:
            length = 4 if b >= 0xF0 else 3 if b >= 0xE0 else 2 if b >= 0xC0 else 1
            kind = lead_classes[np.int64(b) * 256 + (data[i + 1] if i + 1 < n else 0)]
        if kind == 0:
            if b == 0x0A:
                line += 1
            i += length
            continue
        start, h, stem, power, seen, stem_end = i, np.uint64(0), np.uint64(0), np.uint64(1), 0, i
        while True:
            for k in range(length):
                h += np.uint64(data[i + k]) * power
                power *= np.uint64(0x100000001B3)
            i += length
            seen += 1
            if seen <= stem_chars:
                stem, stem_end = h, i
            if kind == 2 or i >= n:
                break
            b = data[i]
            if b < 0x80:
                length, kind = 1, ascii_classes[b]
            else:
                length = 4 if b >= 0xF0 else 3 if b >= 0xE0 else 2 if b >= 0xC0 else 1
                kind = lead_classes[np.int64(b) * 256 + (data[i + 1] if i + 1 < n else 0)]
            if kind != 1:
                break
        hashes[count] = _fmix(h ^ np.uint64(i - start))
        stems[count] = _fmix(stem ^ (np.uint64(stem_end - start) | np.uint64(1 << 40)))
        spans[0, count] = seen
        spans[1, count] = start
        spans[2, count] = i
        spans[3, count] = line
        count += 1
    return hashes[:count], stems[:count], spans[:, :count]


def _seeded(hashes: Any, key: np.uint64) -> Any:
    """sketch._seeded with the key precomputed (key 0: the seed is 1, hashes unchanged)."""
    if key == 0:
        return hashes
    mixed = hashes * key
    return mixed ^ (mixed >> np.uint64(29))


def _sketch(
    data: Any,
    ascii_classes: Any,
    lead_classes: Any,
    stem_chars: int,
    ngram: int,
    num_perm: int,
    salt: np.uint64,
    key: np.uint64,
    prose_line_words: int,
    content_chars: int,
    min_content: int,
) -> Any:
    """sketch.sketch after folding, in one call: words, the prose lines, n-gram hashes,
    content stems and both signatures, as the NumPy code computes them."""
    hashes, stems, spans = _scan_words(data, ascii_classes, lead_classes, stem_chars)
    count = hashes.size
    if count > 0:  # sketch.prose_words
        lines = spans[3]
        per_line = np.zeros(lines[-1] + 1, np.int64)
        for k in range(count):
            per_line[lines[k]] += 1
        keep = np.empty(count, np.bool_)
        kept = 0
        for k in range(count):
            keep[k] = per_line[lines[k]] >= prose_line_words
            kept += keep[k]
        if kept != count and 2 * kept >= count:
            hashes, stems, chars = hashes[keep], stems[keep], spans[0][keep]
        else:
            chars = spans[0]
    else:
        chars = spans[0]
    total = hashes.size
    if total == 0:  # tokens.shingles
        grams = hashes
    else:
        n = max(1, min(ngram, total))
        grams = np.empty(total - n + 1, np.uint64)
        for g in range(total - n + 1):
            mixed = hashes[g]
            for k in range(1, n):
                mixed = mixed * np.uint64(0x9E3779B97F4A7C15) + hashes[g + k]
            grams[g] = _fmix(mixed)
    content = stems[chars >= content_chars]
    if content.size < min_content:
        content = stems
    if grams.size == 0:  # minhash.signature of nothing: every bin empty
        empty = np.full(num_perm, np.uint16(0xFFFF))
        return empty, empty.copy(), count
    by_grams = _signature(_seeded(grams, key), num_perm, salt)
    by_words = _signature(_seeded(content, key), num_perm, salt)
    return by_grams.astype(np.uint16), by_words.astype(np.uint16), count


def _signature(hashes: Any, num_perm: int, salt: np.uint64) -> Any:
    """One-permutation MinHash with rotation densification, as minhash.signature (of at
    least one hash: the caller handles an empty set)."""
    best = np.full(num_perm, np.uint64(0xFFFFFFFFFFFFFFFF))
    present = np.zeros(num_perm, np.bool_)
    for h in hashes:
        k = ((h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
        if not present[k] or h < best[k]:
            best[k] = h
            present[k] = True
    out = np.empty(num_perm, np.uint32)
    for k in range(num_perm):
        distance = 0
        source = k
        while not present[source]:
            source = (source + 1) % num_perm
            distance += 1
        mixed = (np.uint64(distance) * salt) >> np.uint64(32)
        out[k] = np.uint32((best[source] ^ mixed) & np.uint64(0xFFFFFFFF))
    return out
