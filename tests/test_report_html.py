"""report.html in a real browser (headless Chromium): structure through the DOM, filters,
clusters with word-level diffs, and large reports split into lazily decoded chunks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrubber.report.alignment import compact_alignment
from scrubber.report.html import render_html
from tests.browser import Browser, Page

A, B, C = "news/a.txt", "news/b.txt", "blog/c.txt"
CANONICAL_PARAS = [
    "The council met on Monday to discuss the budget.",
    "The mayor said the new school will open in May.",
    "Residents asked about the bridge.",
]
MEMBER_PARAS = [
    "The council met on Monday to discuss the budget.",
    "The mayor said the new library will open in June.",
    "A second paragraph only the copy has.",
]


def removed(rule: str, line: int, text: str) -> dict[str, Any]:
    return {"rule": rule, "line": line, "text": text}


def sample_data() -> dict[str, Any]:
    """The report data of a small run: three documents, one cluster of two, five rules."""
    return with_stats(sample_documents(), [sample_cluster()])


def sample_documents() -> list[dict[str, Any]]:
    return [
        {
            "input": A,
            "status": "canonical",
            "output": A,
            "encoding": "utf-8",
            "lines_in": 12,
            "lines_removed": 3,
            "cluster": 1,
            "removed": [
                removed("nav-phrase", 1, "Go back"),
                removed("date-stamp", 5, "26.07.2024"),
                removed("extra-blank-line", 7, ""),
            ],
            "context": [
                {"line": 2, "text": "City budget approved"},
                {"line": 3, "text": ""},
                {"line": 4, "text": "The council met."},
                {"line": 6, "text": "Mayor."},
            ],
        },
        {
            "input": B,
            "status": "merged",
            "merged_into": A,
            "encoding": "cp1251",
            "lines_in": 9,
            "lines_removed": 1,
            "cluster": 1,
            "removed": [removed("media-filename", 3, "DSC_8507.JPG")],
            "context": [{"line": 2, "text": "Photo caption follows"}],
        },
        {
            "input": C,
            "status": "kept",
            "output": C,
            "encoding": "utf-8",
            "lines_in": 4,
            "lines_removed": 2,
            "removed": [removed("nav-phrase", 1, "Go back"), removed("share-print", 4, "Share")],
            "context": [],
        },
    ]


def sample_cluster() -> dict[str, Any]:
    """A cluster entry as ``ReportBuilder.add_cluster`` stores it (paragraphs once)."""
    paragraphs, alignment = compact_alignment(
        {
            B: [
                (CANONICAL_PARAS[0], MEMBER_PARAS[0], 1.0),
                (CANONICAL_PARAS[1], MEMBER_PARAS[1], 0.81),
                (None, MEMBER_PARAS[2], 0.0),
                (CANONICAL_PARAS[2], None, 0.0),
            ]
        }
    )
    return {
        "id": 1,
        "canonical": A,
        "reason": "most words after cleaning (120 vs 97)",
        "members": [A, B],
        "pairs": [{"a": A, "b": B, "similarity": 0.873}],
        "merged_paragraphs": [
            {"source": B, "source_line": 8, "output_line": 5, "text": MEMBER_PARAS[2]}
        ],
        "paragraphs": paragraphs,
        "alignment": alignment,
    }


def with_stats(docs: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> dict[str, Any]:
    by_rule: dict[str, int] = {}
    for doc in docs:
        for r in doc["removed"]:
            by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    stats = {
        "documents_in": len(docs),
        "documents_out": sum(d["status"] != "merged" for d in docs),
        "failed": 0,
        "lines_in": sum(d["lines_in"] for d in docs),
        "lines_removed": sum(by_rule.values()),
        "removed_by_rule": dict(sorted(by_rule.items())),
        "clusters": len(clusters),
        "seconds": {"scan": 0.5},
    }
    return {
        "scrubber": "test",
        "settings": {"threshold": 0.8, "profile": "default"},
        "stats": stats,
        "documents": docs,
        "clusters": clusters,
        "failures": [],
        "similarities": [0.12, 0.55, 0.873],
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as driver:
        yield driver


def open_report(browser: Browser, folder: Path, data: dict[str, Any], **options: Any) -> Page:
    path = folder / "report.html"
    path.write_text(render_html(data, **options), encoding="utf-8")
    page = browser.open(path)
    page.wait_for("document.documentElement.dataset.ready")
    assert page.evaluate("document.documentElement.dataset.ready") == "1", page.console
    return page


def texts(page: Page, selector: str) -> list[str]:
    return list(
        page.evaluate(
            f"Array.from(document.querySelectorAll({json.dumps(selector)}), e => e.textContent)"
        )
    )


def test_summary_shows_counts_rules_and_similarities(browser: Browser, tmp_path: Path) -> None:
    page = open_report(browser, tmp_path, sample_data())
    cards = dict(zip(texts(page, ".card .label"), texts(page, ".card .num"), strict=True))
    assert cards["documents in"] == "3" and cards["documents out"] == "2"
    assert cards["merged into others"] == "1" and cards["lines removed"] == "6"
    bars = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('#rules-panel g[data-rule]'),"
        " g => [g.dataset.rule, g.querySelector('text.value').textContent.split(' ')[0]]))"
    )
    assert bars == {
        "nav-phrase": "2",
        "date-stamp": "1",
        "extra-blank-line": "1",
        "media-filename": "1",
        "share-print": "1",
    }
    assert page.evaluate("document.querySelectorAll('.histogram rect').length") == 3
    assert "threshold 0.80" in texts(page, ".histogram .threshold-label")[0]
    assert texts(page, ".tab .count") == ["1", "3"]
    assert page.evaluate("document.querySelector('#summary').classList.contains('active')")


def test_rule_bar_filters_documents_and_shows_removed_lines(
    browser: Browser, tmp_path: Path
) -> None:
    page = open_report(browser, tmp_path, sample_data())
    page.click("#rules-panel g[data-rule='nav-phrase']")
    page.wait_for("document.querySelector('#documents.active')")
    assert texts(page, "#doc-list details.doc summary .name") == [A, C]
    page.click("#doc-list details.doc summary")
    page.wait_for("document.querySelector('#doc-list .lines')")
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('#doc-list .lines tr:not(.gap)'),"
        " tr => [tr.className, ...Array.from(tr.cells, td => td.textContent)])"
    )
    assert ["removed", "1", "Go back", "nav-phrase"] in rows
    assert ["kept", "2", "City budget approved", ""] in rows
    assert ["removed dim", "5", "26.07.2024", "date-stamp"] in rows
    assert not [r for r in rows if r[2] == "(empty line)"], "empty lines are hidden by default"


def test_search_by_file_name_and_status(browser: Browser, tmp_path: Path) -> None:
    page = open_report(browser, tmp_path, sample_data())
    page.evaluate("location.hash = 'documents'")
    page.evaluate(
        "const box = document.getElementById('doc-search'); box.value = 'NEWS/';"
        "box.dispatchEvent(new Event('input'))"
    )
    page.wait_for("document.getElementById('doc-status').textContent.startsWith('1–2 of 2')")
    assert texts(page, "#doc-list .name") == [A, B]
    page.evaluate(
        "const s = document.getElementById('status-filter'); s.value = 'merged';"
        "s.dispatchEvent(new Event('change'))"
    )
    assert texts(page, "#doc-list .name") == [B]
    assert texts(page, "#doc-list .badge") == ["merged"]


def test_cluster_shows_reason_word_diff_and_merged_paragraph(
    browser: Browser, tmp_path: Path
) -> None:
    page = open_report(browser, tmp_path, sample_data())
    page.evaluate("location.hash = 'cluster-1'")
    page.wait_for("document.querySelector('#cluster-1 table.sbs')")
    assert "most words after cleaning (120 vs 97)" in texts(page, "#cluster-1 .why")[0]
    assert texts(page, "#cluster-1 .members .badge") == ["canonical", "merged"]
    assert texts(page, "#cluster-1 .sbs del") == ["school", "May."]
    assert texts(page, "#cluster-1 .sbs ins") == ["library", "June."]
    merged = texts(page, "#cluster-1 .sbs tr.merged td.text")
    assert merged == ["merged into the output at line 5 (from line 8)" + MEMBER_PARAS[2]]
    assert texts(page, "#cluster-1 .sbs tr.only-left td.text") == [CANONICAL_PARAS[2]]
    assert texts(page, "#cluster-1 .merged-list li") == [
        f"output line 5 ← {B} line 8" + MEMBER_PARAS[2]
    ]


def test_large_report_is_chunked_compressed_and_paged(browser: Browser, tmp_path: Path) -> None:
    docs = [
        {
            "input": f"site/{i:05d}.txt",
            "status": "kept",
            "output": f"site/{i:05d}.txt",
            "encoding": "utf-8",
            "lines_in": 3,
            "removed": [removed("nav-phrase", 1, f"Back {i}")],
            "context": [{"line": 2, "text": f"Article {i}"}],
        }
        for i in range(2500)
    ]
    page = open_report(browser, tmp_path, with_stats(docs, []), compress_over=0)
    assert (
        page.evaluate(
            "Array.from(document.querySelectorAll('script[id^=docs-]'), s => s.dataset.encoding)"
        )
        == ["gzip+base64"] * 3
    )
    page.evaluate("location.hash = 'documents'")
    assert page.evaluate("document.getElementById('doc-status').textContent") == (
        "1–50 of 2,500 documents"
    )
    page.click("#doc-pager button:last-child")
    assert texts(page, "#doc-list .name")[-1] == "site/02499.txt"
    page.click("#doc-list details.doc:last-child summary")
    page.wait_for("document.querySelector('#doc-list .lines')")
    assert texts(page, "#doc-list .lines td.text") == ["Back 2499", "Article 2499"]


def test_an_empty_run_renders(browser: Browser, tmp_path: Path) -> None:
    data = with_stats([], [])
    data["similarities"] = []
    page = open_report(browser, tmp_path, data)
    assert "No line was removed." in texts(page, "#rules-panel")[0]
    page.evaluate("location.hash = 'clusters'")
    assert texts(page, "#cluster-list") == ["No clusters in this run."]
