"""The Ray engine finds exactly the local engine's clusters, on a real local Ray cluster.

One cluster (``ray start --head``, 2 CPUs) serves the module: the tests connect to it as a
user's program would, and the command-line test passes its address to ``--address``.
The corpus has what near-duplicate detection must get right: exact copies (more than
``lsh.ALL_PAIRS_UP_TO`` of them: a bucket of chain and star pairs), edited copies, two
pairs of translations, a chain of overlapping documents that the chaining guard cuts,
documents on one topic that are not duplicates, an empty document and a broken one.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from scrubber import pipeline  # noqa: E402
from scrubber.clusters import cluster  # noqa: E402
from scrubber.config import Settings  # noqa: E402
from scrubber.dedup.lsh import ALL_PAIRS_UP_TO  # noqa: E402
from scrubber.engines import ray as ray_engine  # noqa: E402
from scrubber.model import DupesResult  # noqa: E402
from scrubber.normalize import paragraphs  # noqa: E402
from scrubber.scan import scan  # noqa: E402
from tests.conftest import ROOT, SEEDS  # noqa: E402

BIN = Path(sys.executable).parent
FIXTURES = ROOT / "fixtures" / "dedup"
COPIES = ALL_PAIRS_UP_TO + 3
LOCAL = Settings(jobs=1)  # no worker processes forked from a process connected to Ray
RAY = Settings(jobs=2, engine="ray")


# --- the cluster and the corpus ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def cluster_address() -> Iterator[str]:
    """A local Ray cluster (2 CPUs) for the module, stopped after it. Token authentication
    is off (a throwaway cluster on 127.0.0.1), so connecting needs no token file."""
    saved = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must be
    command = [str(BIN / "ray"), "start", "--head", "--block", "--num-cpus", "2"]
    command += ["--port", str(port), "--temp-dir", temp, "--node-ip-address", "127.0.0.1"]
    command += ["--include-dashboard", "false", "--disable-usage-stats"]
    head = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    address = f"127.0.0.1:{port}"
    try:
        _connect(address, head)
        yield address
    finally:
        ray.shutdown()
        _stop(head)
        shutil.rmtree(temp, ignore_errors=True)
        if saved is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = saved


def _stop(head: subprocess.Popen[bytes]) -> None:
    """Stop the head and every process it started (its session: raylet, workers)."""
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 20)):
        try:
            os.killpg(head.pid, sig)
            head.wait(wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def _connect(address: str, head: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
            return
        except ConnectionError:
            if head.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _texts() -> dict[str, str]:
    """name -> text of the corpus (see the module docstring)."""
    seeds = {p.stem[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    dedup = {p.stem: p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))}
    texts = {f"seeds/{name}.txt": seeds[name] for name in ("000", "001", "003")}
    texts |= {f"dedup/{name}.txt": text for name, text in dedup.items()}
    flood = dedup["flood_a"]
    blocks = paragraphs(flood)
    random.Random(3).shuffle(blocks)
    texts["edits/shuffled.txt"] = "\n\n".join(blocks)
    texts["edits/wrapped.txt"] = "\n\n".join(textwrap.fill(p, 40) for p in paragraphs(flood))
    texts["edits/site.txt"] = f"Home | News | Sport\n\n{flood}\n\nCopyright 2024 Example Media"
    texts |= {f"copies/{k:02d}.txt": seeds["001"] for k in range(COPIES)}
    # windows of 8 paragraphs sliding by one over two other articles: each overlaps the next
    pool = [p for name in ("002", "004") for p in paragraphs(seeds[name]) if len(p.split()) >= 25]
    texts |= {f"chain/{k:02d}.txt": "\n\n".join(pool[k : k + 8]) + "\n" for k in range(16)}
    texts["empty.txt"] = ""
    return texts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus as a directory, with a broken file and things the walk skips."""
    root = tmp_path_factory.mktemp("corpus") / "docs"
    for name, text in _texts().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (root / ".git").mkdir()
    (root / ".git" / "copy.txt").write_text(_texts()["seeds/000.txt"], encoding="utf-8")
    (root / "notes.csv").write_text("a,b\n", encoding="utf-8")
    return root


def _records() -> list[str]:
    """The corpus as JSON Lines: a record per text, a bad line, a repeated id."""
    lines = [json.dumps({"id": name, "text": text}) for name, text in _texts().items()]
    lines.insert(5, "{not json")
    lines.append(json.dumps({"id": "seeds/000.txt", "text": "a second record with this id"}))
    lines.insert(9, "")
    return lines


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("jsonl") / "corpus.jsonl"
    path.write_text("\n".join(_records()) + "\n", encoding="utf-8")
    return path


def _same(local: DupesResult, remote: DupesResult) -> None:
    assert remote.clusters == local.clusters  # members, canonical, reason, pairs with scores
    assert remote.documents == local.documents
    assert remote.failures == local.failures


# --- the equivalence ------------------------------------------------------------------------


