"""load_document / read_documents on real files: text, binary, empty, strict, limits."""

from __future__ import annotations

import codecs
import gzip
import os
import shutil
from pathlib import Path

import pytest

import scrubber.io
from scrubber.config import DEFAULT_GLOBS
from scrubber.errors import InputError
from scrubber.io import iter_refs, load_document, read_documents
from scrubber.model import DocRef, Document, InputFailure
from tests.unprivileged import as_nobody, world_tmp

ENCODINGS = Path(__file__).resolve().parent.parent / "fixtures" / "encodings"


def ref_for(path: Path) -> DocRef:
    return DocRef(doc_id=path.name, path=str(path))


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_line_endings_are_normalized_and_bom_removed(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", codecs.BOM_UTF8 + b"one\r\ntwo\rthree\n\r\nfour")
    doc = load_document(ref_for(path))
    assert doc.text == "one\ntwo\nthree\n\nfour"
    assert doc.lines == ["one", "two", "three", "", "four"]
    assert (doc.encoding, doc.confidence, doc.warnings) == ("utf-8-sig", 1.0, ())


def test_legacy_encoding_fixture_loads() -> None:
    src = ENCODINGS / "ru_city.cp1251.txt"  # written with \r\n
    doc = load_document(ref_for(src))
    assert doc.text == (ENCODINGS / "expected" / "ru_city.txt").read_text(encoding="utf-8")
    assert doc.encoding == "cp1251"
    assert 0 < doc.confidence < 1


def test_empty_file_is_an_empty_document(tmp_path: Path) -> None:
    doc = load_document(ref_for(write(tmp_path / "empty.txt", b"")))
    assert (doc.text, doc.encoding, doc.warnings) == ("", "utf-8", ())


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (gzip.compress(b"hello world", mtime=0), "gzip"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
        (b"%PDF-1.4\n" + bytes(range(256)), "PDF"),
        (b"PK\x03\x04" + bytes(40), "ZIP"),
        (b"\xff\xd8\xff\xe0" + bytes(40), "JPEG"),
        (b"looks like text\x00\x01\x02 but has NUL bytes", "NUL"),
    ],
)
def test_binary_renamed_txt_is_an_input_error(tmp_path: Path, data: bytes, what: str) -> None:
    path = write(tmp_path / "renamed.txt", data)
    with pytest.raises(InputError, match=what) as caught:
        load_document(ref_for(path))
    assert caught.value.path == str(path)
    assert caught.value.fix


def test_strict_mode_fails_on_undecodable_bytes(tmp_path: Path) -> None:
    good = "Всё хорошо, спасибо. ".encode() * 10
    path = write(tmp_path / "damaged.txt", good + b"\xff" + good)
    doc = load_document(ref_for(path))
    assert doc.warnings == ("replaced 1 undecodable bytes",)
    assert doc.text.count("\ufffd") == 1
    with pytest.raises(InputError, match=r"not valid utf-8: byte 0xff at offset 370"):
        load_document(ref_for(path), errors="strict")


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(InputError, match="not a regular file"):
        load_document(ref_for(tmp_path / "pipe.txt"))


def test_directory_and_vanished_file_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        load_document(ref_for(tmp_path / "dir.txt"))
    with pytest.raises(InputError, match="removed during the run"):
        load_document(ref_for(tmp_path / "gone.txt"))


def test_unreadable_file_is_an_input_error() -> None:
    # As root (here and in CI) the read runs as nobody: root reads a file of mode 000.
    with world_tmp() as base:
        readable = write(base / "open.txt", b"x")
        path = write(base / "secret.txt", b"x")
        readable.chmod(0o644)
        path.chmod(0)
        with as_nobody():
            assert load_document(ref_for(readable)).text == "x"
            with pytest.raises(InputError, match="cannot open: permission denied") as caught:
                load_document(ref_for(path))
        assert "chmod +r" in caught.value.fix


def test_too_large_file_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scrubber.io, "MAX_DOCUMENT_BYTES", 10)
    path = write(tmp_path / "big.txt", b"x" * 11)
    with pytest.raises(InputError, match="too large"):
        load_document(ref_for(path))
    assert load_document(ref_for(write(tmp_path / "ok.txt", b"x" * 10))).text == "x" * 10


def test_read_documents_turns_errors_into_failures(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ENCODINGS, corpus)
    write(corpus / "image.txt", b"\x89PNG\r\n\x1a\n" + bytes(100))
    found = list(read_documents([str(corpus)], DEFAULT_GLOBS))
    docs = [item for item in found if isinstance(item, Document)]
    failed = [item for item in found if isinstance(item, InputFailure)]
    assert [item.doc_id for item in failed] == ["image.txt"]
    assert "PNG" in failed[0].reason
    assert [d.doc_id for d in docs] == [
        r.doc_id
        for r in iter_refs([str(corpus)], DEFAULT_GLOBS)
        if isinstance(r, DocRef) and r.doc_id != "image.txt"
    ]
    assert all("\r" not in doc.text for doc in docs)


def test_prefetch_asks_for_what_is_there_and_passes_over_the_rest(tmp_path: Path) -> None:
    """``prefetch`` is a hint: a missing file, a FIFO (which must not block it), a
    ``.gz`` and a JSON Lines record are passed over or hinted without an error, and the
    documents read afterwards are the same."""
    text = write(tmp_path / "a.txt", b"one line\n")
    records = write(tmp_path / "r.jsonl", b'{"id": "x", "text": "a record"}\n')
    packed = write(tmp_path / "p.jsonl.gz", gzip.compress(b'{"id": "y", "text": "z"}\n'))
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    refs = [
        ref_for(text),
        ref_for(tmp_path / "missing.txt"),
        ref_for(fifo),
        DocRef("r.jsonl#x", str(records), kind="jsonl", member="x", offset=0, line_no=1),
        DocRef("p.jsonl.gz#y", str(packed), kind="jsonl", member="y", offset=0, line_no=1),
    ]
    before = load_document(refs[0]).text, load_document(refs[3]).text
    scrubber.io.prefetch(refs)
    assert (load_document(refs[0]).text, load_document(refs[3]).text) == before
    with pytest.raises(InputError, match="not a regular file"):
        load_document(refs[2])
