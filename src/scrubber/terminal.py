"""What the CLI shows in a terminal: progress bars and result tables (rich).

The only module besides cli.py that knows about rich; library code reports progress through
a callback, which ``ProgressDisplay`` turns into bars with rates and ETA.
"""

from __future__ import annotations

import csv
import dataclasses
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
    "templates": "learning site templates",
    "strip": "stripping and writing",
    "report": "writing reports",
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
                writer.writerow(
                    [number, cluster["canonical"], pair["a"], pair["b"], pair["similarity"]]
                )
        console.file.write(buffer.getvalue())
    else:
        _dupes_table(result, console)


def _dupes_table(result: DupesResult, console: Console) -> None:
    if not result.clusters:
        console.print(
            f"No near-duplicates among {result.documents} documents (threshold {result.threshold})."
        )
        return
    table = Table(
        title=f"{len(result.clusters)} clusters among {result.documents} documents "
        f"(threshold {result.threshold})"
    )
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
        rows = [
            {"name": r.name, "scope": r.scope, "summary": r.summary, "explanation": r.explanation}
            for r in rules
        ]
        console.file.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="boilerplate rules", show_lines=True)
    table.add_column("rule", style="bold")
    table.add_column("scope")
    table.add_column("what it removes")
    for rule in rules:
        table.add_row(rule.name, rule.scope, rule.summary)
    console.print(table)


# ---- scrubber explain / scrubber diff -----------------------------------------------------

REMOVED_STYLE = "red"
RULE_STYLE = "yellow"
DEL_STYLE = "bold red"
INS_STYLE = "bold green"


def fancy(console: Console) -> bool:
    """Colours and tables only on a terminal; plain, greppable lines otherwise or with NO_COLOR."""
    return console.is_terminal and not console.no_color


def render_explanation(explanation: Any, fmt: str, console: Console) -> None:
    """Each line of each document of an ``explain.Explanation``: kept, or removed and why."""
    if fmt == "json":
        data = dataclasses.asdict(explanation)
        console.file.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return
    for doc in explanation.documents:
        removed = ", ".join(f"{rule} {n}" for rule, n in doc.by_rule().items())
        console.print(
            Text(f"{doc.doc_id}", style="bold"),
            Text(
                f"({doc.encoding}, {len(doc.lines)} lines, {doc.removed} removed"
                f"{': ' + removed if removed else ''})"
            ),
        )
        if fancy(console):
            _explain_table(doc, console)
        else:
            for line in doc.lines:
                mark, why = ("-", f"    [{line.rule}]") if line.rule else (" ", "")
                console.file.write(f"{mark} {line.no:>5}  {line.text}{why}\n")
    if explanation.corpus and not explanation.in_corpus:
        console.print(
            f"note: {explanation.path} is not a document of {explanation.corpus}; "
            "site templates were not applied to it",
            markup=False,
        )


def _explain_table(doc: Any, console: Console) -> None:
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column("no", justify="right", style="dim", no_wrap=True)
    table.add_column("mark", no_wrap=True)
    table.add_column("text", overflow="fold", ratio=1)
    table.add_column("rule", style=RULE_STYLE, no_wrap=True)
    for line in doc.lines:
        if line.rule:
            text = Text()  # styled by span, so the cell's padding is not coloured
            text.append(line.text if line.text.strip() else "(empty line)", style=REMOVED_STYLE)
            table.add_row(str(line.no), Text("-", style="red"), text, line.rule)
        else:
            table.add_row(str(line.no), " ", Text(line.text), "")
    console.print(table)


def render_diff(diff: Any, console: Console) -> None:
    """An ``explain.DocumentDiff``: similarity, then the aligned paragraphs side by side."""
    verdict = "near-duplicates" if diff.near_duplicates else "not near-duplicates"
    what = "after boilerplate removal" if diff.stripped else "raw text"
    console.print(
        Text(f"{diff.a} ↔ {diff.b}", style="bold"),
        Text(
            f"similarity {diff.similarity:.3f} ({what}; threshold {diff.threshold:.2f}: {verdict})"
        ),
    )
    if fancy(console):
        _diff_table(diff, console)
    else:
        for number, row in enumerate(diff.rows, 1):
            console.file.write(_plain_row(number, row))
    pairs = sum(1 for r in diff.rows if r.left is not None and r.right is not None)
    only_a = sum(1 for r in diff.rows if r.right is None)
    only_b = sum(1 for r in diff.rows if r.left is None)
    console.print(
        f"{pairs} aligned paragraph pairs, {only_a} only in {diff.a}, {only_b} only in {diff.b}",
        markup=False,
    )


def _diff_text(row: Any, side: str) -> Text:
    segments = row.left_words if side == "left" else row.right_words
    plain = row.left if side == "left" else row.right
    if plain is None:
        return Text("—", style="dim")
    if not segments:  # a paragraph without a counterpart: all of it is one-sided
        return Text(plain, style="red" if side == "left" else "green")
    text = Text()
    for segment in segments:
        style = {"-": DEL_STYLE, "+": INS_STYLE}.get(segment.op, "")
        text.append(segment.text, style=style)
    return text


def _diff_table(diff: Any, console: Console) -> None:
    table = Table(show_lines=True, expand=True)
    table.add_column(diff.a, ratio=1, overflow="fold")
    table.add_column("score", justify="center", no_wrap=True, style="dim")
    table.add_column(diff.b, ratio=1, overflow="fold")
    for row in diff.rows:
        both = row.left is not None and row.right is not None
        table.add_row(
            _diff_text(row, "left"), f"{row.score:.2f}" if both else "", _diff_text(row, "right")
        )
    console.print(table)


def _plain_row(number: int, row: Any) -> str:
    """One aligned row as text, changes marked wdiff-style: [-only in a-] {+only in b+}."""
    if row.right is None:
        return f"@@ {number}: only in a\n- {row.left}\n\n"
    if row.left is None:
        return f"@@ {number}: only in b\n+ {row.right}\n\n"
    marks = {"-": ("[-", "-]"), "+": ("{+", "+}")}
    sides = []
    for segments in (row.left_words, row.right_words):
        sides.append(
            "".join(
                marks[s.op][0] + s.text + marks[s.op][1] if s.op in marks else s.text
                for s in segments
            )
        )
    return f"@@ {number}: score {row.score:.2f}\n< {sides[0]}\n> {sides[1]}\n\n"
