"""The one list of rules: their order, their names, and the settings that switch them.

Order matters twice: a line two rules would remove is credited to the first, and
``scrubber rules`` prints them in this order (line rules, page rules, the corpus rule, then
blank-line bookkeeping).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from scrubber.errors import ConfigError
from scrubber.rules.base import LineRule, PageRule, RuleInfo, describe
from scrubber.rules.context import menu_run, page_edge, repeated_headline
from scrubber.rules.line_rules import LINE_RULES, blank_line
from scrubber.rules.site_template import site_template


def user_pattern(text: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    """A line that one of your own extra patterns matches from start to end.

    Every corpus has chrome no general rule knows: a site's slogan, a recurring sponsor
    line. List regular expressions under ``extra-patterns`` in ``[tool.scrubber]``; a line
    (spaces around it ignored) that one of them matches entirely is removed.
    Removed with ``extra-patterns = ["Sponsored by .*"]``: "Sponsored by ACME".
    Kept: "The race was sponsored by ACME."
    """
    return any(pattern.fullmatch(text) for pattern in patterns)


def extra_blank_line() -> None:
    """An empty line that separates nothing: a second one in a row, or one at an end.

    Removing chrome leaves stacks of empty lines behind, and scrapers pad pages with them.
    One empty line between two kept paragraphs is kept, so paragraphs stay paragraphs;
    further empty lines in a row, and empty lines before the first or after the last kept
    line, are removed.
    Removed: the second of two empty lines; a leading empty line. Kept: the single empty
    line between two paragraphs.
    """


USER_PATTERN = describe("user-pattern", "line", user_pattern)
EXTRA_BLANK_LINE = describe("extra-blank-line", "page", extra_blank_line)
BLANK_LINE: LineRule = blank_line
CONTENT_LINE_RULES: tuple[LineRule, ...] = LINE_RULES
PAGE_RULES: tuple[PageRule, ...] = (repeated_headline, site_template, menu_run, page_edge)


def all_rule_infos() -> tuple[RuleInfo, ...]:
    return (
        BLANK_LINE.info,
        USER_PATTERN,
        *(rule.info for rule in CONTENT_LINE_RULES),
        *(rule.info for rule in PAGE_RULES),
        EXTRA_BLANK_LINE,
    )


def list_rules() -> list[RuleInfo]:
    """Every rule, in the order they are applied (for ``scrubber rules``)."""
    return list(all_rule_infos())


def rule_names() -> tuple[str, ...]:
    return tuple(info.name for info in all_rule_infos())


def check_rule_names(names: Iterable[str]) -> None:
    """Raise ``ConfigError`` naming the first unknown rule name (e.g. in ``disable``)."""
    known = rule_names()
    for name in names:
        if name not in known:
            raise ConfigError(
                f"unknown rule '{name}' in disable (known rules: {', '.join(known)}; "
                "`scrubber rules` lists them)"
            )


@lru_cache(maxsize=32)
def compile_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The ``extra_patterns`` compiled once; a bad one is a ``ConfigError`` that names it."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ConfigError(
                f"extra-patterns: '{pattern}' is not a valid regular expression ({exc}); "
                "fix or remove it"
            ) from exc
    return tuple(compiled)
