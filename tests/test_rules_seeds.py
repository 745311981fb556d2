"""The seeds, stripped as the pipeline strips them: per-page rules, then the site templates.

000 and 003 are two versions of one story (one group); the others are groups of their own.
"""

from __future__ import annotations

import re

import pytest

from scrubber.config import Settings
from scrubber.model import Stripped
from scrubber.rules import TemplateIndex, fingerprint_lines, strip_page
from tests.conftest import SEEDS

GROUPS = {"000": "000", "001": "001", "002": "002", "003": "000", "004": "004"}
TEASERS = (
    "In an exclusive commentary to Cronos.Asia",
    "On June 6, 2024,",
    "Sputnik Armenia reports",
)
CHROME = ("Go back", "Back to the section", "Back to the all news")
MEDIA_LINE = re.compile(r"^\S+\.(?:jpe?g|png|gif|webp)$", re.IGNORECASE | re.MULTILINE)
DATE_LINE = re.compile(r"^\s*\d{1,2}\.\d{1,2}\.\d{4}\s*$", re.MULTILINE)
KEPT = {
    "000": ["Marie Dubot", "On October 30, 2019, Moscow hosted"],
    "001": ["Interaction level", "UN High Level Conference on Terrorism"],
    "002": ["Dear Chairman!", "Thank you.", "Speech by the CSTO Deputy Secretary General"],
    "003": ["Marie Dubot", "On October 30, 2019, Moscow hosted"],
    "004": ["Vienna, June 23, 2020", "Thank you for attention."],
}


def strip_seeds(profile: str = "default") -> dict[str, Stripped]:
    config = Settings(profile=profile)
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir())}
    first = {key: strip_page(key, text, config) for key, text in texts.items()}
    index = TemplateIndex.build(
        [("seeds", GROUPS[key], fingerprint_lines(s.kept)) for key, s in first.items()], config
    )
    return {key: strip_page(key, text, config, index, "seeds") for key, text in texts.items()}


@pytest.fixture(scope="module")
def cleaned() -> dict[str, Stripped]:
    return strip_seeds()


def test_no_chrome_survives(cleaned: dict[str, Stripped]) -> None:
    for key, stripped in cleaned.items():
        lines = {line.text.strip() for line in stripped.kept}
        assert not lines & set(CHROME), key
        assert MEDIA_LINE.search(stripped.text) is None, key
        assert DATE_LINE.search(stripped.text) is None, key
        for teaser in TEASERS:
            assert teaser not in stripped.text, (key, teaser)


def test_article_text_stays(cleaned: dict[str, Stripped]) -> None:
    for key, snippets in KEPT.items():
        for snippet in snippets:
            assert snippet in cleaned[key].text, (key, snippet)


def test_shared_story_text_is_not_a_template(cleaned: dict[str, Stripped]) -> None:
    assert not any(r.rule == "site-template" for r in cleaned["003"].removals)
    templates = [r for r in cleaned["000"].removals if r.rule == "site-template"]
    assert len(templates) == len(TEASERS)
    for removal, teaser in zip(templates, TEASERS, strict=True):
        assert removal.text.startswith(teaser)


@pytest.mark.parametrize(
    ("key", "start"), [("000", "An international conference"), ("002", "Speech by")]
)
def test_repeated_headline_keeps_the_first_copy(
    cleaned: dict[str, Stripped], key: str, start: str
) -> None:
    copies = [line for line in cleaned[key].kept if line.text.startswith(start)]
    assert len(copies) == 1
    (removed,) = [r for r in cleaned[key].removals if r.rule == "repeated-headline"]
    assert removed.text.startswith(start)
    assert removed.line_no > copies[0].no


def test_each_chrome_kind_is_named(cleaned: dict[str, Stripped]) -> None:
    rules = {r.rule for s in cleaned.values() for r in s.removals}
    assert {
        "nav-phrase",
        "media-filename",
        "date-stamp",
        "repeated-headline",
        "site-template",
    } <= rules
    assert {"blank-line", "extra-blank-line"} <= rules


def test_paragraphs_stay_separated(cleaned: dict[str, Stripped]) -> None:
    for key, stripped in cleaned.items():
        text = stripped.text
        assert "\n\n\n" not in text, key
        assert not text.startswith("\n") and not text.endswith("\n"), key
        assert "\n\n" in text, key


def test_cleaning_the_output_again_changes_nothing(cleaned: dict[str, Stripped]) -> None:
    for key, stripped in cleaned.items():
        again = strip_page(key, stripped.text, Settings())
        assert again.removals == (), key


def test_aggressive_profile_keeps_the_required_text() -> None:
    aggressive = strip_seeds("aggressive")
    for key in ("000", "001", "002", "003", "004"):
        for snippet in KEPT[key]:
            assert snippet in aggressive[key].text, (key, snippet)
