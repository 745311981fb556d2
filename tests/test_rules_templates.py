"""Line fingerprints and the site-template index."""

from __future__ import annotations

import numpy as np

from scrubber.config import Settings
from scrubber.model import Line
from scrubber.parallel import IN_PROCESS_BELOW
from scrubber.rules import LineFingerprints, TemplateIndex, fingerprint_lines, strip_page
from scrubber.rules.fingerprints import fingerprint, unpacked
from scrubber.rules.site_lines import first_of_runs

LONG = "Subscribe to our weekly letter about the city and never miss a story from the council."
PROSE = [
    "The committee met on Tuesday and agreed on a detailed plan for the new library, which "
    f"will open next spring after two years of careful work number {n}."
    for n in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
]


def prints_of(*lines: str) -> LineFingerprints:
    return fingerprint_lines([Line(i + 1, text) for i, text in enumerate(lines)])


def page(body: str, *, head: tuple[str, ...] = (), tail: tuple[str, ...] = ()) -> list[str]:
    return [*head, body, *tail]


def build(pages: list[tuple[str, list[str]]], profile: str = "default") -> TemplateIndex:
    config = Settings(profile=profile)
    return TemplateIndex.build(
        [("site", group, prints_of(*lines)) for group, lines in pages], config
    )


def is_template(index: TemplateIndex, line: str) -> bool:
    return fingerprint(line.casefold()) in index.for_site("site")


# --- fingerprints -------------------------------------------------------------------


def test_fingerprints_are_stable_across_runs() -> None:
    # Pinned: a change here changes every stored index; make it on purpose (and raise
    # index.features.SCHEMA_VERSION).
    assert fingerprint("go back") == 10597698392897375031
    assert fingerprint("© 2023 example") == 15197945113140121863


def test_fingerprints_fold_case_spacing_invisibles_and_digits() -> None:
    one = prints_of("Home\u00a0 Page", "© 2023 Example", "12 comments")
    two = prints_of("home page", "© 2024 EXAMPLE", "3\u200b comments")
    assert one.hashes == two.hashes
    assert prints_of("Home page").hashes != prints_of("Home pages").hashes


def test_fingerprints_skip_empty_lines_and_record_length_and_sentence_end() -> None:
    prints = prints_of("Home", "", "\u00a0", PROSE[0], "Thank you.")
    assert len(unpacked(prints.hashes)) == 3
    assert prints.words[0] == 1 and prints.words[1] > 20
    assert prints.sentences == bytes([0, 1, 1])


# --- the index ----------------------------------------------------------------------


def test_a_long_line_on_two_groups_at_the_edges_is_a_template() -> None:
    index = build([("a", [LONG, PROSE[0], PROSE[1]]), ("b", [LONG, PROSE[2], PROSE[3]])])
    assert is_template(index, LONG)
    assert not is_template(index, PROSE[0])


def test_repetition_within_one_group_counts_once() -> None:
    index = build([("a", [LONG, PROSE[0]]), ("a", [LONG, PROSE[1]]), ("c", [PROSE[2]])])
    assert not is_template(index, LONG)


def test_a_long_line_inside_two_articles_is_not_a_template() -> None:
    # Between a page's own paragraphs an occurrence counts half: four groups are needed.
    pages = [(str(n), [PROSE[n], LONG, PROSE[n + 5]]) for n in range(4)]
    assert not is_template(build(pages[:2]), LONG)
    assert not is_template(build(pages[:3]), LONG)
    assert is_template(build(pages), LONG)


def test_short_sentences_need_three_groups() -> None:
    pages = [(str(n), [PROSE[n], "Thank you.", "Alpha Beta"]) for n in range(3)]
    assert not is_template(build(pages[:2]), "Thank you.")
    assert is_template(build(pages[:2]), "Alpha Beta")
    assert is_template(build(pages), "Thank you.")


def test_short_lines_must_recur_on_a_share_of_the_groups() -> None:
    pages = [(str(n), ["Thank you.", PROSE[n], "Alpha Beta"]) for n in range(10)]
    index = build(pages)
    assert is_template(index, "Alpha Beta")
    assert is_template(index, "Thank you.")  # on every page of the site
    rare = [(str(n), ["Thank you." if n < 3 else "Bye", PROSE[n], "Alpha Beta"]) for n in range(10)]
    assert not is_template(build(rare), "Thank you.")  # 3 of 10 groups: not in the default
    assert is_template(build(rare, profile="aggressive"), "Thank you.")


