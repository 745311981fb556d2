"""The shapes of a rule: what it is called, why it exists, and how it decides.

A rule is a small pure unit in the style of ftfy's fixes: a stable ``name`` (it appears in
every ``Removal`` the rule causes, and in ``disable = [...]``), a one-line ``summary`` and an
``explanation`` saying where the dirt comes from. Its decision function is pure:

* a **line** rule sees one line (``LineFacts``) and answers "is this whole line chrome?";
* a **page** rule sees the page's surviving non-empty lines in order and returns the
  positions it removes (context: runs of menu items, the page's edges, repeats);
* the **corpus** rule (site templates) also sees what other pages of the site repeat.

Thresholds live in one ``Profile`` per ``Settings.profile`` so the two profiles differ only
in numbers, never in code paths.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from scrubber.rules.text import LineFacts


@dataclass(frozen=True)
class RuleInfo:
    """What ``scrubber rules`` prints about a rule."""

    name: str
    summary: str
    explanation: str
    scope: str  # "line" | "page" | "corpus"


@dataclass(frozen=True)
class Profile:
    """The numbers behind a profile ("default" keeps content first)."""

    name: str
    short_words: int  # a menu item has fewer words than this
    run_length: int  # this many short lines in a row make a menu run
    prose_words: int  # a line with at least this many words that ends a sentence is prose
    anchor_words: int  # the page's text runs from the first to the last prose line this long
    edge_words: int  # outside the prose, lines with fewer words than this are chrome
    edge_headline_words: int  # ... and lines without a sentence end with fewer words than this
    edge_keeps_lists: bool  # keep runs of short lines there that read as a data list
    template_share: float  # a short line is a template on this share of a site's groups
    template_long_words: int  # lines this long are templates once on two groups


DEFAULT = Profile(
    name="default",
    short_words=5,
    run_length=4,
    prose_words=10,
    anchor_words=20,
    edge_words=5,
    edge_headline_words=0,
    edge_keeps_lists=True,
    template_share=0.5,
    template_long_words=8,
)
AGGRESSIVE = Profile(
    name="aggressive",
    short_words=6,
    run_length=3,
    prose_words=10,
    anchor_words=20,
    edge_words=6,
    edge_headline_words=12,
    edge_keeps_lists=False,
    template_share=0.3,
    template_long_words=5,
)
PROFILES = {p.name: p for p in (DEFAULT, AGGRESSIVE)}


@dataclass(frozen=True)
class PageView:
    """What a page rule sees: the surviving non-empty lines, in order."""

    lines: Sequence[LineFacts]
    profile: Profile
    templates: frozenset[int]  # fingerprints of the site's template lines (may be empty)


LineCheck = Callable[[LineFacts], bool]
PageCheck = Callable[[PageView], Sequence[int]]


@dataclass(frozen=True)
class LineRule:
    """A rule that judges each line on its own."""

    info: RuleInfo
    check: LineCheck
    max_words: int = 1_000_000  # quick pre-check: longer lines are never matched


@dataclass(frozen=True)
class PageRule:
    """A rule that judges lines in the context of the page (or the site)."""

    info: RuleInfo
    check: PageCheck
    # True when the rule, once it removes nothing from a page, removes nothing from any part
    # of that page either: other rules taking lines out cannot wake it (it is not run again).
    stays_idle: bool = False


def describe(name: str, scope: str, function: Callable[..., object]) -> RuleInfo:
    """A ``RuleInfo`` from a function's docstring: first line summary, the rest explanation."""
    doc = (function.__doc__ or _source_docstring(function)).strip().replace("``", "`")
    summary, _, rest = doc.partition("\n")
    explanation = " ".join(part.strip() for part in rest.strip().splitlines())
    return RuleInfo(name=name, summary=summary.strip(), explanation=explanation, scope=scope)


def _source_docstring(function: Callable[..., object]) -> str:
    """The docstring of a function compiled by mypyc (which drops docstrings; see
    ``setup.py``), read from the module's source, which the wheel ships beside it."""
    module = sys.modules.get(function.__module__)
    path = getattr(module, "__file__", None) or ""
    for suffix in EXTENSION_SUFFIXES:
        if path.endswith(suffix):
            return _docstrings(path.removesuffix(suffix) + ".py").get(function.__name__, "")
    return ""


@lru_cache(maxsize=8)
def _docstrings(source: str) -> dict[str, str]:
    """The docstrings of the functions defined at the top of a module's source."""
    try:
        tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    except OSError:
        return {}
    return {
        node.name: ast.get_docstring(node) or ""
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


def line_rule(name: str, max_words: int = 1_000_000) -> Callable[[LineCheck], LineRule]:
    """Decorator: make a ``LineRule`` named ``name`` from a documented check function."""

    def wrap(check: LineCheck) -> LineRule:
        return LineRule(describe(name, "line", check), check, max_words)

    return wrap


def page_rule(
    name: str, scope: str = "page", stays_idle: bool = False
) -> Callable[[PageCheck], PageRule]:
    """Decorator: make a ``PageRule`` named ``name`` from a documented check function."""

    def wrap(check: PageCheck) -> PageRule:
        return PageRule(describe(name, scope, check), check, stays_idle)

    return wrap
