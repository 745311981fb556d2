"""Site templates: lines that the pages of one site repeat, found across the whole corpus.

A site's pages share their header, footer, sidebars and "related articles" teasers; one
page alone cannot tell them from content, the site's other pages can. In a first pass every
page is stripped by the per-page rules and reduced to ``LineFingerprints``. The
``TemplateIndex`` then counts, per site, in how many *stories* each line occurs: a story is
a near-duplicate cluster (the caller's group, or a single page), so text that two versions
of one story share counts once and is never a template. Groups whose long lines mostly
coincide are merged into one story first (the same story scraped twice, not clustered).

Occurrences are weighted by position. A page's own text is the span from its first to its
last long *unique* line (a paragraph no other story of the site has); an occurrence above
or below that span (header, footer, teasers) counts fully, one inside it counts half (a
reference or heading two articles share is more likely content). Measuring position
against those paragraphs, not against line numbers, keeps the index stable when a cleaned
corpus is cleaned again: no rule removes such a paragraph, so the span can only widen and
no line's weight can grow.

A line is a template when its weighted count reaches two. Long lines (teasers of other
articles, bios, disclaimers) need no more; short ones must also recur on a share of the
site's stories, and short sentences ("Thank you.", "Dear Chairman!") on at least three.
The counting is vectorised with numpy: a site of 100,000 pages is a few sorts. Sites are
counted on all cores (``Settings.jobs``) when there are many of them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from scrubber.config import Settings
from scrubber.parallel import map_ordered, worker_state
from scrubber.rules.base import DEFAULT, PROFILES, Profile
from scrubber.rules.fingerprints import LineFingerprints
from scrubber.rules.site_lines import SiteLines, first_of_runs, stories

Page = tuple[str, LineFingerprints]  # (group, fingerprints)

_MIDDLE_WEIGHT = 0.5  # an occurrence inside the page's own text counts half
_OWN_TEXT_WORDS = 20  # unique lines this long mark the page's own text (no rule shortens it)


class TemplateIndex:
    """The template lines of each site, as sets of fingerprints."""

    def __init__(self, templates: dict[str, frozenset[int]]) -> None:
        self._templates = templates

    @classmethod
    def build(
        cls, pages: Iterable[tuple[str, str, LineFingerprints]], settings: Settings
    ) -> TemplateIndex:
        """Count each line once per (site, story) and keep the site's template lines.

        ``pages`` yields ``(site, group, fingerprints)``; ``group`` is the page's duplicate
        cluster id (its own doc id when it has no duplicates).
        """
        profile = PROFILES.get(settings.profile, DEFAULT)
        sites: dict[str, list[Page]] = defaultdict(list)
        for site, group, prints in pages:
            sites[site].append((group, prints))
        names = list(sites)
        state = {"sites": sites, "profile": profile}  # forked workers share it: nothing is sent
        found = map_ordered(_templates_of_site, names, state, settings.jobs, chunk_size=4)
        return cls(dict(zip(names, found, strict=True)))

    def for_site(self, site: str) -> frozenset[int]:
        """The fingerprints of ``site``'s template lines (empty for an unknown site)."""
        return self._templates.get(site, frozenset())

    def sites(self) -> list[str]:
        """The sites with at least one template line, sorted."""
        return sorted(site for site, lines in self._templates.items() if lines)

    def __len__(self) -> int:
        return sum(len(lines) for lines in self._templates.values())


def _templates_of_site(site: str) -> frozenset[int]:
    state = worker_state()
    return site_templates(state["sites"][site], state["profile"])


def site_templates(pages: Sequence[Page], profile: Profile) -> frozenset[int]:
    """The template lines of one site's pages."""
    if len({group for group, _prints in pages}) < 2:
        return frozenset()  # most sites of a corpus: one page, nothing to compare
    lines = SiteLines.of(pages)
    story, count = stories(lines)
    if count < 2 or not len(lines.hashes):
        return frozenset()
    shared = _shared(lines.hashes, story)
    weight = _weights(lines, shared)
    # By fingerprint, then story, then weight (largest first): a story's best occurrence.
    order = np.lexsort((-weight, story, lines.hashes))
    hashes, story, weight = lines.hashes[order], story[order], weight[order]
    keep = shared[order] & first_of_runs(hashes, story)  # one occurrence per story
    hashes, weight = hashes[keep], weight[keep]
    words, sentence = lines.words[order][keep], lines.sentences[order][keep]
    starts = np.flatnonzero(first_of_runs(hashes))
    if not len(starts):
        return frozenset()
    totals = np.add.reduceat(weight, starts)
    needed = _needed(words[starts], sentence[starts], count, profile)
    return frozenset(int(digest) for digest in hashes[starts][totals >= needed])


def _shared(hashes: np.ndarray, story: np.ndarray) -> np.ndarray:
    """Per line: does another story of the site have this line too?"""
    order = np.lexsort((story, hashes))
    sorted_hashes = hashes[order]
    new_story = first_of_runs(sorted_hashes, story[order])
    run = np.cumsum(first_of_runs(sorted_hashes)) - 1
    stories_per_run = np.bincount(run, weights=new_story)
    shared = np.empty(len(hashes), dtype=bool)
    shared[order] = stories_per_run[run] > 1
    return shared


def _weights(lines: SiteLines, shared: np.ndarray) -> np.ndarray:
    """1.0 for a line above or below its page's own text, 0.5 inside it."""
    own = (lines.words >= _OWN_TEXT_WORDS) & ~shared
    pages = len(lines.starts)
    first = np.full(pages, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(pages, -1, dtype=np.int64)
    np.minimum.at(first, lines.page[own], lines.position[own])
    np.maximum.at(last, lines.page[own], lines.position[own])
    inside = (lines.position > first[lines.page]) & (lines.position < last[lines.page])
    return np.where(inside, _MIDDLE_WEIGHT, 1.0)


def _needed(words: np.ndarray, sentence: np.ndarray, count: int, profile: Profile) -> np.ndarray:
    """Long lines need two stories; short ones a share; short sentences at least three."""
    share = max(2.0, math.ceil(profile.template_share * count))
    needed = np.full(len(words), share)
    needed[sentence & (words > 1)] = max(3.0, share)  # "Thank you.", "Dear Chairman!"
    needed[words >= profile.template_long_words] = 2.0
    return needed
