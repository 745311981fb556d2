"""A document prepared for the exact comparison: its sentences as sets of word stems.

Sentences end at ``. ! ?`` followed by a space (or at a CJK full stop), and at every
paragraph break; single line breaks (hard wrapping) do not end them. Paragraphs are the
blank-line separated blocks of :func:`scrubber.normalize.paragraphs`, numbered the same
way, so an alignment of sentences maps straight onto the paragraphs the merge step and
the diff report show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scrubber.dedup import kernels
from scrubber.dedup.tokens import Words, words_of
from scrubber.normalize import paragraphs

_ENDS = np.zeros(256, np.bool_)
_ENDS[list(b".!?")] = True
_SPACE_AFTER = np.zeros(256, np.bool_)
_SPACE_AFTER[list(b" \t\r\n\x0b\x0c")] = True
_SPACE_AFTER[0x80:] = True  # a CJK or other non-ASCII character right after "!" or "?"
_CJK_STOP = b"\xe3\x80\x82"  # "。"
MAX_UNIT_WORDS = 40  # longer sentences are compared in pieces of at most this many words


@dataclass(frozen=True, eq=False)
class Parsed:
    """Sentences (units) of one document as sets of word stems, with their paragraphs.

    ``vocab`` are the document's distinct stems (sorted); the pairs (``cell_unit[k]``,
    ``cell_stem[k]``) say which sentence holds which of them (each pair once).
    """

    vocab: NDArray[np.uint64]
    numeric: NDArray[np.bool_]  # per vocab entry: the word has a digit (numbers, dates)
    cell_unit: NDArray[np.int32]
    cell_stem: NDArray[np.int32]  # index into vocab
    unit_words: NDArray[np.float64]  # words per sentence: the weight of a sentence
    unit_paragraph: NDArray[np.int32]  # paragraph index of each sentence
    paragraphs: int  # number of paragraphs, including those without words
    size: int  # words

    @property
    def units(self) -> int:
        return int(self.unit_words.size)

    @property
    def nbytes(self) -> int:
        """The bytes its arrays hold."""
        arrays = (self.vocab, self.numeric, self.cell_unit, self.cell_stem)
        return sum(a.nbytes for a in arrays) + self.unit_words.nbytes + self.unit_paragraph.nbytes

    @property
    def stem_units(self) -> NDArray[np.int64]:
        """Number of sentences holding each vocab entry."""
        return np.bincount(self.cell_stem, minlength=self.vocab.size)


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


def _numbers_joined(
    found: Words,
) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.bool_]]:
    """Stems, start offsets and digit flags of the words, with "81,369" and "31.6" one word.

    Numbers are what template pages (census figures, sports results) differ in and what
    translations keep, so each keeps its identity rather than splitting into "31" and "6".
    """
    data = found.data
    digits = np.zeros(data.size + 1, np.int64)
    np.cumsum((data >= 0x30) & (data <= 0x39), out=digits[1:])
    numeric = digits[found.ends] > digits[found.starts]
    if found.stems.size < 2:
        return found.stems, found.starts, numeric
    sep = data.take(np.minimum(found.ends[:-1], data.size - 1))
    glued = (found.starts[1:] - found.ends[:-1] == 1) & ((sep == 0x2C) | (sep == 0x2E))
    glued &= numeric[:-1] & numeric[1:]
    if not bool(glued.any()):
        return found.stems, found.starts, numeric
    group = np.concatenate([[0], np.cumsum(~glued)])
    first = np.flatnonzero(np.diff(group, prepend=-1))
    rank = (np.arange(group.size) - first[group] + 1).astype(np.uint64)
    stems = np.add.reduceat(found.stems * rank, first)
    return stems, found.starts[first], numeric[first]


def _pieces(sentence: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sentence ids with sentences longer than MAX_UNIT_WORDS cut into even pieces.

    Text without sentence punctuation (lists, tables, machine output, word salad) would
    otherwise be one giant "sentence" whose overlap with any other is large.
    """
    if sentence.size == 0:
        return sentence
    first = np.flatnonzero(np.diff(sentence, prepend=-1))
    sizes = np.diff(np.append(first, sentence.size))
    if int(sizes.max()) <= MAX_UNIT_WORDS:
        return sentence
    rank = np.arange(sentence.size) - np.repeat(first, sizes)
    pieces = np.repeat(-(-sizes // MAX_UNIT_WORDS), sizes)  # pieces of each word's sentence
    piece = rank * pieces // np.repeat(sizes, sizes)
    cut: NDArray[np.int64] = sentence * (MAX_UNIT_WORDS + 1) + piece
    return cut


def _sorted_unique(values: NDArray[np.int64]) -> NDArray[np.int64]:
    ordered = np.sort(values)
    if ordered.size == 0:
        return ordered
    distinct: NDArray[np.int64] = ordered[np.append(True, ordered[1:] != ordered[:-1])]
    return distinct


def _units(
    data: NDArray[np.uint8], starts: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Sentence of each word (0-based, consecutive), words per sentence, paragraph of each."""
    raw = _pieces(np.searchsorted(_sentence_breaks(data), starts, side="right"))
    if raw.size == 0:
        return raw, np.zeros(0), raw
    new = np.append(True, raw[1:] != raw[:-1])  # words are in text order: ids never go back
    unit = np.cumsum(new) - 1
    first_word = np.flatnonzero(new)
    newline = data == 0x0A
    paragraph_starts = np.flatnonzero(newline[:-1] & newline[1:]) + 2
    paragraph = np.searchsorted(paragraph_starts, starts[first_word], side="right")
    words = np.diff(np.append(first_word, raw.size)).astype(np.float64)
    return unit, words, paragraph


def parse(text: str) -> Parsed:
    """Split a document into sentences of word stems (see the module docstring)."""
    blocks = paragraphs(text)
    found = words_of("\n\n".join(blocks))
    compiled = kernels.kernel("parse_units")
    if compiled is not None:
        vocab, digit, cell_unit, cell_stem, unit_words, unit_paragraph, size = compiled(
            found.data, found.stems, found.starts, found.ends, MAX_UNIT_WORDS
        )
        return Parsed(
            vocab, digit, cell_unit, cell_stem, unit_words, unit_paragraph, len(blocks), size
        )
    return _parse_numpy(found, len(blocks))


def _parse_numpy(found: Words, blocks: int) -> Parsed:
    """The reference implementation of parse's arrays (also used without numba)."""
    stems, starts, numeric = _numbers_joined(found)
    unit, unit_words, unit_paragraph = _units(found.data, starts)
    vocab, stem = np.unique(stems, return_inverse=True)
    width = max(vocab.size, 1)
    cells = _sorted_unique(unit * width + stem)
    digit = np.zeros(vocab.size, np.bool_)
    digit[stem[numeric]] = True
    return Parsed(
        vocab=vocab,
        numeric=digit,
        cell_unit=(cells // width).astype(np.int32),
        cell_stem=(cells % width).astype(np.int32),
        unit_words=unit_words,
        unit_paragraph=unit_paragraph.astype(np.int32),
        paragraphs=blocks,
        size=int(stems.size),
    )