def test_pages_sharing_most_of_their_prose_are_one_story() -> None:
    story = [PROSE[0], PROSE[1], PROSE[2], PROSE[3]]
    twice = [("a", ["Alpha", *story, "Omega"]), ("b", ["Alpha", *story, "Omega"])]
    index = build(twice)
    assert not is_template(index, PROSE[0])
    assert not is_template(index, "Omega")  # one story: everything it shares counts once
    index = build([*twice, ("c", ["Alpha", PROSE[8], "Omega"])])
    assert is_template(index, "Omega")
    assert not is_template(index, PROSE[0])


def test_single_group_and_unknown_sites_have_no_templates() -> None:
    index = build([("a", [LONG, PROSE[0]]), ("a", [LONG, PROSE[1]])])
    assert index.for_site("site") == frozenset()
    assert index.for_site("elsewhere") == frozenset()
    assert index.sites() == []


# --- the rule -----------------------------------------------------------------------


def strip_with(index: TemplateIndex, lines: list[str]) -> list[str]:
    return strip_page("p", "\n".join(lines), Settings(), index, "site").text.split("\n")


def test_site_template_rule_removes_template_lines_only_for_its_site() -> None:
    index = build([("a", [LONG, PROSE[0]]), ("b", [LONG, PROSE[1]])])
    assert strip_with(index, [LONG, PROSE[2]]) == [PROSE[2]]
    other = strip_page("p", f"{LONG}\n{PROSE[2]}", Settings(), index, "other-site")
    assert other.removals == ()


def test_template_heading_right_above_prose_stays() -> None:
    menu = ["Alpha", "Research Highlights", "Omega"]
    index = build([(str(n), [*menu, PROSE[n]]) for n in range(4)])
    lines = ["Alpha", "Omega", "Research Highlights", PROSE[5]]
    assert strip_with(index, lines) == ["Research Highlights", PROSE[5]]


def test_short_line_inside_a_template_block_goes() -> None:
    menu = ["Alpha", "Beta"]
    index = build([(str(n), [PROSE[n], *menu]) for n in range(4)])
    caption = "A caption of middling length here"
    lines = [PROSE[5], "Alpha", "Jobs", "Beta", caption, PROSE[6]]
    result = strip_page("p", "\n".join(lines), Settings(), index, "site")
    assert result.text.split("\n") == [PROSE[5], caption, PROSE[6]]
    assert {r.rule for r in result.removals} == {"site-template"}


def test_empty_pages_and_sites_build() -> None:
    empty = prints_of()
    index = TemplateIndex.build([("s", "a", empty), ("s", "b", empty)], Settings())
    assert index.for_site("s") == frozenset()
    assert len(TemplateIndex.build([], Settings())) == 0
    mixed = build([("a", []), ("b", [LONG, PROSE[0]]), ("c", [LONG, PROSE[1]])])
    assert is_template(mixed, LONG)


def test_first_of_runs_marks_new_key_combinations() -> None:
    a = np.array([1, 1, 1, 2, 2])
    b = np.array([5, 5, 6, 6, 6])
    assert first_of_runs(a).tolist() == [True, False, False, True, False]
    assert first_of_runs(a, b).tolist() == [True, False, True, True, False]
    assert first_of_runs(np.array([], dtype=np.int64)).tolist() == []


def test_many_sites_are_counted_on_all_cores_with_the_same_result() -> None:
    """With many sites the template index is built by worker processes, a site each: the
    same templates, site by site, as one process finds."""
    pages = [
        (f"site-{s:03}", f"{s}-{n}", prints_of("Menu", LONG, PROSE[n], f"Footer of site {s}"))
        for s in range(IN_PROCESS_BELOW + 6)
        for n in range(3)
    ]
    alone = TemplateIndex.build(pages, Settings(jobs=1))
    pooled = TemplateIndex.build(pages, Settings(jobs=2))
    sites = sorted({site for site, _group, _prints in pages})
    assert alone.sites() == pooled.sites() == sites  # every site has its template lines
    for site in sites:
        assert pooled.for_site(site) == alone.for_site(site)
        assert fingerprint(f"footer of site {int(site[5:])}") in pooled.for_site(site)
