"""Word-level differences between two aligned paragraphs, as data.

``scrubber diff`` shows them in the terminal; report.js computes the same highlights in the
browser (worddiff.js), so report.html need not carry them precomputed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_WORDS = 3000  # longer paragraph pairs get no word highlights (difflib is quadratic)
_WORD = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Segment:
    """A run of text: ``op`` is ``"="`` (in both), ``"-"`` (left only) or ``"+"`` (right only)."""

    text: str
    op: str


def words(text: str) -> list[str]:
    """The words of ``text``, each with the whitespace that follows it (leading space kept)."""
    found = _WORD.findall(text)
    lead = text[: len(text) - len(text.lstrip())]
    if lead and found:
        found[0] = lead + found[0]
    return found or ([text] if text else [])


def word_segments(left: str, right: str) -> tuple[list[Segment], list[Segment]]:
    """``(left, right)`` as segments: words only in ``left`` are ``"-"``, only in ``right`` ``"+"``.

    Joining a side's segment texts gives that side back unchanged.
    """
    a, b = words(left), words(right)
    if len(a) + len(b) > MAX_WORDS:
        return [Segment(left, "=")], [Segment(right, "=")]
    matcher = difflib.SequenceMatcher(None, [w.strip() for w in a], [w.strip() for w in b], False)
    out_a: list[Segment] = []
    out_b: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append(out_a, "".join(a[i1:i2]), "=" if tag == "equal" else "-")
        _append(out_b, "".join(b[j1:j2]), "=" if tag == "equal" else "+")
    return out_a, out_b


def _append(side: list[Segment], text: str, op: str) -> None:
    """Add a run; a change ends at its last word, the space after it is unchanged text."""
    if not text:
        return
    body = text if op == "=" else text.rstrip()
    for part, kind in ((body, op), (text[len(body) :], "=")):
        if not part:
            continue
        if side and side[-1].op == kind:
            side[-1] = Segment(side[-1].text + part, kind)
        else:
            side.append(Segment(part, kind))


def shared_words(left: list[Segment]) -> float:
    """The share of the left side's characters that the right side has too (0 when empty)."""
    total = sum(len(s.text) for s in left)
    return sum(len(s.text) for s in left if s.op == "=") / total if total else 0.0
