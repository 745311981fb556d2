"""Text normalization for comparison: small pure functions, no state.

Scraped copies of one text differ in ways a reader does not see: Unicode forms (a
full-width "Ａ", the "ﬁ" ligature), case, curly quotes and dashes from word processors,
hard wrapping, CRLF and NBSP. Comparison works on the text after these functions, never
on the raw bytes, so such copies compare equal. Output documents are never normalized.

Words are runs of letters and digits in any script; scripts written without spaces
(Chinese, Japanese) have no word boundaries a regex can see, so each of their characters
is a word of its own (the usual fallback of language-agnostic deduplicators).
"""

from __future__ import annotations

import re
import unicodedata

# Curly quotes, primes, dashes and odd spaces that word processors and sites put in.
_ASCII_PUNCT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u200b": "",
        "\ufeff": "",
    }
)

# Han, kana, and CJK compatibility blocks: one character, one word.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_SPACES_RE = re.compile(r"[^\S\n]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n")
# A sentence ends at . ! ? (or their CJK forms) followed by space, or at a CJK full stop.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])")


def unicode_fold(text: str) -> str:
    """NFKC and casefold: "Ａ", "ﬁ" and "ß" compare as "a", "fi" and "ss"."""
    if text.isascii():
        return text.lower()
    if "\xa0" in text:  # NFKC would make it a space; replacing is cheaper (most common case)
        text = text.replace("\xa0", " ")
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def ascii_punctuation(text: str) -> str:
    """Curly quotes, dashes, ellipses and NBSP as their ASCII forms; zero-width marks dropped."""
    return text.translate(_ASCII_PUNCT)


def collapse_whitespace(text: str) -> str:
    """Runs of spaces and tabs as one space, lines stripped, CR dropped; newlines kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))


def normalize_text(text: str) -> str:
    """The comparison form of a text: folded, ASCII punctuation, whitespace collapsed."""
    return collapse_whitespace(ascii_punctuation(unicode_fold(text)))


def words(text: str) -> list[str]:
    """The words of a text in comparison form (folded); CJK characters one by one."""
    return WORD_RE.findall(unicode_fold(text))


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, as written (empty ones dropped, CRLF as LF)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [block.strip("\n") for block in _BLANK_LINES_RE.split(text) if block.strip()]


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph: split after . ! ? ; (and CJK stops), line breaks joined."""
    flat = " ".join(text.split())
    return [part for part in _SENTENCE_END_RE.split(flat) if part]
