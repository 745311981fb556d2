"""Killing `scrubber clean` with SIGKILL at any moment leaves no partial file; a rerun completes.

Real subprocesses over a generated corpus big enough for the process pool, killed at points
of every phase: while starting, scanning, writing documents (a few, half), writing the
manifest and the reports. The points are events seen in OUT, not times, so that each phase is
hit however fast the machine is. Each run after the first is a rerun into what the killed one
left, without --force. After every kill: each file present is complete (equal to the file of
the uninterrupted run), nothing else is there but the marker and temporary files. At the end a
rerun completes and its output equals the uninterrupted run's. The inputs never change.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scrubber.io.write import TEMP_SUFFIX
from scrubber.outputs import MARKER, REPORT_HTML, REPORT_JSON, STAGING
from tests.conftest import tree_digest
from tests.hostile_corpus import write_corpus
from tests.unprivileged import walk

DOCS = 300  # with 2 workers: well above parallel.IN_PROCESS_BELOW, two seconds a run
_TIMING = re.compile(r"\b(scan|dedup|templates|strip\+merge\+write) \d+\.\ds")


@dataclass(frozen=True)
class Reference:
    src: Path
    out: Path
    seconds: float
    inputs: dict[str, str]


def start_clean(src: Path, out: Path) -> subprocess.Popen[bytes]:
    """``scrubber clean`` in its own process group (its workers are killed with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "scrubber", "clean", str(src), str(out), "-q", "-j", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    base = tmp_path_factory.mktemp("kill")
    src = write_corpus(base / "src", DOCS)
    inputs = tree_digest(src)
    started = time.perf_counter()
    proc = start_clean(src, base / "reference")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return Reference(src, base / "reference", time.perf_counter() - started, inputs)


def normalized(path: Path) -> bytes:
    """A file's bytes, without the stage timings the reports hold."""
    data = path.read_bytes()
    if path.name == REPORT_JSON:
        report = json.loads(data)
        report["stats"].pop("seconds")
        return json.dumps(report, sort_keys=True).encode()
    if path.name == REPORT_HTML:
        return _TIMING.sub(r"\1 Xs", data.decode("utf-8")).encode()
    return data


def outputs(out: Path) -> Iterator[Path]:
    """The files under ``out`` (none when the run was killed before it made ``out``)."""
    if out.exists():
        for path, info in walk(out):
            if not stat.S_ISDIR(info.st_mode):
                yield Path(path)


def check_what_a_kill_left(out: Path, ref: Reference) -> tuple[int, int]:
    """Every file is complete (as in the reference) or is the marker or a temporary file
    (or in a temporary folder). Returns (complete files, temporary files)."""
    complete = temporary = 0
    for path in outputs(out):
        rel = path.relative_to(out).as_posix()
        if any(part.endswith(TEMP_SUFFIX) for part in path.relative_to(out).parts):
            temporary += 1
        elif rel != MARKER:
            assert normalized(path) == normalized(ref.out / rel), f"{rel} is not complete"
            complete += 1
    if complete and not (out / MARKER).exists():
        assert_same_as_reference(out, ref)  # the kill came after the run had finished
    return complete, temporary


def assert_same_as_reference(out: Path, ref: Reference) -> None:
    ours = {p.relative_to(out).as_posix(): normalized(p) for p in outputs(out)}
    theirs = {p.relative_to(ref.out).as_posix(): normalized(p) for p in outputs(ref.out)}
    assert sorted(ours) == sorted(theirs)
    assert ours == theirs


def test_the_reference_run_is_complete(reference: Reference) -> None:
    names = {p.name for p in outputs(reference.out)}
    assert {REPORT_JSON, REPORT_HTML, "manifest.jsonl"} <= names
    assert MARKER not in names and not any(n.endswith(TEMP_SUFFIX) for n in names)
    manifest = (reference.out / "manifest.jsonl").read_text().splitlines()
    assert len(manifest) == DOCS
    assert any('"merged"' in line for line in manifest)  # clusters were merged


Moment = Callable[[Path, float], bool]  # (OUT, the run's start time) -> kill now?


def _new(path: Path, since: float) -> bool:
    try:
        return path.stat().st_mtime >= since
    except FileNotFoundError:
        return False


def _documents_written(share: float) -> Moment:
    """When the document written at ``share`` of pass 2 is there (one stat per look: the
    test must not slow the run down)."""

    def moment(out: Path, since: float) -> bool:
        index = min(len(_DOCUMENTS) - 1, int(share * len(_DOCUMENTS)))
        return _new(out / _DOCUMENTS[index], since)

    return moment


_DOCUMENTS: list[str] = []  # the document outputs in the order they are written, filled below
MOMENTS: dict[str, Moment] = {
    "starting": lambda out, since: time.time() - since > 0.1,
    "scanning": lambda out, since: (out / MARKER).exists(),
    "first documents": _documents_written(0.05),
    "half the documents": _documents_written(0.5),
    "all documents": _documents_written(1.0),
    "manifest written": lambda out, since: _new(out / "manifest.jsonl", since),
    "report.json written": lambda out, since: _new(out / REPORT_JSON, since),
}


def kill_when(moment: Moment, src: Path, out: Path) -> str:
    """Start a run into ``out`` and kill it at ``moment``; 'killed', or 'finished' when the
    run ended first."""
    since = time.time() - 0.01  # file times may lag the clock a little
    proc = start_clean(src, out)
    while proc.poll() is None:
        if moment(out, since):
            kill_group(proc)
            return "killed"
        time.sleep(0.005)
    assert proc.returncode == 0
    return "finished"


def test_killed_runs_leave_only_complete_files_and_a_rerun_finishes(
    reference: Reference, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    manifest = (reference.out / "manifest.jsonl").read_text().splitlines()
    _DOCUMENTS[:] = [r["output"] for r in map(json.loads, manifest) if "output" in r]
    seen: dict[str, tuple[int, int]] = {}
    for name, moment in MOMENTS.items():
        outcome = kill_when(moment, reference.src, out)  # a rerun into what the last one left
        if outcome == "finished":  # it ended before the moment came: it must be whole
            assert_same_as_reference(out, reference)
            subprocess.run(["rm", "-rf", str(out)], check=True)
        seen[name] = check_what_a_kill_left(out, reference)
    proc = start_clean(reference.src, out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert_same_as_reference(out, reference)
    assert tree_digest(reference.src) == reference.inputs
    # The kills must have hit runs that were writing, or this proved nothing.
    assert seen["half the documents"][0] >= len(_DOCUMENTS) // 2, seen
    assert seen["manifest written"][0] > len(_DOCUMENTS), seen


def test_a_run_killed_while_its_documents_wait_in_the_staging_folder(
    reference: Reference, tmp_path: Path
) -> None:
    """Into an empty OUT, documents are written in a staging folder and moved into OUT when
    all are written: a run killed before leaves none in OUT, and a rerun removes the folder
    and finishes."""
    out = tmp_path / "out"
    manifest = (reference.out / "manifest.jsonl").read_text().splitlines()
    outputs_ = [r["output"] for r in map(json.loads, manifest) if "output" in r]
    half = out / STAGING / outputs_[len(outputs_) // 2]
    assert kill_when(lambda out, since: half.exists(), reference.src, out) == "killed"
    complete, temporary = check_what_a_kill_left(out, reference)
    assert (complete, (out / MARKER).exists()) == (0, True)
    assert temporary >= len(outputs_) // 2  # the documents staged so far, none of them in OUT
    proc = start_clean(reference.src, out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert_same_as_reference(out, reference)
    assert not (out / STAGING).exists()


def test_a_rerun_works_when_only_the_main_process_was_killed(
    reference: Reference, tmp_path: Path
) -> None:
    """``kill -9`` of the main process alone leaves its pool workers orphaned (and holding
    the marker's descriptor): they must not keep the output directory locked."""
    out = tmp_path / "out"
    manifest = (reference.out / "manifest.jsonl").read_text().splitlines()
    _DOCUMENTS[:] = [r["output"] for r in map(json.loads, manifest) if "output" in r]
    moment = _documents_written(0.3)
    since = time.time() - 0.01
    proc = start_clean(reference.src, out)
    try:
        while not moment(out, since):
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)  # not the group: the workers live on
        proc.wait()
        rerun = start_clean(reference.src, out)
        _, err = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, err.decode()
        assert_same_as_reference(out, reference)
    finally:
        kill_group(proc)  # the orphaned workers, if any are left
