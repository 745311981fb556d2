"""Write ``report.json`` and ``report.html`` (both atomically).

The two are rendered at the same time: ``report.html`` in a forked child process (see
``forked.py``) while this process encodes and writes ``report.json``; this process then
writes ``report.html`` too. On a run of 100,000 documents each half takes a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrubber.io.write import atomic_write_bytes
from scrubber.outputs import REPORT_HTML, REPORT_JSON
from scrubber.report.data import ReportBuilder
from scrubber.report.forked import Forked
from scrubber.report.html import render_html


def write_reports(out: Path, builder: ReportBuilder) -> None:
    data = builder.as_dict()
    with Forked(lambda: render_html(data).encode("utf-8"), REPORT_HTML) as page:
        atomic_write_bytes(out / REPORT_JSON, report_json(data).encode("utf-8"))
        html = page.result()
    atomic_write_bytes(out / REPORT_HTML, html)


def report_json(data: dict[str, Any]) -> str:
    """The report as JSON with a line per top-level key and per list item (a document, a
    cluster): readable with ``grep`` and ``jq``, and written by the C encoder (``indent``
    would make Python encode a report of 100,000 documents in pure Python, ten times
    slower). The pieces are joined once: the text of a large report is 50 MB and more."""
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    parts = ["{"]
    for key, value in data.items():
        parts.append(f"\n {dumps(key)}: " if len(parts) == 1 else f",\n {dumps(key)}: ")
        if isinstance(value, list) and value:
            parts.append("[\n  ")
            parts.append(",\n  ".join(map(dumps, value)))
            parts.append("\n ]")
        else:
            parts.append(dumps(value))
    parts.append("\n}\n")
    return "".join(parts)
