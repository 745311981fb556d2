"""Boilerplate rules: one small named unit each, plus the registry and ``strip_page``.

Public API (what the pipeline and the CLI use):

* ``strip_page(doc_id, text, settings, templates=None, site="") -> Stripped``
* ``strip_and_fingerprint(doc_id, text, settings)`` (both at once, for a first pass; and
  ``strip_and_fingerprint_pages`` for many pages at once),
  ``fingerprint_lines(kept) -> LineFingerprints`` and ``TemplateIndex.build(pages, settings)``
  for the cross-page (site template) rule
* ``list_rules() -> list[RuleInfo]`` and ``check_rule_names(names)``
"""

from __future__ import annotations

from scrubber.rules.base import RuleInfo
from scrubber.rules.fingerprints import LineFingerprints, fingerprint_lines
from scrubber.rules.registry import check_rule_names, list_rules, rule_names
from scrubber.rules.strip import (
    FingerprintedPage,
    strip_and_fingerprint,
    strip_and_fingerprint_pages,
    strip_page,
)
from scrubber.rules.templates import TemplateIndex

__all__ = [
    "FingerprintedPage",
    "LineFingerprints",
    "RuleInfo",
    "TemplateIndex",
    "check_rule_names",
    "fingerprint_lines",
    "list_rules",
    "rule_names",
    "strip_and_fingerprint",
    "strip_and_fingerprint_pages",
    "strip_page",
]
