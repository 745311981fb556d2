"""``report.html``: one self-contained page (inline CSS, SVG and a little JavaScript).

The summary (cards and charts) is rendered here as HTML and SVG. Documents and clusters
can number in the hundred thousands, so they travel as data blocks (``pack.py``) and
report.js renders the page of them being looked at, decoding details only when opened.

Safety: every string rendered here goes through ``html.escape``; the JSON data blocks have
``<``, ``>`` and ``&`` escaped, so ``</script>`` in a scraped page cannot end it; report.js puts
corpus text into the page only as text nodes. The Content-Security-Policy allows nothing
from the network and only this page's own script and stylesheet (by their hashes), so even
a rendering bug could not run a script from the corpus.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from html import escape
from importlib.resources import files
from typing import Any

from scrubber.report.charts import histogram, rule_chart, size_chart
from scrubber.report.pack import COMPRESS_OVER, blob_elements, cluster_blocks, document_blocks

QUIET_RULES = ("blank-line", "extra-blank-line")  # remove only empty lines: shown in grey
SCRIPTS = ("worddiff.js", "cluster.js", "report.js")  # one inline script, in this order


def _read_asset(name: str) -> str:
    return files("scrubber.report").joinpath(name).read_text(encoding="utf-8")


# Read once, when the module is imported: the page's script and stylesheet do not change
# during a run, and a run that later drops privileges or loses its installation directory
# can still write its report.
_ASSETS = {name: _read_asset(name) for name in (*SCRIPTS, "report.css")}


def _asset(name: str) -> str:
    return _ASSETS[name]


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(script: str, style: str) -> str:
    """Nothing from the network; only the page's own inline script and stylesheet."""
    return (
        f"default-src 'none'; script-src {_sha256(script)}; style-src {_sha256(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_html(
    data: dict[str, Any], *, compress_over: int = COMPRESS_OVER, clusters: str | None = None
) -> str:
    """The whole page for the report data ``data`` (the dict of ``report.json``).

    The documents' blocks, and the clusters' blocks, are embedded gzipped when their JSON
    is larger than ``compress_over`` bytes (see ``pack.blob_elements``). ``clusters``: the
    clusters' elements (``cluster_elements(data)``), or a placeholder for them, where the
    caller renders them apart; nothing after them in the page comes from the report data.
    """
    script = "\n".join(_asset(name) for name in SCRIPTS)
    style = _asset("report.css")
    csp = content_security_policy(script, style)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        "<meta name='referrer' content='no-referrer'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>scrubber report · {_counts_title(data['stats'])}</title>",
        f"<style>{style}</style></head><body>",
        _header(data),
        "<main>",
        _summary(data),
        _clusters_view(len(data["clusters"])),
        _documents_view(data),
        "</main>",
        blob_elements(document_blocks(data, _page_facts(data)), compress_over),
        cluster_elements(data, compress_over) if clusters is None else clusters,
        f"<script>{script}</script></body></html>",
    ]
    return "\n".join(parts)


def cluster_elements(data: dict[str, Any], compress_over: int = COMPRESS_OVER) -> str:
    """The clusters' data blocks of the page (``render_html``'s ``clusters``)."""
    return blob_elements(cluster_blocks(data), compress_over)


def _page_facts(data: dict[str, Any]) -> dict[str, Any]:
    from scrubber.rules import list_rules  # the rules' one-line summaries, for tooltips

    return {
        "help": {rule.name: rule.summary for rule in list_rules()},
        "threshold": data["settings"].get("threshold", 0.0),
        "quiet": list(QUIET_RULES),
    }


def _counts_title(stats: dict[str, Any]) -> str:
    return f"{stats['documents_in']:,} documents, {stats['clusters']:,} clusters"


def _header(data: dict[str, Any]) -> str:
    stats, settings = data["stats"], data["settings"]
    timing = " · ".join(f"{escape(k)} {v:.1f}s" for k, v in stats.get("seconds", {}).items())
    tabs = [
        ("summary", "Summary", ""),
        ("clusters", "Clusters", f"{stats['clusters']:,}"),
        ("documents", "Documents", f"{stats['documents_in']:,}"),
    ]
    links = "".join(
        f"<a class='tab' href='#{key}' data-view='{key}'>{label}"
        f"{f' <span class=count>{count}</span>' if count else ''}</a>"
        for key, label, count in tabs
    )
    return (
        "<header class='top'><div class='brand'><span class='logo'>▚</span> scrubber "
        "<span class='muted'>report</span></div>"
        f"<nav class='tabs'>{links}</nav><div class='meta'>"
        f"v{escape(str(data.get('scrubber', '')))} · threshold "
        f"{escape(str(settings.get('threshold', '')))} · profile "
        f"{escape(str(settings.get('profile', '')))}"
        f"{' · ' + timing if timing else ''}</div></header>"
    )


def _summary(data: dict[str, Any]) -> str:
    stats = data["stats"]
    merged = sum(1 for d in data["documents"] if d.get("status") == "merged")
    share = 100 * stats["lines_removed"] / stats["lines_in"] if stats["lines_in"] else 0.0
    cards = [
        ("documents in", f"{stats['documents_in']:,}", ""),
        ("documents out", f"{stats['documents_out']:,}", ""),
        ("merged into others", f"{merged:,}", _plural(stats["clusters"], "cluster", "in ")),
        ("lines removed", f"{stats['lines_removed']:,}", f"{share:.1f}% of {stats['lines_in']:,}"),
        ("failed inputs", f"{stats['failed']:,}", "" if stats["failed"] else "none"),
    ]
    body = "".join(
        f"<div class='card{' warn' if label == 'failed inputs' and stats['failed'] else ''}'>"
        f"<div class='num'>{value}</div><div class='label'>{label}</div>"
        f"<div class='sub'>{escape(sub)}</div></div>"
        for label, value, sub in cards
    )
    return (
        "<section id='summary' class='view'><div class='cards'>"
        f"{body}</div><div class='grid'>{_rules_panel(data)}{_clusters_panel(data)}</div>"
        "</section>"
    )


