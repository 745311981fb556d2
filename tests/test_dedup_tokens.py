"""The hot path: words and hashes in bulk, signatures; compiled and NumPy paths agree."""

from __future__ import annotations

import importlib
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.dedup import DedupSettings, kernels, minhash, sketch, tokens
from scrubber.dedup.lsh import agreement
from scrubber.normalize import words

sketch_module = importlib.import_module("scrubber.dedup.sketch")  # the package exports sketch()

# letters and digits of several scripts, CJK, punctuation and whitespace (no combining
# marks: Python's \w does not count them as word characters, the byte scanner does)
ALPHABET = st.sampled_from(
    list("abcXYZ019 .,;:!?'\"-_\n\t")
    + list("éßÆœ")
    + list("жЖЁ")
    + list("東京で")
    + ["\u00a0", "“", "”", "—", "…", "×", "😀", "ｆ", "ﬁ"]
)
TEXTS = st.lists(ALPHABET, max_size=80).map("".join)


def _texts(words_of: tokens.Words) -> list[str]:
    return [words_of.text(i) for i in range(len(words_of))]


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_byte_words_are_normalize_words(text: str) -> None:
    assert _texts(tokens.words_of(text)) == words(text)


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_compiled_and_numpy_words_agree(text: str) -> None:
    found = tokens.words_of(text)
    reference = tokens._words_numpy(found.data)
    for field in ("hashes", "stems", "chars", "starts", "ends"):
        assert np.array_equal(getattr(found, field), getattr(reference, field)), field


def test_stems_are_the_first_five_characters() -> None:
    found = tokens.words_of("infected infection infer kantádhes kantá")
    assert found.stems[0] == found.stems[1]
    assert found.stems[0] != found.stems[2]
    assert found.stems[3] == found.stems[4]
    assert list(found.chars) == [8, 9, 5, 9, 5]


def test_hashes_are_stable_across_runs() -> None:
    # fixed values: a change of the hash changes every stored signature and cache
    found = tokens.words_of("Hello world")
    assert found.hashes.tolist() == tokens.words_of("HELLO   WORLD").hashes.tolist()
    assert len(set(found.hashes.tolist())) == 2


def test_shingles() -> None:
    hashes = tokens.words_of("a b c d e f g").hashes
    assert tokens.shingles(hashes, 5).size == 3
    assert tokens.shingles(hashes[:2], 5).size == 1  # shorter than n: one shingle
    assert tokens.shingles(hashes[:0], 5).size == 0


@pytest.mark.parametrize("size", [1, 7, 100, 3000])
def test_compiled_and_numpy_signatures_agree(size: int) -> None:
    values = np.random.default_rng(size).integers(0, 2**64, size, dtype=np.uint64)
    assert np.array_equal(minhash.signature(values, 128), minhash.signature_numpy(values, 128))
    assert np.array_equal(minhash.signature(values, 100), minhash.signature_numpy(values, 100))


def test_signature_agreement_estimates_jaccard() -> None:
    rng = np.random.default_rng(7)
    common = rng.integers(0, 2**64, 600, dtype=np.uint64)
    only_a = rng.integers(0, 2**64, 200, dtype=np.uint64)
    only_b = rng.integers(0, 2**64, 200, dtype=np.uint64)
    a = minhash.signature(np.concatenate([common, only_a]), 256)
    b = minhash.signature(np.concatenate([common, only_b]), 256)
    estimate = agreement(a[None, :], b[None, :])[0]
    assert abs(estimate - 0.6) < 0.1  # true Jaccard 600 / 1000


def test_empty_signature() -> None:
    assert (minhash.signature(np.zeros(0, np.uint64), 16) == minhash.EMPTY).all()


def test_sketch_is_small_deterministic_and_picklable() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 40
    settings_ = DedupSettings(threshold=0.8)
    first, second = sketch(text, settings_), sketch(text, settings_)
    assert np.array_equal(first.shingles, second.shingles)
    assert np.array_equal(first.words, second.words)
    assert len(pickle.dumps(first)) < 2048
    assert sketch("", settings_).empty


def test_seed_changes_signatures() -> None:
    text = "one two three four five six seven eight nine ten"
    a = sketch(text, DedupSettings(threshold=0.8, seed=1))
    b = sketch(text, DedupSettings(threshold=0.8, seed=2))
    assert not np.array_equal(a.shingles, b.shingles)


def test_kernels_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUBBER_NO_NUMBA", "1")
    monkeypatch.setattr(kernels, "_BUILT", {})
    assert kernels.kernel("scan_words") is None
    assert _texts(tokens.words_of("Still works")) == ["still", "works"]


# --- the fused sketch kernel, and what the sketch leaves out --------------------------------

LINES = st.lists(
    st.lists(
        st.sampled_from(["alpha", "beta", "gamma", "délta", "東京", "1,5", "x"]), max_size=12
    ).map(" ".join),
    max_size=12,
).map("\n".join)


@given(st.one_of(TEXTS, LINES), st.sampled_from([1, 3, 5]), st.sampled_from([1, 9]))
@settings(max_examples=300, deadline=None)
def test_compiled_and_numpy_sketches_agree(text: str, ngram: int, seed: int) -> None:
    settings_ = DedupSettings(threshold=0.8, ngram=ngram, seed=seed, num_perm=64)
    fused = sketch(text, settings_)
    reference = sketch_module.sketch_numpy(text, settings_)
    assert np.array_equal(fused.shingles, reference.shingles)
    assert np.array_equal(fused.words, reference.words)
    assert fused.shingles.dtype == reference.shingles.dtype == np.uint16
    assert fused.size == reference.size


def test_short_lines_around_a_story_do_not_change_its_sketch() -> None:
    story = "\n\n".join(
        f"Paragraph {k} tells how the river rose over the old town walls in spring {k}."
        for k in range(12)
    )
    chrome = "Home | News | Sport\nSearch\nGo back\nPosted on 2 October 2022\n\n"
    footer = "\n\nShare this: Twitter Email\nBack to the all news\n"
    settings_ = DedupSettings(threshold=0.8)
    plain, wrapped = sketch(story, settings_), sketch(chrome + story + footer, settings_)
    assert np.array_equal(plain.shingles, wrapped.shingles)
    assert np.array_equal(plain.words, wrapped.words)
    assert wrapped.size > plain.size  # the words are counted, only not sketched


def test_a_document_of_short_lines_is_sketched_whole() -> None:
    verse = "\n".join(f"line {k} of the verse" for k in range(30))  # 5 words a line
    found = tokens.words_of(verse)
    assert sketch_module.prose_words(found) is None
    other = "\n".join(f"line {k} of the poem" for k in range(30))
    settings_ = DedupSettings(threshold=0.8)
    assert not np.array_equal(sketch(verse, settings_).shingles, sketch(other, settings_).shingles)
