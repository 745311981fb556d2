"""The shortcuts that make ``strip_page`` fast change no verdict.

``strip_page`` skips work that cannot change a result: the line rules are tried only on
lines that pass ``may_be_chrome`` (the union of their own pre-checks), short lines' verdicts
are remembered, a page rule is not re-run on a page it found nothing on, and the page rules
and date patterns are written for speed. Each shortcut is checked here against the plain
version it replaces: the rules run one by one on every line, every page rule every round,
and the page rules as first written. No timings: only results.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.config import Settings
from scrubber.dedup import kernels
from scrubber.model import Line, Removal, Stripped
from scrubber.rules import (
    context,
    dates,
    fingerprint_lines,
    line_rules,
    phrases,
    strip_and_fingerprint,
    strip_and_fingerprint_pages,
    strip_page,
)
from scrubber.rules import fingerprints as fingerprints_module
from scrubber.rules import strip as strip_module
from scrubber.rules import text as text_module
from scrubber.rules.base import PROFILES, PageRule, PageView, Profile, RuleInfo
from scrubber.rules.fingerprints import unpacked
from scrubber.rules.registry import (
    BLANK_LINE,
    CONTENT_LINE_RULES,
    EXTRA_BLANK_LINE,
    PAGE_RULES,
    USER_PATTERN,
    compile_patterns,
    user_pattern,
)
from scrubber.rules.text import LineFacts
from tests.fingerprint_definition import fingerprint_by_definition

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "fixtures" / "rules").glob("*.json"))
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def case_lines() -> list[str]:
    """Every line of the rule case files and the seeds."""
    found: list[str] = []
    for path in CASES:
        found.extend(_strings(json.loads(path.read_text(encoding="utf-8"))))
    for path in SEEDS:
        found.extend(path.read_text(encoding="utf-8").splitlines())
    return found


def variants(line: str) -> list[str]:
    """The line as scrapers also print it: decorated, in other cases, with digits, glued."""
    return [
        line,
        line.upper(),
        line.title(),
        f"« {line} »",
        f"→ {line}",
        f"{line} (12)",
        f"{line} 30.10.2019",
        f"{line}, 14:05",
        f"{line}.",
        f"{line} | {line} | {line}",
        f"\u00a0{line}\u200b",
        f"{line}  {line}",
        f"{line} cookie",
        f"© {line}",
    ]


LINES = sorted({v for line in case_lines() for v in variants(line)})
PHRASES = sorted(
    phrases.NAVIGATION
    | phrases.SHARING
    | phrases.ACCOUNT
    | phrases.CONSENT_BUTTONS
    | phrases.FOOTER
    | phrases.BREADCRUMB_HEADS
)
# a line as strip_page sees it: valid UTF-8 (no lone surrogates), no line breaks in it
_TEXT = st.characters(codec="utf-8", exclude_characters="\r\n")
_WORDS = st.sampled_from(
    [
        *PHRASES,
        *phrases.RIGHTS_RESERVED,
        *phrases.CREDIT_PREFIXES,
        "cookies",
        "e-mail",
        "newsletter",
        "2024",
        "14:05",
        "DSC_8507.JPG",
        "|",
        "·",
        "(7)",
        "heute",
    ]
)
line_text = st.one_of(
    st.sampled_from(LINES),
    st.text(_TEXT, max_size=40),
    st.lists(_WORDS, min_size=1, max_size=12).map(" ".join),
)


# --- the facts of a line ------------------------------------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def plain_clean_text(raw: str) -> str:
    return " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFKC", raw)).split())


def plain_count_words(text: str) -> int:
    words = len(text.split(" ")) if text else 0
    return max(words, len(_UNSPACED.findall(text)) // 2)


def plain_facts(raw: str) -> tuple[str, str, int, bool, str]:
    text = plain_clean_text(raw)
    key = text.casefold()
    words = plain_count_words(text)
    stripped = text.rstrip("\"'»«”“’)]*")
    sentence = bool(stripped) and stripped[-1] in ".!?…:;。！？؟"
    return text, key, words, sentence, text_module.bare(key) if words <= 8 else ""


_MESSY = st.sampled_from(
    ["\u00a0", "\u200b", "\u00ad", "\t", " ", "  ", "\u3000", "\u2009", "½", "ﬁ", "ß", "İ"]
)
messy_line = st.one_of(
    line_text,
    st.lists(
        st.one_of(_MESSY, st.sampled_from(LINES), st.text("中文かなกข한글ab ", max_size=20))
    ).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(raw=messy_line)
def test_line_facts_are_the_plain_definitions(raw: str) -> None:
    facts = LineFacts.of(raw)
    assert tuple(facts) == plain_facts(raw)
    if not text_module.has_control_whitespace(raw):
        assert LineFacts.of(raw, plain=True) == facts


# --- the line rules: the pre-check -------------------------------------------------


def _matches(facts: LineFacts) -> list[str]:
    return [
        rule.info.name
        for rule in line_rules.LINE_RULES
        if facts.words <= rule.max_words and rule.check(facts)
    ]


def test_may_be_chrome_lets_through_every_line_a_rule_matches() -> None:
    matched = 0
    for raw in LINES:
        facts = LineFacts.of(raw)
        if facts.text and _matches(facts):
            matched += 1
            assert line_rules.may_be_chrome(facts), raw
    assert matched > 200  # the case files are in there


@settings(max_examples=300, deadline=None)
@given(raw=line_text)
def test_may_be_chrome_lets_through_every_match_on_any_line(raw: str) -> None:
    facts = LineFacts.of(raw)
    if facts.text and _matches(facts):
        assert line_rules.may_be_chrome(facts)


# --- the date patterns ----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(words=st.sets(st.text("abcé -", min_size=1, max_size=6), min_size=1, max_size=30))
def test_one_of_matches_exactly_its_words(words: set[str]) -> None:
    pattern = re.compile(dates.one_of(words))
    assert all(pattern.fullmatch(word) for word in words)
    for word in words:
        for other in (word[:-1], word + "x", word + "a", "x" + word):
            assert (pattern.fullmatch(other) is not None) == (other in words)


def _plain_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The date patterns with the word lists as flat alternations (as first written)."""

    def alternation(words: str, sep: str | None = None) -> str:
        return "|".join(map(re.escape, words.split(sep)))

    month = rf"(?:{alternation(dates._MONTHS)})\.?"
    weekday = rf"(?:(?:{alternation(dates._WEEKDAYS)})\.?,?\s+)"
    label = rf"(?:(?:{alternation(dates._LABELS, '|')})\s*:?\s+)"
    textual = (
        rf"\d{{1,2}}\.?(?:\s+de)?\s+{month}(?:\s+(?:de\s+)?\d{{4}}(?:\s*(?:г\.?|года|r\.?))?)?"
        rf"|{month}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
        rf"|{month}\s+\d{{4}}"
    )
    stamp = rf"(?:{dates._NUMERIC}|{textual}|{dates._TIME})"
    relative = dates._RELATIVE
    sequence = rf"{weekday}?{stamp}(?:{dates._JOIN}{weekday}?{stamp}){{0,3}}"
    return (
        re.compile(rf"[\[(]?{label}?(?:{sequence}|{relative})[\])]?\.?", re.IGNORECASE),
        re.compile(
            rf"(?:\s*[,|–—-]\s*|\s+)\(?{weekday}?{stamp}(?:{dates._JOIN}{dates._TIME})?\)?\.?$",
            re.IGNORECASE,
        ),
        re.compile(rf"\(?[^\W\d_][\w.' -]{{1,40}},\s+{stamp}\)?", re.IGNORECASE),
    )


