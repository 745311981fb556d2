"""The corpus-scope rule: remove the lines a site's other pages repeat (see ``templates``)."""

from __future__ import annotations

from collections.abc import Sequence

from scrubber.rules.base import PageView, Profile, page_rule
from scrubber.rules.context import is_prose
from scrubber.rules.fingerprints import fingerprint_keys
from scrubber.rules.text import LineFacts


@page_rule("site-template", scope="corpus")
def site_template(view: PageView) -> Sequence[int]:
    """A line that other pages of the same site repeat: header, footer, sidebar, teasers.

    Found with the whole corpus (see ``TemplateIndex``): a line on at least two groups of
    the site's pages (weighted by position: around the page's own text fully, inside it
    half), short lines also on half of them (a third in the aggressive profile), short
    sentences ("Thank you.") on at least three. Text that two versions of one story share
    counts once and stays. A template heading right above a paragraph of prose is the
    page's own title (a menu or a teaser also lists it) and stays; a short line between
    two template lines is part of their block (a menu item only some pages have) and goes.
    Removed (seeds): the three teaser paragraphs opening both 000 and 004. Kept: "On
    October 30, 2019, Moscow hosted ..." shared by 000 and 003 (one story).
    """
    if not view.templates:
        return ()
    lines = view.lines
    last = len(lines) - 1
    prints = fingerprint_keys([facts.key for facts in lines])
    hits = [
        prints[i] in view.templates
        and not (i < last and _heads_prose(facts, lines[i + 1], view.profile))
        for i, facts in enumerate(lines)
    ]
    return [
        i
        for i, hit in enumerate(hits)
        if hit or (0 < i < last and hits[i - 1] and hits[i + 1] and _in_block(lines[i], view))
    ]


def _heads_prose(facts: LineFacts, following: LineFacts, profile: Profile) -> bool:
    """A heading right above a paragraph of prose: the page's title, also in a menu or teaser."""
    return not facts.sentence and is_prose(following, profile)


def _in_block(facts: LineFacts, view: PageView) -> bool:
    """A short line between two template lines belongs to their block (a menu's new item)."""
    return facts.words < view.profile.short_words and not facts.sentence
