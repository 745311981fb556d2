"""The summary's charts as inline SVG (no script needed to see them).

Every label goes through ``html.escape``; bars carry ``data-*`` attributes that report.js
uses to turn a click into a filter. Styling is in report.css (no inline ``style``
attributes: the page's Content-Security-Policy allows only its own stylesheet).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from html import escape

BAR_ROW = 24  # pixels per bar in the horizontal bar charts
LABEL_WIDTH = 190
BAR_WIDTH = 300
SIZE_BUCKETS = ((2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, 50), (51, 10**9))


def bar_chart(
    rows: Sequence[tuple[str, int]],
    total: int,
    kind: str,
    label: str,
    quiet: Collection[str] = (),
) -> str:
    """Horizontal bars: one row per ``(name, count)``, with the count and its share of ``total``.

    ``kind`` names the data attribute on each bar (``data-rule`` for the rules chart); bars
    named in ``quiet`` are drawn in grey (bookkeeping, such as removed empty lines).
    """
    if not rows:
        return ""
    top = max(count for _, count in rows) or 1
    body = []
    for i, (name, count) in enumerate(rows):
        width = max(2, round(BAR_WIDTH * count / top))
        share = f" · {100 * count / total:.1f}%" if total else ""
        css = "bar quiet" if name in quiet else "bar"
        body.append(
            f"<g class='{css}' transform='translate(0,{i * BAR_ROW})' data-{kind}='{escape(name)}'>"
            f"<title>{escape(name)}: {count:,}{share}</title>"
            f"<text class='label' x='{LABEL_WIDTH - 8}' y='16'>{escape(name)}</text>"
            f"<rect x='{LABEL_WIDTH}' y='4' width='{width}' height='16' rx='3'></rect>"
            f"<text class='value' x='{LABEL_WIDTH + width + 6}' y='16'>{count:,}{share}</text></g>"
        )
    width = LABEL_WIDTH + BAR_WIDTH + 130
    return (
        f"<svg class='chart bars' viewBox='0 0 {width} {BAR_ROW * len(rows)}' "
        f"width='{width}' height='{BAR_ROW * len(rows)}' role='img' aria-label='{escape(label)}'>"
        f"{''.join(body)}</svg>"
    )


def rule_chart(by_rule: dict[str, int], lines_in: int, quiet: Collection[str] = ()) -> str:
    """Lines removed by rule, most first; each bar filters the documents by its rule."""
    rows = sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    return bar_chart(rows, lines_in, "rule", "removed lines by rule", quiet)


def size_chart(sizes: Iterable[int]) -> str:
    """Clusters by number of members (2, 3, 4, 5, 6–10, 11–50, more)."""
    counts: Counter[tuple[int, int]] = Counter()
    for size in sizes:
        counts[next(b for b in SIZE_BUCKETS if b[0] <= size <= b[1])] += 1
    rows = [(_bucket_label(bucket), counts[bucket]) for bucket in SIZE_BUCKETS if counts[bucket]]
    return bar_chart(rows, sum(counts.values()), "size", "clusters by size")


def _bucket_label(bucket: tuple[int, int]) -> str:
    low, high = bucket
    if low == high:
        return f"{low} documents"
    return f"{low}–{high} documents" if high < 10**9 else f"{low} or more documents"


def histogram(scores: Sequence[float], threshold: float) -> str:
    """Pair similarities in bins of about 0.025, the threshold a bin edge and a dashed line."""
    if not scores:
        return ""
    low, step, below, bins = _bins(min(scores), threshold)
    counts = [0] * bins
    for score in scores:  # the epsilon keeps a score equal to the threshold above it
        counts[min(bins - 1, max(0, int((score - low) / step + 1e-9)))] += 1
    width, height, pad = 560, 160, 28
    bar_w = (width - 2 * pad) / bins
    top = max(counts)
    bars = []
    for i, count in enumerate(counts):
        if not count:
            continue
        h = max(2.0, (height - 2 * pad) * count / top)
        start = low + i * step
        bars.append(
            f"<rect class='{'above' if i >= below else 'below'}' x='{pad + i * bar_w + 1:.1f}' "
            f"y='{height - pad - h:.1f}' width='{bar_w - 2:.1f}' height='{h:.1f}'><title>"
            f"{start:.3f}–{start + step:.3f}: {count:,} pairs</title></rect>"
        )
    return _histogram_svg(bars, low, threshold, top, (width, height, pad))


def _bins(lowest: float, threshold: float) -> tuple[float, float, int, int]:
    """``(low, step, bins below the threshold, bins)`` covering [lowest, 1]."""
    above = max(1, round((1.0 - threshold) / 0.025))
    step = (1.0 - threshold) / above if threshold < 1.0 else 0.025
    floor = max(0.0, math.floor(min(lowest, threshold - 0.1) * 10) / 10)
    below = math.ceil((threshold - floor) / step - 1e-9)
    return threshold - below * step, step, below, below + (above if threshold < 1.0 else 1)


def _histogram_svg(
    bars: list[str], low: float, threshold: float, top: int, box: tuple[int, int, int]
) -> str:
    width, height, pad = box

    def x(value: float) -> float:
        return pad + (width - 2 * pad) * (value - low) / (1.0 - low)

    ticks = []
    for k in range(round(low * 10), 11):
        ticks.append(
            f"<text class='tick' x='{x(k / 10):.1f}' y='{height - pad + 16}'>{k / 10:.1f}</text>"
        )
    tx = x(threshold)
    return (
        f"<svg class='chart histogram' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='pair similarities'>"
        f"<line class='axis' x1='{pad}' y1='{height - pad}' x2='{width - pad}' "
        f"y2='{height - pad}'></line>{''.join(bars)}{''.join(ticks)}"
        f"<text class='tick' x='{pad - 4}' y='{pad + 4}' text-anchor='end'>{top:,}</text>"
        f"<line class='threshold' x1='{tx:.1f}' y1='{pad - 14}' x2='{tx:.1f}' "
        f"y2='{height - pad}'></line><text class='threshold-label' x='{tx - 4:.1f}' "
        f"y='{pad - 16}' text-anchor='end'>threshold {threshold:.2f}</text></svg>"
    )
