"""Invariants, as properties over generated pages and corpora (hypothesis, few examples each).

- stripping is idempotent: the rules remove nothing from their own output;
- every input line is kept or removed, once (strip_page), and through `clean`: each kept
  document's output is its input minus the lines report.json names, in order; a canonical
  document's output holds its own kept lines in order; a merged one names its canonical;
- clusters partition the documents, and the manifest has every input exactly once;
- results do not depend on the order of the inputs (file names permuted) nor on --jobs.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber import rules
from scrubber.cli import main
from scrubber.config import Settings
from scrubber.model import split_lines
from tests.hostile_corpus import paragraph, write_corpus

CHROME = (
    "Go back",
    "Back to the all news",
    "Share",
    "Print",
    "Read more",
    "Home",
    "News",
    "Contacts",
    "© 2024 All rights reserved",
    "DSC_8507.JPG",
    "12.05.2024",
    "Subscribe to our newsletter",
    "",
    "   ",
)
_RNG = random.Random(3)
PROSE = tuple(paragraph(_RNG) for _ in range(40))
_TEXT = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\u2028\u2029\x85\ufeff"
)

line = st.one_of(
    st.sampled_from(CHROME),
    st.sampled_from(PROSE),
    st.text(_TEXT, max_size=60),
)
page_text = st.lists(line, max_size=25).map(lambda lines: "\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(text=page_text, aggressive=st.booleans())
def test_stripping_is_idempotent_and_accounts_for_every_line(text: str, aggressive: bool) -> None:
    config = Settings(profile="aggressive" if aggressive else "default")
    first = rules.strip_page("doc", text, config)
    numbers = sorted([k.no for k in first.kept] + [r.line_no for r in first.removals])
    lines = split_lines(text)
    assert numbers == list(range(1, len(lines) + 1))
    for kept in first.kept:
        assert lines[kept.no - 1] == kept.text
    for removal in first.removals:
        assert lines[removal.line_no - 1] == removal.text
    again = rules.strip_page("doc", first.text, config)
    assert again.removals == ()
    assert [k.text for k in again.kept] == [k.text for k in first.kept]


# ---- through `scrubber clean` -------------------------------------------------------------


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="scrubber-prop-") as folder:
        yield Path(folder)


def clean(src: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["clean", str(src), str(out), "--quiet", *extra])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def manifest(out: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text("utf-8").splitlines()]


def _edited(rng: random.Random, text: str) -> str:
    """A near-copy: chrome lines shuffled in or out, one prose line dropped."""
    lines = text.split("\n")
    prose = [i for i, x in enumerate(lines) if x in PROSE]
    if len(prose) > 2:
        del lines[rng.choice(prose)]
    lines.insert(rng.randrange(len(lines) + 1), rng.choice(CHROME))
    return "\n".join(lines)


@st.composite
def corpora(draw: st.DrawFn) -> list[str]:
    """A few pages; some of them near-copies of others, so that clusters form."""
    pages = draw(st.lists(page_text, min_size=2, max_size=7))
    rng = random.Random(draw(st.integers(0, 2**16)))
    copies = [_edited(rng, text) for text in pages if draw(st.booleans())]
    return pages + copies


def write_pages(src: Path, pages: list[str], names: list[str]) -> None:
    src.mkdir()
    for name, text in zip(names, pages, strict=True):
        (src / name).write_text(text + "\n", encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.data_too_large])
@given(pages=corpora())
def test_clean_accounts_for_every_line_and_partitions_the_documents(pages: list[str]) -> None:
    names = [f"page_{i:02d}.txt" for i in range(len(pages))]
    with scratch() as base:
        write_pages(base / "src", pages, names)
        report = clean(base / "src", base / "out")
        records = manifest(base / "out")
        assert sorted(r["input"] for r in records) == names  # every input exactly once
        _check_clusters(report, records)
        documents = {d["input"]: d for d in report["documents"]}
        for name, text in zip(names, pages, strict=True):
            _check_lines(split_lines(text + "\n"), documents[name], base / "out", documents)


def _check_clusters(report: dict[str, Any], records: list[dict[str, Any]]) -> None:
    members = [m for c in report["clusters"] for m in c["members"]]
    assert len(members) == len(set(members))  # each document in one cluster at most
    by_cluster = {c["id"]: c for c in report["clusters"]}
    for record in records:
        number = record.get("cluster")
        if number is None:
            assert record["status"] == "kept"
            continue
        cluster = by_cluster[number]
        assert record["input"] in cluster["members"]
        if record["status"] == "merged":
            assert record["merged_into"] == cluster["canonical"] != record["input"]
        elif record["status"] == "canonical":
            assert record["input"] == cluster["canonical"]


def _check_lines(
    lines: list[str], entry: dict[str, Any], out: Path, documents: dict[str, Any]
) -> None:
    removed = {r["line"]: r["text"] for r in entry["removed"]}
    assert len(removed) == len(entry["removed"])
    for number, text in removed.items():
        assert lines[number - 1] == text
    kept = [x for i, x in enumerate(lines, 1) if i not in removed]
    assert entry["lines_in"] == len(lines)
    if entry["status"] == "kept":
        written = (out / entry["output"]).read_text(encoding="utf-8")
        assert (written.split("\n")[:-1] if written else []) == kept  # exactly, in order
    elif entry["status"] == "canonical":
        written = (out / entry["output"]).read_text(encoding="utf-8").split("\n")
        assert _is_subsequence([x for x in kept if x.strip()], written)
    else:
        assert entry["status"] == "merged" and entry["merged_into"] in documents


def _is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    position = iter(haystack)
    return all(any(x == y for y in position) for x in needles)


# ---- independence from input order and from --jobs -----------------------------------------


def _corpus_pages(count: int, seed: int) -> list[str]:
    with scratch() as base:
        write_corpus(base / "c", count, seed)
        return [p.read_text("utf-8") for p in sorted((base / "c").rglob("*.txt"))]


ORDER_PAGES = _corpus_pages(24, seed=11)


@settings(max_examples=10, deadline=None)
@given(order=st.permutations(range(len(ORDER_PAGES))))
def test_results_do_not_depend_on_input_order(order: list[int]) -> None:
    """Page i is written as ``doc_{order[i]}``: discovery (sorted by name) meets the pages
    in another order. The clusters, every page's removals and every output that is not a
    merge of several pages must be the same (a merge folds members in path order, and
    ties for canonical go to the first path: those are by design)."""
    with scratch() as base:
        results: list[dict[str, Any]] = []
        for names in (
            [f"doc_{i:02d}.txt" for i in range(len(order))],
            [f"doc_{k:02d}.txt" for k in order],
        ):
            src, out = base / f"src{len(results)}", base / f"out{len(results)}"
            write_pages(src, ORDER_PAGES, names)
            report = clean(src, out)
            results.append(_by_page(report, out, names))
        assert results[0] == results[1]


def _by_page(report: dict[str, Any], out: Path, names: list[str]) -> dict[str, Any]:
    page_of = {name: i for i, name in enumerate(names)}
    clusters = sorted(sorted(page_of[m] for m in c["members"]) for c in report["clusters"])
    removals = {
        page_of[d["input"]]: [(r["line"], r["rule"]) for r in d["removed"]]
        for d in report["documents"]
    }
    alone = {
        page_of[d["input"]]: (out / d["output"]).read_bytes()
        for d in report["documents"]
        if d["status"] == "kept" and d.get("cluster") is None
    }
    return {"clusters": clusters, "removals": removals, "alone": alone}


def test_results_do_not_depend_on_jobs(tmp_path: Path) -> None:
    src = write_corpus(tmp_path / "src", 100, seed=5)  # above parallel.IN_PROCESS_BELOW (64)
    reports = [clean(src, tmp_path / f"out{jobs}", "--jobs", str(jobs)) for jobs in (1, 2)]
    for report in reports:
        report["stats"].pop("seconds")
        report["settings"].pop("jobs")
    assert reports[0] == reports[1]
    assert reports[0]["clusters"], "the corpus should have duplicates"
    files = [
        {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in out.rglob("*")
            if p.is_file() and p.name not in ("report.json", "report.html")  # timings
        }
        for out in (tmp_path / "out1", tmp_path / "out2")
    ]
    assert files[0] == files[1]
