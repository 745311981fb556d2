"""The incremental index: warm runs answer as cold ones, read only what changed, and an index
that cannot be trusted (garbage, truncated, other schema, other settings, a damaged row, a
killed writer) is rebuilt, never believed."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrubber import pipeline
from scrubber.config import Settings
from scrubber.index import CorpusIndex, Refreshed, default_path, use_index
from scrubber.index.store import Store
from scrubber.model import DocRef, Scanned
from scrubber.scan import collect_refs, scan_documents
from tests.conftest import SEEDS, seed_name

SETTINGS = Settings(jobs=1)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder / "news")
    (folder / "blog").mkdir()
    (folder / "blog" / "a.txt").write_text("A short unrelated note about gardening in spring.\n")
    return folder


class Recorder:
    """pass 1 for the index, remembering which documents it was asked to scan."""

    def __init__(self, settings: Settings = SETTINGS) -> None:
        self.settings = settings
        self.scanned: list[str] = []

    def __call__(self, todo: list[DocRef]) -> Iterator[Scanned]:
        self.scanned.extend(ref.doc_id for ref in todo)
        return scan_documents(todo, self.settings, fingerprints=True)


def refresh(
    corpus: Path, cache: Path, settings: Settings = SETTINGS
) -> tuple[list[str], Refreshed]:
    refs, _ = collect_refs([str(corpus)], settings)
    recorder = Recorder(settings)
    done = use_index(cache, settings, lambda index: index.refresh(refs, recorder))
    return recorder.scanned, done


def dupes(corpus: Path, cache: Path | None) -> object:
    return pipeline.find_dupes([str(corpus)], SETTINGS, cache=cache)


def test_a_warm_run_answers_as_a_cold_run_and_reads_nothing(corpus: Path) -> None:
    cache = default_path(corpus)
    cold = dupes(corpus, None)
    assert dupes(corpus, cache) == cold
    assert dupes(corpus, cache) == cold
    assert refresh(corpus, cache)[0] == []
    assert cache == corpus / ".scrubber" / "index.sqlite"
    assert (corpus / ".scrubber" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_only_changed_content_is_scanned_again(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index.sqlite"
    scanned, _ = refresh(corpus, cache)
    assert len(scanned) == 6
    note = corpus / "blog" / "a.txt"
    note.write_text("A longer unrelated note about gardening in spring, with tomatoes.\n")
    os.utime(corpus / "news" / seed_name("001"))  # touched, same content: hashed, not scanned
    shutil.copy(corpus / "news" / seed_name("002"), corpus / "blog" / "copy.txt")  # known content
    assert refresh(corpus, cache)[0] == ["blog/a.txt"]
    assert refresh(corpus, cache)[0] == []
    assert dupes(corpus, cache) == dupes(corpus, None)


def test_a_change_that_keeps_size_and_mtime_is_still_seen(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index.sqlite"
    note = corpus / "blog" / "a.txt"
    refresh(corpus, cache)
    before = note.stat()
    note.write_text(note.read_text().replace("spring", "summe"))  # same size
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert refresh(corpus, cache)[0] == ["blog/a.txt"]


def test_clean_with_the_cache_writes_the_same_output(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index.sqlite"
    outputs = []
    for name, use in (("plain", None), ("cold", cache), ("warm", cache)):
        out = tmp_path / name
        pipeline.clean(corpus, out, SETTINGS, cache=use)
        outputs.append(
            {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.txt")}
            | {"manifest": (out / "manifest.jsonl").read_bytes()}
        )
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == 6


def damage_garbage(cache: Path) -> None:
    cache.write_bytes(os.urandom(4096))


def damage_truncated(cache: Path) -> None:
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 2])


def damage_empty(cache: Path) -> None:
    cache.write_bytes(b"")


def damage_schema(cache: Path) -> None:
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")


def damage_row(cache: Path) -> None:
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE docs SET words = words + 1")


def damage_signature(cache: Path) -> None:
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE docs SET shingles = substr(shingles, 1, 16)")


def damage_table(cache: Path) -> None:
    with sqlite3.connect(cache) as db:
        db.execute("DROP TABLE bands")


@pytest.mark.parametrize(
    "damage",
    [
        damage_garbage,
        damage_truncated,
        damage_empty,
        damage_schema,
        damage_row,
        damage_signature,
        damage_table,
    ],
)
def test_an_index_that_cannot_be_trusted_is_rebuilt(corpus: Path, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "index.sqlite"
    cold = dupes(corpus, None)
    assert dupes(corpus, cache) == cold
    damage(cache)
    assert dupes(corpus, cache) == cold
    assert refresh(corpus, cache)[0] == []  # rebuilt, and usable again


def test_other_settings_rebuild_the_index(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index.sqlite"
    refresh(corpus, cache)
    assert refresh(corpus, cache, Settings(jobs=1, threshold=0.5))[0] == []  # not stored
    aggressive = Settings(jobs=1, profile="aggressive")
    assert len(refresh(corpus, cache, aggressive)[0]) == 6
    assert len(refresh(corpus, cache)[0]) == 6


def _killed_writer(corpus: str, cache: str) -> None:
    """Refresh, and die (no cleanup at all) inside the transaction of the second batch."""
    calls = {"n": 0}
    original = Store.put_bands

    def put_bands(self: Store, rows: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            os._exit(9)
        original(self, rows)  # type: ignore[arg-type]

    Store.put_bands = put_bands  # type: ignore[method-assign]
    import scrubber.index.update as module

    module.BATCH = 2
    refresh(Path(corpus), Path(cache))


def test_a_writer_killed_mid_transaction_leaves_a_usable_index(
    corpus: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "index.sqlite"
    process = multiprocessing.get_context("fork").Process(
        target=_killed_writer, args=(str(corpus), str(cache))
    )
    process.start()
    process.join()
    assert process.exitcode == 9
    scanned, _ = refresh(corpus, cache)
    assert len(scanned) == 4  # the first batch (two documents) was committed and is reused
    assert dupes(corpus, cache) == dupes(corpus, None)


def test_documents_that_vanish_leave_the_index(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index.sqlite"
    refresh(corpus, cache)
    (corpus / "blog" / "a.txt").unlink()
    refresh(corpus, cache)
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (5,)
        assert db.execute("SELECT count(*) FROM docs").fetchone() == (5,)
        bands = db.execute("SELECT count(DISTINCT doc) FROM bands").fetchone()[0]
    assert bands == 5


def test_an_unwritable_place_is_a_usage_error(corpus: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    from scrubber.errors import UsageError

    with pytest.raises(UsageError, match="cannot use the index"):
        refresh(corpus, blocker / "index.sqlite")


def test_features_round_trip(corpus: Path, tmp_path: Path) -> None:
    refs, _ = collect_refs([str(corpus)], SETTINGS)
    fresh = list(scan_documents(refs, SETTINGS, fingerprints=True))

    def load(index: CorpusIndex) -> list[Scanned]:
        return index.scan(refs, Recorder(), fingerprints=True)

    use_index(tmp_path / "i.sqlite", SETTINGS, load)
    stored = use_index(tmp_path / "i.sqlite", SETTINGS, load)
    for a, b in zip(fresh, stored, strict=True):
        assert (a.ref, a.encoding, a.confidence, a.lines_in, a.words) == (
            b.ref,
            b.encoding,
            b.confidence,
            b.lines_in,
            b.words,
        )
        assert a.fingerprints == b.fingerprints
        assert a.sketch is not None and b.sketch is not None
        assert (a.sketch.shingles == b.sketch.shingles).all()
        assert (a.sketch.words == b.sketch.words).all() and a.sketch.size == b.sketch.size


def test_paths_given_in_any_spelling_name_the_same_documents(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index.sqlite"
    spelled = f"{corpus}/../{corpus.name}/./news"
    assert pipeline.find_dupes([spelled], SETTINGS, cache=cache) == pipeline.find_dupes(
        [spelled], SETTINGS
    )
    assert refresh(corpus, cache)[0] == ["blog/a.txt"]  # news/ came from the index
