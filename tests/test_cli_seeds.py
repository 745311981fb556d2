"""The foundation's acceptance: `scrubber clean` and `scrubber dupes` on the bundled seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.cli import main
from tests.conftest import SEEDS, seed_name, tree_digest

NAV = ("Go back", "Back to the section", "Back to the all news")
TEASERS = (
    "In an exclusive commentary to Cronos.Asia",
    "On June 6, 2024,",
    "Sputnik Armenia reports",
)


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    before = tree_digest(SEEDS)
    result = CliRunner().invoke(main, ["clean", str(SEEDS), str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert tree_digest(SEEDS) == before, "the input was modified"
    return out


def documents(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.txt"))}


def test_clean_writes_four_documents_with_000_and_003_merged(cleaned: Path) -> None:
    docs = documents(cleaned)
    assert len(docs) == 4
    assert {seed_name("001"), seed_name("002"), seed_name("004")} <= set(docs)
    assert len({seed_name("000"), seed_name("003")} & set(docs)) == 1
    manifest = [json.loads(line) for line in (cleaned / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == 5
    statuses = {m["input"]: m["status"] for m in manifest}
    assert sorted(statuses.values()) == ["canonical", "kept", "kept", "kept", "merged"]
    merged = next(m for m in manifest if m["status"] == "merged")
    assert merged["merged_into"] in (seed_name("000"), seed_name("003"))


def test_clean_removes_the_chrome(cleaned: Path) -> None:
    for name, text in documents(cleaned).items():
        lines = text.splitlines()
        for phrase in NAV:
            assert phrase not in lines, (name, phrase)
        for teaser in TEASERS:
            assert teaser not in text, (name, teaser)
        assert not [line for line in lines if line.strip().upper().endswith(".JPG")], name
        assert not [
            line
            for line in lines
            if line.strip()[:2].isdigit() and line.strip().replace(".", "").isdigit()
        ], name
        assert text.count("Speech by the CSTO Deputy Secretary General Valery Semerikov") <= 1
        assert text.count('An international conference "On the Role') <= 1


def test_clean_keeps_the_articles(cleaned: Path) -> None:
    docs = documents(cleaned)
    merged = docs.get(seed_name("000")) or docs[seed_name("003")]
    assert "Interaction level" in docs[seed_name("001")]
    assert "UN High Level Conference on Terrorism" in docs[seed_name("001")]
    assert "Dear Chairman!" in docs[seed_name("002")]
    assert "Thank you." in docs[seed_name("002")].splitlines()
    assert "Vienna, June 23, 2020" in docs[seed_name("004")]
    assert "Thank you for attention." in docs[seed_name("004")]
    assert "Marie Dubot" in merged


def test_every_input_line_is_in_the_output_or_the_report(cleaned: Path) -> None:
    report = json.loads((cleaned / "report.json").read_text(encoding="utf-8"))
    for entry in report["documents"]:
        if entry["status"] != "kept":
            continue
        source = (SEEDS / entry["input"]).read_text(encoding="utf-8").splitlines()
        output = (cleaned / entry["output"]).read_text(encoding="utf-8").splitlines()
        removed = {r["line"] for r in entry["removed"]}
        kept = [line for no, line in enumerate(source, 1) if no not in removed]
        assert kept == output, entry["input"]
        for r in entry["removed"]:
            assert source[r["line"] - 1] == r["text"]
            assert r["rule"]


def test_report_html_is_self_contained(cleaned: Path) -> None:
    html = (cleaned / "report.html").read_text(encoding="utf-8")
    assert "<script src" not in html and "http://" not in html and "https://" not in html


def test_clean_is_deterministic_and_idempotent(cleaned: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert CliRunner().invoke(main, ["clean", str(SEEDS), str(again), "-q"]).exit_code == 0
    assert documents(again) == documents(cleaned)
    twice = tmp_path / "twice"
    result = CliRunner().invoke(main, ["clean", str(again), str(twice), "-q"])
    assert result.exit_code == 0, result.output
    texts = {name: text for name, text in documents(twice).items()}
    assert texts == documents(again)
    manifest = [json.loads(x) for x in (twice / "manifest.jsonl").read_text().splitlines()]
    assert {m["status"] for m in manifest} == {"kept"}
    assert all(m["lines_removed"] == 0 for m in manifest)


def test_dupes_reports_exactly_000_003() -> None:
    result = CliRunner().invoke(
        main, ["dupes", str(SEEDS), "--threshold", "0.8", "--format", "json", "-q"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["threshold"] == 0.8 and data["documents"] == 5
    assert [sorted(c["members"]) for c in data["clusters"]] == [
        sorted([seed_name("000"), seed_name("003")])
    ]
    (pair,) = data["clusters"][0]["pairs"]
    assert 0.8 <= pair["similarity"] <= 1.0


def test_dupes_check_exits_1_when_duplicates_exist() -> None:
    result = CliRunner().invoke(main, ["dupes", str(SEEDS), "--check", "-q"])
    assert result.exit_code == 1
    assert seed_name("000") in result.stdout


def test_clean_refuses_output_inside_input(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("hello\n")
    result = CliRunner().invoke(main, ["clean", str(src), str(src / "out")])
    assert result.exit_code == 2
    assert "inside the input" in result.output


def test_clean_refuses_non_empty_output_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    result = CliRunner().invoke(main, ["clean", str(SEEDS), str(out), "-q"])
    assert result.exit_code == 2 and "--force" in result.output
    assert CliRunner().invoke(main, ["clean", str(SEEDS), str(out), "-q", "--force"]).exit_code == 0


def test_report_keeps_every_verified_score_for_the_histogram(cleaned: Path) -> None:
    report = json.loads((cleaned / "report.json").read_text(encoding="utf-8"))
    scores = report["similarities"]
    (pair,) = report["clusters"][0]["pairs"]
    assert round(pair["similarity"], 3) in {round(s, 3) for s in scores}
    assert any(s < report["settings"]["threshold"] for s in scores)  # rejected candidates too
    assert scores == sorted(scores)
