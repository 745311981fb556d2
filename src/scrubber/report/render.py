"""Write ``report.json`` and ``report.html`` (both atomically).

The two are rendered at the same time: ``report.html`` in a forked child process (see
``forked.py``) while this process encodes and writes ``report.json`` and renders the page's
cluster blocks (most of its bytes to compress); this process then writes ``report.html``
too. On a run of 100,000 documents each half takes about a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrubber.io.write import atomic_write_parts, json_bytes
from scrubber.outputs import REPORT_HTML, REPORT_JSON
from scrubber.report.data import ReportBuilder
from scrubber.report.forked import Forked
from scrubber.report.html import cluster_elements, render_html

# Where the child leaves the clusters' elements in the page: the page's last text from the
# report data comes before it, and no JSON text holds a raw NUL.
_CLUSTERS_SLOT = "\x00clusters\x00"


def write_reports(out: Path, builder: ReportBuilder) -> None:
    data = builder.as_dict()

    def page_without_clusters() -> bytes:
        return render_html(data, clusters=_CLUSTERS_SLOT).encode("utf-8")

    with Forked(page_without_clusters, REPORT_HTML) as page:
        atomic_write_parts(out / REPORT_JSON, json_parts(data))
        clusters = cluster_elements(data).encode("utf-8")
        html = page.result()
    head, _slot, tail = html.rpartition(_CLUSTERS_SLOT.encode("utf-8"))
    atomic_write_parts(out / REPORT_HTML, (head, clusters, tail))


def report_json(data: dict[str, Any]) -> str:
    """The text of ``report.json`` (see ``json_parts``)."""
    return b"".join(json_parts(data)).decode("utf-8")


def json_parts(data: dict[str, Any], batch: int = 1000) -> Iterator[bytes]:
    """The report as UTF-8 JSON with a line per top-level key and per list item (a
    document, a cluster): readable with ``grep`` and ``jq``. It comes in parts of up to
    ``batch`` items, written as they come: the text of a large report is 70 MB per 100,000
    documents, and is never held whole."""
    yield b"{"
    for n, (key, value) in enumerate(data.items()):
        yield (b"\n " if n == 0 else b",\n ") + json_bytes(key) + b": "
        if isinstance(value, list) and value:
            yield b"[\n  "
            for start in range(0, len(value), batch):
                items = b",\n  ".join(map(json_bytes, value[start : start + batch]))
                yield items if start == 0 else b",\n  " + items
            yield b"\n ]"
        else:
            yield json_bytes(value)
    yield b"\n}\n"
