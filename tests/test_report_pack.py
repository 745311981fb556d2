"""The report's data blocks, charts and context lines, without a browser."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from scrubber.config import Settings
from scrubber.io.write import json_bytes
from scrubber.model import Line, Removal
from scrubber.report.charts import histogram, rule_chart, size_chart
from scrubber.report.context import near_removals, near_removed, shorten
from scrubber.report.diff import Segment, word_segments
from scrubber.report.html import content_security_policy, render_html
from scrubber.report.pack import (
    DOC_CHUNK,
    blob_elements,
    blob_json,
    cluster_blocks,
    document_blocks,
    pack_blocks,
)
from scrubber.rules import strip_and_fingerprint
from tests.test_report_html import removed, sample_data, with_stats


@given(st.text())
def test_blob_json_never_contains_markup_and_round_trips(text: str) -> None:
    blob = blob_json({"t": text, "end": "</script><!--"})
    assert "<" not in blob and ">" not in blob and "&" not in blob
    decoded = json.loads(blob)
    assert decoded["end"] == "</script><!--"
    assert decoded["t"] == re.sub("[\ud800-\udfff]", "\ufffd", text)


def test_blocks_are_plain_when_small_and_gzipped_when_large() -> None:
    blocks = pack_blocks(sample_data(), {})
    small = blob_elements(blocks)
    assert "type='application/json' id='report-index'" in small
    large = blob_elements(blocks, compress_over=0)
    index = re.search(r"id='report-index' data-encoding='gzip\+base64'>([^<]*)<", large)
    assert index is not None
    assert (
        json.loads(gzip.decompress(base64.b64decode(index.group(1))))["rules"]
        == (blocks["report-index"]["rules"])
    )


def test_the_pages_document_and_cluster_blocks_are_gzipped_apart() -> None:
    data = sample_data()
    data["clusters"] = data["clusters"] * 40  # the cluster blocks outweigh the documents'
    documents_size = sum(map(len, map(json_bytes, document_blocks(data, {}).values())))
    clusters_size = sum(map(len, map(json_bytes, cluster_blocks(data).values())))
    assert clusters_size > documents_size
    page = render_html(data, compress_over=(documents_size + clusters_size) // 2)
    assert re.findall(r"<script type='application/json' id='(docs-\d+)'", page) == ["docs-0"]
    assert "id='report-index'" in page and "id='report-index' data-encoding" not in page
    assert re.findall(r"id='(clusters-\d+)'", page) == ["clusters-0"]
    assert "id='clusters-0' data-encoding='gzip+base64'" in page


def test_gzipped_blocks_carry_lone_surrogates_as_replacement_characters() -> None:
    large = blob_elements({"b": {"t": "a\ud800b</script>"}}, compress_over=0)
    packed = re.fullmatch(
        r"<script [^>]*id='b' data-encoding='gzip\+base64'>([^<]*)</script>", large
    )
    assert packed is not None
    assert json.loads(gzip.decompress(base64.b64decode(packed.group(1)))) == {
        "t": "a\ufffdb</script>"
    }


def test_documents_are_chunked_and_chrome_is_interned() -> None:
    docs = [
        {
            "input": f"d{i}.txt",
            "status": "kept",
            "lines_in": 2,
            "removed": [removed("nav-phrase", 1, "Go back")],
            "context": [],
        }
        for i in range(DOC_CHUNK + 5)
    ]
    blocks = pack_blocks(with_stats(docs, []), {})
    assert sorted(k for k in blocks if k.startswith("docs-")) == ["docs-0", "docs-1"]
    assert blocks["docs-0"]["texts"] == ["Go back"]
    assert blocks["docs-1"]["docs"][4] == [[1, 0, 0], []]
    assert blocks["report-index"]["docs"][0] == ["d0.txt", "kept", "", "", 2, 0, [0, 1]]


def test_rule_counts_and_details_of_documents_with_and_without_removals() -> None:
    clean_page = {"input": "a.txt", "status": "kept", "lines_in": 3, "removed": [], "context": []}
    dirty_page = {
        "input": "b.txt",
        "status": "kept",
        "lines_in": 4,
        "removed": [
            removed("nav-phrase", 4, "Go back"),
            removed("date-stamp", 1, "26.07.2024"),
            removed("nav-phrase", 3, "Read more"),
        ],
        "context": [{"line": 2, "text": "The river rose."}],
    }
    blocks = pack_blocks(with_stats([clean_page, dirty_page], []), {})
    rules = blocks["report-index"]["rules"]
    date, nav = rules.index("date-stamp"), rules.index("nav-phrase")
    rows = blocks["report-index"]["docs"]
    assert rows[0][-1] == [] and blocks["docs-0"]["docs"][0] == [[], []]
    assert rows[1][-1] == [x for pair in sorted([(date, 1), (nav, 2)]) for x in pair]
    assert blocks["docs-0"]["docs"][1][1] == [2, "The river rose."]


def test_failures_are_listed_as_failed_documents() -> None:
    data = sample_data()
    data["failures"] = [{"doc_id": "bad.txt", "path": "/x/bad.txt", "reason": "not text: PNG"}]
    row = pack_blocks(data, {})["report-index"]["docs"][-1]
    assert row[:3] == ["bad.txt", "failed", "not text: PNG"]


def test_cluster_paragraphs_are_stored_once() -> None:
    (details,) = pack_blocks(sample_data(), {})["clusters-0"]
    assert len(details["paras"]) == len(set(details["paras"])) == 5
    rows = details["rows"]["news/b.txt"]
    assert rows[0][0] == rows[0][1] and rows[2][0] is None and rows[3][1] is None


def test_charts_escape_names_and_mark_the_threshold() -> None:
    svg = rule_chart({"<b>": 3, "nav-phrase": 1}, 10)
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "30.0%" in svg
    assert "2 documents" in size_chart([2, 2, 7])
    assert "6–10 documents" in size_chart([7])
    hist = histogram([0.1, 0.79, 0.8, 0.8, 0.9], 0.8)
    assert "threshold 0.80" in hist
    assert hist.count("class='above'") == 2 and hist.count("class='below'") == 2
    assert "0.800–0.825: 2 pairs" in hist
    assert histogram([], 0.8) == ""


def test_context_lines_are_near_removals_and_bounded() -> None:
    kept = [Line(n, "x" * 500 if n == 3 else f"line {n}") for n in (1, 3, 4, 5, 9)]
    lines = near_removals(kept, [Removal("nav-phrase", 2, "Go back")])
    assert [line.no for line in lines] == [1, 3, 4]
    assert len(lines[1].text) == 160 and lines[1].text.endswith("…")
    assert near_removals(kept, []) == []
    assert shorten("short") == "short"


def test_word_segments_rebuild_both_sides() -> None:
    left, right = word_segments("The main theme  was x.", "The central theme was x. Then")
    assert "".join(s.text for s in left) == "The main theme  was x."
    assert "".join(s.text for s in right) == "The central theme was x. Then"
    assert Segment("main", "-") in left and Segment("central", "+") in right
    assert Segment("Then", "+") in right


def test_page_policy_allows_only_its_own_script_and_style() -> None:
    policy = content_security_policy("a()", "b{}")
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy
    html = render_html(sample_data())
    assert html.count("<script") == 4 and "http://" not in html and "https://" not in html


def test_context_lines_from_verdicts_are_those_from_the_stripped_page() -> None:
    """Pass 1 takes a page's context lines from its lines and verdicts (``near_removed``),
    without a ``Line`` per kept line: the same lines as ``near_removals``."""
    seeds = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
    pages = [path.read_text(encoding="utf-8") for path in sorted(seeds.glob("*.txt"))]
    pages += ["Go back\nA\nB\nC\nD\nE\nF\nDSC_8507.JPG\n", "Go back\n", "x" * 300 + "\nGo back\n"]
    checked = 0
    for n, text in enumerate(pages):
        page = strip_and_fingerprint(str(n), text, Settings())
        expected = near_removals(page.stripped.kept, page.stripped.removals)
        assert near_removed(page.lines, page.verdicts) == expected
        checked += bool(expected)
    assert checked >= 3