PLAIN_DATE_LINE, PLAIN_TRAILING_DATE, PLAIN_DATELINE = _plain_patterns()
_STAMP_WORDS = st.sampled_from(
    [
        *dates._MONTHS.split(),
        *dates._WEEKDAYS.split(),
        *dates._LABELS.split("|"),
        "Mai",
        "JUNE",
        "de",
        "at",
        "um",
        "г.",
        "Uhr",
        "pm",
        "vor",
        "ago",
        "heute",
    ]
)
_STAMP_PARTS = st.one_of(
    _STAMP_WORDS,
    st.sampled_from(["26.07.2024", "2024-07-26", "14:05", "31.", "23,", "1st", "(", ")", ",", "|"]),
    st.integers(0, 3000).map(str),
)
stamp_text = st.one_of(
    st.lists(_STAMP_PARTS, min_size=1, max_size=8).map(" ".join),
    st.tuples(st.sampled_from(LINES), st.lists(_STAMP_PARTS, max_size=6).map(" ".join)).map(
        " ".join
    ),
)


def _same_search(a: re.Pattern[str], b: re.Pattern[str], text: str) -> None:
    first, second = a.search(text), b.search(text)
    assert (first and first.start()) == (second and second.start()), text


@settings(max_examples=400, deadline=None)
@given(text=stamp_text)
def test_date_patterns_match_as_the_plain_alternations(text: str) -> None:
    assert (dates.DATE_LINE.fullmatch(text) is None) == (PLAIN_DATE_LINE.fullmatch(text) is None)
    assert (dates.DATELINE.fullmatch(text) is None) == (PLAIN_DATELINE.fullmatch(text) is None)
    _same_search(dates.TRAILING_DATE, PLAIN_TRAILING_DATE, text[-64:])


