"""JSON Lines input: line offsets, record validation, ids and sites, reading records back."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from scrubber.config import DEFAULT_GLOBS
from scrubber.errors import InputError
from scrubber.io import (
    PendingRecord,
    RecordIds,
    iter_jsonl_lines,
    iter_refs,
    jsonl,
    load_document,
    pending_document,
    read_documents,
)
from scrubber.io.write import safe_output_path
from scrubber.model import DocRef, Document, InputFailure


def write_jsonl(path: Path, lines: list[Any], newline: str = "\n") -> Path:
    """Objects are dumped as JSON; strings are written as they are (to make broken lines)."""
    text = "".join(
        (x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + newline for x in lines
    )
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        path.write_bytes(data)
    return path


def scan(*paths: Path) -> list[DocRef | InputFailure]:
    return list(iter_refs([str(p) for p in paths], DEFAULT_GLOBS))


GOOD = [
    {"id": "a", "text": "first\r\nrecord", "url": "https://www.example.org/x?y=1"},
    {"id": 7, "text": "int id", "site": "news.example"},
    {"id": "c", "text": ""},
]


@pytest.mark.parametrize("name", ["data.jsonl", "data.jsonl.gz"])
def test_line_offsets_point_at_the_lines(tmp_path: Path, name: str) -> None:
    path = write_jsonl(tmp_path / name, ['{"id": 1}', "", '{"id": "é"}'], newline="\r\n")
    lines = list(iter_jsonl_lines(path))
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    assert [(no, line) for no, _, line in lines] == [
        (1, b'{"id": 1}'),
        (2, b""),
        (3, '{"id": "é"}'.encode()),
    ]
    for _, offset, line in lines:
        assert raw[offset : offset + len(line)] == line


def test_bom_at_the_start_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": 1, "text": "x"}\n')
    (ref,) = scan(path)
    assert isinstance(ref, DocRef)
    assert load_document(ref).text == "x"


@pytest.mark.parametrize("name", ["data.jsonl", "data.jsonl.gz"])
def test_records_given_directly(tmp_path: Path, name: str) -> None:
    path = write_jsonl(tmp_path / name, GOOD)
    found = scan(path)
    assert [
        (r.doc_id, r.member, r.line_no, r.kind, r.site) for r in found if isinstance(r, DocRef)
    ] == [
        ("a", "a", 1, "jsonl", "www.example.org"),
        ("7", "7", 2, "jsonl", "news.example"),
        ("c", "c", 3, "jsonl", name),
    ]
    docs = [load_document(r) for r in found if isinstance(r, DocRef)]
    assert [d.text for d in docs] == ["first\nrecord", "int id", ""]
    assert {(d.encoding, d.confidence) for d in docs} == {("utf-8", 1.0)}


def test_records_inside_a_directory_are_prefixed_by_the_file(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "corpus" / "dump" / "part1.jsonl.gz", GOOD)
    write_jsonl(tmp_path / "corpus" / "dump" / "part0.jsonl", [{"id": "z", "text": "t"}])
    found = scan(tmp_path / "corpus")
    assert [r.doc_id for r in found] == [
        "dump/part0.jsonl#z",
        "dump/part1.jsonl.gz#a",
        "dump/part1.jsonl.gz#7",
        "dump/part1.jsonl.gz#c",
    ]
    assert isinstance(found[0], DocRef)
    assert found[0].site == "dump/part0.jsonl"  # no site or url field: the file groups them


def test_several_jsonl_paths_are_prefixed(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": 1, "text": "x"}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": 1, "text": "y"}])
    assert [r.doc_id for r in scan(a, b)] == ["a.jsonl/1", "b.jsonl/1"]


def test_bad_lines_fail_and_the_rest_goes_on(tmp_path: Path) -> None:
    lines: list[Any] = [
        {"id": "ok", "text": "fine"},
        "{not json",
        "[1, 2]",
        {"text": "no id"},
        {"id": "no-text"},
        {"id": "n", "text": 5},
        {"id": "ok", "text": "duplicate"},
        {"id": True, "text": "bool id"},
        {"id": 1.5, "text": "float id"},
        {"id": "", "text": "empty id"},
        {"id": None, "text": "null id"},
        "",
        {"id": "last", "text": "still read"},
    ]
    found = scan(write_jsonl(tmp_path / "d.jsonl", lines))
    good = [r.doc_id for r in found if isinstance(r, DocRef)]
    bad = {r.doc_id: r.reason for r in found if isinstance(r, InputFailure)}
    assert good == ["ok", "last"]
    assert list(bad) == [f"d.jsonl:{n}" for n in range(2, 12)]
    assert "not valid JSON" in bad["d.jsonl:2"]
    assert "no 'id'" in bad["d.jsonl:4"]
    assert "no 'text'" in bad["d.jsonl:5"]
    assert "'text' is a number" in bad["d.jsonl:6"]
    assert "duplicate id 'ok' (first on line 1)" in bad["d.jsonl:7"]
    assert "boolean" in bad["d.jsonl:8"]
    for reason in bad.values():
        assert "\n" not in reason


def test_truncated_gzip_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    records = [{"id": i, "text": f"record {i} " * 50} for i in range(200)]
    full = write_jsonl(tmp_path / "full.jsonl.gz", records).read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(full[: len(full) // 2])
    found = scan(cut)
    assert isinstance(found[-1], InputFailure)
    assert "records before it were kept" in found[-1].reason
    assert 0 < len(found) - 1 < 200
    assert all(isinstance(r, DocRef) for r in found[:-1])


def test_gz_records_read_in_any_order(tmp_path: Path) -> None:
    records = [{"id": i, "text": f"text {i}"} for i in range(50)]
    refs = [r for r in scan(write_jsonl(tmp_path / "x.jsonl.gz", records)) if isinstance(r, DocRef)]
    for ref in [*refs[::-1], *refs[::7], *refs]:
        assert load_document(ref).text == f"text {ref.member}"


def test_changed_file_is_an_input_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "a", "text": "1"}, {"id": "b", "text": "2"}])
    refs = [r for r in scan(path) if isinstance(r, DocRef)]
    write_jsonl(path, [{"id": "b", "text": "2"}, {"id": "a", "text": "1"}])
    with pytest.raises(InputError, match="changed"):
        load_document(refs[1])


def test_undecodable_bytes_and_surrogates_in_records(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "a", "text": "caf\xe9"}\n{"id": "b", "text": "x\\ud800y"}\n')
    first, second = (r for r in scan(path) if isinstance(r, DocRef))
    doc = load_document(first)
    assert (doc.text, doc.warnings) == ("caf\ufffd", ("replaced 1 undecodable bytes",))
    assert load_document(second).text == "x\ufffdy"
    with pytest.raises(InputError, match="not valid UTF-8"):
        load_document(first, errors="strict")
    with pytest.raises(InputError, match="surrogate"):
        load_document(second, errors="strict")


def test_hostile_ids_stay_inside_the_output_directory(tmp_path: Path) -> None:
    hostile = ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\x", "a\x00b", "..", "."]
    path = write_jsonl(tmp_path / "in" / "h.jsonl", [{"id": i, "text": "x"} for i in hostile])
    out = tmp_path / "out"
    refs = [r for r in scan(path) if isinstance(r, DocRef)]
    assert [r.member for r in refs] == hostile
    for ref in refs:
        target = safe_output_path(out, ref.doc_id).resolve()
        assert target.is_relative_to(out.resolve()) and target != out.resolve()


def test_read_documents_streams_documents_and_failures(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl.gz", [{"id": "a", "text": "1"}, "oops"])
    found = list(read_documents([str(path)], DEFAULT_GLOBS))
    assert isinstance(found[0], Document) and found[0].text == "1"
    assert isinstance(found[1], InputFailure) and found[1].doc_id == "x.jsonl.gz:2"


def test_hostile_lines_fail_without_crashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 5000)
    lines: list[Any] = [
        {"id": "long", "text": "x" * 6000},
        "[" * 2400 + "]" * 2400,
        '{"id": "\\ud800", "text": "lone surrogate in the id"}',
        '{"id": ' + "9" * 4400 + ', "text": "huge integer"}',
        {"id": "after", "text": "fine"},
    ]
    path = write_jsonl(tmp_path / "h.jsonl", lines)
    found = scan(path)
    bad = {r.doc_id: r.reason for r in found if isinstance(r, InputFailure)}
    assert [r.doc_id for r in found if isinstance(r, DocRef)] == ["after"]
    assert "longer than 5000 bytes" in bad["h.jsonl:1"]
    assert list(bad) == ["h.jsonl:1", "h.jsonl:2", "h.jsonl:3", "h.jsonl:4"]
    assert "nested too deeply" in bad["h.jsonl:2"]
    assert "surrogate" in bad["h.jsonl:3"]
    assert "not usable JSON" in bad["h.jsonl:4"]
    (after,) = (r for r in found if isinstance(r, DocRef))
    assert load_document(after).text == "fine"


def test_records_parsed_by_workers_are_the_records_found_here(tmp_path: Path) -> None:
    """``defer_records``: lines come unparsed; parsing them and checking their ids in order
    gives the refs and failures of the plain walk, and the same documents."""
    lines: list[Any] = [
        *GOOD,
        "{not json",
        {"id": "a", "text": "a repeated id"},
        "",
        '{"id": "d", "text": "a lone \\ud800 surrogate"}',
    ]
    write_jsonl(tmp_path / "in" / "d.jsonl", lines)
    write_jsonl(tmp_path / "in" / "e.jsonl.gz", [{"id": "a", "text": "other file, same id"}])
    (tmp_path / "in" / "t.txt").write_text("a text file\n")
    paths = [str(tmp_path / "in")]
    plain = list(iter_refs(paths, DEFAULT_GLOBS))
    ids, deferred = RecordIds(), []
    for item in iter_refs(paths, DEFAULT_GLOBS, defer_records=True):
        if isinstance(item, PendingRecord):
            deferred.append(ids.check(item.parse()[0], item.source))
        else:
            deferred.append(item)
    assert deferred == plain
    assert sum(isinstance(r, InputFailure) for r in plain) == 2
    for item in iter_refs(paths, DEFAULT_GLOBS, defer_records=True):
        if isinstance(item, PendingRecord):
            doc = pending_document(item)
            ref = item.parse()[0]
            if isinstance(ref, DocRef):
                assert doc == load_document(ref)
