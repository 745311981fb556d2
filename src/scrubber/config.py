"""Settings, and loading them from ``[tool.scrubber]`` or ``scrubber.toml``.

Flags override the file; an unknown key is an error that names the key and the file.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrubber.errors import ConfigError

DEFAULT_GLOBS = ("*.txt", "*.md", "*.text", "*.jsonl", "*.jsonl.gz")
ENGINES = ("local", "ray")


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told. Defaults are the documented defaults."""

    threshold: float = 0.8  # story similarity, see README "What the similarity means"
    num_perm: int = 128
    ngram: int = 5
    seed: int = 1
    jobs: int = 0  # 0 = all cores
    globs: tuple[str, ...] = DEFAULT_GLOBS
    profile: str = "default"  # "default" (content first) or "aggressive"
    disable: tuple[str, ...] = ()  # rule names switched off
    extra_patterns: tuple[str, ...] = ()  # regexes: a line matching one entirely is removed
    merge: bool = True
    templates: bool = True
    errors: str = "replace"  # "replace": undecodable bytes become U+FFFD; "strict": fail the input
    roots: tuple[str, ...] = ()  # pre-commit hooks: corpus folders, relative to the repository
    engine: str = "local"  # where deduplication runs: "local" (this machine) or "ray" (a cluster)
    address: str | None = None  # Ray cluster: "auto" or "HOST:PORT" (None: the one Ray finds)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with the given non-None values replaced (command-line flags)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **given)


_TUPLE_KEYS = {"globs", "disable", "extra_patterns", "roots"}
_KEY_ALIASES = {"extra-patterns": "extra_patterns", "num-perm": "num_perm"}


def find_config(start: Path) -> Path | None:
    """The nearest ``scrubber.toml``, or ``pyproject.toml`` with ``[tool.scrubber]``, upwards."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "scrubber.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if (
            pyproject.is_file()
            and "tool" in _read_toml(pyproject)
            and "scrubber" in (_read_toml(pyproject)["tool"])
        ):
            return pyproject
    return None


def load_settings(path: Path | None) -> Settings:
    """Settings from a config file (or the defaults when ``path`` is None)."""
    if path is None:
        return Settings()
    data = _read_toml(path)
    table = data.get("tool", {}).get("scrubber", {}) if path.name == "pyproject.toml" else data
    if "tool" in table and path.name != "pyproject.toml":
        table = table["tool"].get("scrubber", table)
    return settings_from_table(table, str(path))


def settings_from_table(table: dict[str, Any], origin: str) -> Settings:
    known = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = _KEY_ALIASES.get(raw_key, raw_key.replace("-", "_"))
        if key not in known:
            names = ", ".join(sorted(known))
            raise ConfigError(
                f"{origin}: unknown key '{raw_key}' in [tool.scrubber] (known: {names})"
            )
        if key in _TUPLE_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{origin}: '{raw_key}' must be a list of strings")
            value = tuple(value)
        values[key] = value
    settings = dataclasses.replace(Settings(), **values)
    validate(settings, origin)
    return settings


def validate(settings: Settings, origin: str = "settings") -> None:
    if not 0.0 <= settings.threshold <= 1.0:
        raise ConfigError(f"{origin}: threshold must be in [0, 1], got {settings.threshold}")
    if settings.profile not in ("default", "aggressive"):
        raise ConfigError(f"{origin}: profile must be 'default' or 'aggressive'")
    if settings.errors not in ("replace", "strict"):
        raise ConfigError(f"{origin}: errors must be 'replace' or 'strict'")
    if settings.engine not in ENGINES:
        raise ConfigError(
            f"{origin}: engine must be one of {', '.join(map(repr, ENGINES))}, "
            f"got {settings.engine!r}"
        )
    if settings.address is not None and not isinstance(settings.address, str):
        raise ConfigError(f"{origin}: address must be a string such as 'auto' or 'HOST:6379'")
    if settings.jobs < 0:
        raise ConfigError(f"{origin}: jobs must be >= 0 (0 means all cores)")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc}); fix the syntax or remove the file"
        ) from exc
