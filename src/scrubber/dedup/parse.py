"""A document prepared for the exact comparison: its sentences as sets of word stems.

Sentences end at ``. ! ? ;`` followed by a space (or at a CJK full stop), and at every
paragraph break; single line breaks (hard wrapping) do not end them. Paragraphs are the
blank-line separated blocks of :func:`scrubber.normalize.paragraphs`, numbered the same
way, so an alignment of sentences maps straight onto the paragraphs the merge step and
the diff report show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup.tokens import words_of
from scrubber.normalize import paragraphs

_ENDS = np.zeros(256, np.bool_)
_ENDS[list(b".!?;")] = True
_SPACE_AFTER = np.zeros(256, np.bool_)
_SPACE_AFTER[list(b" \t\r\n\x0b\x0c")] = True
_SPACE_AFTER[0x80:] = True  # a CJK or other non-ASCII character right after "!" or "?"
_CJK_STOP = b"\xe3\x80\x82"  # "。"


@dataclass(frozen=True, eq=False)
class Parsed:
    """Sentences (units) of one document, as word stems, with their paragraphs."""

    stems: NDArray[np.uint64]  # one per word, in text order
    numeric: NDArray[np.bool_]  # the word has a digit (numbers, dates, codes)
    unit: NDArray[np.int64]  # sentence index of each word (0 .. units-1)
    unit_words: NDArray[np.float64]  # words per sentence: the weight of a sentence
    unit_paragraph: NDArray[np.int64]  # paragraph index of each sentence
    paragraphs: int  # number of paragraphs, including those without words

    @property
    def units(self) -> int:
        return int(self.unit_words.size)

    @property
    def size(self) -> int:
        return int(self.stems.size)

    def distinct_stems(self) -> NDArray[np.uint64]:
        return np.unique(self.stems)


def _sentence_breaks(data: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Byte offsets where a new sentence or paragraph starts."""
    if data.size == 0:
        return np.zeros(0, np.int64)
    following = np.empty_like(data)
    following[:-1] = data[1:]
    following[-1] = 0x20
    ends = np.flatnonzero(_ENDS.take(data) & _SPACE_AFTER.take(following)) + 1
    newline = data == 0x0A
    blank = np.flatnonzero(newline[:-1] & newline[1:]) + 2
    found = [ends, blank]
    raw = data.tobytes()
    if _CJK_STOP in raw:
        stops = np.frombuffer(raw, np.uint8)
        found.append(_find_all(stops, _CJK_STOP) + len(_CJK_STOP))
    return np.unique(np.concatenate(found)).astype(np.int64)


def _find_all(data: NDArray[np.uint8], needle: bytes) -> NDArray[np.int64]:
    hit = data[: data.size - len(needle) + 1] == needle[0]
    for k in range(1, len(needle)):
        hit &= data[k : data.size - len(needle) + 1 + k] == needle[k]
    return np.flatnonzero(hit).astype(np.int64)


def parse(text: str) -> Parsed:
    """Split a document into sentences of word stems (see the module docstring)."""
    blocks = paragraphs(text)
    found = words_of("\n\n".join(blocks))
    data = found.data
    newline = data == 0x0A
    paragraph_starts = np.flatnonzero(newline[:-1] & newline[1:]) + 2 if data.size else data
    breaks = _sentence_breaks(data)
    raw_unit = np.searchsorted(breaks, found.starts, side="right")
    kept, unit = np.unique(raw_unit, return_inverse=True)
    unit_words = np.bincount(unit, minlength=kept.size).astype(np.float64)
    first_word = np.searchsorted(unit, np.arange(kept.size))
    unit_paragraph = np.searchsorted(paragraph_starts, found.starts[first_word], side="right")
    digits = np.zeros(data.size + 1, np.int64)
    np.cumsum((data >= 0x30) & (data <= 0x39), out=digits[1:])
    return Parsed(
        stems=found.stems,
        numeric=digits[found.ends] > digits[found.starts],
        unit=unit.astype(np.int64),
        unit_words=unit_words,
        unit_paragraph=unit_paragraph.astype(np.int64),
        paragraphs=len(blocks),
    )
