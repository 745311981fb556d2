"""Write ``report.json`` and ``report.html`` (both atomically).

The two are rendered at the same time: ``report.html`` in a forked child process (see
``forked.py``) while this process encodes and writes ``report.json``; this process then
writes ``report.html`` too. On a run of 100,000 documents each half takes a few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrubber.io.write import atomic_write_bytes, atomic_write_parts
from scrubber.outputs import REPORT_HTML, REPORT_JSON
from scrubber.report.data import ReportBuilder
from scrubber.report.forked import Forked
from scrubber.report.html import render_html


def write_reports(out: Path, builder: ReportBuilder) -> None:
    data = builder.as_dict()
    with Forked(lambda: render_html(data).encode("utf-8"), REPORT_HTML) as page:
        atomic_write_parts(out / REPORT_JSON, (part.encode("utf-8") for part in json_parts(data)))
        html = page.result()
    atomic_write_bytes(out / REPORT_HTML, html)


def report_json(data: dict[str, Any]) -> str:
    """The text of ``report.json`` (see ``json_parts``)."""
    return "".join(json_parts(data))


def json_parts(data: dict[str, Any], batch: int = 1000) -> Iterator[str]:
    """The report as JSON with a line per top-level key and per list item (a document, a
    cluster): readable with ``grep`` and ``jq``, and written by the C encoder (``indent``
    would make Python encode a report of 100,000 documents in pure Python, ten times
    slower). It comes in parts of up to ``batch`` items, written as they come: the text of
    a large report is 80 MB per 100,000 documents, and is never held whole."""
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    yield "{"
    for n, (key, value) in enumerate(data.items()):
        yield f"\n {dumps(key)}: " if n == 0 else f",\n {dumps(key)}: "
        if isinstance(value, list) and value:
            yield "[\n  "
            for start in range(0, len(value), batch):
                items = ",\n  ".join(map(dumps, value[start : start + batch]))
                yield items if start == 0 else ",\n  " + items
            yield "\n ]"
        else:
            yield dumps(value)
    yield "\n}\n"
