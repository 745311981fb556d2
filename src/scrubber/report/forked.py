"""Compute something in a forked child process while this one does other work.

``write_reports`` renders ``report.html`` in a child while it writes ``report.json``: two
cores instead of one for the last few seconds of a large run. The child only computes: it
sends its bytes back through a pipe, and this process writes the file. So every output is
still written atomically by the process that holds the output directory, and a child left
behind by a killed run has nothing to write to (its pipe is broken) and exits.

A failure in the child is raised here: the same exception (when it can be pickled) with
the child's traceback as its cause, like ``concurrent.futures`` does for its workers.
Where there is no ``os.fork`` (Windows), the function runs here when its result is asked
for.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import NoReturn

_OK, _FAILED = b"+", b"!"  # first byte of the child's message: its result, or its exception


class ChildTraceback(Exception):
    """The traceback of an exception raised in the child, as text (the cause it gets here)."""

    def __str__(self) -> str:
        return f"\n\nin the child process:\n{self.args[0]}"


class Forked:
    """``task()`` running in a child process; ``result()`` waits for it and returns it.

    Use it as a context manager: leaving the block without ``result()`` (because the work
    done meanwhile raised) stops the child and reaps it.
    """

    def __init__(self, task: Callable[[], bytes], what: str) -> None:
        self._task = task
        self._what = what
        self._pid = 0  # the child's, while it has not been reaped
        self._fd = -1  # the read end of its pipe
        self._forked = False

    def __enter__(self) -> Forked:
        if hasattr(os, "fork"):
            read_fd, write_fd = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # no memory or processes left for a child: work here instead
                os.close(read_fd)
                os.close(write_fd)
                return self
            if pid == 0:
                os.close(read_fd)
                _run_child(self._task, write_fd)
            os.close(write_fd)
            self._pid, self._fd, self._forked = pid, read_fd, True
        return self

    def result(self) -> bytes:
        """The task's bytes (call it once); raises what the task raised."""
        if not self._forked:
            return self._task()
        with open(self._fd, "rb") as pipe:  # read to the end first: the child blocks on it
            self._fd = -1
            message = pipe.read()
        status = self._reap()
        if status == 0 and message[:1] == _OK:
            return message[1:]
        if status == 1 and message[:1] == _FAILED:
            raise _unpickled(message[1:], self._what)
        raise ChildProcessError(f"{self._what}: the child process computing it {_died(status)}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pid:  # result() was not called: nobody wants the child's work any more
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _reap(self) -> int:
        pid, self._pid = self._pid, 0
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)


def _run_child(task: Callable[[], bytes], fd: int) -> NoReturn:
    """Run ``task``, send its result or its exception to the parent, and exit at once
    (no ``atexit`` handlers, no flushing of the parent's buffered files a second time)."""
    status = 2  # the parent got nothing
    try:
        gc.disable()  # a collection would touch, and so copy, every page of the parent's heap
        try:
            kind, message = _OK, task()
        except BaseException as exc:
            kind, message = _FAILED, _pickled(exc)
        with open(fd, "wb") as pipe:
            pipe.write(kind)
            pipe.write(message)
        status = 0 if kind == _OK else 1
    finally:
        os._exit(status)


def _pickled(exc: BaseException) -> bytes:
    """The exception's traceback as text, and the exception itself where it can be pickled."""
    text = "".join(traceback.format_exception(exc))
    try:
        raw = pickle.dumps(exc)
    except Exception:  # e.g. it holds a lambda: the text says enough
        raw = b""
    return pickle.dumps((text, raw))


def _unpickled(message: bytes, what: str) -> BaseException:
    text, raw = pickle.loads(message)  # a str and bytes: these always load
    try:
        exc = pickle.loads(raw) if raw else None
    except Exception:  # e.g. an exception class whose __init__ needs arguments
        exc = None
    if not isinstance(exc, BaseException):
        exc = ChildProcessError(f"{what} failed in a child process")
    exc.__cause__ = ChildTraceback(text)
    exc.add_note(f"(raised while computing {what} in a child process)")
    return exc


def _died(status: int) -> str:
    if status >= 0:
        return f"exited with status {status} without a result"
    try:
        name = signal.Signals(-status).name
    except ValueError:
        name = "unknown signal"
    return f"was killed by signal {-status} ({name})"
