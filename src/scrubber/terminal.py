"""What the CLI shows in a terminal: progress bars and result tables (rich).

The only module besides cli.py that knows about rich; library code reports progress through
a callback, which ``ProgressDisplay`` turns into bars with rates and ETA.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from scrubber.model import DupesResult, ProgressEvent

STAGE_LABELS = {
    "scan": "reading and sketching",
    "candidates": "finding candidates",
    "verify": "verifying candidates",
    "strip": "stripping and writing",
}


class DocsPerSecond(TextColumn):
    """Documents per second (rich's own speed column formats bytes)."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task: Any) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:>7.0f}/s" if speed else "      -/s", style="cyan")


class ProgressDisplay:
    """A rich progress bar per pipeline stage, on stderr, only when it is a terminal."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.enabled = enabled and console.is_terminal
        self._progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            DocsPerSecond(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def callback(self, event: ProgressEvent) -> None:
        if not self.enabled or event.stage not in STAGE_LABELS:
            return
        task = self._tasks.get(event.stage)
        if task is None:
            task = self._progress.add_task(STAGE_LABELS[event.stage], total=event.total or None)
            self._tasks[event.stage] = task
        self._progress.update(task, completed=event.done, total=event.total or None)

    def __enter__(self) -> ProgressDisplay:
        if self.enabled:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            self._progress.stop()


def dupes_as_dict(result: DupesResult) -> dict[str, Any]:
    return {
        "threshold": result.threshold,
        "documents": result.documents,
        "clusters": [
            {
                "canonical": c.canonical,
                "members": list(c.members),
                "pairs": [{"a": p.a, "b": p.b, "similarity": p.similarity} for p in c.pairs],
            }
            for c in result.clusters
        ],
    }


def render_dupes(result: DupesResult, fmt: str, console: Console) -> None:
    data = dupes_as_dict(result)
    if fmt == "json":
        console.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        for cluster in data["clusters"]:
            console.file.write(json.dumps(cluster, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["cluster", "canonical", "a", "b", "similarity"])
        for number, cluster in enumerate(data["clusters"], 1):
            for pair in cluster["pairs"]:
                writer.writerow([number, cluster["canonical"], pair["a"], pair["b"], pair["similarity"]])
        console.file.write(buffer.getvalue())
    else:
        _dupes_table(result, console)


def _dupes_table(result: DupesResult, console: Console) -> None:
    if not result.clusters:
        console.print(f"No near-duplicates among {result.documents} documents "
                      f"(threshold {result.threshold}).")
        return
    table = Table(title=f"{len(result.clusters)} clusters among {result.documents} documents "
                        f"(threshold {result.threshold})")
    table.add_column("#", justify="right")
    table.add_column("document a")
    table.add_column("document b")
    table.add_column("similarity", justify="right")
    for number, cluster in enumerate(result.clusters, 1):
        for pair in cluster.pairs:
            mark_a = " *" if pair.a == cluster.canonical else ""
            mark_b = " *" if pair.b == cluster.canonical else ""
            table.add_row(str(number), pair.a + mark_a, pair.b + mark_b, f"{pair.similarity:.3f}")
    console.print(table)
    console.print("* canonical member of its cluster")


def render_rules(rules: Sequence[Any], fmt: str, console: Console) -> None:
    if fmt == "json":
        rows = [{"name": r.name, "scope": r.scope, "summary": r.summary,
                 "explanation": r.explanation} for r in rules]
        console.file.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="boilerplate rules", show_lines=True)
    table.add_column("rule", style="bold")
    table.add_column("scope")
    table.add_column("what it removes")
    for rule in rules:
        table.add_row(rule.name, rule.scope, rule.summary)
    console.print(table)
