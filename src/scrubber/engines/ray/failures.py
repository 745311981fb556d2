"""Naming the inputs that failed, as the local engine names them.

Workers know a bad JSON Lines record only by its line within its byte range; the driver
knows how many lines each range holds, so it numbers them from the start of the file.
Failures come in the local engine's order: those found while listing (bad records,
repeated ids, unreadable folders) in input order, then those found while reading.
"""

from __future__ import annotations

import pickle
from typing import Any

from scrubber.io.decode import display
from scrubber.model import InputFailure

from .docs import PartStats
from .read import Plan, Unit
from .sketch import FAILURE, LINES
from .sources import Failed


def name_failures(
    found: Plan, rest: list[dict[str, Any]], stats: list[PartStats]
) -> list[InputFailure]:
    """Every failure of the run, named and ordered (see the module docstring)."""
    lines, failed = _collect(rest)
    base = _line_bases(found, lines)
    items = [(0, order, 0, failure) for order, failure in found.failures]
    for item in failed:
        unit = found.units[item.unit]
        failure = item.failure or _record(unit, base[item.unit] + item.local, item.message)
        items.append((item.phase, item.unit, item.local, failure))
    for part in stats:
        for at, local, first_at, first_local, doc_id in part.duplicates:
            unit = found.units[at]
            first = base[first_at] + first_local
            message = (
                f"duplicate id {doc_id[len(unit.prefix) :]!r} (first on {_word(unit)} {first})"
            )
            items.append((0, at, local, _record(unit, base[at] + local, message)))
    items.sort(key=lambda item: item[:3])
    return [item[3] for item in items]


def _collect(rest: list[dict[str, Any]]) -> tuple[dict[int, int], list[Failed]]:
    """Lines per JSON Lines unit, and the failures, from the blocks' non-document rows."""
    lines: dict[int, int] = {}
    failed: list[Failed] = []
    for shard in rest:
        for kind, unit, local, payload in zip(
            shard["kind"], shard["unit"], shard["local"], shard["payload"], strict=True
        ):
            if kind == LINES:
                lines[int(unit)] = int(local)
            elif kind == FAILURE:
                failed.append(pickle.loads(payload))
    return lines, failed


def _line_bases(found: Plan, lines: dict[int, int]) -> list[int]:
    """Lines before each unit in its file (0 for Parquet units, which count rows)."""
    base = [0] * len(found.units)
    before = 0
    for k, unit in enumerate(found.units):
        if k == 0 or unit.path != found.units[k - 1].path:
            before = 0
        if unit.kind == "jsonl":
            base[k] = before
            before += lines.get(k, 0)
    return base


def _word(unit: Unit) -> str:
    return "row" if unit.kind == "parquet" else "line"


def _record(unit: Unit, where: int, message: str) -> InputFailure:
    """A bad record, named NAME:LINE (or NAME:ROW) as the local engine names it."""
    return InputFailure(
        f"{unit.name}:{where}", display(unit.path), f"{_word(unit)} {where}: {message}"
    )
