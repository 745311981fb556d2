"""The kept lines around each removed line, so a reader sees a removal in its place.

``report.json`` holds every removed line but not the whole document; a few kept lines on
either side are enough to judge a removal ("was this really a menu?"). The amount is
bounded: at most ``RADIUS`` lines on each side of a removal, each cut to ``WIDTH``
characters, so a report stays proportional to what was removed, not to the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scrubber.model import Line, Removal

RADIUS = 2  # kept lines shown on each side of a removed line
WIDTH = 160  # characters of a context line shown; the rest is cut with "…"


def near_removals(
    kept: Iterable[Line], removals: Iterable[Removal], radius: int = RADIUS
) -> list[Line]:
    """Kept lines within ``radius`` lines of a removed line, shortened (``shorten``)."""
    removed = {r.line_no for r in removals}
    if not removed:
        return []
    near = {n + d for n in removed for d in range(-radius, radius + 1)} - removed
    return [Line(line.no, shorten(line.text)) for line in kept if line.no in near]


def near_removed(
    lines: Sequence[str], verdicts: Sequence[str | None], radius: int = RADIUS
) -> list[Line]:
    """``near_removals`` of a page given as its lines and their verdicts (per line: the rule
    that removed it, or None), without making a ``Line`` of every kept line first."""
    count = len(lines)
    near: set[int] = set()
    for i, rule in enumerate(verdicts):
        if rule is not None:
            near.update(range(max(0, i - radius), min(count, i + radius + 1)))
    return [Line(i + 1, shorten(lines[i])) for i in sorted(near) if verdicts[i] is None]


def shorten(text: str, width: int = WIDTH) -> str:
    """``text``, cut to ``width`` characters with a final "…" when it is longer."""
    return text if len(text) <= width else text[: width - 1] + "…"
