"""How big and how fast is ``report.html`` for a corpus of 100,000 documents?

Generates the data of a ``report.json`` for a synthetic corpus (news-site pages with menus,
dates, photo file names, share buttons, footers and site templates removed, and about one
document in twelve in a near-duplicate cluster, most of them edited copies), renders
``report.html``, and opens it in headless Chromium:

    python bench/report_scale.py                 # 100,000 documents
    python bench/report_scale.py --docs 20000 --out /tmp/r.html

Prints the file size, the time to render it in Python, and Chromium's time to the load event
and until the first page of documents and clusters is on screen.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scrubber.report.alignment import TextRow, compact_alignment
from scrubber.report.context import shorten

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = (
    "the council minister said security cooperation region meeting report agreement border "
    "states organization conference terrorism international support president development "
    "economic committee members summit talks policy government energy trade water city "
    "school project budget court election museum festival market"
)
WORDS = VOCABULARY.split()
CHROME = {
    "nav-phrase": ["Go back", "Read more", "Back to the all news", "Back to the section"],
    "share-print": ["Share", "Print", "Facebook", "Twitter", "Send by e-mail"],
    "subscribe-login": ["Subscribe to our newsletter", "Log in", "Register"],
    "copyright-footer": ["© 2024 All rights reserved", "Photo: press service"],
    "counter": ["12 comments", "345 views", "1,024 views"],
}


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(8, 22)) for _ in range(rng.randint(2, 5)))


def edited(rng: random.Random, text: str) -> str:
    """An edited copy: a few words replaced, as another outlet or translation would."""
    words = text.split()
    for _ in range(max(1, len(words) // 15)):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def removals(rng: random.Random, site: int, body_lines: int) -> tuple[list[Any], list[Any]]:
    """Removed lines (top menu, dates and photo names inside, footer) and kept context."""
    removed: list[dict[str, Any]] = []
    line = 1
    for item in rng.sample(["News", "Politics", "Economy", "Sport", "Culture", "Contacts"], 4):
        removed.append({"rule": "menu-run", "line": line, "text": item})
        line += 1
    removed.append({"rule": "site-template", "line": line, "text": f"Site {site} — regional news"})
    first_body = line + 2
    context = [{"line": first_body + 2 * k, "text": shorten(paragraph(rng))} for k in range(2)]
    for k in range(rng.randint(1, 3)):
        no = first_body + 4 + 4 * k
        rule, text = rng.choice(
            [
                ("date-stamp", f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2023"),
                ("media-filename", f"DSC_{rng.randint(1000, 9999)}.JPG"),
            ]
        )
        removed.append({"rule": rule, "line": no, "text": text})
        context.append({"line": no - 1, "text": ""})
        context.append({"line": no + 1, "text": shorten(paragraph(rng))})
    end = first_body + body_lines
    context.append({"line": end - 1, "text": shorten(paragraph(rng))})
    for rule in rng.sample(sorted(CHROME), 3):
        removed.append({"rule": rule, "line": end, "text": rng.choice(CHROME[rule])})
        end += 1
    removed.append({"rule": "extra-blank-line", "line": end, "text": ""})
    return removed, context


def document(rng: random.Random, index: int) -> dict[str, Any]:
    site = index % 250
    name = f"site-{site:03d}/2023/{index // 1000:03d}/article-{index:06d}.txt"
    body = rng.randint(20, 80)
    removed, context = removals(rng, site, body)
    return {
        "input": name,
        "status": "kept",
        "output": name,
        "encoding": "utf-8",
        "confidence": 0.99,
        "lines_in": body + len(removed) + 6,
        "lines_removed": len(removed),
        "removed": removed,
        "context": context,
    }


def member_rows(rng: random.Random, paras: list[str]) -> list[TextRow]:
    """Aligned rows of a member: most paragraphs identical, some edited."""
    return [
        (p, p if rng.random() < 0.6 else edited(rng, p), round(rng.uniform(0.85, 1.0), 3))
        for p in paras
    ]


def cluster(rng: random.Random, number: int, members: list[dict[str, Any]]) -> dict[str, Any]:
    canonical = members[0]
    paras = [paragraph(rng) for _ in range(rng.randint(5, 10))]
    alignment: dict[str, list[TextRow]] = {}
    merged: list[dict[str, Any]] = []
    pairs = []
    for member in members[1:]:
        rows = member_rows(rng, paras)
        extra = paragraph(rng)
        rows.insert(rng.randrange(len(rows)), (None, extra, 0.0))
        merged.append(
            {"source": member["input"], "source_line": 9, "output_line": 13, "text": extra}
        )
        alignment[member["input"]] = rows
        pairs.append(
            {
                "a": canonical["input"],
                "b": member["input"],
                "similarity": round(rng.uniform(0.82, 0.99), 4),
            }
        )
        member.update(status="merged", merged_into=canonical["input"], cluster=number)
        member.pop("output", None)
    canonical.update(status="canonical", cluster=number)
    paragraphs, rows_by_member = compact_alignment(alignment)  # as ReportBuilder stores them
    return {
        "id": number,
        "canonical": canonical["input"],
        "members": [m["input"] for m in members],
        "reason": "most words after cleaning (812 vs 790)",
        "pairs": pairs,
        "merged_paragraphs": merged,
        "paragraphs": paragraphs,
        "alignment": rows_by_member,
    }


def synthetic_report(docs: int, seed: int = 7) -> dict[str, Any]:
    """The data of report.json for ``docs`` synthetic documents."""
    rng = random.Random(seed)
    documents = [document(rng, i) for i in range(docs)]
    clusters = []
    index = 0
    while index < docs:
        if rng.random() < 0.035:
            size = min(docs - index, rng.choice([2, 2, 2, 2, 3, 3, 4, 6]))
            if size >= 2:
                clusters.append(cluster(rng, len(clusters) + 1, documents[index : index + size]))
            index += size
        else:
            index += 1
    return _with_stats(documents, clusters, rng)


def _with_stats(
    documents: list[dict[str, Any]], clusters: list[dict[str, Any]], rng: random.Random
) -> dict[str, Any]:
    by_rule: dict[str, int] = {}
    for doc in documents:
        for r in doc["removed"]:
            by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    pair_scores = [p["similarity"] for c in clusters for p in c["pairs"]]
    rejected = [round(rng.betavariate(2, 5), 4) for _ in range(len(pair_scores))]
    stats = {
        "documents_in": len(documents),
        "documents_out": sum(1 for d in documents if d["status"] != "merged"),
        "failed": 0,
        "lines_in": sum(d["lines_in"] for d in documents),
        "lines_removed": sum(by_rule.values()),
        "removed_by_rule": dict(sorted(by_rule.items())),
        "clusters": len(clusters),
        "seconds": {},
    }
    return {
        "scrubber": "bench",
        "settings": {"threshold": 0.8, "profile": "default"},
        "stats": stats,
        "documents": documents,
        "clusters": clusters,
        "failures": [],
        "similarities": sorted(pair_scores + [s for s in rejected if s < 0.8]),
    }


def measure(out: Path, docs: int) -> dict[str, float]:
    from scrubber.report.html import render_html

    started = time.perf_counter()
    data = synthetic_report(docs)
    generated = time.perf_counter()
    out.write_text(render_html(data), encoding="utf-8")
    rendered = time.perf_counter()
    result = {
        "bytes": out.stat().st_size,
        "generate data": generated - started,
        "render_html": rendered - generated,
    }
    result.update(load_in_chromium(out))
    return result


INTERACTIONS = (
    # (what, JavaScript that acts like the user, JavaScript that is true once it is on screen)
    (
        "search by name",
        "const box = document.getElementById('doc-search'); box.value = 'article-0999';"
        " box.dispatchEvent(new Event('input'))",
        "document.getElementById('doc-status').textContent.indexOf('of 100 ') > 0",
    ),
    (
        "filter by rule",
        "document.getElementById('doc-search').value = '';"
        " const rule = document.getElementById('rule-filter'); rule.value = 'date-stamp';"
        " rule.dispatchEvent(new Event('change'))",
        "!/of 100(,000)? documents/.test(document.getElementById('doc-status').textContent)",
    ),
    (
        "sort by most removed",
        "const sort = document.getElementById('doc-sort'); sort.value = 'removed';"
        " sort.dispatchEvent(new Event('change'))",
        "document.getElementById('doc-sort').value === 'removed'",
    ),
    (
        "open a document",
        "document.querySelector('#doc-pager button:last-child').click();"
        " document.querySelector('#doc-list details.doc:last-child').open = true",
        "document.querySelector('#doc-list .lines')",
    ),
    (
        "open a cluster",
        "location.hash = 'cluster-' + document.querySelectorAll('#cluster-pager button').length",
        "document.querySelector('#cluster-list .sbs')",
    ),
)


def load_in_chromium(path: Path) -> dict[str, float]:
    """Seconds to the load event, to the first page on screen, and for each interaction."""
    sys.path.insert(0, str(ROOT))
    from tests.browser import Browser

    with Browser(timeout=120) as browser:
        started = time.perf_counter()
        page = browser.open(path)
        page.wait_for("document.documentElement.dataset.ready === '1'", timeout=120)
        result = {"load event": page.load_seconds, "ready": time.perf_counter() - started}
        for what, action, done in INTERACTIONS:
            started = time.perf_counter()
            page.evaluate(f"{{ {action} }}")
            page.wait_for(done, timeout=60)
            result[what] = time.perf_counter() - started
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="scrubber-bench-")) / "report.html"
    result = measure(out, args.docs)
    print(f"{args.docs:,} documents -> {out}")
    print(f"  report.html            {result.pop('bytes') / 1e6:8.1f} MB")
    notes = {"load event": "navigation to the load event", "ready": "first page on screen"}
    for what, seconds in result.items():
        print(f"  {what:<22} {seconds:8.2f} s  {notes.get(what, '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
