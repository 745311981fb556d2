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
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_SPACES = re.compile(r"\s+")
# Scripts written without spaces between words (CJK, kana, Thai): two characters ~ one word.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TERMINAL = frozenset(".!?…:;。！？؟")
_CLOSERS = "\"'»«”“’)]*"
DIGITS = re.compile(r"\d+")


def clean_text(raw: str) -> str:
    """NFKC, invisible characters dropped, whitespace runs collapsed, ends stripped."""
    text = raw
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def comparison_key(raw: str) -> str:
    """What two lines must share to count as the same line: cleaned, case-folded, digits as 0."""
    return DIGITS.sub("0", clean_text(raw).casefold())


def count_words(text: str) -> int:
    """Whitespace words, or half the characters of a line in a script without spaces."""
    words = text.count(" ") + 1 if text else 0
    if text.isascii():
        return words
    unspaced = len(_UNSPACED.findall(text))
    return max(words, unspaced // 2) if unspaced else words


def ends_sentence(text: str) -> bool:
    """True when the line ends like a sentence (closing quotes and brackets ignored)."""
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the rules know about one non-empty line."""

    text: str  # cleaned
    key: str  # cleaned and case-folded
    words: int
    sentence: bool  # ends like a sentence

    @classmethod
    def of(cls, raw: str) -> LineFacts:
        text = clean_text(raw)
        return cls(text, text.casefold(), count_words(text), ends_sentence(text))
