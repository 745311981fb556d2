"""Merging a cluster: one version of the story, with what only other members have."""

from __future__ import annotations

from pathlib import Path

from scrubber.assemble import finish_cluster
from scrubber.dedup import align, align_paragraphs
from scrubber.dedup.parse import parse
from scrubber.merge import merge_cluster, paragraph_memo, paragraphs_of
from scrubber.model import Cluster, DocRef, Line, Scanned, Stripped
from scrubber.outputs import OutputWriter

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


def _cluster_members(tmp_path: Path) -> tuple[Cluster, dict[str, tuple[Scanned, Stripped]]]:
    docs = {
        "a.txt": stripped("a.txt", [INTRO, BODY, END]),
        "b.txt": stripped("b.txt", [INTRO, BODY, EXTRA, END]),
        "c.txt": Stripped("c.txt", (Line(1, ""), *stripped("c.txt", [BODY, EXTRA]).kept), ()),
    }
    members = {
        doc_id: (Scanned(DocRef(doc_id, str(tmp_path / doc_id)), "utf-8", 1.0), doc)
        for doc_id, doc in docs.items()
    }
    return Cluster(tuple(docs), "a.txt", "most words", ()), members


def test_a_cluster_aligned_from_the_verifications_parses_is_the_same_and_parses_less(
    tmp_path: Path,
) -> None:
    """The verification parsed each member's stripped text: the merge and the report's
    alignment take those parses (for texts they align as they are) instead of parsing
    again, and write and report exactly the same."""
    cluster, members = _cluster_members(tmp_path)
    texts = {doc_id: doc.text for doc_id, (_, doc) in members.items()}
    given = {doc_id: parse(text) for doc_id, text in texts.items()}
    results = []
    for parsed in (None, given):
        align._parsed.cache_clear()
        with OutputWriter(tmp_path / f"out-{parsed is None}") as writer:
            done = finish_cluster(1, cluster, members, True, writer, parsed)
        out = (tmp_path / f"out-{parsed is None}" / "a.txt").read_text()
        results.append((done.merged, done.alignment, out, align._parsed.cache_info().misses))
    (merged, rows, out, parses), (merged_too, rows_too, out_too, fewer) = results
    assert (merged_too, rows_too, out_too) == (merged, rows, out)
    # c.txt starts with an empty line: the text it is aligned as differs from the text the
    # verification parsed, so that parse is not used; a.txt and b.txt are not parsed again
    assert texts["c.txt"].startswith("\n")
    assert (parses, fewer) == (3, 1)
