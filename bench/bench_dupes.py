"""Run ``scrubber dupes`` on a corpus from ``make_corpus.py`` and score it.

    python bench/bench_dupes.py CORPUS_DIR [--jsonl] [--scrubber 'scrubber'] [-- extra dupes options]

``--jsonl`` reads the corpus's ``corpus.jsonl`` (what the peers read) instead of ``docs/``.

Prints documents per second, MB per second, peak RSS (of scrubber and its workers), and
pair precision and recall against the corpus's ``truth.tsv`` / ``pairs_truth.tsv``:
precision over every pair inside a reported cluster, recall of the true pairs with
word-5-gram Jaccard >= 0.8 and of all true pairs. Stdlib only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path


def stem(name: str) -> str:
    return os.path.splitext(os.path.basename(name))[0]


def score(corpus: Path, clusters: list[list[str]]) -> dict[str, float]:
    with (corpus / "truth.tsv").open(encoding="utf-8") as f:
        truth = {row["doc_id"]: row["cluster_id"] for row in csv.DictReader(f, delimiter="\t")}
    label: dict[str, int] = {}
    predicted = correct = 0
    for k, members in enumerate(clusters):
        ids = [stem(m) for m in members]
        for doc in ids:
            label[doc] = k
        for a, b in combinations(ids, 2):
            predicted += 1
            correct += truth.get(a) is not None and truth.get(a) == truth.get(b)
    found = {"all": [0, 0], "j5>=0.8": [0, 0]}
    with (corpus / "pairs_truth.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            hit = row["a"] in label and label[row["a"]] == label.get(row["b"])
            for name in ("all", "j5>=0.8") if float(row["j5"]) >= 0.8 else ("all",):
                found[name][0] += hit
                found[name][1] += 1
    return {
        "pairs_reported": predicted,
        "precision": correct / predicted if predicted else 1.0,
        "recall_j5>=0.8": found["j5>=0.8"][0] / max(1, found["j5>=0.8"][1]),
        "recall_all": found["all"][0] / max(1, found["all"][1]),
    }


def _size(docs: Path) -> tuple[int, int]:
    """Documents and bytes of text in a ``docs/`` folder or a ``corpus.jsonl``."""
    if docs.is_file():
        count = size = 0
        with docs.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    count += 1
                    size += len(json.loads(line)["text"].encode("utf-8"))
        return count, size
    files = list(docs.rglob("*.txt"))
    return len(files), sum(f.stat().st_size for f in files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--jsonl", action="store_true", help="read corpus.jsonl, not docs/")
    ap.add_argument("--scrubber", default="scrubber", help="command that runs scrubber")
    ap.add_argument("extra", nargs="*", help="more options for `scrubber dupes` (after --)")
    args = ap.parse_args()
    docs = args.corpus / ("corpus.jsonl" if args.jsonl else "docs")
    n_docs, n_bytes = _size(docs)
    command = [
        *shlex.split(args.scrubber),
        "dupes",
        str(docs),
        "--format",
        "json",
        "-q",
        *args.extra,
    ]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        subprocess.run(command, stdout=out, check=True)
        seconds = time.perf_counter() - started
        out.seek(0)
        result = json.load(out)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest process
    report = {
        "docs": n_docs,
        "MB": round(n_bytes / 1e6, 1),
        "seconds": round(seconds, 2),
        "docs/s": round(n_docs / seconds),
        "MB/s": round(n_bytes / 1e6 / seconds, 2),
        "peak_rss_MB": round(peak_kb / 1024),
        **{
            k: round(v, 4)
            for k, v in score(args.corpus, [c["members"] for c in result["clusters"]]).items()
        },
    }
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    json.dump(report, sys.stderr)
    print(file=sys.stderr)


if __name__ == "__main__":
    main()
