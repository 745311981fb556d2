"""Text normalization for comparison: folding, punctuation, whitespace, words, paragraphs."""

from __future__ import annotations

from scrubber.normalize import (
    ascii_punctuation,
    collapse_whitespace,
    normalize_text,
    paragraphs,
    sentences,
    unicode_fold,
    words,
)


def test_unicode_fold_compatibility_forms_and_case() -> None:
    assert unicode_fold("ＡＢＣ ﬁne Straße") == "abc fine strasse"
    assert unicode_fold("a\u00a0b") == "a b"  # NBSP is a space
    assert unicode_fold("Plain ASCII") == "plain ascii"


def test_ascii_punctuation() -> None:
    assert ascii_punctuation("“Quoted” — it’s… «fine»") == '"Quoted" - it\'s... "fine"'


def test_collapse_whitespace_keeps_newlines() -> None:
    assert collapse_whitespace("a \t b  \r\n  c\rd ") == "a b\nc\nd"


def test_normalize_text_combines_all() -> None:
    assert normalize_text("  “Hello”\u00a0 WORLD\r\n") == '"hello" world\n'


def test_words_any_script() -> None:
    assert words("Hello, World! It's 2024.") == ["hello", "world", "it", "s", "2024"]
    assert words("Привет, МИР") == ["привет", "мир"]
    assert words("snake_case") == ["snake", "case"]


def test_words_cjk_characters_are_words() -> None:
    assert words("東京で2人 New York") == ["東", "京", "で", "2", "人", "new", "york"]


def test_paragraphs_split_on_blank_lines_with_spaces() -> None:
    text = "First line\nsecond line\n\n  \nNext\r\n\r\nLast\n"
    assert paragraphs(text) == ["First line\nsecond line", "Next", "Last"]
    assert paragraphs("\n\n  \n") == []


def test_sentences_ignore_hard_wrapping() -> None:
    assert sentences("One sentence\nwrapped. Two? Three!") == [
        "One sentence wrapped.",
        "Two?",
        "Three!",
    ]