def test_ends_near_digits_is_may_end_with_date() -> None:
    texts = [LineFacts.of(raw).text for raw in LINES]
    assert dates.ends_near_digits(texts) == [
        p for p, text in enumerate(texts) if dates.may_end_with_date(text)
    ]


# --- the page rules, as first written ----------------------------------------------


def plain_runs(flags: Sequence[bool]) -> Iterator[tuple[int, int]]:
    start = -1
    for position, flag in enumerate(flags):
        if flag and start < 0:
            start = position
        elif not flag and start >= 0:
            yield start, position
            start = -1
    if start >= 0:
        yield start, len(flags)


def plain_repeated_headline(view: PageView) -> list[int]:
    seen: set[str] = set()
    removed: list[int] = []
    for position, facts in enumerate(view.lines):
        undated = dates.strip_trailing_date(facts.text)
        if len(undated) < len(facts.text) and undated.casefold() in seen:
            removed.append(position)
            continue
        seen.add(facts.key)
    return removed


def plain_menu_run(view: PageView) -> list[int]:
    profile, lines = view.profile, view.lines
    flags = [
        facts.words < profile.short_words and not (facts.sentence and facts.words > 1)
        for facts in lines
    ]
    removed: list[int] = []
    for start, end in plain_runs(flags):
        if end - start < profile.run_length:
            continue
        if context._reads_as_data(lines[start:end]):
            continue
        heading_kept = end < len(lines) and context.is_prose(lines[end], profile)
        removed.extend(range(start, end - 1 if heading_kept else end))
    return removed


def plain_page_edge(view: PageView) -> list[int]:
    lines, profile = view.lines, view.profile
    prose = [
        p for p, facts in enumerate(lines) if context.is_prose(facts, profile, profile.anchor_words)
    ]
    if not prose:
        return []
    first, last = prose[0], prose[-1]
    flags = [p < first or p > last for p in range(len(lines))]
    flags = [
        flag and context._edge_chrome(facts, profile)
        for flag, facts in zip(flags, lines, strict=True)
    ]
    if profile.edge_keeps_lists:
        for start, end in plain_runs(flags):
            if end - start >= 3 and context._reads_as_data(lines[start:end]):
                flags[start:end] = [False] * (end - start)
    for p in range(len(lines) - 1):
        if flags[p] and not lines[p].sentence and context.is_prose(lines[p + 1], profile):
            flags[p] = False
    return [p for p, flag in enumerate(flags) if flag]


