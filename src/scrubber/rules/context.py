"""Rules that judge a line by its neighbours, in the manner of jusText.

A short line means little on its own: "Politik" may head a paragraph or sit in a menu.
Its neighbours decide. These rules see the page's surviving non-empty lines in order (empty
separator lines are ignored) and return the positions they remove. They run again until
none of them removes anything, so cleaning the output a second time changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from scrubber.rules.base import PageView, Profile, page_rule
from scrubber.rules.dates import ends_near_digits, is_dateline, strip_trailing_date
from scrubber.rules.text import LineFacts


def is_prose(facts: LineFacts, profile: Profile, words: int = 0) -> bool:
    """A line that reads as running text: long enough and ending like a sentence, or long."""
    needed = words or profile.prose_words
    if facts.sentence:
        return facts.words >= needed
    return facts.words >= 2 * needed


def prose_positions(lines: Sequence[LineFacts], profile: Profile, words: int = 0) -> list[int]:
    """The positions of the lines that ``is_prose`` accepts (the same test, page at once)."""
    needed = words or profile.prose_words
    twice = 2 * needed
    return [
        p for p, facts in enumerate(lines) if facts.words >= (needed if facts.sentence else twice)
    ]


def menu_items(lines: Sequence[LineFacts], profile: Profile) -> list[bool]:
    """For each line: short enough to be a link label, and not a sentence of its own."""
    short = profile.short_words
    return [facts.words < short and not (facts.sentence and facts.words > 1) for facts in lines]


# Digits, colons and code punctuation: what ingredient lists, spec sheets and code carry and
# menus do not ("200 g Zucker", "Earcuff: Zoeca", "x = f(y)").
_DATA_MARK = re.compile(r"[\d:=(){}\[\]<>;_\\@#$%^*+]")


def _reads_as_data(run: Sequence[LineFacts]) -> bool:
    """True when at least half of a run of short lines carries data marks (a list, not a menu)."""
    marked = sum(1 for facts in run if _DATA_MARK.search(facts.text))
    return 2 * marked >= len(run)


def runs(flags: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each maximal stretch of True values."""
    for match in _TRUE_RUN.finditer(bytes(flags)):
        yield match.span()


_TRUE_RUN = re.compile(b"\x01+")  # ``bytes(flags)``: one byte per flag, 1 for True


# It stays idle: a line goes only when an earlier line equals it undated, and removing
# other lines leaves each line fewer earlier lines, never more.
@page_rule("repeated-headline", stays_idle=True)
def repeated_headline(view: PageView) -> Sequence[int]:
    """A second copy of an earlier line of the page, often with a date stamp appended.

    Listing pages print a headline as a teaser link and again as the article's title with
    its date glued on ("An international conference ..." then "An international
    conference ... 30.10.2019"). The first copy is kept; a later line is removed when,
    once its trailing date stamp is dropped, it equals an earlier line. Plain repeats
    without a date are kept: on real pages the second copy is as often the article's
    own title (after a teaser or breadcrumb copy) as it is chrome, and repeated lines of
    songs, recipes and code are content.
    Removed: the second "Speech by ... 14.09.2020". Kept: the first copy; a chorus line
    repeated word for word.
    """
    lines = view.lines
    dated = ends_near_digits([facts.text for facts in lines])
    # The lines above the current one (but those removed): ``heads`` holds the first four
    # characters of their keys, ``seen`` their keys, less those still in ``unseen`` (a long
    # key is slow to hash; most pages never need it).
    heads: set[str] = set()
    seen: set[str] = set()
    unseen: list[LineFacts] = []
    removed: list[int] = []
    done = 0  # the lines above this one are in ``heads``
    for position in dated:  # only a line with a date stamp can go, judged by those above
        above = lines[done:position]
        heads.update(facts.key[:4] for facts in above)
        unseen.extend(above)
        done = position + 1
        facts = lines[position]
        if _extends_one_of(facts.key, heads):
            seen.update(line.key for line in unseen)
            unseen.clear()
            undated = strip_trailing_date(facts.text)
            if len(undated) < len(facts.text) and undated.casefold() in seen:
                removed.append(position)
                continue
        heads.add(facts.key[:4])
        unseen.append(facts)
    return removed


