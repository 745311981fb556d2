"""The corpus of a repository, as the hooks see it, found without walking 100,000 files.

The documents are the files git tracks (``git ls-files``: the index, which is what a commit
will hold) under the corpus roots (``roots`` in ``[tool.scrubber]``, relative to the
repository root; the whole repository by default) that match the globs, outside hidden
folders, as ``scrubber dupes`` would find them. JSON Lines files are not documents here.
A document's id is its path relative to the repository root, its site (the group whose
pages share templates) the folder it is in. Outside git, a directory is walked the same way.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from scrubber.errors import UsageError
from scrubber.model import DocRef

JSONL = (".jsonl", ".jsonl.gz")  # JSON Lines files hold many documents: not hook documents


class RepoCorpus:
    """Every document of a corpus root: ids (paths relative to the root, sorted) and names
    (absolute paths, what the index calls them). Refs are made only when asked for."""

    def __init__(self, root: Path, ids: Sequence[str], accept: Callable[[str], bool]) -> None:
        self.root = root
        self.base = os.path.abspath(root)
        self.ids = tuple(ids)
        self.names = [f"{self.base}{os.sep}{rel}" for rel in self.ids]
        self._accept = accept
        self._known = frozenset(self.ids)

    def accepts(self, path: Path) -> bool:
        """Whether a file at ``path`` is a document of this corpus (roots, globs, not hidden)."""
        rel = relative(self.root, path)
        return bool(rel) and self._accept(rel)

    def holds(self, name: str) -> bool:
        """Whether the document of a name (an absolute path) is one of the corpus'."""
        return name.startswith(self.base + os.sep) and name[len(self.base) + 1 :] in self._known

    def get(self, doc_id: str) -> DocRef | None:
        """The document with this id (its path relative to the root), if it is one."""
        return self.ref(f"{self.base}{os.sep}{doc_id}") if doc_id in self._known else None

    def ref(self, name: str) -> DocRef:
        """The document of a name (an absolute path under the root)."""
        rel = name[len(self.base) + 1 :].replace(os.sep, "/")
        return DocRef(doc_id=rel, path=name, site=rel.rpartition("/")[0])

    def ref_for(self, path: Path) -> DocRef:
        """The document at ``path``, a file of the corpus or not."""
        rel = relative(self.root, path)
        if not rel:
            return DocRef(path.name, os.path.abspath(path))
        return self.ref(f"{self.base}{os.sep}{rel}")

    def sites(self, wanted: set[str]) -> dict[str, list[str]]:
        """The names of the documents of each of the ``wanted`` sites (folders)."""
        found: dict[str, list[str]] = {site: [] for site in wanted}
        for rel, name in zip(self.ids, self.names, strict=True):
            pages = found.get(rel.rpartition("/")[0])
            if pages is not None:
                pages.append(name)
        return found


def git_root(start: Path) -> Path | None:
    """The top folder of the git work tree holding ``start``, or None outside git."""
    folder = start if start.is_dir() else start.parent
    done = _git(folder, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        return None
    return Path(os.fsdecode(done.stdout.rstrip(b"\n")))


def list_corpus(
    root: Path,
    roots: Sequence[str],
    globs: Sequence[str],
    git: bool,
    folders: Iterable[str] | None = None,
) -> RepoCorpus:
    """The documents under ``roots`` (all of ``root`` when empty) of the corpus at ``root``:
    the files git tracks there (``git``), else the files found walking it. With ``folders``
    (relative POSIX paths, "" for the root), only the documents directly in those folders:
    the pages of some sites."""
    inside = tuple(_root_prefix(root, r) for r in roots) or ("",)
    pattern = re.compile("|".join(fnmatch.translate(glob.lower()) for glob in globs) or "(?!)")

    match = pattern.match

    def accept(rel: str) -> bool:
        cut = rel.rfind("/")
        if rel[0] == "." or "/." in rel:  # hidden folders (.git, .scrubber) are not walked
            folder = f"/{rel[:cut]}" if cut > 0 else ""
            if "/." in folder:
                return False
        name = rel[cut + 1 :].lower()
        return (
            match(name) is not None
            and not name.endswith(JSONL)
            and (not inside[0] or rel.startswith(inside))
        )

    wanted = None if folders is None else set(folders)
    found = _tracked(root, wanted) if git else _walk(root, wanted)
    if wanted is not None:
        found = [rel for rel in found if rel.rpartition("/")[0] in wanted]
    return RepoCorpus(root, sorted({rel for rel in found if accept(rel)}), accept)


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


def _tracked(root: Path, folders: set[str] | None) -> list[str]:
    spec = [] if folders is None or "" in folders else [f":(literal){f}/" for f in sorted(folders)]
    return list(_names(_git(root, "ls-files", "-z", "--cached", "--", *spec).stdout))


def _walk(root: Path, folders: set[str] | None) -> Iterator[str]:
    if folders is not None:
        for folder in sorted(folders):
            with contextlib.suppress(OSError):
                names = os.listdir(root / folder)
                yield from (f"{folder}/{name}" if folder else name for name in names)
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        for name in files:
            yield (base / name).relative_to(root).as_posix()


def _root_prefix(root: Path, name: str) -> str:
    folder = (root / name).resolve()
    rel = relative(root.resolve(), folder)
    if not folder.is_dir() or (not rel and folder != root.resolve()):
        raise UsageError(
            f"roots: {name!r} is not a folder inside {root}; fix 'roots' in [tool.scrubber]"
        )
    return f"{rel}/" if rel and rel != "." else ""


def _names(output: bytes) -> Iterable[str]:
    return (name for name in os.fsdecode(output).split("\0") if name)


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