PLAIN = {
    "repeated-headline": plain_repeated_headline,
    "menu-run": plain_menu_run,
    "page-edge": plain_page_edge,
}
PROSE = [line for line in LINES if LineFacts.of(line).words >= 20]
page_line = st.one_of(
    st.sampled_from(LINES), st.sampled_from(PROSE), st.text(_TEXT, max_size=30), line_text
)


def _page(lines: list[str]) -> list[str]:
    """Repeat some lines with a date stamp glued on: repeated-headline's input."""
    stamped = [f"{line} {stamp}" for line in lines[::3] for stamp in ("30.10.2019", "14:05")]
    return [*lines, *stamped, *lines[1::4]]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(page_line, max_size=30), aggressive=st.booleans())
def test_page_rules_decide_as_first_written(lines: list[str], aggressive: bool) -> None:
    profile = PROFILES["aggressive" if aggressive else "default"]
    facts = [LineFacts.of(line) for line in _page(lines)]
    view = PageView([fact for fact in facts if fact.text], profile, frozenset())
    for rule in PAGE_RULES:
        if rule.info.name in PLAIN:
            assert sorted(rule.check(view)) == PLAIN[rule.info.name](view), rule.info.name


@settings(max_examples=200, deadline=None)
@given(flags=st.lists(st.booleans(), max_size=40))
def test_runs_are_the_stretches_of_true(flags: list[bool]) -> None:
    assert list(context.runs(flags)) == list(plain_runs(flags))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(page_line, max_size=30), keep=st.lists(st.booleans(), max_size=60))
def test_repeated_headline_stays_idle(lines: list[str], keep: list[bool]) -> None:
    """Where it removes nothing, it removes nothing from any part of the page either."""
    facts = [fact for fact in map(LineFacts.of, _page(lines)) if fact.text]
    view = PageView(facts, PROFILES["default"], frozenset())
    if context.repeated_headline.check(view):
        return
    part = [fact for fact, kept in zip(facts, keep + [True] * len(facts), strict=False) if kept]
    assert not context.repeated_headline.check(PageView(part, view.profile, frozenset()))


# --- strip_page as a whole, against the plain algorithm ----------------------------


def plain_strip(doc_id: str, text: str, config: Settings) -> Stripped:
    """Every enabled rule on every line, every page rule in every round: no shortcuts."""
    raw = text.split("\n") if text else []
    if text.endswith("\n"):
        raw.pop()
    profile: Profile = PROFILES[config.profile]
    disabled = config.disable
    verdicts: list[str | None] = [None] * len(raw)
    facts: dict[int, LineFacts] = {}
    rules = [rule for rule in CONTENT_LINE_RULES if rule.info.name not in disabled]
    patterns = compile_patterns(config.extra_patterns) if USER_PATTERN.name not in disabled else ()
    for i, line in enumerate(raw):
        if not line:
            continue
        fact = LineFacts.of(line)
        if not fact.text:
            if BLANK_LINE.info.name not in disabled:
                verdicts[i] = BLANK_LINE.info.name
            continue
        if patterns and user_pattern(line.strip(), patterns):
            verdicts[i] = USER_PATTERN.name
            continue
        matched = [
            rule.info.name for rule in rules if fact.words <= rule.max_words and rule.check(fact)
        ]
        if matched:
            verdicts[i] = matched[0]
            continue
        facts[i] = fact
    alive = sorted(facts)
    page_rules = [rule for rule in PAGE_RULES if rule.info.name not in disabled]
    for _round in range(50):
        changed = False
        for rule in page_rules:
            view = PageView([facts[i] for i in alive], profile, frozenset())
            hits = set(PLAIN.get(rule.info.name, rule.check)(view))
            if hits:
                for position in hits:
                    verdicts[alive[position]] = rule.info.name
                alive = [line for position, line in enumerate(alive) if position not in hits]
                changed = True
        if not changed:
            break
    if EXTRA_BLANK_LINE.name not in disabled:
        last = max((i for i in facts if verdicts[i] is None), default=-1)
        separated = True
        for i, line in enumerate(raw):
            if i in facts and verdicts[i] is None:
                separated = False
            elif not line:
                if separated or i > last:
                    verdicts[i] = EXTRA_BLANK_LINE.name
                else:
                    separated = True
    kept = tuple(Line(i + 1, line) for i, line in enumerate(raw) if verdicts[i] is None)
    removals = tuple(
        Removal(rule, i + 1, raw[i]) for i, rule in enumerate(verdicts) if rule is not None
    )
    return Stripped(doc_id, kept, removals)


