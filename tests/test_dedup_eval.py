"""bench/eval_dupes.py: pair precision and recall of reported clusters against labels."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT


def _eval_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_dupes", ROOT / "bench" / "eval_dupes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_score_counts_pairs_within_clusters() -> None:
    labels = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y"}
    result = _eval_module().score(labels, [["a", "b", "d"], ["c"]])
    assert result["predicted_pairs"] == 3  # a-b, a-d, b-d
    assert result["precision"] == pytest.approx(1 / 3)
    assert result["recall"] == pytest.approx(1 / 4)  # a-b of a-b, a-c, b-c, d-e


def test_library_mode_on_a_labelled_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures = ROOT / "fixtures" / "dedup"
    rows = ["file\tcluster"]
    for name, label in [("flood_a", "flood"), ("flood_b", "flood"), ("flood_other", "sava")]:
        (tmp_path / f"{name}.txt").write_text(
            (fixtures / f"{name}.txt").read_text("utf-8"), "utf-8"
        )
        rows.append(f"{name}.txt\t{label}")
    (tmp_path / "labels.tsv").write_text("\n".join(rows) + "\n", "utf-8")
    assert _eval_module().main([str(tmp_path), "--library", "--threshold", "0.8"]) == 0
    out = capsys.readouterr().out
    assert "pair precision 1.0000  pair recall 1.0000" in out
