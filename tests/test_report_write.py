"""Writing report.json and report.html: report.html is rendered in a forked child process
while report.json is written; failures on either side are raised, and no process is left."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scrubber.config import Settings
from scrubber.io.write import TEMP_SUFFIX
from scrubber.model import Cluster, MergedParagraph, Pair
from scrubber.report.data import ReportBuilder
from scrubber.report.forked import ChildTraceback, Forked
from scrubber.report.html import render_html
from scrubber.report.render import json_parts, report_json, write_reports

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only: os.fork")
CHILDREN = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def children() -> set[int]:
    """This process's child processes (Linux); empty where /proc cannot say."""
    return {int(p) for p in CHILDREN.read_text().split()} if CHILDREN.exists() else set()


@pytest.fixture
def no_new_children() -> Iterator[None]:
    before = children()
    yield
    assert children() <= before, "a child process was left behind"


def builder(threshold: float = 0.8) -> ReportBuilder:
    report = ReportBuilder(Settings(threshold=threshold))
    cluster = Cluster(("a.txt", "b.txt"), "a.txt", "most words", (Pair("a.txt", "b.txt", 0.9),))
    rows = [("Same.", "Same.", 1.0), (None, "Only in b.", 0.0), ("Only in a.", None, 0.0)]
    report.add_cluster(1, cluster, (MergedParagraph("b.txt", 3, 2, "Only in b."),), {"b.txt": rows})
    report.run.documents_in = 2
    report.add_similarities([0.2, 0.9])
    return report


def test_write_reports_writes_both_files_in_full(tmp_path: Path, no_new_children: None) -> None:
    report = builder()
    write_reports(tmp_path, report)
    data = report.as_dict()
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == report_json(data)
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(data)
    )
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == render_html(data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.json"]


def test_a_failing_report_json_stops_the_child_and_writes_nothing(
    tmp_path: Path, no_new_children: None
) -> None:
    report = builder()
    report.documents.append({"input": "c.txt", "status": "kept", "encoding": object()})
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_reports(tmp_path, report)
    assert list(tmp_path.iterdir()) == []


def test_a_report_html_that_cannot_be_written_leaves_report_json_and_no_temporary(
    tmp_path: Path, no_new_children: None
) -> None:
    (tmp_path / "report.html").mkdir()  # os.replace cannot put a file over a directory
    with pytest.raises(IsADirectoryError):
        write_reports(tmp_path, builder())
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["clusters"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_forked_returns_large_results_from_another_process(no_new_children: None) -> None:
    seen: list[int] = []

    def task() -> bytes:
        seen.append(os.getpid())  # in the child's copy of the list
        return str(os.getpid()).encode() + bytes(range(256)) * 40_000  # 10 MB: many pipe buffers

    with Forked(task, "the test result") as forked:
        result = forked.result()
    child, rest = result[: -256 * 40_000], result[-256 * 40_000 :]
    assert int(child) != os.getpid() and seen == []
    assert rest == bytes(range(256)) * 40_000


def run_forked(task: Callable[[], bytes]) -> bytes:
    with Forked(task, "report.html") as forked:
        return forked.result()


def fails_in_the_child() -> bytes:
    raise ValueError("bad threshold 'high'")


def test_an_exception_in_the_child_is_raised_with_its_traceback(no_new_children: None) -> None:
    with pytest.raises(ValueError, match="bad threshold 'high'") as caught:
        run_forked(fails_in_the_child)
    assert "(raised while computing report.html in a child process)" in caught.value.__notes__
    cause = caught.value.__cause__
    assert isinstance(cause, ChildTraceback) and "in fails_in_the_child" in str(cause)


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.handle = lambda: None  # a lambda cannot be pickled


def test_an_exception_that_cannot_be_pickled_arrives_as_text(no_new_children: None) -> None:
    def task() -> bytes:
        raise Unpicklable()

    with pytest.raises(
        ChildProcessError, match=r"report\.html failed in a child process"
    ) as caught:
        run_forked(task)
    assert "Unpicklable: cannot travel" in str(caught.value.__cause__)


def test_a_child_killed_by_a_signal_is_reported(no_new_children: None) -> None:
    def task() -> bytes:
        os.kill(os.getpid(), signal.SIGKILL)
        return b""

    with pytest.raises(ChildProcessError, match=r"report.html: .* killed by signal 9 \(SIGKILL\)"):
        run_forked(task)


def test_leaving_the_block_early_stops_the_child(no_new_children: None) -> None:
    def task() -> bytes:
        signal.pause()  # would wait for ever
        return b""

    with pytest.raises(KeyError), Forked(task, "report.html"):
        raise KeyError("the parent's own work failed")


class NeedsTwo(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(first)  # pickles with one argument, so it cannot be loaded again
        self.second = second


def test_an_exception_that_cannot_be_loaded_again_arrives_as_text(no_new_children: None) -> None:
    def task() -> bytes:
        raise NeedsTwo("first", "second")

    with pytest.raises(
        ChildProcessError, match=r"report\.html failed in a child process"
    ) as caught:
        run_forked(task)
    assert "NeedsTwo: first" in str(caught.value.__cause__)


def test_report_json_is_the_same_whatever_the_batch_of_its_parts() -> None:
    data = builder().as_dict()
    data["documents"] = data["documents"] * 7
    whole = b"".join(json_parts(data, batch=1_000_000))
    assert json.loads(whole) == json.loads(json.dumps(data))
    for batch in (1, 2, 3, 5):
        assert b"".join(json_parts(data, batch=batch)) == whole
