"""Synthetic corpora for the kill, property and scale tests: news-site pages with chrome.

Deterministic for a seed: pages of a few sites (one directory each), each with a menu, a
date line, paragraphs of prose and a footer; about one page in eight is an edited copy of an
earlier page on another site, so clusters form and merge.
"""

from __future__ import annotations

import random
from pathlib import Path

_COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "was",
    "with",
    "as",
    "by",
    "at",
    "from",
    "it",
    "be",
    "this",
    "are",
    "an",
    "has",
    "have",
    "said",
    "council",
    "minister",
    "city",
    "region",
    "report",
    "government",
    "school",
    "market",
    "river",
    "people",
    "year",
]


def _vocabulary(size: int) -> list[str]:
    """Pronounceable made-up words, as varied in their first letters as real ones."""
    rng = random.Random(0)
    words: set[str] = set()
    while len(words) < size:
        letters = [
            rng.choice("bcdfghjklmnprstvz" if i % 2 == 0 else "aeiou")
            for i in range(rng.randint(4, 10))
        ]
        words.add("".join(letters))
    return sorted(words)


WORDS = _vocabulary(4000)  # a real vocabulary: unrelated stories share few content words
SITES = ("daily", "herald", "tribune", "courier")
MENU = ("Home", "News", "Sport", "Culture", "Contacts")
FOOTER = ("© 2024 All rights reserved", "Share", "Print", "Back to the all news")


def _word(rng: random.Random) -> str:
    return rng.choice(_COMMON) if rng.random() < 0.4 else rng.choice(WORDS)


def sentence(rng: random.Random) -> str:
    text = " ".join(_word(rng) for _ in range(rng.randint(8, 20)))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))


def page(rng: random.Random, story: list[str]) -> str:
    day = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2024"
    lines = [*MENU, "", day, "", *"\n\n".join(story).split("\n"), "", *FOOTER]
    return "\n".join(lines) + "\n"


def edited(rng: random.Random, story: list[str]) -> list[str]:
    """Another outlet's copy: a few words changed, a paragraph dropped or added."""
    copy = []
    for text in story:
        words = text.split()
        for _ in range(max(1, len(words) // 20)):
            words[rng.randrange(len(words))] = _word(rng)
        copy.append(" ".join(words))
    if len(copy) > 2 and rng.random() < 0.5:
        copy.pop(rng.randrange(1, len(copy)))
    else:
        copy.append(paragraph(rng))
    return copy


def write_corpus(root: Path, docs: int, seed: int = 1) -> Path:
    """``docs`` pages under ``root`` (created), in one directory per site."""
    rng = random.Random(seed)
    stories: list[list[str]] = []
    for site in SITES:
        (root / site).mkdir(parents=True, exist_ok=True)
    for n in range(docs):
        if stories and rng.random() < 0.125:
            story = edited(rng, rng.choice(stories))
        else:
            story = [paragraph(rng) for _ in range(rng.randint(3, 6))]
            stories.append(story)
        site = SITES[n % len(SITES)]
        (root / site / f"page_{n:06d}.txt").write_text(page(rng, story), encoding="utf-8")
    return root
