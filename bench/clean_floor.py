"""What ``clean`` cannot avoid beyond ``dupes``: read, strip and write every page, nothing else.

    python bench/clean_floor.py CORPUS_DIR [--jobs 2] [--out DIR]

Runs four bare loops over the corpus's documents on ``--jobs`` processes (chunks of 1,000
files): read them; read and strip them with the per-page rules (``strip_page``, no
templates); read and write them unchanged, a new file each; read, strip and write. No
sketches, no duplicates, no templates, no manifest, no reports, nothing sent back. It prints
wall seconds and the workers' CPU seconds of each, so the cost of stripping and of writing
can be set against what ``bench/profile_stages.py`` shows for ``clean``. Writing goes to a
temporary folder in ``--out`` (default: the system's), removed (and synced) after each loop;
the documents are read once before the first loop, so all four read them warm. Numbers
depend on the machine and on the file system's state: compare within one run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from scrubber import rules
from scrubber.config import Settings
from scrubber.io import load_document
from scrubber.model import DocRef
from scrubber.scan import collect_refs

MODES = ("read", "read+strip", "read+write", "read+strip+write")
CHUNK = 1000

_refs: list[DocRef] = []  # set before the workers fork
_out = ""
_mode = ""


def _work(bounds: tuple[int, int]) -> int:
    start, end = bounds
    settings = Settings(jobs=1)
    folder = os.path.join(_out, str(start))
    if "write" in _mode:
        os.mkdir(folder)
    for i in range(start, end):
        doc = load_document(_refs[i], settings.errors)
        text = doc.text
        if "strip" in _mode:
            text = rules.strip_page(doc.doc_id, text, settings).text
        if "write" in _mode:
            fd = os.open(os.path.join(folder, f"{i}.txt"), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            os.write(fd, text.encode("utf-8", "surrogatepass"))
            os.close(fd)
    return end - start


def run(mode: str, jobs: int, out: Path) -> tuple[float, float, float]:
    """Wall seconds, and the workers' user and system CPU seconds, of one loop."""
    global _out, _mode
    _out, _mode = tempfile.mkdtemp(dir=out), mode
    chunks = [(i, min(i + CHUNK, len(_refs))) for i in range(0, len(_refs), CHUNK)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        done = sum(pool.map(_work, chunks))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(_out)
    os.sync()  # the next loop must not pay for this one's writes and deletions
    assert done == len(_refs)
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()
    src = args.corpus / "docs" if (args.corpus / "docs").is_dir() else args.corpus
    refs, _failures = collect_refs([str(src)], Settings())
    _refs.extend(refs)
    print(f"{len(refs)} documents, {args.jobs} processes\n")
    run("read", args.jobs, args.out)  # into the page cache, as for a warm run of clean
    print("| loop | wall s | user CPU s | system CPU s |\n|---|---|---|---|")
    for mode in MODES:
        wall, user, system = run(mode, args.jobs, args.out)
        print(f"| {mode} | {wall:.2f} | {user:.2f} | {system:.2f} |")


if __name__ == "__main__":
    main()
