"""Hostile inputs through the CLI: a directory of bad files mixed with good ones.

Every bad input gets one line on stderr naming it and what is wrong, a ``failed`` record in
the manifest and exit code 3; everything else is cleaned exactly as it is without the bad
inputs; nothing is written outside OUT; the inputs are not modified. The committed inputs are
in ``fixtures/hostile/corpus`` (see its ``make_fixtures.py``); what cannot be committed (mode
000, symlinks, FIFOs, names that are not UTF-8, 1,100 nested directories, a multi-megabyte
line) is made here. As root (here and in CI) scrubber runs without the capabilities that let
root read files of mode 000, so that mode 000 means something (``tests/unprivileged.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.unprivileged import CliRun, open_up, run_in_process, run_scrubber, walk, world_tmp

HOSTILE = ROOT / "fixtures" / "hostile" / "corpus"
DEPTH = 400  # nested directories, more than the recursion limit of that test
LONG_LINE_BYTES = 4 * 1024 * 1024  # one line; bench/hostile_scale.py runs 50 MB
GOOD_RECORDS = ("good-1", "../../etc/passwd", "/etc/cron.d/evil", "C:\\Windows\\evil.txt", "good-2")

# doc_id (as the manifest names it) -> what its reason must say
FAILS = {
    "image.txt": "not text: a PNG image",
    "archive.txt": "not text: gzip-compressed data",
    "nul_bytes.txt": "not text: binary data (it contains NUL bytes)",
    "photo.jsonl": "not JSON Lines: a PNG image",
    "records.jsonl:2": "not valid JSON",
    "records.jsonl:3": "no 'text' field",
    "records.jsonl:4": "'text' is a number, not a string",
    "records.jsonl:5": "'text' is a null, not a string",
    "records.jsonl:6": "no 'id' field",
    "records.jsonl:7": "duplicate id 'good-1' (first on line 1)",
    "records.jsonl:11": "'id' is a array",
    "records.jsonl:12": "a JSON array where an object",
    "records.jsonl:14": "not valid JSON (Unterminated string",
    "locked.txt": "cannot open: permission denied (make it readable",
    "locked_dir": "cannot list this directory: permission denied",
    "loop_a.txt": "a symlink loop",
    "loop_b.txt": "a symlink loop",
    "dangling.txt": "a dangling symlink to missing.txt",
    "again": "a symlink to a directory already walked",
    "caf\\xe9.txt": "the file name is not valid UTF-8",
    "dir\\xff": "the directory name is not valid UTF-8",
    "pipe.txt": "not a regular file",
    "evil\n\x1b[2J.txt": "not text: a PNG image",
}


@dataclass(frozen=True)
class Corpus:
    base: Path  # world-writable scratch directory
    src: Path  # the hostile corpus
    good: Path  # the same corpus without the inputs that fail


def make_corpus(base: Path) -> Corpus:
    src, good = base / "src", base / "good"
    for folder in (src, good):
        shutil.copytree(SEEDS, folder)
        for name in ("damaged_utf8.txt", "empty.txt", "blank.txt"):
            shutil.copy(HOSTILE / name, folder / name)
        (folder / ("long" * 60 + ".txt")).write_text("A document with a very long name.\n")
        (folder / "huge_line.txt").write_bytes(_one_long_line(LONG_LINE_BYTES))
    for name in ("image.txt", "archive.txt", "nul_bytes.txt", "photo.jsonl", "records.jsonl"):
        shutil.copy(HOSTILE / name, src / name)
    records = (HOSTILE / "records.jsonl").read_text(encoding="utf-8").splitlines()
    good_records = [line for line in records if _record_id(line) in GOOD_RECORDS]
    good_records.remove(records[6])  # the second "good-1", a duplicate id
    (good / "records.jsonl").write_text("\n".join(good_records) + "\n", encoding="utf-8")
    _unusable_entries(src)
    open_up(base)
    (src / "locked.txt").chmod(0)
    (src / "locked_dir").chmod(0)
    return Corpus(base, src, good)


def _deep_tree(folder: Path) -> str:
    """DEPTH nested directories with one document at the bottom; its doc_id."""
    deep = os.fspath(folder / "deep")
    os.mkdir(deep)
    for _ in range(DEPTH):  # os.makedirs recurses: build it level by level
        deep += "/d"
        os.mkdir(deep)
    Path(deep, "bottom.txt").write_text("A sentence at the bottom of a very deep tree.\n")
    return "deep/" + "d/" * DEPTH + "bottom.txt"


def _one_long_line(size: int) -> bytes:
    """Words without a single newline (a minified page or an export that lost its breaks)."""
    rng = random.Random(6)
    words = [f"{rng.choice('bcdfgklmnprstvz')}{rng.choice('aeiou')}{n}" for n in range(5000)]
    text = " ".join(rng.choice(words) for _ in range(size // 5))
    return text.encode("ascii")[:size]


def _record_id(line: str) -> object:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value.get("id") if isinstance(value, dict) else None


def _unusable_entries(src: Path) -> None:
    (src / "locked.txt").write_text("Nobody may read this.\n")
    (src / "locked_dir").mkdir()
    (src / "locked_dir" / "inside.txt").write_text("Nor this.\n")
    os.symlink("loop_b.txt", src / "loop_a.txt")
    os.symlink("loop_a.txt", src / "loop_b.txt")
    os.symlink("missing.txt", src / "dangling.txt")
    os.symlink(".", src / "again")
    base = os.fsencode(src)
    with open(base + b"/caf\xe9.txt", "wb") as handle:
        handle.write(b"A file whose name is Latin-1.\n")
    os.mkdir(base + b"/dir\xff")
    with open(base + b"/dir\xff/inner.txt", "wb") as handle:
        handle.write(b"Inside a directory whose name is not UTF-8.\n")
    os.mkfifo(src / "pipe.txt")
    (src / "evil\n\x1b[2J.txt").write_bytes((HOSTILE / "image.txt").read_bytes())


def snapshot(top: Path, skip: Path | None = None) -> dict[str, tuple[int, str]]:
    """Every entry under ``top`` (symlinks not followed): its type and content digest."""
    found = {}
    for path, info in walk(top):
        if skip is not None and Path(path).is_relative_to(skip):
            continue
        if stat.S_ISREG(info.st_mode):
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        elif stat.S_ISLNK(info.st_mode):
            digest = os.readlink(path)
        else:
            digest = ""
        found[os.path.relpath(path, top)] = (stat.S_IFMT(info.st_mode), digest)
    return found


def files_under(out: Path) -> dict[str, bytes]:
    return {
        os.path.relpath(path, out): Path(path).read_bytes()
        for path, info in walk(out)
        if stat.S_ISREG(info.st_mode)
    }


def manifest(out: Path) -> list[dict[str, object]]:
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def corpus() -> Iterator[Corpus]:
    with world_tmp() as base:
        yield make_corpus(base)


@pytest.fixture(scope="module")
def hostile_run(corpus: Corpus) -> Iterator[tuple[CliRun, Path, dict[str, tuple[int, str]]]]:
    out = corpus.base / "a" / "b" / "out"  # "../../x" from OUT would land in base
    out.parent.mkdir(parents=True)
    open_up(corpus.base / "a")
    before = snapshot(corpus.base)
    run = run_scrubber(["clean", str(corpus.src), str(out), "--quiet"], corpus.base)
    yield run, out, before


@pytest.fixture(scope="module")
def good_out(corpus: Corpus) -> Path:
    out = corpus.base / "good_out"
    run = run_scrubber(["clean", str(corpus.good), str(out), "--quiet"], corpus.base)
    assert run.exit_code == 0, run.stderr
    return out


def test_exit_code_is_3(hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]]) -> None:
    run, _, _ = hostile_run
    assert run.exit_code == 3, run.stderr


def test_one_stderr_line_per_bad_input_naming_it(
    hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]],
) -> None:
    run, _, _ = hostile_run
    lines = run.stderr.splitlines()
    assert len(lines) == len(FAILS) + 1, run.stderr  # and the summary
    assert lines[-1].startswith("scrubber: ") and "documents in" in lines[-1]
    skipped = lines[:-1]
    for doc_id, reason in FAILS.items():
        shown = doc_id.replace("\n", "\\x0a").replace("\x1b", "\\x1b")  # never raw controls
        matching = [line for line in skipped if line.startswith(f"scrubber: skipped {shown}: ")]
        assert len(matching) == 1, (doc_id, skipped)
        assert reason in matching[0]
    assert not any("\x1b" in line for line in lines)


def test_every_bad_input_is_failed_in_the_manifest(
    hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]],
) -> None:
    _, out, _ = hostile_run
    records = manifest(out)
    inputs = [r["input"] for r in records]
    assert len(inputs) == len(set(inputs))
    failed = {r["input"]: str(r["reason"]) for r in records if r["status"] == "failed"}
    assert set(failed) == set(FAILS)
    for doc_id, reason in FAILS.items():
        assert reason in failed[doc_id]
    assert "\n" not in "".join(failed.values())


def test_good_inputs_are_cleaned_exactly_as_without_the_bad_ones(
    hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]], good_out: Path
) -> None:
    _, out, _ = hostile_run
    own = {"manifest.jsonl", "report.json", "report.html"}
    ours = {name: data for name, data in files_under(out).items() if name not in own}
    expected = {name: data for name, data in files_under(good_out).items() if name not in own}
    assert sorted(ours) == sorted(expected)
    for name, data in expected.items():
        assert ours[name] == data, name
    kept = [r for r in manifest(out) if r["status"] != "failed"]
    assert kept == manifest(good_out)


def test_the_seeds_are_cleaned_as_they_are_without_any_hostile_file(
    corpus: Corpus, hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]]
) -> None:
    """Stronger than the test above: not even the odd inputs that are processed (empty,
    blank, damaged, one huge line) change how the good pages next to them are cleaned."""
    _, out, _ = hostile_run
    alone = corpus.base / "seeds_out"
    assert run_scrubber(["clean", str(SEEDS), str(alone), "-q"], corpus.base).exit_code == 0
    for name, data in files_under(alone).items():
        if name.endswith(".txt"):
            assert (out / name).read_bytes() == data, name


def test_the_odd_but_usable_inputs_are_processed(
    hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]],
) -> None:
    _, out, _ = hostile_run
    records = {str(r["input"]): r for r in manifest(out)}
    assert (out / "empty.txt").read_bytes() == b""
    assert records["empty.txt"]["lines_in"] == records["empty.txt"]["lines_removed"] == 0
    assert (out / "blank.txt").read_bytes() == b""
    assert records["blank.txt"]["lines_in"] == records["blank.txt"]["lines_removed"] == 4
    damaged = (out / "damaged_utf8.txt").read_text(encoding="utf-8")
    assert damaged.count("\ufffd") == 2 and "Les commerçants, réunis" in damaged  # rest intact
    assert records["damaged_utf8.txt"]["encoding"] == "utf-8"
    assert (out / "huge_line.txt").stat().st_size == LONG_LINE_BYTES + 1  # and its newline
    (long_name,) = [r for r in records if r.startswith("longlong")]
    output = str(records[long_name]["output"])
    assert len(output.encode()) <= 200 and (out / output).is_file()


def test_jsonl_ids_never_become_paths(
    hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]],
) -> None:
    _, out, _ = hostile_run
    lines = (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(GOOD_RECORDS)
    assert not (out / "etc").exists() and not (out.parent.parent.parent / "etc").exists()


def test_nothing_is_written_outside_out_and_inputs_are_unchanged(
    corpus: Corpus, hostile_run: tuple[CliRun, Path, dict[str, tuple[int, str]]]
) -> None:
    _, out, before = hostile_run
    after = snapshot(corpus.base, skip=out)
    assert {k: v for k, v in after.items() if k in before} == before
    other_tests = ("good_out", "seeds_out", "strict", "alone_out", "in_process_out", "a/b/out")
    new = [k for k in after if k not in before and not k.startswith(other_tests)]
    assert new == []
    leftovers = [p for p in files_under(out) if ".scrubber" in p or p.endswith(".tmp")]
    assert leftovers == []


def test_strict_errors_fail_the_damaged_file(corpus: Corpus) -> None:
    src = corpus.base / "strict"
    src.mkdir()
    shutil.copy(HOSTILE / "damaged_utf8.txt", src)
    shutil.copy(SEEDS / sorted(os.listdir(SEEDS))[0], src)
    config = corpus.base / "strict.toml"
    config.write_text('errors = "strict"\n')
    open_up(src)
    out = corpus.base / "strict_out"
    run = run_scrubber(["clean", str(src), str(out), "-q", "--config", str(config)], corpus.base)
    assert run.exit_code == 3
    (line, _summary) = run.stderr.splitlines()
    assert line.startswith("scrubber: skipped damaged_utf8.txt: not valid utf-8: byte 0xe9")
    assert "errors = 'replace'" in line
    assert [r["status"] for r in manifest(out)] == ["kept", "failed"]


def test_a_bad_file_given_alone_fails_with_exit_3(corpus: Corpus) -> None:
    out = corpus.base / "alone_out"
    run = run_scrubber(["clean", str(corpus.src / "image.txt"), str(out), "-q"], corpus.base)
    assert run.exit_code == 3
    assert run.stderr.splitlines()[0] == (
        "scrubber: skipped image.txt: not text: a PNG image (remove it or exclude it with globs)"
    )
    assert manifest(out) == [
        {
            "input": "image.txt",
            "status": "failed",
            "lines_in": 0,
            "lines_removed": 0,
            "reason": "not text: a PNG image (remove it or exclude it with globs)",
        }
    ]


def test_dupes_reports_the_same_failures(corpus: Corpus) -> None:
    run = run_in_process(["dupes", str(corpus.src), "--quiet", "--format", "json"], corpus.base)
    assert run.exit_code == 3
    skipped = [line for line in run.stderr.splitlines() if line.startswith("scrubber: skipped")]
    assert len(skipped) == len(FAILS)
    assert json.loads(run.stdout)["clusters"]  # the seeds' duplicates are still found


def test_in_process_runner_as_nobody_sees_the_same(corpus: Corpus) -> None:
    """CliRunner in this process, as nobody: the same failures as the subprocess."""
    out = corpus.base / "in_process_out"
    run = run_in_process(["clean", str(corpus.src), str(out), "--quiet"], corpus.base)
    assert run.exit_code == 3
    failed = {r["input"] for r in manifest(out) if r["status"] == "failed"}
    assert failed == set(FAILS)


def test_deeply_nested_directories_are_walked_and_written() -> None:
    """Deeper than the recursion limit: Path.mkdir(parents=True), os.makedirs and os.walk
    recurse once per level (before Python 3.12). The limit is lowered to keep the tree small."""
    with world_tmp() as base:
        src = base / "src"
        shutil.copytree(SEEDS, src)
        bottom = _deep_tree(src)
        args = ["clean", str(src), str(base / "out"), "-q"]
        run = run_scrubber(args, base, recursion_limit=DEPTH - 100)
        assert run.exit_code == 0, run.stderr
        records = {r["input"]: r for r in manifest(base / "out")}
        assert records[bottom]["output"] == bottom
        text = (base / "out" / bottom).read_text()
        assert text == "A sentence at the bottom of a very deep tree.\n"
