"""Site templates: lines that the pages of one site repeat, found across the whole corpus.

A site's pages share their header, footer, sidebars and "related articles" teasers; one
page alone cannot tell them from content, the site's other pages can. In a first pass every
page is stripped by the per-page rules and reduced to ``LineFingerprints``. The
``TemplateIndex`` then counts, per site, in how many *groups* each line occurs: a group is
a near-duplicate cluster (or a single page), so text that two versions of one story share
counts once and is never a template. Groups whose prose mostly coincides are merged first
(the same story scraped twice but not clustered by the caller).

A line is a template when its weighted count reaches two, where an occurrence in the first
or last quarter of a page counts fully and one in its middle counts half (headers, footers
and teasers sit at the edges; a sentence repeated in the middle of two articles is more
likely content). Long lines (teasers of other articles, bios, disclaimers) need no more;
short ones must also recur on a share of the site's groups ("Thank you." on two pages of a
big site is not a template).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from scrubber.config import Settings
from scrubber.rules.base import DEFAULT, PROFILES, PageView, Profile, page_rule
from scrubber.rules.context import is_prose
from scrubber.rules.fingerprints import LineFingerprints, fingerprint, position_weight
from scrubber.rules.text import LineFacts

GroupLines = dict[int, tuple[float, int]]  # fingerprint -> (largest weight, word count)

_STORY_WORDS = 10  # lines this long tell one story from another
_STORY_SHARE = 0.8  # groups sharing this share of their story lines are one story
_STORY_MIN_SHARED = 3
_STORY_CAP = 16  # a long line on more groups than this is chrome, not a story's text


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
        sites: dict[str, dict[str, GroupLines]] = defaultdict(dict)
        for site, group, prints in pages:
            lines = sites[site].setdefault(group, {})
            for digest, position, words in zip(
                prints.hashes, prints.positions, prints.words, strict=True
            ):
                weight = position_weight(position)
                if lines.get(digest, (0.0, 0))[0] < weight:
                    lines[digest] = (weight, words)
        return cls({site: _site_templates(groups, profile) for site, groups in sites.items()})

    def for_site(self, site: str) -> frozenset[int]:
        """The fingerprints of ``site``'s template lines (empty for an unknown site)."""
        return self._templates.get(site, frozenset())

    def sites(self) -> list[str]:
        """The sites with at least one template line, sorted."""
        return sorted(site for site, lines in self._templates.items() if lines)

    def __len__(self) -> int:
        return sum(len(lines) for lines in self._templates.values())


def _site_templates(groups: dict[str, GroupLines], profile: Profile) -> frozenset[int]:
    stories = _merge_same_stories(groups)
    if len(stories) < 2:
        return frozenset()
    totals: dict[int, float] = defaultdict(float)
    longest: dict[int, int] = {}
    for lines in stories:
        for digest, (weight, words) in lines.items():
            totals[digest] += weight
            longest[digest] = max(longest.get(digest, 0), words)
    short_needed = max(2.0, math.ceil(profile.template_share * len(stories)))
    return frozenset(
        digest
        for digest, total in totals.items()
        if total >= 2.0 and (longest[digest] >= profile.template_long_words or total >= short_needed)
    )


def _merge_same_stories(groups: dict[str, GroupLines]) -> list[GroupLines]:
    """Merge groups that share most of their long lines: one story, not a template."""
    names = sorted(groups)
    story = [{d for d, (_w, words) in groups[n].items() if words >= _STORY_WORDS} for n in names]
    owners: dict[int, list[int]] = defaultdict(list)
    for index, digests in enumerate(story):
        for digest in digests:
            owners[digest].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for members in owners.values():
        if 2 <= len(members) <= _STORY_CAP:
            shared.update(itertools.combinations(members, 2))
    parent = list(range(len(names)))
    for (a, b), count in shared.items():
        smaller = min(len(story[a]), len(story[b]))
        if count >= _STORY_MIN_SHARED and count >= _STORY_SHARE * smaller:
            parent[_root(parent, a)] = _root(parent, b)
    merged: dict[int, GroupLines] = {}
    for index, name in enumerate(names):
        target = merged.setdefault(_root(parent, index), {})
        for digest, entry in groups[name].items():
            if target.get(digest, (0.0, 0))[0] < entry[0]:
                target[digest] = entry
    return list(merged.values())


def _root(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


@page_rule("site-template", scope="corpus")
def site_template(view: PageView) -> Sequence[int]:
    """A line that other pages of the same site repeat: header, footer, sidebar, teasers.

    Found with the whole corpus (see ``TemplateIndex``): a line on at least two groups of
    the site's pages (weighted by position: edges count fully, the middle half), short
    lines also on a share of them. Text that two versions of one story share counts once
    and stays. A template line right above a paragraph of prose is the page's own heading
    (a menu also lists it) and stays; a short line between two template lines is part of
    their block (a menu item only some pages have) and goes.
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
        if hit or (0 < i < last and hits[i - 1] and hits[i + 1] and _in_block(lines[i], view))
    ]


def _heads_prose(facts: LineFacts, following: LineFacts, profile: Profile) -> bool:
    """A short line right above a paragraph of prose: the page's heading, also in a menu."""
    return facts.words < profile.short_words and is_prose(following, profile)


def _in_block(facts: LineFacts, view: PageView) -> bool:
    """A short line between two template lines belongs to their block (a menu's new item)."""
    return facts.words < view.profile.short_words and not facts.sentence
