"""``strip_page``: run the rules over one page and account for every line.

The order is fixed: line rules first (each line on its own), then the page rules (and the
site-template rule when an index is given) over the surviving non-empty lines, repeated
until none removes anything more, then the empty-line bookkeeping. Every page rule looks
only at the surviving lines, so stripping the output again removes nothing
(``strip_page`` is idempotent).

It runs once or twice for every document of a corpus, so it avoids work that cannot change
a verdict: a line that fails ``may_be_chrome`` (the union of the line rules' own pre-checks)
is not offered to the line rules, the verdicts on short lines (which sites repeat on every
page) are remembered, and a page rule is not run again while the page is the same as when
it last removed nothing. The results are exactly those of running every rule on every line
in every round (``tests/test_rules_speed_equivalence.py`` holds the two side by side).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, count, repeat
from typing import cast

from scrubber.config import Settings
from scrubber.errors import ConfigError
from scrubber.model import Line, Removal, Stripped
from scrubber.normalize import unicode_fold
from scrubber.rules.base import PROFILES, LineRule, PageView, Profile
from scrubber.rules.fingerprints import LineFingerprints, PageFingerprints, fingerprint_pages
from scrubber.rules.line_rules import may_be_chrome
from scrubber.rules.registry import (
    BLANK_LINE,
    CONTENT_LINE_RULES,
    EXTRA_BLANK_LINE,
    PAGE_RULES,
    USER_PATTERN,
    compile_patterns,
    user_pattern,
)
from scrubber.rules.templates import TemplateIndex
from scrubber.rules.text import LABEL_WORDS, LineFacts, has_control_whitespace

_MAX_ROUNDS = 50  # page rules converge in two or three rounds; this only guards a bug


def strip_page(
    doc_id: str,
    text: str,
    settings: Settings,
    templates: TemplateIndex | None = None,
    site: str = "",
) -> Stripped:
    """Apply the per-page rules (and the site's templates, when given) to one page.

    ``text`` uses ``\\n`` line endings (a final ``\\n`` ends the last line, it does not
    start an empty one; ``""`` has no lines). Line numbers are 1-based. Every input line ends up in
    ``Stripped.kept`` or in ``Stripped.removals`` under the rule that removed it.
    """
    page = _strip(text, settings, templates, site)
    return stripped_of(doc_id, page.lines, page.verdicts)


@dataclass(frozen=True)
class FingerprintedPage:
    """A page stripped without templates, with what template detection needs of it.

    A first pass needs only the kept text and the removals of most pages: ``stripped``
    (a ``Line`` for every kept line) is made when it is asked for."""

    doc_id: str
    lines: list[str]  # the page's lines, as ``strip_page`` splits them
    verdicts: list[str | None]  # per line: the rule that removed it, or None
    text: str  # ``stripped.text``
    removals: tuple[Removal, ...]  # ``stripped.removals``
    fingerprints: LineFingerprints  # of its kept non-empty lines (``fingerprint_lines``)
    seen: bytes  # (``packed``) fingerprints of every line the page rules saw, kept or removed
    words: int  # words of the kept lines (``LineFacts.words``)
    folded: str  # the page as read, with the words of ``unicode_fold(page)`` (see ``_folded``)

    @property
    def stripped(self) -> Stripped:
        """``strip_page``'s result for the page."""
        return stripped_of(self.doc_id, self.lines, self.verdicts)


def strip_and_fingerprint(doc_id: str, text: str, settings: Settings) -> FingerprintedPage:
    """``strip_page`` without templates, and the page's line fingerprints, from the facts
    the rules computed anyway (equal to ``fingerprint_lines(stripped.kept)``)."""
    return strip_and_fingerprint_pages([(doc_id, text)], settings)[0]


def strip_and_fingerprint_pages(
    pages: Sequence[tuple[str, str]], settings: Settings
) -> list[FingerprintedPage]:
    """``strip_and_fingerprint`` of each ``(doc_id, text)``, the pages' lines fingerprinted
    together (see ``fingerprint_pages``)."""
    stripped = [_strip(text, settings, None, "", fold=True) for _doc_id, text in pages]
    facts = [(list(page.facts.values()), _stays(page)) for page in stripped]
    return list(map(_fingerprinted, pages, stripped, fingerprint_pages(facts)))


def _stays(page: _Page) -> list[bool] | None:
    """Which lines the page rules saw stay (None: all of them, as on most pages)."""
    if not any(page.verdicts):
        return None
    verdicts = page.verdicts
    return [verdicts[i] is None for i in page.facts]


def _fingerprinted(
    item: tuple[str, str], page: _Page, fingerprints: PageFingerprints
) -> FingerprintedPage:
    doc_id, lines, verdicts = item[0], page.lines, page.verdicts
    seen, prints, words = fingerprints
    assert page.keys is not None  # (``_strip`` with ``fold``)
    folded = _folded(lines, page.keys)
    if not any(verdicts):  # most pages: every line stays
        text = "\n".join(lines)
        return FingerprintedPage(doc_id, lines, verdicts, text, (), prints, seen, words, folded)
    text = "\n".join(compress(lines, [rule is None for rule in verdicts]))
    removals = _removals(lines, verdicts)
    return FingerprintedPage(doc_id, lines, verdicts, text, removals, prints, seen, words, folded)


def _folded(lines: list[str], keys: list[str | None]) -> str:
    """The page with the words of ``unicode_fold`` of it, from the keys the line rules
    folded anyway (``keys``: per line, its key, or None where only ``unicode_fold`` has
    its words). A key differs from the line's ``unicode_fold`` only in its whitespace
    (collapsed to single spaces, which separate words as well); a page is folded line by
    line, since NFKC never joins characters across a line break. The sketch of a page is
    taken from this (``dedup.sketch``'s ``folded``), not from folding the page again."""
    if None in keys:
        pairs = zip(lines, keys, strict=True)
        keys = [unicode_fold(line) if key is None else key for line, key in pairs]
    return "\n".join(cast("list[str]", keys))


@dataclass(frozen=True)
class _Page:
    lines: list[str]
    verdicts: list[str | None]  # per line: the rule that removed it, or None
    facts: dict[int, LineFacts]  # the lines the page rules saw, by index
    keys: list[str | None] | None  # with ``fold``: per line, its key or None (``_folded``)


def _strip(
    text: str, settings: Settings, templates: TemplateIndex | None, site: str, fold: bool = False
) -> _Page:
    """The page's lines, verdicts and facts; ``fold``: also the keys ``_folded`` takes (a
    first pass sketches the page from them)."""
    raw = text.split("\n") if text else []
    if text.endswith("\n"):
        raw.pop()
    profile = _profile(settings)
    verdicts: list[str | None] = [None] * len(raw)  # rule name, or None while kept
    keys: list[str | None] | None = [""] * len(raw) if fold else None
    facts = _apply_line_rules(raw, settings, verdicts, not has_control_whitespace(text), keys)
    site_templates = templates.for_site(site) if templates is not None else frozenset()
    _apply_page_rules(verdicts, facts, profile, site_templates, settings.disable)
    if EXTRA_BLANK_LINE.name not in settings.disable:
        _drop_extra_blank_lines(raw, verdicts, facts)
    return _Page(raw, verdicts, facts, keys)


def stripped_of(doc_id: str, raw: list[str], verdicts: list[str | None]) -> Stripped:
    """The ``Stripped`` of a page's lines ``raw`` and their verdicts (per line: the rule
    that removed it, or None)."""
    if not any(verdicts):  # most pages of a clean corpus lose nothing
        return Stripped(doc_id=doc_id, kept=lines_of(zip(count(1), raw)), removals=())
    kept = [rule is None for rule in verdicts]
    return Stripped(
        doc_id=doc_id,
        kept=lines_of(zip(compress(count(1), kept), compress(raw, kept), strict=True)),
        removals=_removals(raw, verdicts),
    )


def _removals(raw: list[str], verdicts: list[str | None]) -> tuple[Removal, ...]:
    gone = [rule is not None for rule in verdicts]
    rules = [rule for rule in verdicts if rule is not None]
    return tuple(map(Removal, rules, compress(count(1), gone), compress(raw, gone)))


def lines_of(numbered: Iterable[tuple[int, str]]) -> tuple[Line, ...]:
    """``Line(no, text)`` for each pair, made in C (the named tuple's ``__new__`` is Python:
    twice the time for the dozens of lines of every page)."""
    return tuple(map(tuple.__new__, repeat(Line), numbered))


def _profile(settings: Settings) -> Profile:
    try:
        return PROFILES[settings.profile]
    except KeyError:
        raise ConfigError(
            f"profile must be one of {', '.join(sorted(PROFILES))}, got '{settings.profile}'"
        ) from None


def _apply_line_rules(
    raw: list[str],
    settings: Settings,
    verdicts: list[str | None],
    plain: bool = False,
    keys: list[str | None] | None = None,
) -> dict[int, LineFacts]:
    """Judge each non-empty line alone; return the facts of those that survive, in order.

    ``plain``: the page has no ASCII whitespace but spaces and line breaks. ``keys`` (as
    long as ``raw``): set to each non-empty line's key where that has the words of
    ``unicode_fold(line)`` (``_keeps_words``), else None."""
    disabled = settings.disable
    judge = _line_judge(disabled)
    patterns = (
        compile_patterns(settings.extra_patterns) if USER_PATTERN.name not in disabled else ()
    )
    check_blank = BLANK_LINE.info.name not in disabled
    if _judge_lines is not None and not patterns:  # the same loop in C (``_speedups``)
        blank = BLANK_LINE.info.name if check_blank else None
        # (C asks ``may_be_chrome`` itself, and the rules only for the lines it lets through)
        args = (judge.known, LineFacts, LineFacts.computed, judge.first_match, blank, LABEL_WORDS)
        remember = (_REMEMBERED_CHARS, _REMEMBERED_LINES)
        return _judge_lines(raw, plain, verdicts, *args, *remember, keys)
    facts: dict[int, LineFacts] = {}
    for i, line in enumerate(raw):
        if not line:
            continue
        fact, rule = judge(line, plain)
        if keys is not None:
            keys[i] = fact.key if _keeps_words(line) else None
        if not fact.text:
            if check_blank:
                verdicts[i] = BLANK_LINE.info.name
            continue  # a kept whitespace-only line takes no part in the page rules
        if patterns and user_pattern(line.strip(), patterns):
            verdicts[i] = USER_PATTERN.name
        elif rule is not None:
            verdicts[i] = rule
        else:
            facts[i] = fact
    return facts


def _keeps_words(line: str) -> bool:
    """Whether a line's key has the words of ``unicode_fold(line)``, and differs from it
    only in whitespace: an ASCII line, or a printable one that NFKC changes no more than
    its no-break spaces (``clean_text`` drops invisible characters, which can join words)."""
    if line.isascii():
        return True
    text = line.replace("\u00a0", " ")
    return text.isprintable() and unicodedata.is_normalized("NFKC", text)


_REMEMBERED_CHARS = 200  # lines up to this long: menus, buttons, footers, headings
_REMEMBERED_LINES = 1 << 15

_judge_lines: Callable[..., dict[int, LineFacts]] | None
try:
    from scrubber._speedups import judge_lines as _judge_lines
except ImportError:  # a pure Python install
    _judge_lines = None


class _LineJudge:
    """The content line rules of one ``disable`` setting, as one verdict per line.

    A site prints the same menu items, buttons and footer lines on every page, so the facts
    and verdicts of short lines are remembered (a bounded memo: the verdict is a pure
    function of the line) and a repeated line costs one look-up.
    """

    def __init__(self, rules: tuple[LineRule, ...]) -> None:
        self.rules = rules
        self.known: dict[str, tuple[LineFacts, str | None]] = {}

    def __call__(self, line: str, plain: bool = False) -> tuple[LineFacts, str | None]:
        """The line's facts, and the first rule that removes it (``None``: none does).

        ``plain``: as for ``LineFacts.of``."""
        remember = len(line) <= _REMEMBERED_CHARS  # (hashing a long line costs too)
        if remember:
            known = self.known.get(line)
            if known is not None:
                return known
        fact = LineFacts.of(line, plain)
        rule = self.rule_of(fact) if fact.text else None
        if remember:
            if len(self.known) >= _REMEMBERED_LINES:
                self.known.clear()
            self.known[line] = (fact, rule)
        return fact, rule

    def rule_of(self, fact: LineFacts) -> str | None:
        """The first rule that removes a line with text (``None``: none does)."""
        return self.first_match(fact) if may_be_chrome(fact) else None

    def first_match(self, fact: LineFacts) -> str | None:
        """``rule_of`` a line that ``may_be_chrome``."""
        return _first_match(self.rules, fact)


@lru_cache(maxsize=16)
def _line_judge(disabled: tuple[str, ...]) -> _LineJudge:
    return _LineJudge(tuple(rule for rule in CONTENT_LINE_RULES if rule.info.name not in disabled))


def _first_match(rules: tuple[LineRule, ...], fact: LineFacts) -> str | None:
    for rule in rules:
        if fact.words <= rule.max_words and rule.check(fact):
            return rule.info.name
    return None


def _apply_page_rules(
    verdicts: list[str | None],
    facts: dict[int, LineFacts],
    profile: Profile,
    site_templates: frozenset[int],
    disabled: tuple[str, ...],
) -> None:
    """Run the page rules over the surviving lines until none removes anything more.

    A page rule is a pure function of the surviving lines: one that removed nothing is not
    run again until another rule has changed the page (it would remove nothing again), and
    not at all when it ``stays_idle``.
    """
    rules = [rule for rule in PAGE_RULES if rule.info.name not in disabled]
    alive = list(facts)  # line indexes in page order
    view = PageView(list(facts.values()), profile, site_templates)
    changes = 0  # how many times a rule has removed lines
    idle: dict[str, int] = {}  # rule name -> ``changes`` when it last removed nothing
    for _round in range(_MAX_ROUNDS):
        changed = False
        for rule in rules:
            name = rule.info.name
            if idle.get(name) == changes or (rule.stays_idle and name in idle):
                continue
            hits = set(rule.check(view))
            if not hits:
                idle[name] = changes
                continue
            for position in hits:
                verdicts[alive[position]] = name
            stays = [position not in hits for position in range(len(alive))]
            alive = list(compress(alive, stays))
            view = PageView(list(compress(view.lines, stays)), profile, site_templates)
            changes += 1
            changed = True
        if not changed:
            return


def _drop_extra_blank_lines(
    raw: list[str], verdicts: list[str | None], facts: dict[int, LineFacts]
) -> None:
    """Keep one empty line between kept paragraphs; remove every other empty line."""
    if "" not in raw:
        return  # many scraped pages have none
    last_content = next((i for i in reversed(facts) if verdicts[i] is None), -1)
    separated = True  # no kept paragraph yet: a leading empty line separates nothing
    for i, line in enumerate(raw):
        if i in facts and verdicts[i] is None:
            separated = False
        elif not line:
            if separated or i > last_content:
                verdicts[i] = EXTRA_BLANK_LINE.name
            else:
                separated = True