CONFIGS = [
    Settings(),
    Settings(profile="aggressive"),
    Settings(disable=("menu-run", "nav-phrase", "counter"), extra_patterns=("Sponsored by .*",)),
    Settings(profile="aggressive", disable=("page-edge", "repeated-headline", "blank-line")),
]


def test_strip_page_matches_the_plain_algorithm_on_the_fixtures() -> None:
    rng = random.Random(5)
    pages = [path.read_text(encoding="utf-8") for path in SEEDS]
    pages += ["\n".join(rng.sample(LINES, 25)) for _ in range(40)]
    pages += ["\n\n".join(_page(rng.sample(LINES, 12))) + "\n" for _ in range(40)]
    for config in CONFIGS:
        for n, text in enumerate(pages):
            assert strip_page(str(n), text, config) == plain_strip(str(n), text, config)
            # again: now the short lines' verdicts are remembered
            assert strip_page(str(n), text, config) == plain_strip(str(n), text, config)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.one_of(page_line, st.just("")), max_size=30),
    config=st.sampled_from(CONFIGS),
)
def test_strip_page_matches_the_plain_algorithm(lines: list[str], config: Settings) -> None:
    text = "\n".join(_page(lines))
    assert strip_page("doc", text, config) == plain_strip("doc", text, config)


# --- the order the page rules run in ------------------------------------------------


def _fake_rule(name: str, check: Callable[[PageView], Sequence[int]]) -> PageRule:
    return PageRule(RuleInfo(name, "A test rule.", "", "page"), check)


def _plain_schedule(rules: list[PageRule], lines: int) -> list[str | None]:
    facts = {i: LineFacts.of(f"line {i}") for i in range(lines)}
    verdicts: list[str | None] = [None] * lines
    alive = sorted(facts)
    for _round in range(50):
        changed = False
        for rule in rules:
            hits = set(
                rule.check(PageView([facts[i] for i in alive], PROFILES["default"], frozenset()))
            )
            if hits:
                for position in hits:
                    verdicts[alive[position]] = rule.info.name
                alive = [line for position, line in enumerate(alive) if position not in hits]
                changed = True
        if not changed:
            break
    return verdicts


@settings(max_examples=100, deadline=None)
@given(lines=st.integers(0, 12), small=st.integers(0, 6), step=st.integers(1, 3))
def test_a_quiet_page_rule_runs_again_once_the_page_changed(
    lines: int, small: int, step: int
) -> None:
    """Rule "small" removes a line only from a page of at most ``small`` lines, and "trim"
    removes ``step`` lines at a time down to ``small``: "small" is quiet, then fires."""

    def only_when_small(view: PageView) -> list[int]:
        return [0] if 0 < len(view.lines) <= small else []

    def trim(view: PageView) -> list[int]:
        extra = len(view.lines) - small
        return list(range(min(step, extra))) if extra > 0 else []

    rules = [_fake_rule("small", only_when_small), _fake_rule("trim", trim)]
    facts = {i: LineFacts.of(f"line {i}") for i in range(lines)}
    verdicts: list[str | None] = [None] * lines
    with patch.object(strip_module, "PAGE_RULES", tuple(rules)):
        strip_module._apply_page_rules(verdicts, facts, PROFILES["default"], frozenset(), ())
    assert verdicts == _plain_schedule(rules, lines)


