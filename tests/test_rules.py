"""strip_page as a whole: the API, accounting for every line, blank lines, idempotence."""

from __future__ import annotations

import pickle
import re
import sys
import types
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.config import Settings
from scrubber.errors import ConfigError
from scrubber.model import Line, Stripped
from scrubber.rules import (
    RuleInfo,
    TemplateIndex,
    check_rule_names,
    fingerprint_lines,
    list_rules,
    rule_names,
    strip_page,
)
from scrubber.rules.base import describe

PROSE = (
    "The committee met on Tuesday and agreed on a detailed plan for the new library, "
    "which will open next spring after two years of careful work."
)
MORE = (
    "Residents welcomed the decision, although several of them asked the council to "
    "publish the full budget before construction begins in the old town."
)
NAME = re.compile(r"[a-z]+(?:-[a-z]+)*")


def strip(text: str, **overrides: object) -> Stripped:
    return strip_page("doc", text, Settings().with_overrides(**overrides))


# --- the registry -------------------------------------------------------------------


def test_a_compiled_rule_reads_its_docstring_from_the_source_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mypyc drops docstrings; the wheel ships each compiled module's source beside it."""
    (tmp_path / "compiled_rules.py").write_text(
        'def check(line):\n    """Drops chrome.\n\n    Menus ``and`` buttons.\n    """\n'
    )
    module = types.ModuleType("compiled_rules")
    module.__file__ = str(tmp_path / f"compiled_rules{EXTENSION_SUFFIXES[0]}")
    monkeypatch.setitem(sys.modules, "compiled_rules", module)

    def check(line: str) -> bool:
        return False

    check.__module__, check.__doc__ = "compiled_rules", None  # as mypyc leaves it
    info = describe("chrome", "line", check)
    assert (info.summary, info.explanation) == ("Drops chrome.", "Menus `and` buttons.")


def test_list_rules_is_stable_and_documented() -> None:
    rules = list_rules()
    assert rules == list_rules()
    assert [r.name for r in rules] == list(rule_names())
    assert len({r.name for r in rules}) == len(rules)
    for info in rules:
        assert isinstance(info, RuleInfo)
        assert NAME.fullmatch(info.name), info.name
        assert info.scope in ("line", "page", "corpus")
        assert info.summary and info.summary[-1] in '.)"', info.name
        assert len(info.explanation) > 60, info.name


def test_rules_cover_the_issue() -> None:
    names = set(rule_names())
    wanted = {
        "blank-line",
        "extra-blank-line",
        "nav-phrase",
        "media-filename",
        "date-stamp",
        "repeated-headline",
        "user-pattern",
        "site-template",
        "menu-run",
        "page-edge",
        "cookie-notice",
        "share-print",
        "subscribe-login",
        "counter",
        "copyright-footer",
        "breadcrumb",
    }
    assert wanted <= names
    assert {r.name for r in list_rules() if r.scope == "corpus"} == {"site-template"}


def test_check_rule_names_accepts_known_and_names_the_unknown() -> None:
    check_rule_names(["nav-phrase", "page-edge"])
    check_rule_names([])
    with pytest.raises(ConfigError, match="'nav-phrases'"):
        check_rule_names(["nav-phrase", "nav-phrases"])


def test_bad_extra_pattern_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"'\(unclosed'"):
        strip("Some line", extra_patterns=("(unclosed",))


def test_unknown_profile_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="profile"):
        strip("Some line", profile="gentle")


# --- accounting ---------------------------------------------------------------------


def assert_accounted(text: str, stripped: Stripped) -> None:
    lines = text.split("\n") if text else []
    if text.endswith("\n"):
        lines.pop()
    numbers = sorted([line.no for line in stripped.kept] + [r.line_no for r in stripped.removals])
    assert numbers == list(range(1, len(lines) + 1))
    for line in stripped.kept:
        assert lines[line.no - 1] == line.text
    for removal in stripped.removals:
        assert lines[removal.line_no - 1] == removal.text
        assert removal.rule in rule_names()


def test_every_line_is_kept_or_removed_by_a_named_rule(seeds: object) -> None:
    text = "\n".join(["Home", "", "Go back", PROSE, "\u00a0", "", "", MORE, "26.07.2024", ""])
    stripped = strip(text)
    assert_accounted(text, stripped)
    assert stripped.text == f"{PROSE}\n\n{MORE}"


def test_a_final_newline_ends_the_last_line() -> None:
    stripped = strip(f"{PROSE}\n")
    assert stripped.kept == (Line(1, PROSE),)
    assert stripped.removals == ()


def test_empty_text() -> None:
    stripped = strip("")
    assert stripped.kept == ()
    assert stripped.removals == ()
    assert [r.rule for r in strip("\n\n").removals] == ["extra-blank-line"] * 2


def test_doc_id_is_carried() -> None:
    assert strip_page("a/b.txt", PROSE, Settings()).doc_id == "a/b.txt"


# --- blank lines --------------------------------------------------------------------


def test_paragraph_separators_are_kept_single() -> None:
    stripped = strip(f"\n\n{PROSE}\n\n\n\n{MORE}\n\n")
    assert stripped.text == f"{PROSE}\n\n{MORE}"
    assert {r.rule for r in stripped.removals} == {"extra-blank-line"}


