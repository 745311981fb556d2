"""How long does ``write_reports`` take on the report of a real run?

Loads a ``report.json`` (a ``scrubber clean`` output; one written before clusters stored their
paragraphs once is converted, as ``ReportBuilder.add_cluster`` would store it), then times
``write_reports`` as a whole and each of its parts on one core:

    python bench/report_speed.py OUT/report.json [--repeat 3] [--out DIR]

Prints seconds per part, the wall time of ``write_reports`` (the best of ``--repeat`` runs)
and the sizes of the two files it wrote.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrubber.config import Settings
from scrubber.report.alignment import compact_alignment
from scrubber.report.data import ReportBuilder
from scrubber.report.html import _page_facts, render_html
from scrubber.report.pack import blob_elements, pack_blocks
from scrubber.report.render import report_json, write_reports


class LoadedReport(ReportBuilder):
    """A builder whose data is a loaded report (``as_dict`` returns it as it is)."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(Settings())
        self.data = data

    def as_dict(self) -> dict[str, Any]:
        return self.data


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    for cluster in data["clusters"]:
        if "paragraphs" not in cluster:  # text rows: {"canonical", "member", "score"}
            rows = {
                member: [(r["canonical"], r["member"], r["score"]) for r in alignment]
                for member, alignment in cluster["alignment"].items()
            }
            cluster["paragraphs"], cluster["alignment"] = compact_alignment(rows)
    return data


def timed(what: str, action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = action()
    print(f"  {what:<28} {time.perf_counter() - started:6.2f} s", flush=True)
    return result


def parts(data: dict[str, Any]) -> None:
    """The parts one after the other, in one process."""
    print("parts (one core):")
    text = timed("report_json", lambda: report_json(data))
    timed("  encode UTF-8", lambda: text.encode("utf-8"))
    blocks = timed("pack_blocks", lambda: pack_blocks(data, _page_facts(data)))
    timed("blob_elements", lambda: blob_elements(blocks))
    timed("render_html (all of it)", lambda: render_html(data))


def whole(data: dict[str, Any], out: Path, repeat: int) -> None:
    best = min(_write_once(data, out) for _ in range(repeat))
    print(f"write_reports (best of {repeat}):    {best:6.2f} s")
    for name in ("report.json", "report.html"):
        print(f"  {name:<28} {(out / name).stat().st_size / 1e6:6.1f} MB")


def _write_once(data: dict[str, Any], out: Path) -> float:
    started = time.perf_counter()
    write_reports(out, LoadedReport(data))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="a report.json written by scrubber clean")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="where to write (a temp dir)")
    parser.add_argument("--no-parts", action="store_true", help="only time write_reports")
    args = parser.parse_args()
    data = timed("load report.json", lambda: load(args.report))
    if not args.no_parts:
        parts(data)
    out = args.out or Path(tempfile.mkdtemp(prefix="scrubber-report-speed-"))
    whole(data, out, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
