"""Where near-duplicate detection runs.

The local engine is :mod:`scrubber.pipeline` itself (this machine's cores). The Ray engine,
:mod:`scrubber.engines.ray`, runs the same stages on a Ray cluster; it is imported only
when ``engine = "ray"`` is asked for, so the local engine never imports Ray.
"""

from __future__ import annotations

import importlib.util

from scrubber.errors import UsageError

RAY_EXTRA = ("ray", "pyarrow", "fsspec")  # what `pip install 'scrubber[ray]'` adds


def require_ray_extra() -> None:
    """A clear usage error, instead of an ImportError, when the Ray engine is asked for
    without its packages."""
    missing = [name for name in RAY_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(
            f"the Ray engine needs {', '.join(missing)}: pip install 'scrubber[ray]' "
            "(or run with --engine local)"
        )
