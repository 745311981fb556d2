"""The run report: data (``data.py``), JSON (``json_report.py``) and HTML (``html.py``)."""

from scrubber.report.data import ReportBuilder, RunReport

__all__ = ["ReportBuilder", "RunReport"]
