"""Atomic writing and safe output paths."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber.errors import UsageError
from scrubber.finish import _commit
from scrubber.io.write import (
    MAX_SEGMENT_BYTES,
    TEMP_SUFFIX,
    AtomicJsonlWriter,
    atomic_write_bytes,
    atomic_write_parts,
    atomic_write_text,
    json_bytes,
    json_line,
    output_name,
    safe_output_path,
)
from scrubber.model import DocRef, InputFailure, ManifestRecord, Scanned, Status
from scrubber.outputs import STAGING, OutputWriter


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_text_is_utf8_with_newlines_as_given(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "doc.txt"
    atomic_write_text(target, "Ёлка\nline two\n")
    assert target.read_bytes() == "Ёлка\nline two\n".encode()
    assert leftovers(target.parent) == []


def test_atomic_write_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "doc.txt"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_new_files_follow_the_umask_not_mkstemp(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "new.txt", b"x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_jsonl_writer_writes_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out" / "manifest.jsonl"
    with AtomicJsonlWriter(target) as writer:
        writer.write({"input": "a.txt", "text": "Ё\n"})
        writer.write(ManifestRecord(input="b.txt", status=Status.KEPT, output="b.txt"))
        assert not target.exists()  # nothing visible until the block ends
    assert writer.count == 2
    lines = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"input": "a.txt", "text": "Ё\n"}
    assert json.loads(lines[1])["status"] == "kept"
    assert "Ё" in lines[0]  # ensure_ascii=False
    assert leftovers(target.parent) == []


def test_jsonl_writer_leaves_nothing_on_exception(tmp_path: Path) -> None:
    target = tmp_path / "manifest.jsonl"
    target.write_text("previous run\n")
    with pytest.raises(RuntimeError), AtomicJsonlWriter(target) as writer:
        writer.write({"a": 1})
        raise RuntimeError("stage failed")
    assert target.read_text() == "previous run\n"
    assert leftovers(tmp_path) == []


def test_jsonl_writer_cleans_up_after_a_record_it_cannot_encode(tmp_path: Path) -> None:
    with pytest.raises(TypeError), AtomicJsonlWriter(tmp_path / "x.jsonl") as writer:
        writer.write({"input": "a.txt"})
        writer.write({"similarity": object()})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "value",
    [
        {"input": "a/b.txt", "status": "kept", "confidence": 0.873, "lines_in": 27},
        ["Ёлка « » \u2028 </script>", 0, -1, 1.0, 0.0001, True, None, [], {}],
        {"nested": [{"line": 3, "text": 'tab\there, quote " and backslash \\'}]},
    ],
)
def test_json_bytes_is_compact_json_as_the_standard_library_writes_it(value: object) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert json_bytes(value) == expected.encode("utf-8")
    assert json_line(value) == expected.encode("utf-8") + b"\n"


def test_json_bytes_beyond_orjson() -> None:
    assert json.loads(json_bytes({"big": 2**70})) == {"big": 2**70}
    assert json_bytes(["lone \ud800 surrogate"]) == '["lone \ufffd surrogate"]'.encode()
    assert json_line({"big": 2**70}) == b'{"big":1180591620717411303424}\n'
    assert json_line(["lone \ud800"]) == '["lone \ufffd"]\n'.encode()
    assert json_bytes({"similarity": math.nan}) == b'{"similarity":null}'


def test_jsonl_writer_outside_with_block_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        AtomicJsonlWriter(tmp_path / "x.jsonl").write({})


def test_failed_bytes_write_leaves_no_temp(tmp_path: Path) -> None:
    (tmp_path / "target").mkdir()  # os.replace cannot put a file over a directory
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "target", b"x")
    assert leftovers(tmp_path) == []


@dataclass(frozen=True)
class Case:
    doc_id: str
    expected: str


@pytest.mark.parametrize(
    "case",
    [
        Case("news/a.txt", "news/a.txt"),
        Case("a.txt", "a.txt"),
        Case("кириллица/東京 file.txt", "кириллица/東京 file.txt"),
        Case("../../etc/passwd", "%2E%2E/%2E%2E/etc/passwd"),
        Case("/etc/passwd", "etc/passwd"),
        Case("//server/share/x", "server/share/x"),
        Case("a/./b//c", "a/b/c"),
        Case("..\\..\\windows\\win.ini", "%2E%2E/%2E%2E/windows/win.ini"),
        Case("C:\\Windows\\x", "C%3A/Windows/x"),
        Case("c:relative", "c%3Arelative"),
        Case("a\x00b/c\nd", "a%00b/c%0Ad"),
        Case("", "_"),
        Case("/", "_"),
        Case("..", "%2E%2E"),
        Case("data.jsonl#../../x", "data.jsonl#../%2E%2E/x"),  # "data.jsonl#.." is a name
        Case("lone\ud800surrogate", "lone\ufffdsurrogate"),
    ],
    ids=lambda case: repr(case.doc_id),
)
def test_safe_output_path(tmp_path: Path, case: Case) -> None:
    assert safe_output_path(tmp_path, case.doc_id) == tmp_path.joinpath(*case.expected.split("/"))


def test_long_segments_are_shortened_stably(tmp_path: Path) -> None:
    first = safe_output_path(tmp_path, "d/" + "я" * 300 + ".txt")
    second = safe_output_path(tmp_path, "d/" + "я" * 301 + ".txt")
    assert first != second
    assert first == safe_output_path(tmp_path, "d/" + "я" * 300 + ".txt")
    assert first.suffix == ".txt"
    assert len(first.name.encode()) <= MAX_SEGMENT_BYTES
    atomic_write_text(first, "fits")  # the file system accepts the name


@given(st.text(max_size=80))
def test_safe_output_path_never_escapes(doc_id: str) -> None:
    out = Path("/srv/out")
    target = safe_output_path(out, doc_id)
    assert target != out
    assert target.parts[: len(out.parts)] == out.parts
    assert ".." not in target.parts[len(out.parts) :]
    assert Path(os.path.normpath(target)).is_relative_to(out)
    assert "\x00" not in str(target)
    str(target).encode("utf-8")


_ID_PARTS = [*"ab./\\:\x00\x1f\x7f é-_", "x" * 150, "C:", ".."]


@given(st.lists(st.sampled_from(_ID_PARTS), max_size=10).map("".join))
def test_output_name_is_the_safe_path(doc_id: str) -> None:
    assert output_name(doc_id) == safe_output_path(Path(), doc_id).as_posix()


def test_staged_document_appears_only_when_committed(tmp_path: Path) -> None:
    ref = DocRef("news/a.txt", "/in/news/a.txt")
    with OutputWriter(tmp_path) as writer:
        assert writer.stage(ref, "kept text") == "news/a.txt"
        (staged,) = (tmp_path / "news").iterdir()
        assert staged.name.endswith(TEMP_SUFFIX) and staged.read_text() == "kept text\n"
        assert not (tmp_path / "news" / "a.txt").exists()
        writer.commit(ref)
    assert [p.name for p in (tmp_path / "news").iterdir()] == ["a.txt"]
    assert (tmp_path / "news" / "a.txt").read_text() == "kept text\n"


def test_a_discarded_or_rewritten_stage_leaves_nothing_behind(tmp_path: Path) -> None:
    merged, changed = DocRef("a.txt", "/in/a.txt"), DocRef("b.txt", "/in/b.txt")
    with OutputWriter(tmp_path) as writer:
        writer.stage(merged, "a duplicate")
        writer.stage(changed, "before the templates")
        writer.discard(merged)
        writer.write(changed, "after the templates")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.txt"]
    assert (tmp_path / "b.txt").read_text() == "after the templates\n"


def test_a_fresh_out_gets_its_documents_only_when_they_are_published(tmp_path: Path) -> None:
    """Into an empty OUT, documents wait in the staging folder under their own names (no
    commit moves them) and ``publish`` moves the folder's entries into OUT."""
    kept, merged = DocRef("news/a.txt", "/in/news/a.txt"), DocRef("b.txt", "/in/b.txt")
    changed = DocRef("news/deep/c.txt", "/in/news/deep/c.txt")
    with OutputWriter(tmp_path, fresh=True) as writer:
        assert not writer.commits
        for ref in (kept, merged, changed):
            writer.stage(ref, f"staged {ref.doc_id}")
        writer.commit(kept)  # nothing to do
        writer.discard(merged)
        staged = tmp_path / STAGING / "news" / "deep" / "c.txt"
        inode = staged.stat().st_ino
        writer.write(changed, "after the templates")
        assert staged.stat().st_ino == inode  # overwritten in place: no file made, none freed
        assert writer.staged_text(Scanned(kept, output="news/a.txt")) == "staged news/a.txt"
        assert sorted(p.name for p in tmp_path.iterdir()) == [STAGING]
        assert (tmp_path / STAGING / "news" / "a.txt").read_text() == "staged news/a.txt\n"
        writer.publish()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "news",
        "news/a.txt",
        "news/deep",
        "news/deep/c.txt",
    ]
    assert (tmp_path / "news" / "deep" / "c.txt").read_text() == "after the templates\n"


