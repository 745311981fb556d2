"""``scrubber-strip FILE...``: the fixer hook. Rewrites each file without its boilerplate.

Only files that change are written (atomically); each gets one line naming the rules that
fired. Exit 1 when a file changed (or would, with ``--check``), 0 when none did, 3 when a
file could not be read or rewritten. Site templates are learned from the corpus through
the index (``scrubber.index.sites``), not from the few files pre-commit passes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from scrubber.errors import ExitCode
from scrubber.hooks import Hook, add_corpus_arguments, printable, run
from scrubber.hooks.fix import Fix, fix_file
from scrubber.hooks.repo import relative
from scrubber.index import CorpusIndex, use_index
from scrubber.index.sites import site_templates
from scrubber.io import atomic_write_bytes
from scrubber.model import DocRef
from scrubber.rules import TemplateIndex

PROG = "scrubber-strip"


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog=prog,
        description="Remove boilerplate lines from FILES in place (the scrubber-strip "
        "pre-commit hook). Site templates are learned from the repository's other documents.",
    )
    found.add_argument("files", nargs="*", metavar="FILE")
    found.add_argument(
        "--check", action="store_true", help="Write nothing; exit 1 if a file would change."
    )
    found.add_argument(
        "--diff", action="store_true", help="Write nothing; print the changes as a unified diff."
    )
    found.add_argument(
        "--no-templates", action="store_true", help="Per-page rules only: no site templates."
    )
    add_corpus_arguments(
        found,
        "Learn site templates from the documents under DIR (default: the documents git "
        "tracks in the current repository, under 'roots' of [tool.scrubber]).",
    )
    return found


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    args = parser(prog).parse_args(argv)
    return run(PROG, lambda: _strip(args))


def _strip(args: argparse.Namespace) -> int:
    hook = Hook.find(args.corpus, args.config, args.cache_file)
    refs, templates = _learn(hook, [Path(name) for name in args.files], args.no_templates)
    status = ExitCode.OK
    for ref in refs:
        fix = fix_file(ref, hook.settings, templates)
        if fix.problem:
            print(
                f"{PROG}: skipped {printable(ref.doc_id)}: {printable(fix.problem)}",
                file=sys.stderr,
            )
            status = max(status, ExitCode.INPUT_FAILED)
        elif fix.changed:
            _report(fix, args)
            if not args.diff or args.check:  # like black: --diff alone shows, it does not fail
                status = max(status, ExitCode.FOUND)
    return int(status)


def _learn(
    hook: Hook, files: list[Path], no_templates: bool
) -> tuple[list[DocRef], TemplateIndex | None]:
    """The refs of ``files`` (with their sites) and their sites' templates."""
    if hook.root is None:
        return [DocRef(str(f), str(f), site=f.parent.as_posix()) for f in files], None
    assert hook.root is not None
    corpus = hook.corpus({relative(hook.root, path).rpartition("/")[0] for path in files})
    refs = []
    for path in files:
        if corpus.accepts(path):
            refs.append(corpus.ref_for(path))
        else:
            print(
                f"{PROG}: not a document of the corpus (see roots and globs): {path}",
                file=sys.stderr,
            )
    if no_templates or not hook.settings.templates or not refs or hook.cache is None:
        return refs, None

    def learn(index: CorpusIndex) -> TemplateIndex:
        done = hook.refresh(index, corpus, refs, whole=False)  # the sites' pages are enough
        pages = corpus.sites({ref.site for ref in refs})
        return site_templates(index, done, pages, refs, hook.settings)

    return refs, use_index(hook.cache, hook.settings, learn)


def _report(fix: Fix, args: argparse.Namespace) -> None:
    rules = ", ".join(f"{rule} {count}" for rule, count in sorted(fix.removed.items()))
    count = sum(fix.removed.values())
    lines = f"{count} line{'' if count == 1 else 's'} ({rules})"
    name = printable(fix.ref.doc_id)
    if args.diff:
        sys.stdout.write(fix.diff())
    if args.check or args.diff:
        print(f"Would fix {name}: would remove {lines}", file=sys.stderr if args.diff else None)
        return
    assert fix.data is not None
    atomic_write_bytes(Path(fix.ref.path), fix.data)
    print(f"Fixing {name}: removed {lines}")


if __name__ == "__main__":
    raise SystemExit(main())