def test_directory_gives_the_local_engines_clusters(cluster_address: str, corpus: Path) -> None:
    local = pipeline.find_dupes([str(corpus)], LOCAL)
    remote = ray_engine.find_dupes([str(corpus)], RAY)
    _same(local, remote)
    members = [set(c.members) for c in remote.clusters]
    assert {f"copies/{k:02d}.txt" for k in range(COPIES)} | {"seeds/001.txt"} in members
    assert any({"seeds/000.txt", "seeds/003.txt"} <= m for m in members)  # translations
    assert any({"dedup/flood_a.txt", "dedup/flood_b.txt", "edits/site.txt"} <= m for m in members)
    assert not any("dedup/flood_other.txt" in m for m in members)
    chain = [m for m in members if any(name.startswith("chain/") for name in m)]
    assert len(chain) >= 2  # the guard cut the chain
    assert [f.doc_id for f in remote.failures] == ["broken.txt"]


def test_jsonl_split_into_byte_ranges(
    cluster_address: str, jsonl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranges of 4 KiB: records and bad lines are numbered across range boundaries."""
    from scrubber.engines.ray import read

    monkeypatch.setattr(read, "MIN_RANGE_BYTES", 4096)
    monkeypatch.setattr(read, "MAX_RANGE_BYTES", 4096)
    assert len(read.plan([str(jsonl)], RAY.globs, 2).units) > 10
    local = pipeline.find_dupes([str(jsonl)], LOCAL)
    remote = ray_engine.find_dupes([str(jsonl)], RAY)
    _same(local, remote)
    assert [f.doc_id for f in remote.failures] == [
        "corpus.jsonl:6",
        f"corpus.jsonl:{len(_records())}",
    ]


def test_parquet_gives_the_clusters_of_the_same_jsonl(
    cluster_address: str, jsonl: Path, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = _texts()
    table = pa.table({"id": list(texts), "text": list(texts.values())})
    path = tmp_path / "corpus.parquet"
    pq.write_table(table, path, row_group_size=7)
    local = pipeline.find_dupes([str(jsonl)], LOCAL)
    remote = ray_engine.find_dupes([str(path)], RAY)
    assert remote.clusters == local.clusters
    assert remote.documents == len(texts)


def test_fsspec_url(cluster_address: str, corpus: Path) -> None:
    """A file:// URL goes through fsspec (as s3:// or gs:// would), with the same names."""
    local = pipeline.find_dupes([str(corpus)], LOCAL)
    remote = ray_engine.find_dupes([f"file://{corpus}"], RAY)
    assert remote.clusters == local.clusters
    assert remote.documents == local.documents


def test_clean_clusters_and_scores(
    cluster_address: str, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`clean`'s stage: clusters of a scanned corpus and every candidate's score; with
    more partitions than some stages have rows for (empty partitions)."""
    from scrubber.engines.ray import run

    monkeypatch.setattr(run, "partitions", lambda documents, cpus: 13)
    scanned = scan([str(corpus)], LOCAL)
    local_scores: list[float] = []
    remote_scores: list[float] = []
    local = cluster(scanned, LOCAL, scores_out=local_scores)
    remote = ray_engine.cluster_corpus(scanned, RAY, scores_out=remote_scores)
    assert sorted(remote, key=lambda c: c.members) == sorted(local, key=lambda c: c.members)
    assert remote_scores == local_scores


def test_command_line_with_address(cluster_address: str, jsonl: Path) -> None:
    """What a user runs against a cluster they started: the same JSON as the local engine."""

    def dupes(*arguments: str) -> dict[str, object]:
        command = [str(BIN / "scrubber"), "dupes", "--format", "json", "-q", *arguments]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 3, done.stderr  # the bad line and the repeated id
        found: dict[str, object] = json.loads(done.stdout)
        return found

    local = dupes(str(jsonl), "--engine", "local")
    assert local["clusters"]
    assert dupes(str(jsonl), "--engine", "ray", "--address", cluster_address) == local
    # a URL only the Ray engine reads: the same output proves it was the Ray engine
    assert dupes(f"file://{jsonl}", "--address", cluster_address) == local


def test_without_the_extra_the_ray_engine_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    from scrubber import engines
    from scrubber.errors import UsageError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "ray" else real(name)
    )
    with pytest.raises(UsageError, match=r"pip install 'scrubber\[ray\]'"):
        engines.require_ray_extra()


def test_engine_setting_is_checked() -> None:
    from scrubber.config import settings_from_table
    from scrubber.errors import ConfigError

    found = settings_from_table({"engine": "ray", "address": "auto"}, "scrubber.toml")
    assert (found.engine, found.address) == ("ray", "auto")
    with pytest.raises(ConfigError, match="engine must be one of 'local', 'ray', got 'spark'"):
        settings_from_table({"engine": "spark"}, "scrubber.toml")


def test_the_local_engine_does_not_import_ray() -> None:
    code = "import sys, scrubber.cli, scrubber.pipeline; print('ray' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