def _extends_one_of(key: str, heads: set[str]) -> bool:
    """Quick pre-check: can ``key`` start with a key whose first four characters (or all,
    when shorter) are in ``heads``? The undated line's key starts the line's key (case
    folding maps each character on its own), so a line passes when an earlier one equals it
    undated."""
    return key[:4] in heads or key[:3] in heads or key[:2] in heads or key[:1] in heads


@page_rule("menu-run")
def menu_run(view: PageView) -> Sequence[int]:
    """A run of link-list or menu items: several very short lines in a row.

    Navigation bars, category lists, tag clouds and footer columns become runs of one- to
    four-word lines ("Politik", "Wirtschaft", "Sport", ...): four or more in a row (three
    in the aggressive profile, which also counts five-word lines). Inside such a run a
    short line is chrome; the same words as a heading right before a paragraph of prose
    are content, so the last line of a run that is followed by prose is kept (jusText's
    context rule). A run in which at least half the lines carry digits, colons or code
    punctuation is a data list (ingredients, a spec sheet, code) and stays.
    Removed: "Home / News / Sport / Kultur / Kontakt" as five lines. Kept: "Interaction
    level" between two paragraphs; a list of three items; "200 g Zucker", "6 Eier", ...
    """
    profile = view.profile
    lines = view.lines
    flags = menu_items(lines, profile)
    if sum(flags) < profile.run_length:
        return ()  # too few short lines on the page for a single run
    removed: list[int] = []
    for start, end in runs(flags):
        if end - start < profile.run_length:
            continue
        if _reads_as_data(lines[start:end]):
            continue
        heading_kept = end < len(lines) and is_prose(lines[end], profile)
        removed.extend(range(start, end - 1 if heading_kept else end))
    return removed


@page_rule("page-edge")
def page_edge(view: PageView) -> Sequence[int]:
    """Short lines above the first and below the last long paragraph of the page.

    A long paragraph has 20 words or more (the profile's anchor); no rule removes one, so
    the page's span of text never shrinks when it is cleaned again. Everything a site
    prints before its article starts (logo text, menus, search box, language switch) and
    after it ends (footer columns, widgets) is short. Lines there with few words are
    removed, except headings (right above a paragraph of prose), a dateline
    ("Vienna, June 23, 2020"), numbered list items, short sentences ("Thank you.") and, in
    the default profile, runs of three or more lines that read as a data list (most carry
    digits, colons or code punctuation: "400 g flour", "Volume: 2 l").
    Removed: "English", "Suche", "Login" above the article. Kept: the title line right
    above the first paragraph; "Thank you." after the last one.
    """
    lines = view.lines
    profile = view.profile
    prose = prose_positions(lines, profile, profile.anchor_words)
    if not prose:
        return ()
    first, last = prose[0], prose[-1]
    edges = [*range(first), *range(last + 1, len(lines))]
    flags = [False] * len(lines)
    for p in edges:
        flags[p] = _edge_chrome(lines[p], profile)
    if not any(flags):
        return ()
    if profile.edge_keeps_lists:
        for start, end in runs(flags):
            if end - start >= _LIST_LINES and _reads_as_data(lines[start:end]):
                flags[start:end] = [False] * (end - start)  # ingredients, specs: a list
    last = len(lines) - 1
    for p in edges:
        if flags[p] and p < last and not lines[p].sentence and is_prose(lines[p + 1], profile):
            flags[p] = False  # a heading: right above a paragraph of prose
    return [p for p in edges if flags[p]]


def _edge_chrome(facts: LineFacts, profile: Profile) -> bool:
    if facts.sentence:
        short = facts.words < profile.edge_words and facts.words <= 1
    else:
        short = facts.words < max(profile.edge_words, profile.edge_headline_words)
    return short and not _NUMBERED.match(facts.text) and not is_dateline(facts.text)


_LIST_LINES = 3
_NUMBERED = re.compile(r"\d{1,2}[.)]\s")  # "5. Kristi Dosh": an item of a numbered list
