"""Turning the bytes of a text file into text, and knowing when they are not text.

Order of decisions in :func:`decode_bytes`:

1. A byte-order mark wins (UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16
   LE one). Confidence 1.0.
2. NUL bytes without a BOM: UTF-16 written by a tool that left the BOM off (NULs in every
   other byte of mostly Latin text; confidence 0.9). This comes before UTF-8, which NUL bytes
   do not break. Anything else with NULs is binary (:func:`sniff_binary` refuses it first).
3. Bytes that decode as strict UTF-8 are UTF-8 (pure ASCII included). Confidence 1.0.
4. Damaged UTF-8: valid multibyte characters outnumber invalid bytes at least
   :data:`MOSTLY_UTF8_RATIO` to one (a UTF-8 page with a pasted cp1252 word, a corrupt byte).
   It is decoded as UTF-8 with the bad bytes replaced: chardet would call the whole file a
   legacy code page and garble every other letter. Confidence: the share of valid characters.
5. Otherwise chardet guesses. Its runner-up is sometimes a near tie that decodes the same bytes
   into different letters (cp1251 against mac-cyrillic, koi8-r against cp1251 on short text),
   so among the candidates within :data:`TIE_MARGIN` of the best we keep the one whose decoding
   has the fewest implausible characters (:func:`count_odd_chars`); equals keep chardet's order.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from dataclasses import dataclass

import chardet

# chardet looks at this many leading bytes; the whole file is then decoded with its answer.
DETECT_SAMPLE_BYTES = 64 * 1024
# Candidates whose chardet confidence is this close to the best one are compared by plausibility.
TIE_MARGIN = 0.15
# The tie-breaker scores this many leading bytes of each close candidate.
SCORE_SAMPLE_BYTES = 8 * 1024
# Valid UTF-8 multibyte characters needed per invalid byte for a file to count as damaged UTF-8.
# Legacy-encoded text read as UTF-8 has fewer than 0.6 per invalid byte (measured on the
# encoding fixtures and the seeds in 19 code pages); a short UTF-8 page with two stray cp1252
# bytes has five or so, and was garbled whole by chardet's guess when this was 10.
MOSTLY_UTF8_RATIO = 3
# Used when chardet has no usable answer: every byte decodes, at worst to U+FFFD.
FALLBACK_ENCODING = "cp1252"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Signatures of common binary formats that scrapes leave behind under text-like names.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a ZIP archive (or docx/xlsx/epub)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"BZh91AY&SY", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an MS Office (OLE) document"),
)

# Code pages chardet may report where a superset decodes the same text and more: the superset
# is tried first (WHATWG decodes every "iso-8859-1" label as windows-1252 for this reason).
_SUPERSETS = {"iso8859-1": "cp1252", "iso8859-9": "cp1254", "euc_kr": "cp949", "gb2312": "gb18030"}

_ALLOWED_CONTROLS = frozenset("\t\n\r\f")
_ODD_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "So", "Sk", "Sm"})
_CJK_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL"})
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes: the canonical codec name and how sure the guess is (0..1)."""

    text: str
    encoding: str
    confidence: float
    replaced: int = 0  # undecodable bytes (or byte runs) that became U+FFFD


def sniff_binary(data: bytes) -> str | None:
    """Say what the bytes are when they are clearly not text (``None`` when they may be)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if b"\x00" in data and _bom_encoding(data) is None and _bomless_utf16(data) is None:
        return "binary data (it contains NUL bytes)"
    return None


def decode_bytes(data: bytes, errors: str = "replace") -> Decoded:
    """Decode ``data`` (the module docstring says how the encoding is chosen).

    ``errors`` is ``"replace"`` (undecodable bytes become U+FFFD, counted in ``replaced``) or
    ``"strict"`` (they raise :class:`UnicodeDecodeError`). A leading BOM is never in the text.
    """
    bom = _bom_encoding(data)
    if bom is not None:
        encoding, skip = bom
        return _decode_as(data[skip:], encoding, 1.0, errors)
    utf16 = _bomless_utf16(data) if b"\x00" in data else None
    if utf16 is not None:
        return _decode_as(data, utf16, 0.9, errors)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", 1.0)
    except UnicodeDecodeError:
        pass
    damaged = _mostly_utf8(data, errors)
    if damaged is not None:
        return damaged
    encoding, confidence = detect_encoding(data)
    return _decode_as(data, encoding, confidence, errors)


def detect_encoding(data: bytes) -> tuple[str, float]:
    """chardet's answer for ``data`` as a canonical Python codec name, after the tie-breaker."""
    sample = data[:DETECT_SAMPLE_BYTES]
    candidates = _candidates(sample)
    if not candidates:
        return FALLBACK_ENCODING, 0.0
    best_confidence = candidates[0][1]
    close = [c for c in candidates if c[1] >= best_confidence - TIE_MARGIN]
    if len(close) == 1:
        return close[0]
    head = sample[:SCORE_SAMPLE_BYTES]
    # min() keeps the first of equals, so chardet's order decides between equally plausible ones.
    return min(close, key=lambda c: count_odd_chars(_decode_sample(head, c[0])))


