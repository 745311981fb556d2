"""Settings files: [tool.scrubber] and scrubber.toml, flags override, unknown keys rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrubber.config import Settings, find_config, load_settings
from scrubber.errors import ConfigError


def test_defaults_without_a_file() -> None:
    assert load_settings(None) == Settings()


def test_pyproject_table_is_found_from_a_corpus_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.scrubber]\nthreshold = 0.6\nprofile = "aggressive"\n'
    )
    corpus = tmp_path / "corpus" / "news"
    corpus.mkdir(parents=True)
    found = find_config(corpus)
    assert found == tmp_path / "pyproject.toml"
    settings = load_settings(found)
    assert settings.threshold == 0.6 and settings.profile == "aggressive"


def test_pyproject_without_the_table_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(tmp_path) is None


def test_scrubber_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.scrubber]\nthreshold = 0.6\n")
    (tmp_path / "scrubber.toml").write_text("threshold = 0.7\ndisable = ['date-stamp']\n")
    settings = load_settings(find_config(tmp_path))
    assert settings.threshold == 0.7 and settings.disable == ("date-stamp",)


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "scrubber.toml"
    path.write_text("treshold = 0.7\n")
    with pytest.raises(ConfigError, match=r"scrubber.toml: unknown key 'treshold'"):
        load_settings(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("threshold = 1.5\n", "threshold must be in"),
        ("profile = 'wild'\n", "profile must be"),
        ("globs = '*.txt'\n", "must be a list of strings"),
        ("threshold = [\n", "not valid TOML"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "scrubber.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_flags_override_file_values_and_none_keeps_them() -> None:
    base = Settings(threshold=0.6, jobs=2)
    assert base.with_overrides(threshold=0.9, jobs=None) == Settings(threshold=0.9, jobs=2)
