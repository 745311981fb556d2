"""Errors that library code raises; the CLI turns each into one clear message and an exit code.

Every message names the file (or setting) at fault and says how to fix it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FOUND = 1  # --check found something, or a fixer changed files
    USAGE = 2  # usage or configuration error
    INPUT_FAILED = 3  # some inputs failed; the rest were processed
    INTERNAL = 4  # a bug: one line plus where the traceback is


class ScrubberError(Exception):
    """Base class of the errors scrubber reports to users."""

    exit_code: ExitCode = ExitCode.USAGE


class ConfigError(ScrubberError):
    """A bad setting in ``[tool.scrubber]``, ``scrubber.toml`` or on the command line."""


class UsageError(ScrubberError):
    """The command cannot run as asked (missing input, output inside input, ...)."""


class InputError(ScrubberError):
    """One input cannot be read or decoded. Caught per input: the run goes on."""

    exit_code = ExitCode.INPUT_FAILED

    def __init__(self, path: str, problem: str, fix: str = "") -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        message = f"{path}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)
