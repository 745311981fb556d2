"""Where the time goes: ``dupes`` and ``clean`` on one corpus, stage by stage.

    python bench/profile_stages.py CORPUS_DIR [--jobs N] [--skip-clean]

CORPUS_DIR is a folder of documents or a corpus from ``make_corpus.py`` (its ``docs/``
is used). Runs the library in this process (workers as usual) and prints, for each
stage, wall seconds, the CPU seconds of the main process, and those of the worker
processes (each stage's pool is gone by the next stage, so its CPU is counted there).
``clean`` writes to a temporary folder, removed afterwards. Numbers depend on the
machine and on what else runs on it: compare within one run.
"""

from __future__ import annotations

import argparse
import resource
import shutil
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
    args = ap.parse_args()
    src = args.corpus / "docs" if (args.corpus / "docs").is_dir() else args.corpus
    settings = Settings(jobs=args.jobs)

    clock = StageClock()
    start = time.perf_counter()
    result = pipeline.find_dupes([str(src)], settings, clock)
    clock.lap("done")
    dupes_s = time.perf_counter() - start
    print(
        table(
            f"dupes: {result.documents} documents, {len(result.clusters)} clusters", clock, dupes_s
        )
    )

    if not args.skip_clean:
        out = Path(tempfile.mkdtemp(prefix="scrubber-profile-")) / "out"
        try:
            clock = StageClock()
            start = time.perf_counter()
            run = pipeline.clean(src, out, settings, clock)
            clock.lap("done")
            clean_s = time.perf_counter() - start
            print(table(f"clean: {run.documents_in} documents", clock, clean_s))
            print(f"\nclean / dupes: {clean_s / dupes_s:.2f}")
        finally:
            shutil.rmtree(out.parent, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the main process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
