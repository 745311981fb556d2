"""Write ``report.json`` and ``report.html`` (both atomically)."""

from __future__ import annotations

import json
from pathlib import Path

from scrubber.io.write import atomic_write_text
from scrubber.outputs import REPORT_HTML, REPORT_JSON
from scrubber.report.data import ReportBuilder
from scrubber.report.html import render_html


def write_reports(out: Path, builder: ReportBuilder) -> None:
    data = builder.as_dict()
    atomic_write_text(out / REPORT_JSON, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    atomic_write_text(out / REPORT_HTML, render_html(data))