def count_odd_chars(text: str) -> int:
    """How implausible a decoding looks: the count of things real prose rarely has.

    Counted: control, format and unassigned characters, non-ASCII symbols that are not
    punctuation (box drawing, math signs, the wrong code page's currency), U+FFFD; a letter of
    another script than the letter before it in the same word (cp1251 read as mac-cyrillic mixes
    Cyrillic and signs); a word with an upper-case letter after a lower-case one, and a word of
    five or more letters all in capitals (koi8-r and cp1251 have the cases swapped, so reading one
    as the other turns prose into capitals). ASCII counts the same in every candidate; text
    written all in capitals is the blind spot, where chardet's own ranking decides.
    """
    odd = 0
    previous = ""
    length = upper = flips = 0
    for char in text + " ":
        if char.isalpha():
            if previous and _script(previous) != _script(char):
                odd += 1
            flips += previous.islower() and char.isupper()
            upper += char.isupper()
            length += 1
            previous = char
            continue
        odd += bool(flips) + (length >= 5 and upper == length)
        previous, length, upper, flips = "", 0, 0, 0
        odd += _is_odd_non_letter(char)
    return odd


def _is_odd_non_letter(char: str) -> bool:
    if char < " ":
        return char not in _ALLOWED_CONTROLS
    if char <= "\x7f":
        return False  # ASCII punctuation and digits read the same in every candidate
    return char == "\ufffd" or unicodedata.category(char) in _ODD_CATEGORIES


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def replace_surrogates(text: str) -> tuple[str, int]:
    """Lone surrogates (from JSON ``\\ud800`` escapes) cannot be UTF-8: make them U+FFFD."""
    return _SURROGATE.subn("\ufffd", text)


def display(name: str) -> str:
    """A file name that is safe to print and to write as UTF-8: bytes that were not valid
    UTF-8 (surrogate escapes from ``os.fsdecode``) become ``\\xNN``."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file system produced: show it escaped
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def canonical_codec(name: str) -> str | None:
    """Python's canonical name for a codec, or ``None`` when Python has no such codec."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The codec a BOM announces and how many bytes to skip (utf-8-sig skips its own)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, (0 if encoding == "utf-8-sig" else len(bom))
    return None


def _mostly_utf8(data: bytes, errors: str) -> Decoded | None:
    """Damaged UTF-8 decoded with replacements (see the module docstring), else ``None``."""
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    ascii_chars = len(text.encode("ascii", errors="ignore"))
    valid = len(text) - ascii_chars - text.count("\ufffd")  # non-ASCII characters decoded
    if valid < MOSTLY_UTF8_RATIO * replaced:
        return None
    if errors == "strict":
        data.decode("utf-8")  # raises the UnicodeDecodeError that names the first bad byte
    confidence = min(0.99, round(valid / (valid + replaced), 3))  # below clean UTF-8
    return Decoded(text, "utf-8", confidence, replaced)


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` for BOM-less UTF-16 of mostly Latin text, else ``None``."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    for zeros, encoding in ((data[1::2], "utf-16-le"), (data[0::2], "utf-16-be")):
        if zeros.count(0) < 0.7 * half:
            continue
        try:
            head = data[:8192].decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in head and count_odd_chars(head) <= len(head) // 20:
            return encoding
    return None


def _candidates(sample: bytes) -> list[tuple[str, float]]:
    """chardet's guesses as (canonical codec, confidence), best first, without repeats."""
    seen: set[str] = set()
    found: list[tuple[str, float]] = []
    for guess in chardet.detect_all(sample, ignore_threshold=True):
        name = canonical_codec(guess.get("encoding") or "")
        if name is None or name == "ascii":
            continue  # the data is not ASCII by the time chardet is asked
        confidence = float(guess.get("confidence") or 0.0)
        for codec in (_SUPERSETS.get(name), name):
            if codec is not None and codec not in seen:
                seen.add(codec)
                found.append((codec, confidence))
    return found


def _decode_sample(sample: bytes, encoding: str) -> str:
    """Decode a sample that may end inside a multibyte character."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return str(decoder.decode(sample, final=False))


def _decode_as(data: bytes, encoding: str, confidence: float, errors: str) -> Decoded:
    try:
        text = data.decode(encoding)
        replaced = 0
    except UnicodeDecodeError:
        if errors == "strict":
            raise
        text = data.decode(encoding, errors="replace")
        # U+FFFD that the bytes really encode survive errors="ignore"; the rest are replacements.
        replaced = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
    if text.startswith("\ufeff"):
        text = text[1:]
    return Decoded(text, canonical_codec(encoding) or encoding, confidence, replaced)


@functools.lru_cache(maxsize=4096)
def _script(char: str) -> str:
    """The first word of the character's Unicode name (LATIN, CYRILLIC, GREEK, ...); scripts
    that mix inside one Japanese, Chinese or Korean word all count as one, CJK."""
    script = unicodedata.name(char, "?").split(" ", 1)[0]
    return "CJK" if script in _CJK_SCRIPTS else script
