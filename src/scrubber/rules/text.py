"""Per-line facts the rules look at, computed once per line.

Rules never look at raw bytes: scraped lines carry NBSPs, zero-width joiners, soft hyphens
and compatibility characters (full-width digits, ligatures) that would make the same phrase
look different from page to page. ``clean_text`` folds all of that away once, and
``LineFacts`` keeps what every rule needs (the cleaned text, its case-folded key, a word
count that also works for scripts written without spaces, and whether it ends a sentence).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
# Scripts written without spaces between words (CJK, kana, Thai): two characters ~ one word.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_FIRST_UNSPACED = "\u0e00"
_TERMINAL = frozenset(".!?…:;。！？؟")
_CLOSERS = "\"'»«”“’)]*"
DIGITS = re.compile(r"\d+")


def clean_text(raw: str) -> str:
    """NFKC, invisible characters dropped, whitespace runs collapsed, ends stripped."""
    text = raw
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def count_words(text: str) -> int:
    """Whitespace words, or half the characters of a line in a script without spaces."""
    words = text.count(" ") + 1 if text else 0
    if text.isascii() or max(text) < _FIRST_UNSPACED:
        return words
    unspaced = len(_UNSPACED.findall(text))
    return max(words, unspaced // 2) if unspaced else words


def ends_sentence(text: str) -> bool:
    """True when the line ends like a sentence (closing quotes and brackets ignored)."""
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


# Characters that decorate a button or link label without being part of it.
DECORATION = " \t«»‹›<>←→↑↓⟵⟶⇐⇒⇦⇨▲▼►◄▸◂▶◀•·●○▪|/\\-–—_:.…!?()[]{}*#+=~\"'“”„’❯❮⌃⌄✕✖×"
LABEL_WORDS = 8  # lines longer than this are never a bare label


def bare(key: str) -> str:
    """A case-folded line without the arrows, bullets and brackets around a button label."""
    return key.strip(DECORATION)


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the rules know about one non-empty line."""

    text: str  # cleaned
    key: str  # cleaned and case-folded
    words: int
    sentence: bool  # ends like a sentence
    label: str  # ``bare(key)`` for lines of up to LABEL_WORDS words, else ""

    @classmethod
    def of(cls, raw: str) -> LineFacts:
        if raw.isascii():  # most lines: the same results as below, with less work
            text = " ".join(raw.split())
            key = text.lower()  # casefold() of ASCII text is lower()
            words = text.count(" ") + 1 if text else 0
            label = bare(key) if words <= LABEL_WORDS else ""
            return cls(text, key, words, ends_sentence(text), label)
        text = clean_text(raw)
        key = text.casefold()
        words = count_words(text)
        label = bare(key) if words <= LABEL_WORDS else ""
        return cls(text, key, words, ends_sentence(text), label)
