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
from collections.abc import Callable
from typing import NamedTuple

# Characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
# Scripts written without spaces between words (CJK, kana, Thai): two characters ~ one word.
_UNSPACED_RANGES = (
    (0x0E00, 0x0E7F),
    (0x3040, 0x30FF),
    (0x3400, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
)
_UNSPACED = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _UNSPACED_RANGES) + "]")
_TERMINAL = frozenset(".!?…:;。！？؟")
_CLOSERS = "\"'»«”“’)]*"
DIGITS = re.compile(r"\d+")


def clean_text(raw: str) -> str:
    """NFKC, invisible characters dropped, whitespace runs collapsed, ends stripped."""
    text = raw
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            # Often a no-break space is all NFKC would change (to a space): do that cheaply.
            text = text.replace("\u00a0", " ")
            if not unicodedata.is_normalized("NFKC", text):
                text = unicodedata.normalize("NFKC", text)
        if not text.isprintable():  # invisible characters are never printable
            return " ".join(_INVISIBLE.sub("", text).split())
        return collapse_spaces(text, spaces_only=True)
    return collapse_spaces(text)


def collapse_spaces(text: str, spaces_only: bool = False) -> str:
    """``" ".join(text.split())``, without splitting a line that is already collapsed.

    Every character ``str.split`` takes for whitespace, except the plain space, is
    unprintable; so a printable line without double spaces and without a space at either
    end has nothing to collapse (most lines of a page). ``spaces_only``: the caller knows
    that the only whitespace in ``text`` is spaces.
    """
    if (
        (spaces_only or text.isprintable())
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
    ):
        return text
    return " ".join(text.split())


# The whitespace of ASCII text besides spaces and line breaks.
_CONTROL_WHITESPACE = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def has_control_whitespace(text: str) -> bool:
    """True when ``text`` has a tab, carriage return or other ASCII control whitespace."""
    return any(char in text for char in _CONTROL_WHITESPACE)


def count_words(text: str) -> int:
    """Whitespace words, or half the characters of a line in a script without spaces."""
    words = text.count(" ") + 1 if text else 0
    if text.isascii():
        return words
    # Characters of those scripts take three bytes each in UTF-8 (all others one, two or
    # four), so the bytes beyond one per character bound how many the line can have: most
    # lines have too few of them to outnumber their words, and need no search.
    if (len(text.encode("utf-8", "surrogatepass")) - len(text)) // 4 <= words:
        return words
    unspaced = len(_UNSPACED.findall(text))
    return max(words, unspaced // 2) if unspaced else words


def ends_sentence(text: str) -> bool:
    """True when the line ends like a sentence (closing quotes and brackets ignored)."""
    return text.rstrip(_CLOSERS)[-1:] in _TERMINAL  # "" (nothing left) is not terminal


# Characters that decorate a button or link label without being part of it.
DECORATION = " \t«»‹›<>←→↑↓⟵⟶⇐⇒⇦⇨▲▼►◄▸◂▶◀•·●○▪|/\\-–—_:.…!?()[]{}*#+=~\"'“”„’❯❮⌃⌄✕✖×"
LABEL_WORDS = 8  # lines longer than this are never a bare label


def bare(key: str) -> str:
    """A case-folded line without the arrows, bullets and brackets around a button label."""
    return key.strip(DECORATION)


class LineFacts(NamedTuple):
    """What the rules know about one non-empty line (a tuple: immutable and quick to make)."""

    text: str  # cleaned
    key: str  # cleaned and case-folded
    words: int
    sentence: bool  # ends like a sentence
    label: str  # ``bare(key)`` for lines of up to LABEL_WORDS words, else ""

    @classmethod
    def of(cls, raw: str, plain: bool = False) -> LineFacts:
        """The facts of the line ``raw``; ``plain``: the caller knows it has no ASCII
        whitespace but spaces (``has_control_whitespace`` is False for its page).

        A line's facts come from ``scrubber._speedups`` where the wheel has it (in one pass
        over the line in C, where the code below makes five or more); ``computed`` is the
        reference, which the tests hold it to, and does the lines the C code leaves to it
        (those NFKC changes, or with invisible characters)."""
        if _line_facts is not None:
            found: LineFacts | None = _line_facts(cls, raw, plain, LABEL_WORDS)
            if found is not None:
                return found
        return cls.computed(raw, plain)

    @classmethod
    def computed(cls, raw: str, plain: bool = False) -> LineFacts:
        """``of``, in Python."""
        if raw.isascii():  # most lines: the same results as below, with less work
            text = collapse_spaces(raw, spaces_only=plain)
            key = text.lower()  # casefold() of ASCII text is lower()
            words = text.count(" ") + 1 if text else 0
        else:
            text = clean_text(raw)
            key = text.casefold()
            words = count_words(text)
        label = bare(key) if words <= LABEL_WORDS else ""
        return cls(text, key, words, ends_sentence(text), label)


def _fold_special(limit: int) -> str:
    """The characters from U+0080 to ``limit`` whose casefold is not their lowercase, one
    character (``_speedups`` lowers the others one by one; beyond ``limit`` it asks
    ``str.casefold``)."""
    found = (chr(c) for c in range(0x80, limit))
    return "".join(c for c in found if c.casefold() != c.lower() or len(c.lower()) != 1)


_line_facts: Callable[[type[LineFacts], str, bool, int], LineFacts | None] | None
try:
    from scrubber import _speedups
except ImportError:  # a pure Python install: no compiler when it was built
    _line_facts = None
else:
    _speedups.configure(
        DECORATION,
        _CLOSERS,
        "".join(_TERMINAL),
        unicodedata.is_normalized,
        _fold_special(_speedups.FOLD_LIMIT),
        _UNSPACED_RANGES,
    )
    _line_facts = _speedups.line_facts
