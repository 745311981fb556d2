"""Site templates: lines that the pages of one site repeat, found across the whole corpus.

A site's pages share their header, footer, sidebars and "related articles" teasers; one
page alone cannot tell them from content, the site's other pages can. In a first pass every
page is stripped by the per-page rules and reduced to ``LineFingerprints`` (a stable 64-bit
hash of each surviving line's normalized text, its relative position and its length). The
``TemplateIndex`` counts, per site, in how many *groups* each line occurs: a group is a
near-duplicate cluster (or a single page), so text that two versions of one story share
counts once and is never a template. A line is a template when it occurs in enough groups,
where an occurrence in the first or last quarter of a page counts fully and one in its
middle counts half (headers, footers and teasers sit at the edges; a phrase repeated in the
middle of two articles is more likely content). Long lines (teasers of other articles, bios, disclaimers) need two
groups; short ones must recur on a share of the site's groups.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scrubber.config import Settings
from scrubber.model import Line
from scrubber.rules.base import DEFAULT, PROFILES, PageView, Profile, page_rule
from scrubber.rules.context import is_prose
from scrubber.rules.text import DIGITS, LineFacts

_EDGE = 0.25  # the first and last quarter of a page's lines are its edges
_MIDDLE_WEIGHT = 0.5  # an occurrence in the middle of a page counts half


@lru_cache(maxsize=1 << 16)
def fingerprint(key: str) -> int:
    """Stable 64-bit hash of a case-folded line, digits folded to 0 (blake2b, not ``hash``)."""
    folded = DIGITS.sub("0", key)
    return int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class LineFingerprints:
    """One page's surviving non-empty lines, reduced to what template detection needs.

    ``hashes[i]`` is the fingerprint of the i-th line, ``positions[i]`` its relative
    position on the page (0 = first line, 255 = last), ``words[i]`` its word count (capped
    at 255). Small and picklable, so a first pass can run in worker processes.
    """

    hashes: tuple[int, ...]
    positions: bytes
    words: bytes


def fingerprint_lines(kept: Sequence[Line]) -> LineFingerprints:
    """Fingerprints of the kept non-empty lines of one page (after the per-page rules)."""
    facts = [fact for fact in (LineFacts.of(line.text) for line in kept) if fact.text]
    last = max(len(facts) - 1, 1)
    return LineFingerprints(
        hashes=tuple(fingerprint(fact.key) for fact in facts),
        positions=bytes(255 * i // last for i in range(len(facts))),
        words=bytes(min(fact.words, 255) for fact in facts),
    )


def _weight(position: int) -> float:
    """How much one occurrence counts: fully at the page's edges, half in its middle."""
    relative = position / 255
    return 1.0 if relative < _EDGE or relative > 1 - _EDGE else _MIDDLE_WEIGHT


class TemplateIndex:
    """The template lines of each site, as sets of fingerprints."""

    def __init__(self, templates: dict[str, frozenset[int]]) -> None:
        self._templates = templates

    @classmethod
    def build(
        cls, pages: Iterable[tuple[str, str, LineFingerprints]], settings: Settings
    ) -> TemplateIndex:
        """Count each line once per (site, group) and keep the site's template lines.

        ``pages`` yields ``(site, group, fingerprints)``; ``group`` is the page's duplicate
        cluster id (its own doc id when it has no duplicates).
        """
        profile = PROFILES.get(settings.profile, DEFAULT)
        seen: dict[str, dict[str, dict[int, tuple[float, int]]]] = defaultdict(dict)
        for site, group, prints in pages:
            lines = seen[site].setdefault(group, {})
            for digest, position, words in zip(
                prints.hashes, prints.positions, prints.words, strict=True
            ):
                weight = _weight(position)
                if lines.get(digest, (0.0, 0))[0] < weight:
                    lines[digest] = (weight, words)
        return cls({site: _site_templates(groups, profile) for site, groups in seen.items()})

    def for_site(self, site: str) -> frozenset[int]:
        """The fingerprints of ``site``'s template lines (empty for an unknown site)."""
        return self._templates.get(site, frozenset())

    def sites(self) -> list[str]:
        return sorted(self._templates)

    def __len__(self) -> int:
        return sum(len(lines) for lines in self._templates.values())


def _site_templates(groups: dict[str, dict[int, tuple[float, int]]], profile: Profile) -> frozenset[int]:
    if len(groups) < 2:
        return frozenset()
    totals: dict[int, float] = defaultdict(float)
    longest: dict[int, int] = {}
    for lines in groups.values():
        for digest, (weight, words) in lines.items():
            totals[digest] += weight
            longest[digest] = max(longest.get(digest, 0), words)
    short_needed = max(2.0, math.ceil(profile.template_share * len(groups)))
    return frozenset(
        digest
        for digest, total in totals.items()
        if total >= 2.0 and (longest[digest] >= profile.template_long_words or total >= short_needed)
    )


@page_rule("site-template", scope="corpus")
def site_template(view: PageView) -> Sequence[int]:
    """A line that other pages of the same site repeat: header, footer, sidebar, teasers.

    Found with the whole corpus (see ``TemplateIndex``): a line occurring in at least two
    groups of a site's pages (long lines), or on a share of them (short lines), with
    occurrences above or below the prose weighted fully and those inside it by half.
    Text that two versions of one story share counts once and stays.
    Removed (seeds): the three teaser paragraphs opening both 000 and 004. Kept: "On
    October 30, 2019, Moscow hosted ..." shared by 000 and 003 (one story).
    """
    if not view.templates:
        return ()
    lines = view.lines
    last = len(lines) - 1
    hits = [
        fingerprint(facts.key) in view.templates
        and not (i < last and _heads_prose(facts, lines[i + 1], view.profile))
        for i, facts in enumerate(lines)
    ]
    return [
        i
        for i, hit in enumerate(hits)
        if hit or (0 < i < last and hits[i - 1] and hits[i + 1] and _inside_block(lines[i], view.profile))
    ]


def _inside_block(facts: LineFacts, profile: Profile) -> bool:
    """A short line between two template lines belongs to their block (a menu's new item)."""
    return facts.words < profile.short_words and not facts.sentence


def _heads_prose(facts: LineFacts, following: LineFacts, profile: Profile) -> bool:
    """A short line right above a paragraph of prose: the page's heading, also in a menu."""
    return facts.words < profile.short_words and is_prose(following, profile)