def test_publish_names_what_it_cannot_move(tmp_path: Path) -> None:
    with OutputWriter(tmp_path, fresh=True) as writer:
        writer.stage(DocRef("news/a.txt", "/in/news/a.txt"), "kept text")
        (tmp_path / "news").write_text("not a folder")  # in the way (OUT was not empty after all)
        with pytest.raises(UsageError, match="cannot move news into place"):
            writer.publish()


@pytest.mark.parametrize("text", ["kept text", "", "ends with an empty line\n", "Ä ß 東京\n\nb"])
def test_staged_text_reads_back_what_was_staged(tmp_path: Path, text: str) -> None:
    """Clean's verification reads pass 1's stripped text back instead of stripping again:
    it must be the text exactly, for a text file and for a JSON Lines record."""
    page = DocRef("news/a.txt", "/in/news/a.txt")
    record = DocRef("c.jsonl#7", "/in/c.jsonl", kind="jsonl", member="7")
    with OutputWriter(tmp_path) as writer:
        as_page = Scanned(page, output=writer.stage(page, text))
        output, staged = writer.stage_record(record, text)
        as_record = Scanned(record, output=output, staged=staged)
        assert writer.staged_text(as_page) == text
        assert writer.staged_text(as_record) == text


def test_staged_text_is_none_when_nothing_can_be_read_back(tmp_path: Path) -> None:
    ref = DocRef("a.txt", "/in/a.txt")
    with OutputWriter(tmp_path) as writer:
        assert writer.staged_text(Scanned(ref)) is None  # pass 1 staged nothing
        staged = Scanned(ref, output=writer.stage(ref, "text"))
        writer.discard(ref)
        assert writer.staged_text(staged) is None  # gone: the caller reads the input