# --- fingerprints from the facts the rules computed ---------------------------------


def test_strip_and_fingerprint_is_strip_page_and_fingerprint_lines() -> None:
    rng = random.Random(7)
    pages = [path.read_text(encoding="utf-8") for path in SEEDS]
    pages += ["\n\n".join(_page(rng.sample(LINES, 12))) + "\n" for _ in range(40)]
    pages += ["", "\n", "Go back\n"]  # no lines; an empty line; only chrome
    for config in CONFIGS:
        together = strip_and_fingerprint_pages([(str(n), t) for n, t in enumerate(pages)], config)
        assert len(together) == len(pages)
        for n, text in enumerate(pages):
            page = strip_and_fingerprint(str(n), text, config)
            assert together[n] == page  # many pages at once: each as if alone
            stripped = strip_page(str(n), text, config)
            assert page.stripped == stripped
            assert (page.text, page.removals) == (stripped.text, stripped.removals)
            numbered = [*stripped.kept, *((r.line_no, r.text) for r in stripped.removals)]
            assert page.lines == [text for _no, text in sorted(numbered)]
            assert page.fingerprints == fingerprint_lines(page.stripped.kept)
            by_page_rules = [
                Line(r.line_no, r.text)
                for r in page.stripped.removals
                if r.rule in {rule.info.name for rule in PAGE_RULES}
            ]
            seen = page.fingerprints.hashes + fingerprint_lines(by_page_rules).hashes
            assert sorted(unpacked(page.seen).tolist()) == sorted(unpacked(seen).tolist())
            assert len(page.seen) == 8 * (len(page.fingerprints.words) + len(by_page_rules))


KEYS = st.lists(
    st.text(st.sampled_from([*"ab 0123456789x٣໐é東𝟘\u0660\u0669\u07c9"]), max_size=30), max_size=8
)
# Keys are lines, but the hash is defined for any text: one with a line break is hashed
# one key at a time, not as two keys of a page's text.
KEYS_WITH_BREAKS = st.lists(st.text(st.sampled_from([*"ab 09\n٣é"]), max_size=12), max_size=6)


@settings(max_examples=400, deadline=None)
@given(keys=KEYS)
def test_fingerprints_are_their_definition_compiled_or_not(keys: list[str]) -> None:
    expected = [fingerprint_by_definition(key) for key in keys]
    assert fingerprints_module.fingerprint_keys(keys) == expected
    encoded = [fingerprints_module._folded(key) for key in keys]
    data = np.frombuffer(b"".join(encoded), np.uint8)
    lengths = np.array([len(part) for part in encoded], np.int64)
    assert fingerprints_module._hashes(data, lengths).tolist() == expected  # NumPy


@settings(max_examples=200, deadline=None)
@given(keys=KEYS_WITH_BREAKS)
def test_fingerprints_of_keys_with_line_breaks_are_their_definition(keys: list[str]) -> None:
    assert fingerprints_module.fingerprint_keys(keys) == [
        fingerprint_by_definition(key) for key in keys
    ]


def test_fingerprints_are_compiled() -> None:
    assert kernels.kernel("fingerprints") is not None  # numba is a dependency


def test_fingerprints_without_numba_are_the_same() -> None:
    keys = ["go back", "© 2023 example", "12 comments", "٣٤ تعليق", "東京 2020", ""]
    compiled = fingerprints_module.fingerprint_keys(keys)
    with patch.dict("os.environ", {"SCRUBBER_NO_NUMBA": "1"}), patch.object(kernels, "_BUILT", {}):
        assert kernels.kernel("fingerprints") is None
        assert fingerprints_module.fingerprint_keys(keys) == compiled
    assert compiled == [fingerprint_by_definition(key) for key in keys]
