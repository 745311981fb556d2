"""The exact comparison's compiled loops compute what the NumPy reference computes."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.dedup import align, kernels, scoring, verify_kernels
from scrubber.dedup.parse import MAX_UNIT_WORDS, Parsed, _parse_numpy, parse
from scrubber.dedup.tokens import words_of
from scrubber.normalize import paragraphs

ROOT = Path(__file__).resolve().parent.parent
PIECES = st.sampled_from(
    [
        "The",
        "river",
        "rose",
        "1,200",
        "3.5",
        "km",
        ".",
        "!",
        "?",
        ",",
        "。",
        "東京",
        "é",
        "\n",
        "\n\n",
        " ",
    ]
)
TEXTS = st.lists(PIECES, max_size=120).map(" ".join)


def test_the_kernels_are_compiled() -> None:
    assert kernels.kernel("coverage") is not None  # numba is a dependency: these run compiled


def _reference(text: str) -> Parsed:
    blocks = paragraphs(text)
    return _parse_numpy(words_of("\n\n".join(blocks)), len(blocks))


def _same(a: Parsed, b: Parsed) -> None:
    for field in ("vocab", "numeric", "cell_unit", "cell_stem", "unit_words", "unit_paragraph"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype and np.array_equal(x, y), field
    assert (a.size, a.paragraphs) == (b.size, b.paragraphs)


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_compiled_and_numpy_parse_agree(text: str) -> None:
    _same(parse(text), _reference(text))


@given(
    st.integers(1, 8).flatmap(
        lambda passes: st.tuples(
            st.just(passes), st.lists(st.integers(0, 256**passes - 1), max_size=300)
        )
    )
)
@settings(max_examples=200, deadline=None)
def test_the_radix_order_is_a_stable_argsort(case: tuple[int, list[int]]) -> None:
    """parse's vocabulary and cells are sorted by ``_radix_order`` (numba's sorts are slower
    on a document's few hundred keys); it must order as a stable sort does."""
    passes, values = case
    for keys in (np.array(values, np.uint64), np.array(values, np.uint64).astype(np.int64)):
        if passes == 8 and keys.dtype == np.int64:
            keys = keys[keys >= 0]  # (non-negative keys only)
        order = verify_kernels._radix_order(keys, passes)
        assert np.array_equal(order, np.argsort(keys, kind="stable"))


def test_long_sentences_are_cut_the_same_way() -> None:
    text = " ".join(f"w{k}" for k in range(3 * MAX_UNIT_WORDS + 7)) + ". Short one."
    _same(parse(text), _reference(text))
    assert parse(text).units == 4 + 1


def _fixture_texts() -> list[str]:
    files = sorted((ROOT / "fixtures").glob("dedup/*.txt")) + sorted(
        (ROOT / "fixtures" / "seeds").glob("*.txt")
    )
    return [f.read_text(encoding="utf-8") for f in files]


def test_compiled_and_numpy_scores_agree_on_real_documents() -> None:
    docs = [parse(t) for t in _fixture_texts()]
    assert len(docs) >= 6
    rarity = scoring.Rarity.of(docs)
    for a, b in itertools.product(docs, repeat=2):
        counts = scoring.Context(
            rarity.documents, rarity.counts_of(a.vocab), rarity.counts_of(b.vocab)
        )
        for context in (scoring.Context(), counts):
            assert scoring.score_pair(a, b, context) == pytest.approx(
                scoring.match_numpy(a, b, context).score(), abs=1e-6
            )
            fast, reference = (
                scoring.match(a, b, context).dice,
                scoring.match_numpy(a, b, context).dice,
            )
            assert fast.shape == reference.shape
            assert np.allclose(fast, reference, rtol=0, atol=1e-12)


@given(TEXTS, TEXTS)
@settings(max_examples=200, deadline=None)
def test_compiled_and_numpy_scores_agree(first: str, second: str) -> None:
    a, b = parse(first), parse(second + " " + first[: len(first) // 2])
    assert scoring.score_pair(a, b) == pytest.approx(scoring.match_numpy(a, b).score(), abs=1e-6)
    assert np.allclose(scoring.match(a, b).dice, scoring.match_numpy(a, b).dice, rtol=0, atol=1e-12)


def test_kernel_constants_are_the_scoring_constants() -> None:
    assert verify_kernels.FULL_MATCH == scoring.FULL_MATCH
    assert verify_kernels.MIN_MATCH == scoring.MIN_MATCH
    assert verify_kernels.CAPACITY == scoring.CAPACITY
    assert verify_kernels.DIGIT_WEIGHT == scoring.DIGIT_WEIGHT
    assert scoring.SENTENCE_POWER == scoring.CORPUS_POWER == 2.0  # the loops square


def test_rarity_counted_in_blocks_is_rarity_counted_at_once() -> None:
    docs = [parse(t) for t in _fixture_texts()] * 3
    whole = np.unique(np.concatenate([d.vocab for d in docs]), return_counts=True)
    for block in (1, 2, 5, 4096):
        rarity = scoring.Rarity.of(docs, block=block)
        assert np.array_equal(rarity.stems, whole[0])
        assert np.array_equal(rarity.counts, whole[1])
        assert rarity.documents == len(docs)


def test_rarity_of_documents_without_words() -> None:
    rarity = scoring.Rarity.of([parse(""), parse("...")])
    assert rarity.stems.size == 0 and rarity.documents == 2


@given(TEXTS, TEXTS)
@settings(max_examples=300, deadline=None)
def test_compiled_and_numpy_paragraph_cover_agree_to_the_bit(first: str, second: str) -> None:
    """The alignment's paragraph cover, best counterparts and ties (one compiled pass)
    equal the NumPy reference exactly, ties included (they decide which paragraph of a
    counts as the counterpart)."""
    found = scoring.match(parse(first), parse(second))
    compiled, reference = align._cover(found), align._cover_numpy(found)
    for x, y in zip(compiled, reference, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)


def test_compiled_and_numpy_paragraph_cover_agree_on_real_documents() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures" / "seeds").iterdir())]
    for first, second in itertools.product(texts, repeat=2):
        found = scoring.match(parse(first), parse(second))
        for x, y in zip(align._cover(found), align._cover_numpy(found), strict=True):
            assert np.array_equal(x, y)
