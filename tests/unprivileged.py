"""Making permission tests mean something when the tests run as root (this machine and CI do).

Root reads a file of mode 000, so "an unreadable file is a failure" would pass or skip for
the wrong reason. In-process, :func:`as_nobody` switches the effective uid to ``nobody``
(65534) for a block; the files must then be reachable by ``nobody``, so they live under
:func:`world_tmp`, not under pytest's ``tmp_path`` (its parents are mode 0700). A subprocess
(:func:`run_scrubber`) stays root without the capabilities that bypass file permissions.
Without root, nothing is switched: mode 000 already stops the current user.
"""

from __future__ import annotations

import ctypes
import functools
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NOBODY = 65534


def is_root() -> bool:
    return os.geteuid() == 0


@contextmanager
def world_tmp() -> Iterator[Path]:
    """A fresh directory that every user may enter and write (removed afterwards, also when
    the test left entries of mode 000 or very deep trees in it)."""
    base = Path(tempfile.mkdtemp(prefix="scrubber-test-"))
    base.chmod(0o777)
    try:
        yield base
    finally:
        remove_tree(base)


def walk(top: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry under ``top`` (not following symlinks) with its lstat, parents first;
    iterative, as os.walk recurses before Python 3.12 and trees here are deeper than that."""
    stack = [os.fspath(top)]
    while stack:
        folder = stack.pop()
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            info = os.lstat(path)
            yield path, info
            if stat.S_ISDIR(info.st_mode):
                stack.append(path)


def remove_tree(top: Path) -> None:
    """``rm -rf`` that copes with mode 000 entries and trees deeper than the recursion limit
    (GNU rm walks with directory descriptors; a Python walk by path is quadratic in depth)."""
    subprocess.run(["chmod", "-R", "u+rwX", os.fspath(top)], check=True)
    subprocess.run(["rm", "-rf", os.fspath(top)], check=True)


def open_up(top: Path) -> None:
    """Let ``nobody`` read everything under ``top`` and write into its directories."""
    os.chmod(top, 0o777)
    for path, info in walk(top):
        if stat.S_ISDIR(info.st_mode):
            os.chmod(path, 0o777)
        elif stat.S_ISREG(info.st_mode):
            os.chmod(path, 0o666)


@contextmanager
def as_nobody() -> Iterator[None]:
    """Run the block with the effective uid and gid of ``nobody`` (when root)."""
    if not is_root():
        yield
        return
    groups = os.getgroups()
    os.setgroups([])
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)


def without_file_permission_override() -> None:
    """``preexec_fn``: the subprocess stays root but loses CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH, so files and directories of mode 000 stop it as they stop any user.

    Not ``setuid(nobody)``: the interpreter may live where only root can reach it (pyenv under
    /root here), and a Python that cannot find its own standard library falls back to another
    one. Dropping the capabilities from the bounding set takes them away at ``exec``."""
    if not is_root():
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"prctl(PR_CAPBSET_DROP): {os.strerror(error)}")


_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    stderr: str


def run_scrubber(
    args: list[str], cwd: Path, timeout: float = 300, recursion_limit: int | None = None
) -> CliRun:
    """The real ``scrubber ARGS`` in a subprocess, unable to read what mode 000 protects;
    with ``recursion_limit``, under that limit (to show cheaply that depth costs no stack)."""
    command = [sys.executable, "-m", "scrubber"]
    if recursion_limit is not None:
        start = f"import sys; sys.setrecursionlimit({recursion_limit}); import scrubber.cli as c"
        command = [sys.executable, "-c", f"{start}; c.main(prog_name='scrubber')"]
    done = subprocess.run(
        [*command, *args],
        preexec_fn=without_file_permission_override,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"},
        timeout=timeout,
    )
    decode = functools.partial(bytes.decode, encoding="utf-8", errors="replace")
    return CliRun(done.returncode, decode(done.stdout), decode(done.stderr))


def run_in_process(args: list[str], cwd: Path) -> CliRun:
    """``scrubber ARGS`` through click's CliRunner, as ``nobody`` when root (so the corpus
    must be under :func:`world_tmp`)."""
    from click.testing import CliRunner

    from scrubber.cli import main

    _import_what_a_run_imports()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with as_nobody():
            result = CliRunner().invoke(main, args)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliRun(result.exit_code, result.stdout, result.stderr)


@cache
def _import_what_a_run_imports() -> None:
    """A run imports some modules late (the report's resources, importlib.readers); as
    ``nobody`` the interpreter may not reach its own library, so one run as root comes first."""
    from click.testing import CliRunner

    from scrubber.cli import main

    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch, "corpus")
        corpus.mkdir()
        (corpus / "a.txt").write_text("One sentence to clean.\n")
        (corpus / "b.jsonl").write_text('{"id": "1", "text": "x"}\nnot json\n')
        for command in (["clean", str(corpus), f"{scratch}/out", "-q"], ["dupes", str(corpus)]):
            CliRunner().invoke(main, command, catch_exceptions=False)
