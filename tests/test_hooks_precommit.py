"""The real ``pre-commit`` program runs this checkout's hooks in a new corpus repository.

pre-commit clones a hook repository at a commit and pip-installs it into a virtualenv. This
checkout cannot be committed to by the tests, so its files (tracked and untracked, as git
lists them) are copied into a temporary repository and committed there, once per session,
with one PRE_COMMIT_HOME: the hook environment is installed once for all the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, seed_name

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
BODY = (
    "The council met on Monday to discuss the budget for the city schools and the roads.\n"
    "Members agreed to fund three projects over the next two years, starting in spring.\n"
)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def run(root: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=root, capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's working tree, committed in a repository of its own: (path, rev)."""
    target = tmp_path_factory.mktemp("hook-repo")
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "x")
    return target, git(target, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One PRE_COMMIT_HOME for the session: the hook virtualenv is built once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@example.com"
    return env


@pytest.fixture
def corpus(tmp_path: Path, hook_repo: tuple[Path, str], environment: dict[str, str]) -> Path:
    """A corpus repository with the seeds committed and the README's hooks installed."""
    root = tmp_path / "corpus"
    shutil.copytree(SEEDS, root / "news")
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repo[0]}\n"
        f"    rev: {hook_repo[1]}\n"
        "    hooks:\n"
        "      - id: scrubber-strip\n"
        "      - id: scrubber-dupes\n"
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "seeds")
    installed = run(root, *PRE_COMMIT, "install", env=environment)
    assert installed.returncode == 0, installed.stderr
    return root


def commit(root: Path, env: dict[str, str], *names: str) -> tuple[int, str]:
    """``git commit`` (the hooks run inside it): exit code, and all it printed."""
    git(root, "add", *names)
    done = run(root, "git", "commit", "-m", "change", env=env)
    return done.returncode, done.stdout + done.stderr


def test_the_manifest_is_valid(environment: dict[str, str]) -> None:
    done = run(ROOT, *PRE_COMMIT, "validate-manifest", ".pre-commit-hooks.yaml", env=environment)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_commit_with_boilerplate_is_fixed_and_fails_then_passes(
    corpus: Path, environment: dict[str, str]
) -> None:
    path = corpus / "news" / "new.txt"
    path.write_text(f"Go back\n{BODY}Back to the all news\n")
    code, out = commit(corpus, environment, "news/new.txt")
    assert code != 0, out
    assert "Fixing news/new.txt: removed 2 lines (nav-phrase 2)" in out
    assert "files were modified by this hook" in out
    assert path.read_text() == BODY
    code, out = commit(corpus, environment, "news/new.txt")
    assert code == 0, out
    assert git(corpus, "show", "HEAD:news/new.txt") == BODY


def test_a_commit_adding_a_near_duplicate_fails_naming_both(
    corpus: Path, environment: dict[str, str]
) -> None:
    original = (corpus / "news" / seed_name("002")).read_text()
    (corpus / "news" / "again.txt").write_text(original.replace("the ", "a ", 5))
    code, out = commit(corpus, environment, "news/again.txt")
    assert code != 0, out
    assert f"news/{seed_name('002')} ~ news/again.txt: near-duplicates" in out
    assert git(corpus, "log", "--format=%s") == "seeds\n"
    assert (corpus / ".scrubber" / "index.sqlite").is_file()
    assert "?? .scrubber" not in git(corpus, "status", "--porcelain")  # it ignores itself


def test_an_unrelated_commit_passes(corpus: Path, environment: dict[str, str]) -> None:
    (corpus / "news" / "other.txt").write_text(BODY)
    (corpus / "notes.md").write_text("Nothing to see here: a note about this corpus.\n")
    code, out = commit(corpus, environment, "news/other.txt", "notes.md")
    assert code == 0, out
    assert "scrubber dupes (refuse new near-duplicates)" in out and "Passed" in out
    assert git(corpus, "log", "--format=%s") == "change\nseeds\n"
