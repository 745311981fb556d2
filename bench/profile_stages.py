"""Where the time goes: ``dupes`` and ``clean`` on one corpus, stage by stage.

    python bench/profile_stages.py CORPUS_DIR [--jobs N] [--skip-clean] [--only dupes|clean]

CORPUS_DIR is a folder of documents or a corpus from ``make_corpus.py`` (its ``docs/``
is used). Each command runs in a fresh Python process of its own (``--only`` runs one
in this process), so each pays its own start (imports, loading the compiled kernels),
as from the command line. For each stage it prints wall seconds, the CPU seconds of the
main process, and those of the worker processes (each stage's pool is gone by the next
stage, so its CPU is counted there), then each command's peak memory. ``clean`` writes to
a temporary folder, removed afterwards. Numbers depend on the machine and on what else
runs on it: compare within one run.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scrubber import pipeline
from scrubber.config import Settings
from scrubber.model import ProgressEvent


def workers_cpu() -> float:
    """CPU seconds of the finished child processes (the pools' workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


class StageClock:
    """Turns progress events into (stage, wall s, main-process CPU s, workers' CPU s)."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, float, float, float]] = []
        self._stage = "start"
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        self._workers = workers_cpu()

    def __call__(self, event: ProgressEvent) -> None:
        if event.stage != self._stage:
            self.lap(event.stage)

    def lap(self, next_stage: str) -> None:
        wall, cpu, workers = time.perf_counter(), time.process_time(), workers_cpu()
        self.stages.append(
            (self._stage, wall - self._wall, cpu - self._cpu, workers - self._workers)
        )
        self._stage, self._wall, self._cpu, self._workers = next_stage, wall, cpu, workers

    @property
    def total(self) -> float:
        """Wall seconds of the stages so far."""
        return sum(stage[1] for stage in self.stages)


LABELS = {
    "start": "start: load compiled kernels (inputs are found during pass 1)",
    "scan": "pass 1: read, sketch (clean: also strip)",
    "candidates": "candidates: LSH bands, signature check",
    "verify": "verify: read + strip + parse candidates, score pairs, cluster",
    "templates": "learn site templates",
    "strip": "pass 2: strip with templates, merge, write",
    "report": "write report.json and report.html",
}


def table(title: str, clock: StageClock, total: float) -> str:
    rows = [
        f"\n{title} ({total:.1f} s)\n",
        "| stage | wall s | main CPU s | workers' CPU s |",
        "|---|---|---|---|",
    ]
    for stage, wall, cpu, workers in clock.stages:
        rows.append(f"| {LABELS.get(stage, stage)} | {wall:.2f} | {cpu:.2f} | {workers:.2f} |")
    main_cpu = sum(stage[2] for stage in clock.stages)
    workers = sum(stage[3] for stage in clock.stages)
    rows.append(f"| all | {total:.2f} | {main_cpu:.2f} | {workers:.2f} |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--skip-clean", action="store_true")
    ap.add_argument("--only", choices=("dupes", "clean"), help="run one command, here")
    args = ap.parse_args()
    if args.only:
        seconds = profile(args.only, args.corpus, args.jobs)
        print(f"{_SECONDS}{seconds}")
        return
    commands = ("dupes",) if args.skip_clean else ("dupes", "clean")
    seconds = {command: _in_fresh_process(command, args.corpus, args.jobs) for command in commands}
    if "clean" in seconds:
        print(f"\nclean / dupes: {seconds['clean'] / seconds['dupes']:.2f}")


_SECONDS = "seconds: "


def _in_fresh_process(command: str, corpus: Path, jobs: int) -> float:
    """``profile(command, ...)`` in a new Python process; its report is printed here."""
    found = subprocess.run(
        [sys.executable, __file__, str(corpus), "--jobs", str(jobs), "--only", command],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report, _, last = found.rstrip("\n").rpartition("\n")
    print(report)
    return float(last.removeprefix(_SECONDS))


def profile(command: str, corpus: Path, jobs: int) -> float:
    """Run ``command`` on the corpus in this process, print its stage table and peak
    memory, and return its wall seconds."""
    src = corpus / "docs" if (corpus / "docs").is_dir() else corpus
    settings = Settings(jobs=jobs)
    clock = StageClock()
    if command == "dupes":
        result = pipeline.find_dupes([str(src)], settings, clock)
        clock.lap("done")
        title = f"dupes: {result.documents} documents, {len(result.clusters)} clusters"
    else:
        out = Path(tempfile.mkdtemp(prefix="scrubber-profile-")) / "out"
        try:
            run = pipeline.clean(src, out, settings, clock)
            clock.lap("done")
        finally:
            shutil.rmtree(out.parent, ignore_errors=True)
        title = f"clean: {run.documents_in} documents"
    seconds = clock.total
    print(table(title, clock, seconds))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the main process: {peak:.0f} MB")
    return seconds


if __name__ == "__main__":
    main()
