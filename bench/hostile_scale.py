"""Time and memory of `scrubber clean` on the big hostile inputs the test suite runs smaller.

    python bench/hostile_scale.py                    # all three, default sizes
    python bench/hostile_scale.py --only tiny --tiny 100000
    python bench/hostile_scale.py --only line --line-mb 50

- ``line``: one file of LINE_MB megabytes on a single line (words, no newline);
- ``tiny``: TINY files of one short line each, 100 per directory;
- ``pages``: PAGES news pages (tests/hostile_corpus.py), an ordinary corpus for comparison.

For each: wall time, the peak RSS of the largest process (what ``/usr/bin/time -v`` calls
"Maximum resident set size") and the peak memory of scrubber and its worker processes
together (their PSS summed, sampled every 20 ms from /proc). Linux only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_corpus import WORDS, write_corpus  # noqa: E402


def write_line(root: Path, megabytes: int) -> None:
    rng = random.Random(1)
    root.mkdir(parents=True)
    size = megabytes * 1024 * 1024
    with open(root / "huge_line.txt", "w", encoding="ascii") as handle:
        written = 0
        while written < size:
            chunk = " ".join(rng.choice(WORDS) for _ in range(10000)) + " "
            chunk = chunk[: size - written]
            handle.write(chunk)
            written += len(chunk)


def write_tiny(root: Path, count: int) -> None:
    rng = random.Random(2)
    for n in range(count):
        folder = root / f"d{n // 100:05d}"
        if n % 100 == 0:
            folder.mkdir(parents=True)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
        (folder / f"f{n:06d}.txt").write_text(words.capitalize() + ".\n", encoding="utf-8")


def group_pss(pgid: int) -> int:
    """Bytes of memory of all processes of a process group: their proportional set sizes,
    which count a page shared by forked workers once in all (RSS counts it in each)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 of stat: the process group
                continue
            with open(f"/proc/{entry}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            continue
    return total


def measure(src: Path, out: Path, jobs: int) -> dict[str, float]:
    command = [sys.executable, "-m", "scrubber", "clean", str(src), str(out), "-q"]
    if jobs:
        command += ["--jobs", str(jobs)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    peak_group = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # this child's own rusage
        if pid:
            break
        peak_group = max(peak_group, group_pss(proc.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"scrubber failed with exit code {code}")
    return {
        "seconds": round(seconds, 1),
        "largest_process_mib": round(usage.ru_maxrss / 1024),  # KiB on Linux
        "all_processes_pss_mib": round(peak_group / 2**20),
        "exit": code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["line", "tiny", "pages"], action="append")
    parser.add_argument("--line-mb", type=int, default=50)
    parser.add_argument("--tiny", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=0, help="--jobs for scrubber (0: all)")
    args = parser.parse_args()
    cases: dict[str, tuple[Callable[[Path], object], str]] = {
        "line": (lambda root: write_line(root, args.line_mb), f"{args.line_mb} MB, one line"),
        "tiny": (lambda root: write_tiny(root, args.tiny), f"{args.tiny} tiny files"),
        "pages": (lambda root: write_corpus(root, args.pages), f"{args.pages} news pages"),
    }
    for name in args.only or list(cases):
        make, label = cases[name]
        base = Path(tempfile.mkdtemp(prefix=f"scrubber-bench-{name}-"))
        try:
            make(base / "src")
            result = measure(base / "src", base / "out", args.jobs)
            print(f"{label}: {result}", flush=True)
        finally:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
