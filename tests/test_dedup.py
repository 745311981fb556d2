"""Near-duplicates and translations: the similarity, the alignment, find_clusters on fixtures."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from scrubber.dedup import (
    ClusterGroup,
    DedupSettings,
    SketchTable,
    align_paragraphs,
    candidates,
    find_clusters,
    similarity,
    sketch,
    verify,
)
from scrubber.dedup.align import _most_alike
from scrubber.dedup.parse import parse
from scrubber.normalize import paragraphs
from tests.conftest import ROOT, SEEDS

FIXTURES = ROOT / "fixtures" / "dedup"
SETTINGS = DedupSettings(threshold=0.8)


def _text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def _clusters(texts: list[str], settings: DedupSettings = SETTINGS) -> list[ClusterGroup]:
    return find_clusters([sketch(t, settings) for t in texts], lambda i: texts[i], settings)


# --- the similarity -------------------------------------------------------------------


def test_two_translations_of_one_article_score_high() -> None:
    assert similarity(_text("flood_a"), _text("flood_b")) >= 0.9


def test_two_articles_on_one_topic_score_low() -> None:
    # same region, same kind of event, same institutions; different facts
    assert similarity(_text("flood_a"), _text("flood_other")) < 0.6
    assert similarity(_text("flood_b"), _text("flood_other")) < 0.6


def test_identical_texts_score_one_and_the_score_is_symmetric() -> None:
    a, b = _text("flood_a"), _text("flood_b")
    assert similarity(a, a) == 1.0
    assert similarity(a, b) == similarity(b, a)


def test_edited_copies_score_high() -> None:
    a = _text("flood_a")
    blocks = paragraphs(a)
    random.Random(3).shuffle(blocks)
    shuffled = "\n\n".join(blocks)
    wrapped = "\n\n".join(textwrap.fill(p, 40) for p in paragraphs(a)).replace("\n", "\r\n")
    site = "Home | News | Sport | Weather\n\n" + a + "\n\nCopyright 2024 Example Media. Contact us"
    assert similarity(a, shuffled) >= 0.95
    assert similarity(a, wrapped) >= 0.95
    assert similarity(a, site) >= 0.9


def test_truncated_copy_scores_by_the_shorter_document() -> None:
    a = _text("flood_a")
    cut = " ".join(a.split(" ")[: int(len(a.split(" ")) * 0.7)])
    assert 0.8 <= similarity(a, cut) < 1.0
    teaser = paragraphs(a)[1]  # one paragraph of six: part of the story, not a copy of it
    assert similarity(a, teaser) < 0.8


def test_empty_texts() -> None:
    assert similarity("", "") == 0.0
    assert similarity(_text("flood_a"), "") == 0.0


# --- the alignment ----------------------------------------------------------------------


def test_alignment_of_translations_is_the_diagonal() -> None:
    rows = align_paragraphs(_text("flood_a"), _text("flood_b"))
    assert [(i, j) for i, j, _ in rows] == [(k, k) for k in range(6)]
    assert all(score >= 0.5 for *_, score in rows)


def test_alignment_follows_moved_paragraphs_and_marks_extra_ones() -> None:
    a = _text("flood_a")
    blocks = paragraphs(a)
    b = "\n\n".join([blocks[2], blocks[0], "An unrelated note about the weather.", *blocks[3:]])
    rows = align_paragraphs(a, b)
    pairs = {(i, j) for i, j, _ in rows if i is not None and j is not None}
    assert pairs == {(2, 0), (0, 1), (3, 3), (4, 4), (5, 5)}
    assert (1, None, 0.0) in rows  # paragraph 1 of a is missing from b
    assert any(i is None and j == 2 for i, j, _ in rows)  # the note has no counterpart
    assert len(paragraphs(a)) == len({i for i, _, _ in rows if i is not None})


def test_a_paragraph_covered_by_two_alike_pairs_with_the_one_that_reads_most_like_it() -> None:
    """Two paragraphs of a hold the same sentences (in another order): they cover b's
    paragraph alike, and the tie goes to the one that reads most like it (rapidfuzz)."""
    built = "The church of Saint Demetrius was built in 1830 by local merchants."
    paid = "Merchants paid for the bell tower in 1900."
    a = f"{built} {paid}\n\nMid-20th century.\n\nGeography.\n\n{paid} {built}"
    b = f"Mid-20th century.\n\n{paid} {built}\n\n{paid} {built}"
    rows = align_paragraphs(a, b)
    assert {(i, j) for i, j, _ in rows} == {(0, None), (1, 0), (2, None), (3, 1), (3, 2)}


@given(
    st.lists(
        st.sampled_from(["", "a", "ab", "abc", "History.", "Early history.", "b a"]), min_size=1
    ),
    st.sampled_from(["a", "ab", "History.", "history", ""]),
)
def test_most_alike_is_the_first_highest_ratio(candidates: list[str], text: str) -> None:
    numbers = np.arange(10, 10 + len(candidates), dtype=np.int64)
    expected = max(numbers, key=lambda n: fuzz.ratio(candidates[n - 10], text))
    assert _most_alike(text, candidates, numbers) == expected


# --- find_clusters ----------------------------------------------------------------------


def test_fixtures_translation_pair_clusters_same_topic_does_not() -> None:
    texts = [_text("flood_a"), _text("flood_b"), _text("flood_other")]
    groups = _clusters(texts)
    assert [g.members for g in groups] == [(0, 1)]
    (a, b, sim) = groups[0].pairs[0]
    assert (a, b) == (0, 1) and sim >= 0.8


def test_seeds_pair_000_with_003_and_nothing_else() -> None:
    names = sorted(p.name for p in SEEDS.iterdir())
    texts = [(SEEDS / n).read_text(encoding="utf-8") for n in names]
    groups = _clusters(texts)
    assert [[names[i][:3] for i in g.members] for g in groups] == [["000", "003"]]


def test_seeds_000_and_004_share_a_teaser_but_never_pair() -> None:
    (zero,) = SEEDS.glob("000_*")
    (four,) = SEEDS.glob("004_*")
    score = similarity(zero.read_text(encoding="utf-8"), four.read_text(encoding="utf-8"))
    assert score < 0.7


def test_texts_are_loaded_only_for_candidate_pairs() -> None:
    texts = [_text("flood_a"), _text("flood_b"), "Something else entirely, about cooking rice."]
    loaded: list[int] = []

    def load(i: int) -> str:
        loaded.append(i)
        return texts[i]

    find_clusters([sketch(t, SETTINGS) for t in texts], load, SETTINGS)
    assert sorted(loaded) == [0, 1]


def test_clusters_are_deterministic() -> None:
    texts = [_text("flood_a"), _text("flood_b"), _text("flood_other"), _text("flood_a")]
    assert _clusters(texts) == _clusters(list(texts))


def test_every_reported_pair_is_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    """LSH suggests; only the exact similarity decides (a bogus candidate never pairs)."""
    texts = [_text("flood_a"), _text("flood_b"), _text("flood_other")]
    real = candidates.candidate_pairs

    def with_bogus(sketches: object, sample: object = None) -> np.ndarray:
        found = real(sketches, sample)  # type: ignore[arg-type]
        return np.unique(np.vstack([found, [[0, 2], [1, 2]]]), axis=0)

    monkeypatch.setattr(verify, "candidate_pairs", with_bogus)
    groups = _clusters(texts)
    assert [g.members for g in groups] == [(0, 1)]
    for group in groups:
        for a, b, sim in group.pairs:
            assert sim == pytest.approx(verify_score(texts, a, b))
            assert sim >= SETTINGS.threshold


def verify_score(texts: list[str], a: int, b: int) -> float:
    from scrubber.dedup.parse import parse

    docs = {k: parse(t) for k, t in enumerate(texts)}
    return verify.Verifier(docs, {k: len(t.split()) for k, t in enumerate(texts)})(a, b)


def test_threshold_applies_to_the_similarity() -> None:
    texts = [_text("flood_a"), _text("flood_b")]
    assert _clusters(texts, DedupSettings(threshold=1.0)) == []
    assert [g.members for g in _clusters(texts, DedupSettings(threshold=0.5))] == [(0, 1)]


def test_exact_copies_many_times() -> None:
    a = _text("flood_a")
    texts = [a] * 30 + [_text("flood_other")]
    groups = _clusters(texts)
    assert [g.members for g in groups] == [tuple(range(30))]


def test_empty_and_tiny_documents_never_pair() -> None:
    texts = ["", "", "   \n", "ok", "ok"]
    assert [g.members for g in _clusters(texts)] in ([], [(3, 4)])
    assert _clusters(["", ""]) == []


def test_settings_from_settings() -> None:
    from scrubber.config import Settings

    made = DedupSettings.from_settings(Settings(threshold=0.7, num_perm=64, ngram=3, seed=9))
    assert made == DedupSettings(threshold=0.7, num_perm=64, ngram=3, seed=9)


def test_other_permutation_counts_and_ngrams_work() -> None:
    texts = [_text("flood_a"), _text("flood_b"), _text("flood_other")]
    for settings_ in (DedupSettings(0.8, num_perm=64, ngram=3), DedupSettings(0.8, num_perm=200)):
        assert [g.members for g in _clusters(texts, settings_)] == [(0, 1)]


def test_fixture_files_exist() -> None:
    assert {p.name for p in Path(FIXTURES).glob("*.txt")} >= {
        "flood_a.txt",
        "flood_b.txt",
        "flood_other.txt",
    }


# --- the members' parses handed on to the merge ----------------------------------------


def _parsed_members(texts: list[str], budget: int) -> tuple[list[ClusterGroup], dict[int, Any]]:
    kept: dict[int, Any] = {}
    found = verify.find_candidates(SketchTable.of([sketch(t, SETTINGS) for t in texts], 128))
    groups = verify.verify_candidates(found, lambda i: texts[i], SETTINGS, parsed_out=kept)
    if budget != verify.KEPT_PARSED_BYTES:  # again, keeping within a smaller budget
        kept = {}
        docs = {k: parse(texts[k]) for g in groups for k in g.members}
        verify.keep_members(docs, groups, kept, budget)
    return groups, kept


def test_verification_hands_on_the_parse_of_each_cluster_member_and_nothing_else() -> None:
    texts = [_text("flood_a"), _text("flood_b"), _text("flood_other")]
    groups, kept = _parsed_members(texts, verify.KEPT_PARSED_BYTES)
    assert [g.members for g in groups] == [(0, 1)]
    assert sorted(kept) == [0, 1]
    for k, parsed in kept.items():
        again = parse(texts[k])
        assert np.array_equal(parsed.vocab, again.vocab)
        assert np.array_equal(parsed.cell_unit, again.cell_unit)
        assert parsed.nbytes == again.nbytes > 0


def test_the_parses_handed_on_stay_within_their_budget() -> None:
    texts = [_text("flood_a"), _text("flood_b"), _text("flood_other")]
    one = parse(texts[0]).nbytes
    assert _parsed_members(texts, 0)[1] == {}
    assert sorted(_parsed_members(texts, one)[1]) == [0]
