"""Output safety: where `clean` refuses to write, and how it reuses what a killed run left."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scrubber.cli import main
from scrubber.config import Settings
from scrubber.errors import UsageError
from scrubber.model import ProgressEvent
from scrubber.outputs import (
    MANIFEST,
    MARKER,
    REPORT_HTML,
    REPORT_JSON,
    STAGING,
    OutputDirectory,
)
from scrubber.pipeline import clean as clean_run
from scrubber.report import render
from tests.conftest import SEEDS, tree_digest


def clean(*args: str) -> Result:
    return CliRunner().invoke(main, ["clean", *args, "--quiet"])


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    src = tmp_path / "corpus"
    shutil.copytree(SEEDS, src)
    return src


@pytest.mark.parametrize(
    ("out", "says"),
    [
        (".", "is inside the input"),
        ("sub/out", "is inside the input"),
        ("..", "contains the input"),
    ],
)
def test_out_inside_equal_to_or_containing_the_input_is_refused(
    corpus: Path, out: str, says: str
) -> None:
    before = tree_digest(corpus.parent)
    result = clean(str(corpus), str(corpus / out), "--force")
    assert result.exit_code == 2
    assert says in result.stderr and "choose a path outside it" in result.stderr
    assert tree_digest(corpus.parent) == before


def test_a_single_file_cannot_be_cleaned_into_its_own_directory(corpus: Path) -> None:
    (seed,) = sorted(corpus.iterdir())[:1]
    before = seed.read_bytes()
    result = clean(str(seed), str(corpus), "--force")
    assert result.exit_code == 2 and "contains the input" in result.stderr
    assert seed.read_bytes() == before


def test_a_file_as_out_is_refused(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("mine")
    result = clean(str(corpus), str(tmp_path / "out"))
    assert result.exit_code == 2 and "is a file" in result.stderr  # click says so first


def test_non_empty_out_needs_force(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own file")
    result = clean(str(corpus), str(out))
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert MARKER in result.stderr  # says how an interrupted run's directory is reused
    assert sorted(os.listdir(out)) == ["notes.txt"]
    result = clean(str(corpus), str(out), "--force")
    assert result.exit_code == 0
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert (out / MANIFEST).is_file() and not (out / MARKER).exists()


def test_out_left_by_an_interrupted_run_is_reused_without_force(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert clean(str(corpus), str(out)).exit_code == 0
    reference = tree_digest(out)
    # What a run killed in pass 2 leaves: the marker, some documents, temporary files.
    shutil.rmtree(out)
    out.mkdir()
    (out / MARKER).write_text("")
    (out / ".001.txt.k3j2h1g0.scrubber.tmp").write_text("half a docu")
    (out / "sub").mkdir()
    (out / "sub" / ".manifest.jsonl.abcdefgh.scrubber.tmp").write_text('{"input": ')
    (out / STAGING / "news").mkdir(parents=True)  # a run killed while its OUT was fresh
    (out / STAGING / "news" / "a.txt").write_text("a document never moved into place\n")
    result = clean(str(corpus), str(out))
    assert result.exit_code == 0, result.stderr
    assert _without_timings(tree_digest(out), out) == _without_timings(reference, out)
    assert sorted(os.listdir(out / "sub")) == []  # the stale temporary file is gone
    assert not (out / STAGING).exists() and not (out / "news").exists()


def _without_timings(digest: dict[str, str], out: Path) -> dict[str, str]:
    """report.json and report.html hold the seconds each stage took: compare the rest."""
    digest = dict(digest)
    for name in (REPORT_JSON, REPORT_HTML):
        digest.pop(name, None)
    return digest


def test_a_running_clean_holds_out(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("")
    holder = subprocess.Popen(  # another process holds the lock, as a running clean does
        [sys.executable, "-c", _HOLD_LOCK, str(out / MARKER)], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        result = clean(str(corpus), str(out))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2 and "another scrubber run" in result.stderr
    assert os.listdir(out) == [MARKER]
    assert clean(str(corpus), str(out)).exit_code == 0  # the lock died with its holder


_HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "r+")
fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
time.sleep(60)
"""


