"""``scrubber-dupes``: the check hook. Refuses a commit that adds a near-duplicate.

Never edits anything. It runs once per commit (``pass_filenames: false``,
``require_serial: true``) and finds the corpus itself: the documents git tracks, under
``roots`` of ``[tool.scrubber]``. The documents it asks about are the staged ones (or
those changed between ``--from-ref`` and ``--to-ref``, or the FILEs named, or all with
``--all``); each near-duplicate pair with one of them is printed and the exit code is 1.
The index makes this a lookup of a few band keys, not a pass over the corpus.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from scrubber.errors import ExitCode, UsageError
from scrubber.hooks import Hook, add_corpus_arguments, printable, run
from scrubber.hooks.repo import RepoCorpus, changed_files
from scrubber.index import CorpusIndex, entry, use_index
from scrubber.index.query import Query, new_pairs
from scrubber.model import DocRef, InputFailure, Pair

PROG = "scrubber-dupes"


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog=PROG,
        description="Exit 1 and name each near-duplicate pair with a staged document (the "
        "scrubber-dupes pre-commit hook). Never edits files.",
    )
    found.add_argument(
        "files", nargs="*", metavar="FILE", help="Ask about these documents instead."
    )
    found.add_argument("--all", action="store_true", help="Ask about every document.")
    add_corpus_arguments(
        found,
        "The corpus (default: the documents git tracks in the current repository, "
        "under 'roots' of [tool.scrubber]).",
    )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run(PROG, lambda: _dupes(args))


def _dupes(args: argparse.Namespace) -> int:
    hook = Hook.find(args.corpus, args.config, args.cache_file)
    if hook.root is None or hook.cache is None:
        raise UsageError("not in a git repository: name the corpus with --corpus DIR")
    corpus = hook.corpus()
    targets = _targets(hook, corpus, args)
    if not targets:
        return int(ExitCode.OK)
    outside = {entry(ref): ref for ref in targets}

    def ref_of(name: str) -> DocRef:
        return outside[name] if name in outside else corpus.ref(name)

    def check(index: CorpusIndex) -> tuple[list[Pair], list[InputFailure]]:
        done = hook.refresh(index, corpus, targets)
        failed = [done.computed[name].failure for name in outside if name in done.computed]
        query = Query(index, done, corpus.names, ref_of, hook.stripped_text, hook.settings)
        return new_pairs(query, list(outside)), [f for f in failed if f is not None]

    pairs, failures = use_index(hook.cache, hook.settings, check)
    return _report(pairs, failures, hook.settings.threshold)


def _report(pairs: list[Pair], failures: list[InputFailure], threshold: float) -> int:
    for failure in failures:
        name, reason = printable(failure.doc_id), printable(failure.reason)
        print(f"{PROG}: skipped {name}: {reason}", file=sys.stderr)
    for pair in pairs:
        a, b = printable(pair.a), printable(pair.b)
        print(f"{a} ~ {b}: near-duplicates (similarity {pair.similarity:.2f})")
    if pairs:
        print(
            f"{PROG}: {len(pairs)} near-duplicate pair(s) at similarity >= {threshold}; "
            "remove or merge one document of each pair",
            file=sys.stderr,
        )
        return int(ExitCode.FOUND)
    return int(ExitCode.INPUT_FAILED if failures else ExitCode.OK)


def _targets(hook: Hook, corpus: RepoCorpus, args: argparse.Namespace) -> list[DocRef]:
    if args.all:
        return [corpus.ref(name) for name in corpus.names]
    if args.files:
        return [corpus.ref_for(Path(name)) for name in args.files]
    if not hook.git:
        raise UsageError(f"{hook.root}: not a git repository: name FILEs or use --all")
    assert hook.root is not None
    return [ref for ref in (corpus.get(name) for name in changed_files(hook.root)) if ref]


if __name__ == "__main__":
    raise SystemExit(main())
