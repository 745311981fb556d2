"""The line fingerprint as ``scrubber.rules.fingerprints`` states it, one byte at a time in
Python integers: what each of its implementations (C, numba, NumPy) is held to."""

from __future__ import annotations

from scrubber.rules.text import DIGITS


def fingerprint_by_definition(key: str) -> int:
    data = DIGITS.sub("0", key).encode("utf-8", "surrogatepass")
    top = 2**64
    h = sum(byte * pow(0x100000001B3, k, top) for k, byte in enumerate(data)) % top
    h ^= len(data)
    h ^= h >> 33
    h = h * 0xFF51AFD7ED558CCD % top
    h ^= h >> 33
    h = h * 0xC4CEB9FE1A85EC53 % top
    return h ^ (h >> 33)