def test_a_document_cannot_take_the_name_of_a_report(corpus: Path, tmp_path: Path) -> None:
    (corpus / "report.html").write_text("<p>A scraped page that happens to be called so.</p>\n")
    (corpus / "report.json").write_text('{"a scraped": "json file"}\n')
    (corpus / "sub").mkdir()
    (corpus / "sub" / "report.html").write_text("<p>Deeper down, the name is free.</p>\n")
    config = tmp_path / "scrubber.toml"
    config.write_text('globs = ["*.txt", "*.html", "*.json"]\n')
    out = tmp_path / "out"
    result = clean(str(corpus), str(out), "--config", str(config))
    assert result.exit_code == 3
    failed = {
        r["input"]: r["reason"]
        for r in map(json.loads, (out / MANIFEST).read_text().splitlines())
        if r["status"] == "failed"
    }
    assert set(failed) == {"report.html", "report.json"}
    assert "would overwrite scrubber's own report.html" in failed["report.html"]
    assert (out / "sub" / "report.html").read_text() == "<p>Deeper down, the name is free.</p>\n"
    assert json.loads((out / REPORT_JSON).read_text())["stats"]["failed"] == 2


def test_a_symlink_in_out_cannot_lead_writes_outside(corpus: Path, tmp_path: Path) -> None:
    (corpus / "news").mkdir()
    (corpus / "news" / "a.txt").write_text("A story in a subfolder.\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(elsewhere, out / "news")  # left there by someone; --force writes into OUT
    result = clean(str(corpus), str(out), "--force")
    assert result.exit_code == 2 and "leads out of the output directory" in result.stderr
    assert os.listdir(elsewhere) == []


def test_out_names_match_the_report_module() -> None:
    assert (REPORT_JSON, REPORT_HTML) == (render.REPORT_JSON, render.REPORT_HTML)


def test_outputs_replaced_with_force_keep_their_permissions_and_new_ones_get_the_default(
    corpus: Path, tmp_path: Path
) -> None:
    """A fresh OUT skips looking for a file to replace (``OutputDirectory.fresh``): new
    outputs get the default mode there, and a file replaced with --force keeps its own."""
    umask = os.umask(0)
    os.umask(umask)
    fresh = tmp_path / "fresh"
    assert clean(str(corpus), str(fresh)).exit_code == 0
    outputs = sorted(p for p in fresh.iterdir() if p.suffix == ".txt")
    assert outputs and all(p.stat().st_mode & 0o777 == 0o666 & ~umask for p in outputs)
    again = tmp_path / "again"
    shutil.copytree(fresh, again)
    kept = again / outputs[0].name
    kept.chmod(0o640)
    assert clean(str(corpus), str(again), "--force").exit_code == 0
    assert kept.stat().st_mode & 0o777 == 0o640
    assert kept.read_bytes() == outputs[0].read_bytes()
    assert all((again / p.name).stat().st_mode & 0o777 == 0o666 & ~umask for p in outputs[1:])


@pytest.mark.parametrize(("before", "fresh"), [(None, True), ([], True), (["x.txt"], False)])
def test_an_output_directory_is_fresh_only_when_missing_or_empty(
    tmp_path: Path, before: list[str] | None, fresh: bool
) -> None:
    out = tmp_path / "out"
    if before is not None:
        out.mkdir()
        for name in before:
            (out / name).write_text("left here")
    with OutputDirectory(out) as directory:
        assert directory.fresh is fresh


def test_a_missing_input_is_refused_before_out_is_made(tmp_path: Path) -> None:
    """Pass 1 starts while the inputs are still being found, but a path that does not
    exist is found out first: OUT is not created for a run that cannot start."""

    out = tmp_path / "out"
    with pytest.raises(UsageError, match="no such file or directory"):
        clean_run(tmp_path / "nowhere", out, Settings(jobs=1))
    assert not out.exists()


def test_clean_reports_pass_1_progress_up_to_every_document_found(
    corpus: Path, tmp_path: Path
) -> None:

    events: list[ProgressEvent] = []
    run = clean_run(corpus, tmp_path / "out", Settings(jobs=1), events.append)
    scan = [event for event in events if event.stage == "scan"]
    found = len(list(corpus.iterdir()))
    assert run.documents_in == found
    assert scan[-1].done == scan[-1].total == found
    assert all(event.done <= found for event in scan)