def _plural(count: int, noun: str, before: str = "") -> str:
    return f"{before}{count:,} {noun}{'' if count == 1 else 's'}"


def _rules_panel(data: dict[str, Any]) -> str:
    stats = data["stats"]
    chart = rule_chart(stats["removed_by_rule"], stats["lines_in"], QUIET_RULES)
    return (
        "<div class='panel wide' id='rules-panel'><h2>Lines removed by rule</h2>"
        "<p class='hint'>Click a rule to see the documents it removed lines from.</p>"
        f"{chart or '<p class=empty>No line was removed.</p>'}{_top_documents(data)}</div>"
    )


def _top_documents(data: dict[str, Any], count: int = 6) -> str:
    """The documents that lost the most lines to content rules (empty lines not counted)."""
    counted = [
        (sum(1 for r in d.get("removed", []) if r["rule"] not in QUIET_RULES), d["input"])
        for d in data["documents"]
    ]
    top = sorted((c for c in counted if c[0]), key=lambda c: (-c[0], c[1]))[:count]
    items = "".join(
        f"<li><a href='#documents' data-doc='{escape(name)}'>{escape(name)}</a>"
        f"<span class='sim'>{removed:,} lines</span></li>"
        for removed, name in top
    )
    return f"<h2>Most lines removed</h2><ul class='toplist'>{items}</ul>" if items else ""


def _clusters_panel(data: dict[str, Any]) -> str:
    clusters = data["clusters"]
    threshold = float(data["settings"].get("threshold", 0.0))
    scores = data.get("similarities") or [p["similarity"] for c in clusters for p in c["pairs"]]
    source = "all verified pairs" if data.get("similarities") else "pairs in clusters"
    sizes = size_chart(len(c["members"]) for c in clusters)
    return (
        "<div class='panel'><h2>Clusters by size</h2>"
        f"{sizes or '<p class=empty>No near-duplicates.</p>'}"
        f"<h2>Pair similarities <span class='muted'>({source}, {len(scores):,})</span></h2>"
        f"{histogram(scores, threshold)}"
        f"{_top_clusters(clusters)}</div>"
    )


def _top_clusters(clusters: list[dict[str, Any]], count: int = 5) -> str:
    """The largest clusters, each a link to its diff (for a glance from the summary)."""
    top = sorted(clusters, key=lambda c: (-len(c["members"]), c["id"]))[:count]
    items = []
    for c in top:
        others = [m for m in c["members"] if m != c["canonical"]]
        rest = " + ".join(escape(m) for m in others[:2])
        more = f" + {len(others) - 2} more" if len(others) > 2 else ""
        items.append(
            f"<li><a href='#cluster-{int(c['id'])}' data-cluster='{int(c['id'])}'>"
            f"<span class='size'>{len(c['members'])}</span>★ {escape(c['canonical'])}"
            f"<span class='muted'> + {rest}{more}</span></a>"
            f"<span class='sim'>{_min_similarity(c)}</span></li>"
        )
    return f"<h2>Largest clusters</h2><ul class='toplist'>{''.join(items)}</ul>" if items else ""


def _min_similarity(cluster: dict[str, Any]) -> str:
    values = [p["similarity"] for p in cluster["pairs"]]
    return f"{min(values):.3f}" if values else ""


def _clusters_view(count: int) -> str:
    return (
        "<section id='clusters' class='view'><div class='toolbar'>"
        "<input id='cluster-search' type='search' placeholder='Filter by member file name…' "
        "aria-label='filter clusters by member file name'>"
        "<select id='cluster-sort' aria-label='order'><option value='id'>in order</option>"
        "<option value='size'>largest first</option>"
        "<option value='low'>least similar first</option></select>"
        "<span class='status' id='cluster-status'></span></div>"
        "<div id='cluster-list' class='list'>"
        f"<p class='empty'>{'Loading…' if count else 'No near-duplicates were found.'}</p></div>"
        "<div class='pager' id='cluster-pager'></div></section>"
    )


def _documents_view(data: dict[str, Any]) -> str:
    rules = Counter(data["stats"]["removed_by_rule"])
    options = "".join(
        f"<option value='{escape(rule)}'>{escape(rule)} ({count:,})</option>"
        for rule, count in sorted(rules.items())
    )
    statuses = ("kept", "canonical", "merged", "failed")
    status_options = "".join(f"<option value='{s}'>{s}</option>" for s in statuses)
    return (
        "<section id='documents' class='view'><div class='toolbar'>"
        "<input id='doc-search' type='search' placeholder='Search file names…  ( / )' "
        "aria-label='search by file name'>"
        f"<select id='rule-filter' aria-label='rule'><option value=''>any rule</option>{options}"
        "</select><select id='status-filter' aria-label='status'>"
        f"<option value=''>any status</option>{status_options}</select>"
        "<select id='doc-sort' aria-label='order'><option value='path'>in input order</option>"
        "<option value='removed'>most removed first</option></select>"
        "<label><input type='checkbox' id='show-empty'> show empty lines</label>"
        "<span class='status' id='doc-status'></span></div>"
        "<div id='doc-list' class='list'><noscript><p class='empty'>The document list needs "
        "JavaScript; report.json next to this file holds the same data.</p></noscript></div>"
        "<div class='pager' id='doc-pager'></div></section>"
    )


__all__ = ["cluster_elements", "content_security_policy", "render_html"]