def _stage_in_child(writer: OutputWriter, refs: list[DocRef], queue: Any) -> None:
    queue.put([writer.stage_record(ref, f"text of {ref.member}") for ref in refs])


def test_records_staged_by_workers_are_copied_in_the_callers_order(tmp_path: Path) -> None:
    """JSON Lines outputs are one file: worker processes stage their lines in files of
    their own (unbuffered: a worker ends without flushing), the main process copies them
    in input order, and the staged files are gone at the end."""
    refs = [DocRef(f"c.jsonl#{n}", "/in/c.jsonl", kind="jsonl", member=str(n)) for n in range(6)]
    expected = tmp_path / "expected"
    with OutputWriter(expected) as writer:
        for ref in refs:
            writer.write(ref, f"text of {ref.member}")
    out = tmp_path / "out"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with OutputWriter(out) as writer:
        children = [
            context.Process(target=_stage_in_child, args=(writer, half, queue))
            for half in (refs[:3], refs[3:])
        ]
        for child in children:
            child.start()
        staged = dict(x for _ in children for x in queue.get(timeout=60))
        for child in children:
            child.join()
        assert len({path for path, _, _ in staged.values()}) == 2  # a file per process
        for ref in reversed(refs):  # any order the caller chooses
            writer.copy_staged(staged[f"documents.jsonl#{ref.doc_id}"])
    lines = (out / "documents.jsonl").read_bytes().splitlines()
    assert lines == list(reversed((expected / "documents.jsonl").read_bytes().splitlines()))
    assert sorted(p.name for p in out.iterdir()) == ["documents.jsonl"]


def test_a_staged_document_that_cannot_be_moved_in_fails_alone_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    ref = DocRef("a.txt", "/in/a.txt")
    with OutputWriter(tmp_path) as writer:
        writer.stage(ref, "staged text")
        (tmp_path / "a.txt").mkdir()  # something in its way: a directory of that name
        failure = _commit(Scanned(ref), writer)
    assert isinstance(failure, InputFailure) and "a.txt" in failure.reason
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert (tmp_path / "a.txt").is_dir()


def test_a_file_written_in_parts_is_their_concatenation(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.json"
    atomic_write_parts(target, (f"part {n}\n".encode() for n in range(5000)))
    assert target.read_bytes() == b"".join(f"part {n}\n".encode() for n in range(5000))
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_a_failure_between_parts_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"the previous report")

    def parts() -> Iterator[bytes]:
        yield b"x" * (3 << 20)  # more than the buffer: some of it is on disk already
        raise ValueError("not JSON")

    with pytest.raises(ValueError, match="not JSON"):
        atomic_write_parts(target, parts())
    assert target.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
