"""Limits: documents over the size limit, over-long JSONL lines, and many tiny files.

The limits are lowered in-process (monkeypatch) so the tests stay small; the real sizes
(a 50 MB single line, 100,000 tiny files) are measured by ``bench/hostile_scale.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import scrubber.io
from scrubber.cli import main
from scrubber.io import jsonl
from tests.hostile_corpus import WORDS

TINY_FILES = 1000  # bench/hostile_scale.py runs 100,000


def clean(src: Path, out: Path) -> tuple[int, list[str], list[dict[str, object]]]:
    result = CliRunner().invoke(main, ["clean", str(src), str(out), "--quiet"])
    records = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    return result.exit_code, result.stderr.splitlines(), records


def test_a_document_over_the_size_limit_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scrubber.io, "MAX_DOCUMENT_BYTES", 4096)
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.txt").write_text("word " * 1000)  # 5,000 bytes
    (src / "small.txt").write_text("A small document that is fine.\n")
    code, stderr, records = clean(src, tmp_path / "out")
    assert code == 3
    assert stderr[0].startswith("scrubber: skipped big.txt: too large (5000 bytes)")
    assert [(r["input"], r["status"]) for r in records] == [
        ("small.txt", "kept"),
        ("big.txt", "failed"),
    ]


def test_an_over_long_jsonl_line_fails_its_record_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 1024)
    src = tmp_path / "src"
    src.mkdir()
    lines = [
        {"id": "a", "text": "before"},
        {"id": "long", "text": "x" * 3000},
        {"id": "b", "text": "after"},
    ]
    (src / "records.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    code, stderr, records = clean(src, tmp_path / "out")
    assert code == 3
    assert stderr[0].startswith("scrubber: skipped records.jsonl:2: line 2: the line is longer")
    assert [(r["input"], r["status"]) for r in records] == [
        ("records.jsonl#a", "kept"),
        ("records.jsonl#b", "kept"),
        ("records.jsonl:2", "failed"),
    ]
    written = (tmp_path / "out" / "documents.jsonl").read_text().splitlines()
    assert [json.loads(x)["text"] for x in written] == ["before\n", "after\n"]


def test_many_tiny_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    names = []
    for n in range(TINY_FILES):
        folder = src / f"d{n // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        words = " ".join(WORDS[(n * 7 + k * 13) % len(WORDS)] for k in range(5))
        (folder / f"f{n:04d}.txt").write_text(words + "\n")
        names.append(f"d{n // 100:02d}/f{n:04d}.txt")
    code, stderr, records = clean(src, tmp_path / "out")
    assert code == 0, stderr
    assert sorted(str(r["input"]) for r in records) == names  # each once
    outputs = {str(r["output"]) for r in records if "output" in r}
    merged = [r for r in records if r["status"] == "merged"]
    assert len(outputs) + len(merged) == TINY_FILES
    for name in outputs:
        assert (tmp_path / "out" / name).read_text() == (src / name).read_text()
