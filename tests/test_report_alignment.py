"""report.json stores a cluster's aligned paragraphs once each: the text rows can be rebuilt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from scrubber.cli import main
from scrubber.config import Settings
from scrubber.model import Cluster, MergedParagraph, Pair
from scrubber.report.alignment import TextRow, compact_alignment, expand_alignment
from scrubber.report.data import ReportBuilder
from scrubber.report.render import report_json
from tests.conftest import SEEDS

A, B, C = "a.txt", "b.txt", "c.txt"
INTRO = "The council met on Monday to discuss the budget."
SCHOOL = "The mayor said the new school will open in May."
LIBRARY = "The mayor said the new library will open in June."
BRIDGE = "Residents asked about the bridge."
EXTRA = "A paragraph only the copy has."

# What the pipeline hands to add_cluster: by member, (canonical, member, score) text rows.
ALIGNMENTS: dict[str, list[TextRow]] = {
    C: [(INTRO, INTRO, 1.0), (SCHOOL, SCHOOL, 0.99999), (BRIDGE, None, 0.0)],
    B: [
        (INTRO, INTRO, 1.0),
        (SCHOOL, LIBRARY, 0.81234),
        (None, EXTRA, 0.0),
        (BRIDGE, None, 0.0),
        (None, INTRO, 0.0),  # a member may repeat a paragraph
    ],
}


def cluster_entry() -> dict[str, Any]:
    builder = ReportBuilder(Settings())
    cluster = Cluster((A, B, C), A, "most words after cleaning (120 vs 97)", (Pair(A, B, 0.87),))
    merged = (MergedParagraph(B, 8, 5, EXTRA),)
    builder.add_cluster(1, cluster, merged, ALIGNMENTS)
    (entry,) = builder.as_dict()["clusters"]
    return entry


def rounded(alignments: dict[str, list[TextRow]]) -> dict[str, list[TextRow]]:
    return {m: [(a, b, round(s, 3)) for a, b, s in rows] for m, rows in alignments.items()}


def test_cluster_entry_stores_each_paragraph_once() -> None:
    entry = cluster_entry()
    assert list(entry) == [
        "id",
        "canonical",
        "reason",
        "members",
        "pairs",
        "merged_paragraphs",
        "paragraphs",
        "alignment",
    ]
    assert entry["paragraphs"] == [INTRO, SCHOOL, LIBRARY, EXTRA, BRIDGE]  # b.txt's rows first
    assert list(entry["alignment"]) == [B, C]
    assert entry["alignment"][B] == [
        [0, 0, 1.0],
        [1, 2, 0.812],
        [None, 3, 0.0],
        [4, None, 0.0],
        [None, 0, 0.0],
    ]
    assert entry["alignment"][C] == [[0, 0, 1.0], [1, 1, 1.0], [4, None, 0.0]]
    assert entry["merged_paragraphs"] == [
        {"source": B, "source_line": 8, "output_line": 5, "text": EXTRA}
    ]


def test_text_rows_rebuilt_from_report_json_equal_what_the_pipeline_gave() -> None:
    builder = ReportBuilder(Settings())
    cluster = Cluster((A, B, C), A, "reason", ())
    builder.add_cluster(1, cluster, (), ALIGNMENTS)
    (written,) = json.loads(report_json(builder.as_dict()))["clusters"]
    assert expand_alignment(written) == rounded(ALIGNMENTS)
    assert json.dumps(written["alignment"][C][2]) == "[4, null, 0.0]"


def test_a_cluster_without_alignment_has_empty_tables() -> None:
    builder = ReportBuilder(Settings())
    builder.add_cluster(3, Cluster((A, B), A, "reason", ()), (), {})
    (entry,) = builder.as_dict()["clusters"]
    assert entry["paragraphs"] == [] and entry["alignment"] == {}
    assert expand_alignment(entry) == {}


paragraph = st.sampled_from(["", "x", "y", "Zürich\n2024", "\ud800 lone", INTRO]) | st.text()
text_row = st.tuples(st.none() | paragraph, st.none() | paragraph, st.floats(0, 1))


@given(st.dictionaries(st.text(min_size=1), st.lists(text_row, max_size=8), max_size=4))
def test_compact_alignment_round_trips(alignments: dict[str, list[TextRow]]) -> None:
    paragraphs, rows = compact_alignment(alignments)
    assert expand_alignment({"paragraphs": paragraphs, "alignment": rows}) == rounded(alignments)
    assert len(set(paragraphs)) == len(paragraphs)
    used = {i for member in rows.values() for row in member for i in row[:2] if i is not None}
    assert used == set(range(len(paragraphs)))


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("alignment") / "out"
    result = CliRunner().invoke(main, ["clean", str(SEEDS), str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_seeds_cluster_paragraphs_come_from_the_canonical_output_and_the_member_input(
    seeds_report: tuple[Path, dict[str, Any]],
) -> None:
    out, report = seeds_report
    (cluster,) = report["clusters"]
    canonical_lines = set((out / cluster["canonical"]).read_text(encoding="utf-8").splitlines())
    rows = expand_alignment(cluster)
    assert set(rows) == set(cluster["members"]) - {cluster["canonical"]}
    for member, member_rows in rows.items():
        member_lines = set((SEEDS / member).read_text(encoding="utf-8").splitlines())
        assert sum(a is not None and b is not None for a, b, _ in member_rows) > 10
        for canonical, other, _ in member_rows:
            assert canonical is None or set(canonical.split("\n")) <= canonical_lines
            assert other is None or set(other.split("\n")) <= member_lines
    assert len(set(cluster["paragraphs"])) == len(cluster["paragraphs"])
