"""The corpus of a repository, as the hooks see it, found without walking 100,000 files.

The documents are the files git tracks (``git ls-files``: the index, which is what a commit
will hold) under the corpus roots (``roots`` in ``[tool.scrubber]``, relative to the
repository root; the whole repository by default) that match the globs, outside hidden
folders, as ``scrubber dupes`` would find them. JSON Lines files are not documents here.
A document's id is its path relative to the repository root, its site (the group whose
pages share templates) the folder it is in. Outside git, a directory is walked the same way.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from scrubber.errors import UsageError
from scrubber.io.discover import matches
from scrubber.io.jsonl import is_jsonl
from scrubber.model import DocRef


class RepoCorpus:
    """Every document of a corpus root, sorted by id."""

    def __init__(self, root: Path, refs: Sequence[DocRef], accept: Callable[[str], bool]) -> None:
        self.root = root
        self.refs = tuple(refs)
        self._by_id = {ref.doc_id: ref for ref in self.refs}
        self._accept = accept

    def accepts(self, path: Path) -> bool:
        """Whether a file at ``path`` is a document of this corpus (roots, globs, not hidden)."""
        rel = relative(self.root, path)
        return bool(rel) and self._accept(rel)

    def get(self, doc_id: str) -> DocRef | None:
        """The document with this id (its path relative to the root), if it is one."""
        return self._by_id.get(doc_id)

    def ref_for(self, path: Path) -> DocRef:
        """The document at ``path``: the corpus' own ref, or a new one for a file outside it."""
        rel = relative(self.root, path)
        if not rel:
            return DocRef(path.name, str(path))
        return self._by_id.get(rel) or make_ref(self.root, rel)


def git_root(start: Path) -> Path | None:
    """The top folder of the git work tree holding ``start``, or None outside git."""
    folder = start if start.is_dir() else start.parent
    done = _git(folder, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        return None
    return Path(os.fsdecode(done.stdout.rstrip(b"\n")))


def list_corpus(root: Path, roots: Sequence[str], globs: Sequence[str], git: bool) -> RepoCorpus:
    """The documents under ``roots`` (all of ``root`` when empty) of the corpus at ``root``:
    the files git tracks there (``git``), else the files found walking it."""
    inside = tuple(_root_prefix(root, r) for r in roots) or ("",)
    lowered = tuple(glob.lower() for glob in globs)

    def accept(rel: str) -> bool:
        return rel.startswith(inside) and _is_document(rel, lowered)

    tracked = _tracked(root) if git else _walk(root)
    return RepoCorpus(
        root, [make_ref(root, rel) for rel in sorted(set(tracked)) if accept(rel)], accept
    )


def make_ref(root: Path, rel: str) -> DocRef:
    return DocRef(doc_id=rel, path=str(root / rel), site=rel.rpartition("/")[0])


def relative(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` in POSIX form, or "" when it is outside."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return ""


def changed_files(root: Path) -> list[str]:
    """Paths (relative to ``root``) that the commit being made adds or modifies: the staged
    files, or with ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` (``pre-commit run
    --from-ref A --to-ref B``) the files changed between the two."""
    source, target = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    span = [f"{source}...{target}"] if source and target else ["--cached"]
    done = _git(
        root,
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--relative",
        "--diff-filter=ACMRT",
        *span,
    )
    return sorted(_names(done.stdout))


def _tracked(root: Path) -> list[str]:
    return list(_names(_git(root, "ls-files", "-z", "--cached").stdout))


def _walk(root: Path) -> Iterator[str]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        for name in files:
            yield (base / name).relative_to(root).as_posix()


def _is_document(rel: str, globs: Sequence[str]) -> bool:
    parts = rel.split("/")
    if any(part.startswith(".") for part in parts[:-1]) or is_jsonl(parts[-1].lower()):
        return False
    return matches(parts[-1], globs)


def _root_prefix(root: Path, name: str) -> str:
    folder = (root / name).resolve()
    rel = relative(root.resolve(), folder)
    if not folder.is_dir() or (not rel and folder != root.resolve()):
        raise UsageError(
            f"roots: {name!r} is not a folder inside {root}; fix 'roots' in [tool.scrubber]"
        )
    return f"{rel}/" if rel and rel != "." else ""


def _names(output: bytes) -> Iterable[str]:
    return (os.fsdecode(name) for name in output.split(b"\0") if name)


def _git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=folder,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise UsageError(
            f"cannot run git ({exc}); install git or run outside a repository"
        ) from exc
    if check and done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed in {folder}: {message[-1] if message else '?'}")
    return done
