"""``strip_page``: run the rules over one page and account for every line.

The order is fixed: line rules first (each line on its own), then the page rules (and the
site-template rule when an index is given) over the surviving non-empty lines, repeated
until none removes anything more, then the empty-line bookkeeping. Every page rule looks
only at the surviving lines, so stripping the output again removes nothing
(``strip_page`` is idempotent).
"""

from __future__ import annotations

from scrubber.config import Settings
from scrubber.errors import ConfigError
from scrubber.model import Line, Removal, Stripped
from scrubber.rules.base import PROFILES, LineRule, PageView, Profile
from scrubber.rules.line_rules import LONG_LINE_WORDS, may_be_chrome_long
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
from scrubber.rules.text import LineFacts

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
    raw = text.split("\n") if text else []
    if text.endswith("\n"):
        raw.pop()
    profile = _profile(settings)
    verdicts: list[str | None] = [None] * len(raw)  # rule name, or None while kept
    facts: dict[int, LineFacts] = {}
    _apply_line_rules(raw, settings, verdicts, facts)
    site_templates = templates.for_site(site) if templates is not None else frozenset()
    _apply_page_rules(verdicts, facts, profile, site_templates, settings.disable)
    if EXTRA_BLANK_LINE.name not in settings.disable:
        _drop_extra_blank_lines(raw, verdicts, facts)
    kept = tuple(Line(i + 1, line) for i, line in enumerate(raw) if verdicts[i] is None)
    removals = tuple(
        Removal(rule, i + 1, raw[i]) for i, rule in enumerate(verdicts) if rule is not None
    )
    return Stripped(doc_id=doc_id, kept=kept, removals=removals)


def _profile(settings: Settings) -> Profile:
    try:
        return PROFILES[settings.profile]
    except KeyError:
        raise ConfigError(
            f"profile must be one of {', '.join(sorted(PROFILES))}, got '{settings.profile}'"
        ) from None


def _apply_line_rules(
    raw: list[str], settings: Settings, verdicts: list[str | None], facts: dict[int, LineFacts]
) -> None:
    """Judge each non-empty line alone; remember the facts of those that survive."""
    disabled = settings.disable
    rules: list[LineRule] = [rule for rule in CONTENT_LINE_RULES if rule.info.name not in disabled]
    patterns = (
        compile_patterns(settings.extra_patterns) if USER_PATTERN.name not in disabled else ()
    )
    check_blank = BLANK_LINE.info.name not in disabled
    for i, line in enumerate(raw):
        if not line:
            continue
        fact = LineFacts.of(line)
        if not fact.text:
            if check_blank:
                verdicts[i] = BLANK_LINE.info.name
            continue  # a kept whitespace-only line takes no part in the page rules
        if patterns and user_pattern(line.strip(), patterns):
            verdicts[i] = USER_PATTERN.name
            continue
        if fact.words <= LONG_LINE_WORDS or may_be_chrome_long(fact):
            verdicts[i] = _first_match(rules, fact)
            if verdicts[i] is not None:
                continue
        facts[i] = fact


def _first_match(rules: list[LineRule], fact: LineFacts) -> str | None:
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
    """Run the page rules over the surviving lines until none removes anything more."""
    rules = [rule for rule in PAGE_RULES if rule.info.name not in disabled]
    alive = sorted(facts)
    for _round in range(_MAX_ROUNDS):
        changed = False
        for rule in rules:
            view = PageView([facts[i] for i in alive], profile, site_templates)
            hits = set(rule.check(view))
            if not hits:
                continue
            for position in hits:
                verdicts[alive[position]] = rule.info.name
            alive = [line for position, line in enumerate(alive) if position not in hits]
            changed = True
        if not changed:
            return


def _drop_extra_blank_lines(
    raw: list[str], verdicts: list[str | None], facts: dict[int, LineFacts]
) -> None:
    """Keep one empty line between kept paragraphs; remove every other empty line."""
    last_content = max((i for i in facts if verdicts[i] is None), default=-1)
    separated = True  # no kept paragraph yet: a leading empty line separates nothing
    for i, line in enumerate(raw):
        if i in facts and verdicts[i] is None:
            separated = False
        elif not line:
            if separated or i > last_content:
                verdicts[i] = EXTRA_BLANK_LINE.name
            else:
                separated = True
