"""``scrubber._speedups`` (C) computes the line fingerprints as their definition states,
and an ASCII line's facts as ``LineFacts.computed`` (the Python reference) does.

A wheel built where a C compiler is found has the module; an editable install does not,
so the module is built here from its source when it is missing (a machine without a
compiler has no C module to test, and runs the Python paths, tested elsewhere).
"""

from __future__ import annotations

import importlib.util
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.config import Settings
from scrubber.dedup.sketch import DedupSettings, sketch
from scrubber.dedup.tokens import words_of, words_of_folded
from scrubber.rules import fingerprints as fingerprints_module
from scrubber.rules import line_rules, strip_and_fingerprint_pages
from scrubber.rules import strip as strip_module
from scrubber.rules import text as text_module
from scrubber.rules.fingerprints import fingerprint_lines, fingerprints_of
from scrubber.rules.text import LineFacts
from tests.fingerprint_definition import fingerprint_by_definition

SOURCE = Path(__file__).resolve().parents[1] / "src" / "scrubber" / "_speedups.c"
SEEDS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "seeds").glob("*.txt"))


def _compiled_install() -> bool:
    return not strip_module.__file__.endswith(".py")


@pytest.fixture(scope="module")
def speedups(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    try:
        from scrubber import _speedups
    except ImportError:
        assert not _compiled_install(), "a compiled install must have scrubber._speedups"
    else:
        return _speedups
    return _build(tmp_path_factory.mktemp("speedups"))


def _build(folder: Path) -> ModuleType:
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    dist = Distribution({"ext_modules": [Extension("_speedups", [str(SOURCE)])]})
    command = build_ext(dist)
    command.build_lib = command.build_temp = str(folder)
    command.ensure_finalized()
    try:
        command.run()
    except Exception as exc:  # no compiler: scrubber runs without its C module
        pytest.skip(f"no C compiler to build scrubber._speedups: {exc}")
    built = next(folder.glob("_speedups*.so"))
    spec = importlib.util.spec_from_file_location("_speedups", built)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def line_facts(speedups: ModuleType) -> Callable[[str, bool], LineFacts | None]:
    """``_speedups.line_facts`` told what ``rules.text`` tells it."""
    speedups.configure(
        text_module.DECORATION,
        text_module._CLOSERS,
        "".join(text_module._TERMINAL),
        unicodedata.is_normalized,
        text_module._fold_special(speedups.FOLD_LIMIT),
        text_module._UNSPACED_RANGES,
    )

    speedups.configure_chrome(*line_rules.CHROME_CHECKS)

    def facts(line: str, plain: bool) -> LineFacts | None:
        return speedups.line_facts(LineFacts, line, plain, text_module.LABEL_WORDS)  # type: ignore[no-any-return]

    return facts


def _unpacked(data: bytes) -> list[int]:
    return np.frombuffer(data, "<u8").tolist()  # type: ignore[no-any-return]


# ASCII and other digits (Arabic-Indic, Lao, NKo, mathematical), letters of the three
# string kinds (1, 2 and 4 bytes a character), lone surrogates and a line break.
CHARS = [*"ab 0123456789x.", "é", "٣", "໐", "\u07c9", "東", "𝟘", "😀", "\ud800", "\udfff", "\n"]


@settings(max_examples=500, deadline=None)
@given(keys=st.lists(st.text(st.sampled_from(CHARS), max_size=40), max_size=8))
def test_c_fingerprints_are_the_definition(speedups: ModuleType, keys: list[str]) -> None:
    assert _unpacked(speedups.fingerprint_keys(keys)) == [
        fingerprint_by_definition(key) for key in keys
    ]


def test_c_fingerprints_of_long_keys(speedups: ModuleType) -> None:
    # past the table of powers (1,024 bytes), in every string kind
    keys = ["a1" * 700, "é٣" * 400, "東" * 500 + "x", "😀9" * 300, "b" * 1023, "c" * 1024]
    assert _unpacked(speedups.fingerprint_keys(keys)) == [
        fingerprint_by_definition(key) for key in keys
    ]


def test_c_page_fingerprints_are_those_of_python(speedups: ModuleType) -> None:
    rng = random.Random(3)
    config = Settings()
    for path in SEEDS:
        page = strip_module._strip(path.read_text(encoding="utf-8"), config, None, "")
        facts = list(page.facts.values())
        for keep in (None, [rng.random() < 0.6 for _ in facts]):
            seen, hashes, words, sentences, total = speedups.fingerprint_facts(facts, keep)
            kept = facts if keep is None else [f for f, k in zip(facts, keep, strict=True) if k]
            expected = fingerprints_of(kept)
            assert (hashes, words, sentences) == (
                expected.hashes,
                expected.words,
                expected.sentences,
            )
            assert _unpacked(seen) == [fingerprint_by_definition(fact.key) for fact in facts]
            assert total == sum(fact.words for fact in kept)


def test_c_page_fingerprints_cap_words_and_refuse_other_input(speedups: ModuleType) -> None:
    facts = [LineFacts.of(" ".join(["word"] * 300) + "."), LineFacts.of("Go back")]
    _seen, _hashes, words, sentences, total = speedups.fingerprint_facts(facts, None)
    assert (words, sentences, total) == (bytes([255, 2]), bytes([1, 0]), 302)
    with pytest.raises(TypeError):
        speedups.fingerprint_facts(facts, [True])  # not one per line
    with pytest.raises(TypeError):
        speedups.fingerprint_facts([("text", 3, 1, True)], None)  # a key that is not a str


def test_strip_gives_the_same_pages_with_and_without_c(speedups: ModuleType) -> None:
    pages = [(path.name, path.read_text(encoding="utf-8")) for path in SEEDS]
    pages += [("empty", ""), ("chrome", "Go back\n\n\nDSC_8507.JPG\n")]
    config = Settings()
    with patch.object(fingerprints_module, "_fingerprint_facts", speedups.fingerprint_facts):
        with_c = strip_and_fingerprint_pages(pages, config)
    with patch.object(fingerprints_module, "_fingerprint_facts", None):
        without = strip_and_fingerprint_pages(pages, config)
    assert with_c == without
    for page in with_c:
        assert page.fingerprints == fingerprint_lines(page.stripped.kept)


# Spaces, the other ASCII whitespace, unprintable characters, letters of both cases, and
# the characters that decorate a label, close a sentence or end one.
ASCII = [*"aBz .\t\x0b\x0c\r\x1c\x1f\x00\x7f\"')]*!?:;|<>-_#()[]{}~=+/\\1"]
# And beyond ASCII: letters whose casefold is not their lowercase (ß, ẞ, İ, ς, ǅ), other
# scripts, CJK (which counts words by characters), quotes and stops of other scripts,
# what NFKC changes (no-break space, ligature, circled digit, bold letter), invisible
# and unprintable characters, an ideographic space, a lone surrogate and an emoji.
OTHER = [*"éÉßẞİıΣσςΩЖжÄǄǅ東京ไทย한글«»”“’…。！？؟\u00a0ﬁ①𝐀\u200b\u3000\ud800😀"]


@settings(max_examples=3000, deadline=None)
@given(line=st.text(st.sampled_from(ASCII), max_size=16), plain=st.booleans())
def test_c_ascii_line_facts_are_those_of_python(
    line_facts: Callable[[str, bool], LineFacts | None], line: str, plain: bool
) -> None:
    if plain and text_module.has_control_whitespace(line):
        plain = False  # (``plain`` promises that there is none)
    found = line_facts(line, plain)
    assert type(found) is LineFacts  # the C code does every ASCII line
    assert found == LineFacts.computed(line, plain)


@settings(max_examples=3000, deadline=None)
@given(line=st.text(st.sampled_from(ASCII[:4] + OTHER), max_size=16))
def test_c_line_facts_are_those_of_python(
    line_facts: Callable[[str, bool], LineFacts | None], line: str
) -> None:
    found = line_facts(line, False)
    if found is not None:
        assert type(found) is LineFacts
        assert found == LineFacts.computed(line, False)
    else:  # left to Python: only what NFKC changes, or what is not printable
        assert not unicodedata.is_normalized("NFKC", line) or not line.isprintable()


def test_c_casefolds_every_character_it_lowers(
    line_facts: Callable[[str, bool], LineFacts | None],
) -> None:
    chars = [chr(c) for c in range(0x80, 0x3000)]
    chars = [c for c in chars if c.isprintable() and unicodedata.is_normalized("NFKC", c)]
    for char in chars:  # (alone: next to another, NFKC may compose them)
        found = line_facts(char, True)
        assert found is not None
        assert found.key == char.casefold()


def test_c_line_facts_of_seed_lines(line_facts: Callable[[str, bool], LineFacts | None]) -> None:
    done = 0
    for path in SEEDS:
        for line in path.read_text(encoding="utf-8").split("\n"):
            found = line_facts(line, False)
            if found is not None:
                done += 1
                assert found == LineFacts.computed(line, False)
    assert done > 100  # (the seeds are English and Russian: the C code does nearly all)


def test_line_facts_use_c_when_the_wheel_has_it() -> None:
    assert (text_module._line_facts is not None) == _has_speedups()
    assert LineFacts.of("  Go  BACK ") == LineFacts.computed("  Go  BACK ")


def _has_speedups() -> bool:
    return importlib.util.find_spec("scrubber._speedups") is not None


@settings(max_examples=500, deadline=None)
@given(
    a=st.text(st.sampled_from(CHARS), max_size=80), b=st.text(st.sampled_from(CHARS), max_size=80)
)
def test_c_text_checksum_tells_texts_apart(speedups: ModuleType, a: str, b: str) -> None:
    rebuilt = "".join(list(a))  # another string object with the same text
    assert speedups.text_checksum(a) == speedups.text_checksum(rebuilt)
    if a != b:
        assert speedups.text_checksum(a) != speedups.text_checksum(b)


def test_c_text_checksum_of_long_texts(speedups: ModuleType) -> None:
    page = "A river rose over the town walls.\n" * 40
    changed = page[:700] + "b" + page[701:]
    assert speedups.text_checksum(page) != speedups.text_checksum(changed)
    assert speedups.text_checksum(page + "é") != speedups.text_checksum(page + "e")


def _page_lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def test_c_line_loop_is_the_python_loop(speedups: ModuleType, line_facts: object) -> None:
    """``_apply_line_rules`` in C (``judge_lines``) and in Python give the same verdicts,
    facts, keys and remembered lines, on fresh and on remembered lines, whatever is
    disabled."""
    pages = [path.read_text(encoding="utf-8") for path in SEEDS]
    pages.append(
        "Go back\n\u00a0\n \n\u200b\nDSC_8507.JPG\nA line.\n\nZurück\n" + "Prose " * 300 + "\n"
    )
    configs = [Settings(), Settings(disable=("blank-line",)), Settings(disable=("nav-phrase",))]
    for config in configs:
        results = []
        for loop in (speedups.judge_lines, None):
            strip_module._line_judge.cache_clear()
            with patch.object(strip_module, "_judge_lines", loop):
                for _ in range(2):  # the second time, from what the judge remembers
                    for text in pages:
                        lines = _page_lines(text)
                        verdicts: list[str | None] = [None] * len(lines)
                        keys: list[str | None] = [""] * len(lines)
                        found = strip_module._apply_line_rules(lines, config, verdicts, keys=keys)
                        results.append((verdicts, found, keys))
            results.append(dict(strip_module._line_judge(config.disable).known))
        half = len(results) // 2
        assert results[:half] == results[half:]


# Words on both sides of all a key may differ in from ``unicode_fold``: spaces, ASCII
# whitespace and controls, no-break, ideographic and Ogham spaces, invisible characters
# (zero-width space, soft hyphen, byte order mark), what NFKC changes, a letter that
# casefolds to two, a lone surrogate, and line breaks.
FOLD = [*"ab1 \t\x0b\x0c\r\x1c\x00ÉßİΣ東", *"\u00a0\u3000\u1680\u200b\u00ad\ufeffﬁ①\ud800😀\n"]


@settings(max_examples=1500, deadline=None)
@given(text=st.text(st.sampled_from(FOLD), max_size=60))
def test_folded_page_has_the_words_of_unicode_fold(
    speedups: ModuleType, line_facts: object, text: str
) -> None:
    """The page the strip folds from its lines' keys (C and Python loop, fresh and
    remembered lines) has the words, line by line, of ``unicode_fold`` of the page, and so
    the same sketch."""
    expected = words_of(text)
    lines = np.searchsorted(np.flatnonzero(expected.data == 0x0A), expected.starts)
    for loop in (speedups.judge_lines, None):
        with patch.object(strip_module, "_judge_lines", loop):
            for _ in range(2):  # the second time, the short lines are remembered
                folded = strip_and_fingerprint_pages([("page", text)], Settings())[0].folded
                found = words_of_folded(folded)
                assert found.hashes.tolist() == expected.hashes.tolist()
                assert found.stems.tolist() == expected.stems.tolist()
                found_lines = np.searchsorted(np.flatnonzero(found.data == 0x0A), found.starts)
                assert found_lines.tolist() == lines.tolist()
                with_folded = sketch(text, SKETCH, folded)
                assert with_folded.shingles.tolist() == sketch(text, SKETCH).shingles.tolist()


SKETCH = DedupSettings(threshold=0.8)


def test_c_keys_are_kept_only_where_they_have_the_words_of_unicode_fold(
    speedups: ModuleType, line_facts: object
) -> None:
    """``judge_lines`` hands back an ASCII line's key, and a key it made itself, also when
    the line is remembered; a key made by the Python code (an invisible character, what
    NFKC changes) is None."""
    lines = ["Go Back", "Zurück zur Übersicht", "zero\u200bwidth", "ﬁle", "", "Wörter"]
    keys: list[str | None] = [""] * len(lines)
    strip_module._line_judge.cache_clear()
    judge = strip_module._line_judge(())
    remembered = (strip_module._REMEMBERED_CHARS, strip_module._REMEMBERED_LINES)
    args = (judge.known, LineFacts, LineFacts.computed, judge.rule_of, None, 4)
    speedups.judge_lines(lines, True, [None] * len(lines), *args, *remembered, keys)
    assert keys == ["go back", "zurück zur übersicht", None, None, "", "wörter"]
    speedups.judge_lines(lines, True, [None] * len(lines), *args, *remembered, keys)
    assert keys == ["go back", "zurück zur übersicht", None, None, "", "wörter"]


# Pieces of lines that the pre-checks look for (phrase labels, prefixes, trigger words,
# digits of two scripts, a file name's dot and end, menu separators, a sentence end) and
# plain words, to join into lines of every length the checks tell apart (6, 10, 40, 80).
PIECES = [
    *"ab.)|·•!7٣",
    "Go back",
    "Home",
    "Share",
    "today",
    "heute,",
    "no comments",
    "Photo:",
    "©",
    "(c)",
    "Copyright",
    "cookies",
    "Куки",
    "newsletter",
    "all rights reserved",
    "DSC_8507.JPG",
    "report",
    "Überblick",
]


@settings(max_examples=3000, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=6),
    filler=st.sampled_from([0, 3, 5, 9, 38, 39, 45, 78, 79, 90]),
)
def test_c_may_be_chrome_is_that_of_python(
    speedups: ModuleType, line_facts: object, pieces: list[str], filler: int
) -> None:
    words = " ".join(["word"] * filler)
    for line in (" ".join(pieces), f"{' '.join(pieces)} {words}", f"{words} {' '.join(pieces)}"):
        facts = LineFacts.computed(line.strip())
        if facts.text:
            assert speedups.may_be_chrome(facts) == line_rules.may_be_chrome(facts), facts


def test_c_may_be_chrome_of_seed_lines(speedups: ModuleType, line_facts: object) -> None:
    lines = [line for path in SEEDS for line in path.read_text(encoding="utf-8").splitlines()]
    facts = [LineFacts.computed(line) for line in lines]
    found = [speedups.may_be_chrome(fact) for fact in facts if fact.text]
    assert found == [line_rules.may_be_chrome(fact) for fact in facts if fact.text]
    assert any(found) and not all(found)


def test_strip_uses_the_c_loop_when_the_wheel_has_it() -> None:
    assert (strip_module._judge_lines is not None) == _has_speedups()
