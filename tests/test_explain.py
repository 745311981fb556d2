"""``scrubber explain`` and ``scrubber diff``: the library results and the terminal views."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from scrubber import rules
from scrubber.cli import main
from scrubber.config import Settings
from scrubber.explain import diff_documents, explain_file, paragraphs
from scrubber.terminal import render_explanation
from tests.conftest import SEEDS, seed_name

ANSI = re.compile(r"\x1b\[")


def seed(prefix: str) -> Path:
    return SEEDS / seed_name(prefix)


def test_explain_marks_every_line_kept_or_removed_with_its_rule() -> None:
    path = seed("000")
    (doc,) = explain_file(path, Settings()).documents
    source = path.read_text(encoding="utf-8").splitlines()
    assert [line.text for line in doc.lines] == source
    direct = rules.strip_page(doc.doc_id, "\n".join(source), Settings())
    assert {(line.no, line.rule) for line in doc.lines if line.rule} == {
        (r.line_no, r.rule) for r in direct.removals
    }
    go_back = [line for line in doc.lines if line.text == "Go back"]
    assert go_back and all(line.rule == "nav-phrase" for line in go_back)
    assert doc.removed == len(direct.removals) and doc.encoding == "utf-8"


def test_explain_prints_plain_lines_when_not_a_terminal() -> None:
    result = CliRunner().invoke(main, ["explain", str(seed("000")), "-q"])
    assert result.exit_code == 0, result.output
    assert not ANSI.search(result.output)
    assert re.search(r"^- +\d+  Go back +\[nav-phrase\]$", result.output, re.M)
    assert re.search(r"^  +1  In an exclusive commentary", result.output, re.M)


def test_explain_colours_a_terminal_but_not_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    explanation = explain_file(seed("001"), Settings())
    coloured = io.StringIO()
    render_explanation(explanation, "text", Console(file=coloured, force_terminal=True, width=120))
    assert ANSI.search(coloured.getvalue()) and "nav-phrase" in coloured.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = io.StringIO()
    render_explanation(explanation, "text", Console(file=plain, force_terminal=True, width=120))
    assert "\x1b[3" not in plain.getvalue()  # no foreground colour codes
    assert re.search(r"^- +\d+  .+\[nav-phrase\]$", plain.getvalue(), re.M)


def test_explain_json_lists_each_line() -> None:
    result = CliRunner().invoke(main, ["explain", str(seed("002")), "--format", "json", "-q"])
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.stdout)["documents"]
    assert doc["doc_id"] == seed_name("002")
    assert {line["rule"] for line in doc["lines"]} >= {None, "nav-phrase", "date-stamp"}


def test_explain_with_corpus_removes_what_clean_removes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["clean", str(SEEDS), str(out), "-q"]).exit_code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for entry in report["documents"]:
        explanation = explain_file(SEEDS / entry["input"], Settings(), corpus=SEEDS)
        assert explanation.in_corpus
        (doc,) = explanation.documents
        explained = [(line.no, line.rule) for line in doc.lines if line.rule]
        assert explained == [(r["line"], r["rule"]) for r in entry["removed"]], entry["input"]


def test_explain_says_when_the_file_is_not_in_the_corpus(tmp_path: Path) -> None:
    outside = tmp_path / "alone.txt"
    shutil.copy(seed("004"), outside)
    result = CliRunner().invoke(main, ["explain", str(outside), "--corpus", str(SEEDS), "-q"])
    assert result.exit_code == 0, result.output
    assert "is not a document of" in result.output


def test_diff_shows_the_translations_as_one_story() -> None:
    result = CliRunner().invoke(main, ["diff", str(seed("000")), str(seed("003"))])
    assert result.exit_code == 0, result.output
    match = re.search(r"similarity (\d\.\d+) \(after boilerplate removal", result.output)
    assert match and float(match.group(1)) >= 0.8
    assert ": near-duplicates)" in result.output
    assert "[-" in result.output and "{+" in result.output
    assert re.search(r"^\d+ aligned paragraph pairs, \d+ only in ", result.output, re.M)


def test_diff_rows_rebuild_both_documents_in_order() -> None:
    diff = diff_documents(seed("000"), seed("003"), Settings())
    assert diff.near_duplicates and diff.stripped
    for row in diff.rows:
        if row.left is not None and row.right is not None:
            assert "".join(s.text for s in row.left_words) == row.left
            assert "".join(s.text for s in row.right_words) == row.right
    left = [row.left for row in diff.rows if row.left is not None]
    stripped = rules.strip_page("a", seed("000").read_text(encoding="utf-8"), Settings()).text
    assert left == paragraphs(stripped)


def test_diff_of_unrelated_documents_says_so() -> None:
    result = CliRunner().invoke(main, ["diff", str(seed("001")), str(seed("004")), "--raw"])
    assert result.exit_code == 0, result.output
    assert "not near-duplicates" in result.output and "raw text" in result.output


def test_diff_refuses_a_file_holding_several_documents(tmp_path: Path) -> None:
    many = tmp_path / "many.jsonl"
    many.write_text('{"id": "1", "text": "a"}\n{"id": "2", "text": "b"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(many), str(seed("000"))])
    assert result.exit_code == 2
    assert "holds 2" in result.output
