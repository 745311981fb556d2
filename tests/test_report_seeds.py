"""The report of real runs (`scrubber clean`), opened in headless Chromium.

On the seeds: one cluster (000 and 003, one story in two translations), the rule counts of
report.json, and a known removed line with its rule, all checked through the DOM;
screenshots of the summary and of the cluster are taken (and kept in
``$SCRUBBER_SCREENSHOTS`` when that is set). A corpus of hostile files goes through the same
pipeline and its report runs nothing and loads nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scrubber.cli import main
from tests.browser import Browser, Page
from tests.conftest import SEEDS, seed_name
from tests.test_report_safety import open_everything


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as driver:
        yield driver


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    result = CliRunner().invoke(main, ["clean", str(SEEDS), str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def load(browser: Browser, out: Path) -> Page:
    page = browser.open(out / "report.html", width=1360, height=1000)
    page.wait_for("document.documentElement.dataset.ready")
    assert page.evaluate("document.documentElement.dataset.ready") == "1", page.console
    return page


def keep_screenshot(path: Path) -> tuple[int, int]:
    """The PNG's size in pixels; a copy goes to $SCRUBBER_SCREENSHOTS when it is set."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("SCRUBBER_SCREENSHOTS"):
        folder = Path(os.environ["SCRUBBER_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_seeds_report_shows_one_cluster_of_000_and_003(
    browser: Browser, seeds_run: Path, tmp_path: Path
) -> None:
    page = load(browser, seeds_run)
    assert keep_screenshot(page.screenshot(tmp_path / "report-summary.png")) == (1360, 1000)
    page.evaluate("location.hash = 'clusters'")
    assert page.evaluate("document.querySelectorAll('#cluster-list details.cluster').length") == 1
    page.click("#cluster-list details.cluster summary")
    page.wait_for("document.querySelector('#cluster-list table.sbs')")
    members = page.evaluate(
        "Array.from(document.querySelectorAll('.cluster .members td:first-child'),"
        " td => td.textContent)"
    )
    assert sorted(members) == sorted([seed_name("000"), seed_name("003")])
    assert page.evaluate("document.querySelectorAll('.cluster .sbs del, .cluster .sbs ins').length")
    assert page.evaluate("document.querySelector('.cluster .why').textContent").count("canonical")
    shot = page.screenshot(tmp_path / "report-cluster.png", "#cluster-list details.cluster")
    width, height = keep_screenshot(shot)
    assert width > 1000 and height > 400


def test_seeds_report_rule_counts_match_report_json(browser: Browser, seeds_run: Path) -> None:
    report = json.loads((seeds_run / "report.json").read_text(encoding="utf-8"))
    page = load(browser, seeds_run)
    bars = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('#rules-panel g[data-rule]'),"
        " g => [g.dataset.rule, Number(g.querySelector('text.value').textContent"
        "   .split(' ')[0].replace(/,/g, ''))]))"
    )
    assert bars == report["stats"]["removed_by_rule"]
    options = page.evaluate(
        "Array.from(document.querySelectorAll('#rule-filter option[value]:not([value=\"\"])'),"
        " o => o.value)"
    )
    assert options == sorted(report["stats"]["removed_by_rule"])


def test_seeds_report_shows_a_known_removed_line_with_its_rule(
    browser: Browser, seeds_run: Path
) -> None:
    report = json.loads((seeds_run / "report.json").read_text(encoding="utf-8"))
    entry = next(d for d in report["documents"] if d["input"] == seed_name("000"))
    go_back = next(r for r in entry["removed"] if r["text"] == "Go back")
    page = load(browser, seeds_run)
    page.click(f"#rules-panel g[data-rule='{go_back['rule']}']")
    page.evaluate(
        f"const box = document.getElementById('doc-search'); box.value = '{seed_name('000')}';"
        "box.dispatchEvent(new Event('input'))"
    )
    page.wait_for("document.querySelectorAll('#doc-list details.doc').length === 1")
    page.click("#doc-list details.doc summary")
    page.wait_for("document.querySelector('#doc-list .lines')")
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('#doc-list .lines tr.removed'),"
        " tr => Array.from(tr.cells, td => td.textContent))"
    )
    assert [str(go_back["line"]), "Go back", go_back["rule"]] in rows


HOSTILE_NAMES = [
    "<script>document.title='pwned'<script>.txt",
    "<img src=x onerror=window.__pwned=1>.txt",
    "\"'><svg onload=window.__pwned=2>.txt",
]
HOSTILE_TEXT = (
    "Go back\n\n"
    "<script>window.__pwned = 'script'; document.title = 'pwned'</script>\n\n"
    "A long paragraph about the city council, which met on Monday to discuss the budget of "
    "the coming year and the new school that will open in May, said the mayor.\n\n"
    '<a href="javascript:window.__pwned = 3">read more</a> </textarea></script><!--\n\n'
    "<img src=x onerror=\"window.__pwned = 'img'\"> and the story goes on for a while longer "
    "so that the paragraph is prose and stays in the output of the cleaning run.\n"
)


def hostile_corpus(folder: Path) -> Path:
    src = folder / "src"
    (src / "site").mkdir(parents=True)
    for n, name in enumerate(HOSTILE_NAMES):
        (src / "site" / name).write_text(HOSTILE_TEXT + f"\nCopy {n}.\n", encoding="utf-8")
    (src / "site" / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0<script>")
    return src


def test_report_of_hostile_corpus_runs_nothing(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["clean", str(hostile_corpus(tmp_path)), str(out), "-q"])
    assert result.exit_code == 3, result.output  # binary.txt failed, the rest went through
    page = load(browser, out)
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    open_everything(page, [c["id"] for c in data["clusters"]])
    assert page.evaluate("window.__pwned === undefined")
    assert page.evaluate("document.title").startswith("scrubber report")
    assert page.requests == [page.url]
    assert (
        page.evaluate("document.querySelectorAll('img, iframe, a[href^=javascript]').length") == 0
    )
    names = page.evaluate(
        "Array.from(document.querySelectorAll('#doc-list .name'), e => e.textContent)"
    )
    assert set(HOSTILE_NAMES) <= {Path(name).name for name in names}
