"""Drive every rule's case file in fixtures/rules/ (ftfy style: data, not code).

A case file is ``{"rule": NAME, ...}`` with any of:

* ``"removed"``: lines that, each alone on a page, this rule removes;
* ``"kept"``: lines that, each alone on a page, stay;
* ``"pages"``: ``{"input": [lines], "output": [lines], "note": ...}``: the page after
  stripping, and this rule must be among the rules that removed something;
* ``"corpus"``: pages of one site with their groups, stripped with the site's templates,
  and the expected output of each;
* ``"settings"``: ``Settings`` fields for the whole file (e.g. ``extra_patterns``);
* ``"known_failures"``: pages in the ``"pages"`` format that the rules get wrong today,
  kept visible as strict expected failures (a fix makes them pass and the test says so).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scrubber.config import Settings
from scrubber.rules import TemplateIndex, fingerprint_lines, list_rules, strip_page

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
FILES = sorted(CASES.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def settings_of(case: dict[str, Any]) -> Settings:
    fields = {
        k: tuple(v) if isinstance(v, list) else v for k, v in case.get("settings", {}).items()
    }
    return Settings(**fields)


def test_every_rule_has_a_case_file() -> None:
    names = {info.name for info in list_rules()}
    files = {path.stem for path in FILES}
    assert names - files == set(), "rules without fixtures/rules/<name>.json"
    assert files - names == set(), "case files for unknown rules"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_case_file_names_its_rule_and_has_cases(path: Path) -> None:
    case = load(path)
    assert case["rule"] == path.stem
    assert any(key in case for key in ("removed", "pages", "corpus"))


def _line_cases(kind: str) -> list[tuple[str, str, str]]:
    return [
        (path.stem, line, f"{path.stem}:{index}")
        for path in FILES
        for index, line in enumerate(load(path).get(kind, []))
    ]


@pytest.mark.parametrize(("rule", "line", "_id"), _line_cases("removed"), ids=lambda v: str(v))
def test_removed_line(rule: str, line: str, _id: str) -> None:
    settings = settings_of(load(CASES / f"{rule}.json"))
    stripped = strip_page("case", line, settings)
    assert [(r.rule, r.text) for r in stripped.removals] == [(rule, line)]


@pytest.mark.parametrize(("rule", "line", "_id"), _line_cases("kept"), ids=lambda v: str(v))
def test_kept_line(rule: str, line: str, _id: str) -> None:
    settings = settings_of(load(CASES / f"{rule}.json"))
    stripped = strip_page("case", line, settings)
    assert stripped.removals == ()
    assert stripped.text == line


def _page_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, page) for path in FILES for page in load(path).get("pages", [])]


@pytest.mark.parametrize(("rule", "page"), _page_cases(), ids=lambda v: str(v)[:40])
def test_page_case(rule: str, page: dict[str, Any]) -> None:
    settings = settings_of(load(CASES / f"{rule}.json"))
    stripped = strip_page("case", "\n".join(page["input"]), settings)
    assert stripped.text.split("\n") == page["output"], page.get("note")
    if page["input"] != page["output"]:
        assert rule in {removal.rule for removal in stripped.removals}


def _known_failures() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, page) for path in FILES for page in load(path).get("known_failures", [])]


@pytest.mark.parametrize(("rule", "page"), _known_failures(), ids=lambda v: str(v)[:40])
@pytest.mark.xfail(strict=True, reason="known failure, kept visible in the case file")
def test_known_failure(rule: str, page: dict[str, Any]) -> None:
    settings = settings_of(load(CASES / f"{rule}.json"))
    stripped = strip_page("case", "\n".join(page["input"]), settings)
    assert stripped.text.split("\n") == page["output"], page.get("note")


def _corpus_files() -> list[Path]:
    return [path for path in FILES if "corpus" in load(path)]


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.stem)
def test_corpus_case(path: Path) -> None:
    case = load(path)
    settings = settings_of(case)
    pages = case["corpus"]["pages"]
    texts = {page["id"]: "\n".join(page["lines"]) for page in pages}
    prints = [
        (
            "site",
            page["group"],
            fingerprint_lines(strip_page(page["id"], texts[page["id"]], settings).kept),
        )
        for page in pages
    ]
    index = TemplateIndex.build(prints, settings)
    for page_id, expected in case["corpus"]["expected"].items():
        stripped = strip_page(page_id, texts[page_id], settings, index, "site")
        assert stripped.text.split("\n") == expected, (page_id, case["corpus"].get("note"))
