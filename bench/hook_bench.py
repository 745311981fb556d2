"""The pre-commit hooks on a corpus of 100,000 documents: how fast, and do warm runs answer
as cold ones?

Generates a seeded corpus (news-site pages in folders of 1,000, one site per folder, each
with its header and footer; about one document in twenty an edited copy of another) in a git
repository, then times the hooks as pre-commit runs them, each a fresh process
(``scrubber-strip FILE...``, then ``scrubber-dupes``), on commits of new documents that are
near-duplicates of existing ones and carry "Go back" lines:

    cold        no index yet (strip indexes the pages of the file's site, dupes the corpus)
    warm 1      1 new file per commit, 5 commits, median
    warm 100    100 new files per commit, 3 commits, median

After each warm scenario one more commit is checked twice: with the warm index, and with a
new, empty one (``--cache-file``); the hooks' output and the fixed files must be identical
(``--no-verify`` skips this).

    python bench/hook_bench.py                       # 100,000 documents in a temporary folder
    python bench/hook_bench.py --docs 20000 --dir /tmp/hb   # kept, and reused next time
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PER_FOLDER = 1000
DUP_SHARE = 0.05
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "su", "no", "vi", "de", "pa", "ri", "ko")
SYLLABLES += ("ma", "ne", "tu", "sa", "lu", "be", "da", "fo", "gi", "ho", "ju")


def vocabulary(rng: random.Random, size: int = 60_000) -> tuple[list[str], list[float]]:
    """Zipf-distributed words, short ones frequent (as in real text: few long words are common)."""
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        rank = len(words)
        syllables = 1 if rank < 20 else 2 if rank < 400 else 3 if rank < 8000 else rng.randint(4, 5)
        word = "".join(rng.choices(SYLLABLES, k=syllables))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))


def paragraph(rng: random.Random, vocab: tuple[list[str], list[float]]) -> str:
    sentences = []
    for _ in range(rng.randint(2, 6)):
        words = rng.choices(vocab[0], cum_weights=vocab[1], k=rng.randint(8, 24))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def site_chrome(rng: random.Random, site: int) -> tuple[list[str], list[str]]:
    name = f"The Daily {site:03d}"
    menu = [name, "Home", "World", "Politics", f"Section {rng.randint(1, 9)}"]
    footer = ["Go back", "Back to the all news", f"© 2024 {name}. All rights reserved."]
    return menu, footer


def write_corpus(root: Path, docs: int, seed: int) -> None:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    bodies: list[list[str]] = []
    for index in range(docs):
        site = index // PER_FOLDER
        menu, footer = site_chrome(random.Random(f"{seed}:{site}"), site)
        if bodies and rng.random() < DUP_SHARE:
            body = edited(rng, rng.choice(bodies), vocab)
        else:
            body = [paragraph(rng, vocab) for _ in range(rng.randint(3, 8))]
        bodies.append(body)
        path = root / f"{site:04d}" / f"d{index:07d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([*menu, "", "\n\n".join(body), "", *footer]) + "\n")


def edited(rng: random.Random, body: list[str], vocab: tuple[list[str], list[float]]) -> list[str]:
    """A copy with a few words replaced and, sometimes, a paragraph added."""
    out = []
    for para in body:
        words = para.split()
        for _ in range(max(1, len(words) // 30)):
            words[rng.randrange(len(words))] = rng.choice(vocab[0])
        out.append(" ".join(words))
    if rng.random() < 0.5:
        out.append(paragraph(rng, vocab))
    return out


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def make_repo(root: Path, docs: int, seed: int) -> None:
    started = time.perf_counter()
    write_corpus(root / "corpus", docs, seed)
    git(root, "init", "-q")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "corpus")
    print(f"corpus: {docs:,} documents, git repository in {time.perf_counter() - started:.0f} s")


def change(root: Path, count: int, round_no: int) -> list[str]:
    """``count`` new documents: near-duplicates of existing ones with "Go back" lines, staged."""
    rng = random.Random(f"change:{round_no}")
    folders = sorted(p for p in (root / "corpus").iterdir() if p.is_dir())
    names = []
    for k in range(count):
        folder = rng.choice(folders)
        original = folder / f"d{int(folder.name) * PER_FOLDER + rng.randrange(PER_FOLDER):07d}.txt"
        if not original.exists():  # the last folder may hold fewer documents
            original = min(folder.glob("d*.txt"))
        name = f"corpus/{folder.name}/new-{round_no:03d}-{k:03d}.txt"
        (root / name).write_text(f"Go back\n{original.read_text()}Revision {round_no}.\nGo back\n")
        names.append(name)
    git(root, "add", *names)
    return names


def run_hooks(root: Path, names: list[str], cache: str | None = None) -> tuple[float, float, str]:
    extra = ["--cache-file", cache] if cache else []
    strip = [sys.executable, "-m", "scrubber.hooks.strip", *extra, *names]
    dupes = [sys.executable, "-m", "scrubber.hooks.dupes", *extra]
    started = time.perf_counter()
    first = subprocess.run(strip, cwd=root, capture_output=True, text=True)
    middle = time.perf_counter()
    second = subprocess.run(dupes, cwd=root, capture_output=True, text=True)
    ended = time.perf_counter()
    for done in (first, second):
        if done.returncode not in (0, 1) or "Traceback" in done.stderr:
            raise SystemExit(f"hook failed ({done.returncode}): {done.stderr}")
    return middle - started, ended - middle, first.stdout + second.stdout


def scenario(root: Path, label: str, count: int, rounds: int, verify: bool, start: int) -> None:
    """``rounds`` commits of ``count`` new files each, timed; then one checked against a cold run."""
    strip_s, dupes_s = [], []
    for round_no in range(start, start + rounds):
        names = change(root, count, round_no)
        strip_t, dupes_t, _ = run_hooks(root, names)
        strip_s.append(strip_t)
        dupes_s.append(dupes_t)
        commit(root, names)
    both = statistics.median(a + b for a, b in zip(strip_s, dupes_s, strict=True))
    print(
        f"{label:9s} strip {statistics.median(strip_s):6.2f} s   dupes "
        f"{statistics.median(dupes_s):6.2f} s   both {both:6.2f} s   (median of {rounds})"
    )
    if verify:
        names = change(root, count, start + rounds)
        warm = run_hooks(root, names)[2], [(root / name).read_bytes() for name in names]
        git(root, "checkout", "--", *names)  # the staged files again, as the cold run gets them
        with tempfile.TemporaryDirectory() as folder:
            cold = run_hooks(root, names, str(Path(folder) / "cold.sqlite"))[2]
        same = warm == (cold, [(root / name).read_bytes() for name in names])
        lines = len(cold.splitlines())
        print(f"{'':9s} output ({lines} lines) and fixed files equal to a cold run's: {same}")
        if not same:
            raise SystemExit(f"warm:\n{warm[0]}\ncold:\n{cold}")
        commit(root, names)


def commit(root: Path, names: list[str]) -> None:
    git(root, "add", *names)
    git(root, "commit", "-q", "--no-verify", "-m", "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="Corpus repository (kept, reused).")
    parser.add_argument("--no-verify", action="store_true", help="Skip the cold comparisons.")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="hook-bench-"))
    if not (root / ".git").is_dir():
        make_repo(root, args.docs, args.seed)
    shutil.rmtree(root / ".scrubber", ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    names = change(root, 1, 0)
    strip_t, dupes_t, _ = run_hooks(root, names)
    print(
        f"{'cold':9s} strip {strip_t:6.2f} s   dupes {dupes_t:6.2f} s   (no index: "
        "strip indexes the file's site, dupes the whole corpus)"
    )
    commit(root, names)
    scenario(root, "warm 1", 1, 5, not args.no_verify, 1)
    scenario(root, "warm 100", 100, 3, not args.no_verify, 10)
    git(root, "reset", "-q", "--hard", base)  # the generated corpus, for the next run
    if args.dir is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