def test_whitespace_only_lines_are_blank_lines() -> None:
    stripped = strip(f"{PROSE}\n\u00a0\n \t \n\u200b\n{MORE}")
    assert [r.rule for r in stripped.removals] == ["blank-line"] * 3
    assert stripped.text == f"{PROSE}\n{MORE}"


def test_separator_survives_a_removed_line_between_paragraphs() -> None:
    stripped = strip(f"{PROSE}\n\nRead more\n\n{MORE}")
    assert stripped.text == f"{PROSE}\n\n{MORE}"


# --- settings -----------------------------------------------------------------------


def test_disable_switches_a_rule_off() -> None:
    assert strip("Go back").text == ""
    assert strip("Go back", disable=("nav-phrase",)).text == "Go back"


def test_disabling_blank_rules_keeps_those_lines() -> None:
    text = f"{PROSE}\n\u00a0\n\n\n{MORE}"
    stripped = strip(text, disable=("blank-line", "extra-blank-line"))
    assert stripped.text == text


def test_user_patterns_match_whole_lines() -> None:
    stripped = strip(
        f"Sponsored by ACME\n{PROSE}\nThe race was sponsored by ACME.",
        extra_patterns=("Sponsored by .*",),
    )
    assert [(r.rule, r.line_no) for r in stripped.removals] == [("user-pattern", 1)]


def test_aggressive_removes_at_least_what_default_removes() -> None:
    head = ["Logo", "Menu item one", "Another menu item", "Third menu entry"]
    tail = ["Short footer line", "Our latest post headline here", "Follow us"]
    text = "\n".join([*head, PROSE, MORE, *tail])
    default = {r.line_no for r in strip(text).removals}
    aggressive = {r.line_no for r in strip(text, profile="aggressive").removals}
    assert default <= aggressive
    assert len(aggressive) > len(default)


# --- idempotence --------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "Home",
        "News",
        "Go back",
        "the",
        "council",
        "met",
        "today",
        "and",
        "agreed",
        "26.07.2024",
        "Read more",
        "©",
        "2023",
        "Kontakt",
        "|",
        "»",
        "DSC_8507.JPG",
        "12",
        "comments",
        "plan",
        "Research Highlights",
        "Thank you.",
        "Vienna,",
    ]
)
_LINES = st.one_of(
    st.just(""),
    st.just("\u00a0"),
    st.just(PROSE),
    st.just(MORE),
    st.lists(_WORDS, min_size=1, max_size=25).map(" ".join),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
        max_size=40,
    ),
)


@given(lines=st.lists(_LINES, max_size=40), profile=st.sampled_from(["default", "aggressive"]))
@settings(max_examples=300, deadline=None)
def test_strip_page_is_idempotent(lines: list[str], profile: str) -> None:
    text = "\n".join(lines)
    config = Settings(profile=profile)
    first = strip_page("doc", text, config)
    assert_accounted(text, first)
    second = strip_page("doc", first.text, config)
    assert second.removals == ()
    assert second.text == first.text


@given(
    pages=st.lists(st.lists(_LINES, max_size=20), min_size=2, max_size=5),
    profile=st.sampled_from(["default", "aggressive"]),
)
@settings(max_examples=100, deadline=None)
def test_strip_page_with_templates_is_idempotent(pages: list[list[str]], profile: str) -> None:
    config = Settings(profile=profile)
    texts = ["\n".join(lines) for lines in pages]
    prints = [
        ("site", str(i), fingerprint_lines(strip_page(str(i), text, config).kept))
        for i, text in enumerate(texts)
    ]
    index = TemplateIndex.build(prints, config)
    for i, text in enumerate(texts):
        first = strip_page(str(i), text, config, index, "site")
        assert_accounted(text, first)
        second = strip_page(str(i), first.text, config, index, "site")
        assert second.removals == ()


def test_fingerprints_and_index_pickle() -> None:
    prints = fingerprint_lines(strip(f"Home\n{PROSE}\nContact").kept)
    assert pickle.loads(pickle.dumps(prints)) == prints
    index = TemplateIndex.build([("s", "a", prints), ("s", "b", prints)], Settings())
    again = pickle.loads(pickle.dumps(index))
    assert again.for_site("s") == index.for_site("s")


def test_long_line_fast_path_covers_every_rule_that_sees_long_lines() -> None:
    from scrubber.rules import line_rules

    longer = {r for r in line_rules.LINE_RULES if r.max_words > line_rules.LONG_LINE_WORDS}
    assert longer == set(line_rules._LONG_LINE_RULES)


def test_long_line_fast_path_changes_no_verdict() -> None:
    from scrubber.rules import line_rules
    from scrubber.rules.text import LineFacts

    filler = " ".join(["word"] * 45)
    samples = [
        filler + ".",
        filler,
        "We use cookies on this website. " + filler,
        "About | Contact | Privacy | " + filler,
        "Home · News · Sport · " + filler + ".",
        "ÄÖÜ " + filler + " •",
    ]
    for raw in samples:
        facts = LineFacts.of(raw)
        assert facts.words > line_rules.LONG_LINE_WORDS
        matched = any(
            facts.words <= rule.max_words and rule.check(facts) for rule in line_rules.LINE_RULES
        )
        if matched:
            assert line_rules.may_be_chrome_long(facts)
