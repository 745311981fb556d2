"""Build scrubber: compile the boilerplate rules' hot modules with mypyc where it can.

``clean`` strips every line of every page with Python code; compiled by mypyc (the same
source, as C), the strip takes a quarter less time (``bench/profile_stages.py``). One
module is C by hand, ``scrubber._speedups``: the strip's loops over characters, which no
Python compiler makes fast (each line's facts, the page's line fingerprints, the loop over
a page's lines): with both, stripping takes half the time of pure Python. A wheel
(``pip install .``) gets the compiled modules when a C compiler and the Python headers are
there, and the pure Python ones otherwise: both behave the same (CI runs the tests on
both). Editable installs (``pip install -e .``) stay pure Python, so that an edit to the
source takes effect at once; ``SCRUBBER_PURE_PYTHON=1`` makes any build pure Python.

A compiled function has no docstring: the rules read theirs from the source, which the
wheel ships beside the compiled module (``rules.base.describe``). The list leaves out the
modules whose classes cross process boundaries (a compiled frozen dataclass cannot be
unpickled) and those where compiling saved nothing measurable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

COMPILED = [
    "src/scrubber/rules/context.py",
    "src/scrubber/rules/dates.py",
    "src/scrubber/rules/line_rules.py",
    "src/scrubber/rules/phrases.py",
    "src/scrubber/rules/site_lines.py",
    "src/scrubber/rules/strip.py",
    "src/scrubber/rules/text.py",
    "src/scrubber/merge.py",
    "src/scrubber/report/context.py",
    "src/scrubber/report/pack.py",
]
_BUILDS = {"bdist_wheel", "build", "build_ext"}  # not metadata, sdists or editable installs


class BuildOrPure(build_ext):
    """``build_ext`` that falls back to pure Python when any module fails to compile (no
    compiler, no headers): the compiled modules share one library, so it is all or none."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            for ext in self.extensions:
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            self.extensions = []
            print(f"scrubber: not compiled ({exc}); installing pure Python", file=sys.stderr)


# Hand-written C where a page's work is a loop over characters (see the module's comment).
SPEEDUPS = Extension("scrubber._speedups", ["src/scrubber/_speedups.c"], extra_compile_args=["-O3"])


def _extensions() -> list[Any]:
    if os.environ.get("SCRUBBER_PURE_PYTHON") or not _BUILDS & set(sys.argv[1:]):
        return []
    try:
        from mypyc.build import mypycify

        return [SPEEDUPS, *mypycify(COMPILED, opt_level="3")]
    except (SystemExit, Exception) as exc:  # no mypy, or it found a type error
        print(f"scrubber: not compiled ({exc!r}); installing pure Python", file=sys.stderr)
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildOrPure})
