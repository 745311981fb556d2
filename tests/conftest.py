"""Shared test helpers: the bundled seeds and a checksum of a directory tree."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"


@pytest.fixture
def seeds() -> Path:
    return SEEDS


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def seed_name(prefix: str) -> str:
    """The seed file whose name starts with ``prefix`` (e.g. '000')."""
    (match,) = [p.name for p in SEEDS.iterdir() if p.name.startswith(prefix)]
    return match
