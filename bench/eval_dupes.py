#!/usr/bin/env python3
"""Score ``scrubber dupes`` on a labelled directory: pair precision, pair recall, time.

usage: eval_dupes.py LABELLED_DIR [--threshold T] [--library] [--show N]

LABELLED_DIR holds the documents and ``labels.tsv`` with (at least) the columns ``file``
(path relative to the directory) and ``cluster`` (files with the same cluster are
versions of the same document). Every pair of members of a reported cluster is a
predicted pair; it is right when both files have the same label.

By default the real CLI runs (``scrubber dupes DIR --format json``, the ``scrubber`` next
to this Python, or on PATH); ``--library`` calls scrubber.dedup directly on the labelled
files (no boilerplate stripping), for working on the similarity itself.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path


def read_labels(folder: Path) -> dict[str, str]:
    with (folder / "labels.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: row["cluster"] for row in csv.DictReader(handle, delimiter="\t")}


def scrubber_command() -> list[str]:
    beside = Path(sys.executable).with_name("scrubber")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("scrubber")
    return [found] if found else [sys.executable, "-m", "scrubber"]


def clusters_from_cli(folder: Path, threshold: float | None) -> list[list[str]]:
    command = [*scrubber_command(), "dupes", str(folder), "--format", "json"]
    if threshold is not None:
        command += ["--threshold", str(threshold)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"scrubber dupes failed ({done.returncode}):\n{done.stderr}")
    return [list(c["members"]) for c in json.loads(done.stdout)["clusters"]]


def clusters_from_library(
    folder: Path, files: list[str], threshold: float | None
) -> list[list[str]]:
    from scrubber.config import Settings
    from scrubber.dedup import DedupSettings, find_clusters, sketch

    base = Settings() if threshold is None else Settings(threshold=threshold)
    settings = DedupSettings.from_settings(base)
    texts = [(folder / name).read_text(encoding="utf-8") for name in files]
    sketches = [sketch(text, settings) for text in texts]
    groups = find_clusters(sketches, lambda i: texts[i], settings)
    return [[files[i] for i in group.members] for group in groups]


def pairs_of(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}  # type: ignore[misc]


def score(labels: dict[str, str], clusters: list[list[str]]) -> dict[str, float]:
    by_cluster: dict[str, list[str]] = {}
    for name, label in labels.items():
        by_cluster.setdefault(label, []).append(name)
    truth = pairs_of(list(by_cluster.values()))
    predicted = pairs_of(clusters)
    right = predicted & truth
    return {
        "precision": len(right) / len(predicted) if predicted else 1.0,
        "recall": len(right) / len(truth) if truth else 1.0,
        "predicted_pairs": len(predicted),
        "true_pairs": len(truth),
        "wrong_pairs": len(predicted - truth),
        "clusters": len(clusters),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, metavar="LABELLED_DIR")
    parser.add_argument("--threshold", type=float, default=None, help="default: scrubber's")
    parser.add_argument("--library", action="store_true", help="call scrubber.dedup directly")
    parser.add_argument("--show", type=int, default=0, help="print up to N wrong and missed pairs")
    args = parser.parse_args(argv)
    labels = read_labels(args.folder)
    start = time.perf_counter()
    if args.library:
        clusters = clusters_from_library(args.folder, sorted(labels), args.threshold)
    else:
        clusters = clusters_from_cli(args.folder, args.threshold)
    seconds = time.perf_counter() - start
    clusters = [[name.removeprefix("./") for name in group] for group in clusters]
    result = score(labels, clusters)
    mode = "library" if args.library else "cli"
    threshold = "default" if args.threshold is None else args.threshold
    print(f"{args.folder} ({mode}, threshold {threshold}): {len(labels)} documents")
    print(
        f"pair precision {result['precision']:.4f}  pair recall {result['recall']:.4f}  "
        f"({result['predicted_pairs']} predicted, {result['true_pairs']} true, "
        f"{result['wrong_pairs']} wrong, {result['clusters']} clusters)  time {seconds:.1f} s"
    )
    if args.show:
        show_errors(labels, clusters, args.show)
    return 0


def show_errors(labels: dict[str, str], clusters: list[list[str]], limit: int) -> None:
    by_cluster: dict[str, list[str]] = {}
    for name, label in labels.items():
        by_cluster.setdefault(label, []).append(name)
    truth = pairs_of(list(by_cluster.values()))
    predicted = pairs_of(clusters)
    for a, b in sorted(predicted - truth)[:limit]:
        print(f"  wrong:  {a}  {b}")
    for a, b in sorted(truth - predicted)[:limit]:
        print(f"  missed: {a}  {b}")


if __name__ == "__main__":
    raise SystemExit(main())
