"""Merging a cluster: one version of the story, with what only other members have."""

from __future__ import annotations

from scrubber.dedup import align_paragraphs
from scrubber.merge import merge_cluster, paragraph_memo, paragraphs_of
from scrubber.model import Line, Stripped

INTRO = "The council met in Geneva on Monday to discuss the water treaty with nine delegations."
BODY = "Delegates from Austria and Hungary argued about the Danube quotas for three hours."
EXTRA = "A vote on the 2031 budget of 4.2 million euros was postponed until the spring session."
END = "The next meeting is planned for the fifteenth of October in Vienna, the chair said."


def stripped(doc_id: str, paragraphs: list[str]) -> Stripped:
    lines: list[Line] = []
    for paragraph in paragraphs:
        if lines:
            lines.append(Line(len(lines) + 1, ""))
        lines.append(Line(len(lines) + 1, paragraph))
    return Stripped(doc_id, tuple(lines), ())


def test_paragraphs_follow_blank_lines_and_keep_line_numbers() -> None:
    doc = stripped("a.txt", [INTRO, BODY])
    assert [(p.text, p.first_line) for p in paragraphs_of(doc)] == [(INTRO, 1), (BODY, 3)]


def test_a_paragraph_only_another_member_has_is_inserted_where_it_aligns() -> None:
    canonical = stripped("a.txt", [INTRO, BODY, END])
    other = stripped("b.txt", [INTRO, BODY, EXTRA, END])
    merged = merge_cluster(canonical, [other])
    assert merged.text.split("\n\n") == [INTRO, BODY, EXTRA, END]
    (inserted,) = merged.inserted
    assert (inserted.source, inserted.source_line, inserted.output_line) == ("b.txt", 5, 5)
    assert merged.text.split("\n")[inserted.output_line - 1] == EXTRA


def test_members_that_add_nothing_leave_the_canonical_unchanged() -> None:
    canonical = stripped("a.txt", [INTRO, BODY, END])
    merged = merge_cluster(canonical, [stripped("b.txt", [BODY, END])])
    assert merged.text == "\n\n".join([INTRO, BODY, END])
    assert merged.inserted == ()


def test_an_identical_paragraph_wins_over_a_headline_that_summarises_it() -> None:
    headline = "The council met in Geneva on Monday to discuss the water treaty"
    rows = align_paragraphs("\n\n".join([headline, INTRO, BODY]), "\n\n".join([INTRO, BODY]))
    pairs = {(i, j) for i, j, _ in rows if i is not None and j is not None}
    assert pairs == {(1, 0), (2, 1)}


def test_a_paragraph_memo_splits_each_member_once_and_merges_the_same() -> None:
    canonical = stripped("a.txt", [INTRO, BODY, END])
    others = [stripped("b.txt", [INTRO, EXTRA, END]), stripped("c.txt", [BODY, EXTRA])]
    memo = paragraph_memo()
    assert memo(canonical) is memo(canonical)
    assert memo(others[0]) == paragraphs_of(others[0])
    assert merge_cluster(canonical, others, paragraphs=memo) == merge_cluster(canonical, others)
    assert memo(canonical) == paragraphs_of(canonical)  # the merge did not change it
