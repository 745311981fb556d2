"""pre-commit hooks for corpus repositories, one module per hook (pre-commit-hooks' model).

    scrubber-strip FILE...   (scrubber.hooks.strip)  rewrite files without their boilerplate
    scrubber-dupes           (scrubber.hooks.dupes)  refuse new near-duplicates

Each hook module has ``main(argv) -> int`` and prints like a pre-commit hook: one line per
file or pair, errors on stderr. What they share: finding the corpus (the git repository, or
``--corpus DIR``), its settings and its index, and turning errors into exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scrubber.config import Settings, find_config, load_settings, validate
from scrubber.errors import ExitCode, InputError, ScrubberError, UsageError
from scrubber.hooks.repo import RepoCorpus, git_root, list_corpus
from scrubber.index import CorpusIndex, Refreshed, default_path, entry
from scrubber.io import load_document
from scrubber.model import DocRef, Scanned
from scrubber.scan import scan_documents, strip_document


@dataclass(frozen=True)
class Hook:
    """Where the corpus is, its settings and its index file."""

    root: Path | None  # None: no corpus (outside git, no --corpus)
    git: bool
    settings: Settings
    cache: Path | None

    @classmethod
    def find(cls, corpus: str | None, config: str | None, cache: str | None) -> Hook:
        """``--corpus DIR``, else the git repository of the current directory."""
        if corpus and not Path(corpus).is_dir():
            raise UsageError(f"{corpus}: --corpus must be a directory of documents")
        root = Path(corpus) if corpus else git_root(Path.cwd())
        git = root is not None and (not corpus or git_root(root) is not None)
        source = Path(config) if config else find_config(root or Path.cwd())
        settings = load_settings(source)
        validate(settings, str(source or "settings"))
        index = Path(cache) if cache else (default_path(root) if root else None)
        return cls(root, git, settings, index)

    def corpus(self, folders: Iterable[str] | None = None) -> RepoCorpus:
        """The corpus' documents (only those directly in ``folders``, when given)."""
        assert self.root is not None
        settings = self.settings
        return list_corpus(self.root, settings.roots, settings.globs, self.git, folders)

    def refresh(
        self, index: CorpusIndex, corpus: RepoCorpus, extra: Sequence[DocRef], whole: bool = True
    ) -> Refreshed:
        """Bring the index up to date with the corpus (``whole``, or a part of it) and the
        ``extra`` documents."""
        outside = {entry(ref): ref for ref in extra}
        names = [*corpus.names, *(name for name in outside if not corpus.holds(name))]

        def refs_of(name: str) -> list[DocRef]:
            return [outside[name]] if name in outside else [corpus.ref(name)]

        return index.refresh_files(names, refs_of, self._scan, whole)

    def _scan(self, todo: list[DocRef]) -> list[Scanned]:
        return list(scan_documents(todo, self.settings, fingerprints=True))

    def stripped_text(self, ref: DocRef) -> str:
        """The text near-duplicate detection compares (after the per-page rules)."""
        try:
            return strip_document(load_document(ref, self.settings.errors), self.settings).text
        except InputError:
            return ""


def add_corpus_arguments(parser: argparse.ArgumentParser, corpus_help: str) -> None:
    """--corpus, --config and --cache-file: where both hooks find the corpus and its index."""
    parser.add_argument("--corpus", metavar="DIR", help=corpus_help)
    parser.add_argument("--config", metavar="FILE", help="Settings file (default: the nearest).")
    parser.add_argument(
        "--cache-file",
        metavar="PATH",
        help="The index file (default: .scrubber/index.sqlite in the corpus root).",
    )


def run(prog: str, body: Callable[[], int]) -> int:
    """``body()``'s exit code; a ScrubberError is one line on stderr and its exit code."""
    # Loading numba's compiled kernels takes half a second a process, more than they save on
    # the few documents a hook reads (and a cold build runs no slower without them); the
    # results are the same either way.
    os.environ.setdefault("SCRUBBER_NO_NUMBA", "1")
    try:
        return body()
    except ScrubberError as exc:
        print(f"{prog}: error: {printable(str(exc))}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return 130
    except Exception:
        traceback.print_exc()
        print(f"{prog}: internal error (the traceback is above)", file=sys.stderr)
        return int(ExitCode.INTERNAL)


def printable(text: str) -> str:
    """A name or message as one printable line (control characters escaped)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
