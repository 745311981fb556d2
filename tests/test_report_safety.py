"""A report built from hostile documents runs no script from the corpus and loads nothing.

Payloads go everywhere corpus text or a file name can appear: document names, removed
lines, context lines, cluster paragraphs, merged paragraphs, failure reasons. The page is
opened in headless Chromium with every document and the cluster expanded; a local HTTP
server counts any request that would leave the page. A control test shows the same
detectors do catch a payload when it is not escaped.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from scrubber.report.alignment import compact_alignment
from scrubber.report.html import render_html
from tests.browser import Browser, Page
from tests.test_report_html import removed, with_stats


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server; the list holds the paths it was asked for."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Counter.hits
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as driver:
        yield driver


def payloads(origin: str) -> list[str]:
    return [
        "<script>window.__pwned = 'script'; document.title = 'pwned'</script>",
        "<img src=x onerror=\"window.__pwned = 'img'; document.title = 'pwned'\">",
        "<a href=\"javascript:window.__pwned = 'link'\">click me</a>",
        "</script><script>window.__pwned = 'breakout'</script>",
        "</textarea><script>window.__pwned = 'textarea'</script>",
        "<!--<script>window.__pwned = 'comment'</script>",
        "<svg onload=\"window.__pwned = 'svg'\"></svg>",
        "' onmouseover='window.__pwned = 1' x='",
        f"<img src='{origin}/img.png'><iframe src='{origin}/frame'></iframe>",
        f"<style>body {{ background: url({origin}/css.png) }}</style>",
        f"<meta http-equiv='refresh' content='0; url={origin}/refresh'>",
        f"<link rel='stylesheet' href='{origin}/sheet.css'>",
    ]


def hostile_data(origin: str) -> dict[str, Any]:
    bad = payloads(origin)
    docs = []
    for i, text in enumerate(bad):
        name = f"site/{i:02d}{text}.txt"
        docs.append(
            {
                "input": name,
                "status": "kept",
                "output": name,
                "encoding": "utf-8",
                "lines_in": 5,
                "removed": [removed("nav-phrase", 2, text)],
                "context": [{"line": 1, "text": text}, {"line": 3, "text": "kept " + text}],
            }
        )
    a, b = docs[0]["input"], docs[1]["input"]
    docs[1].update(status="merged", merged_into=a)
    paragraphs, alignment = compact_alignment({b: [(bad[3], bad[4], 0.9), (None, bad[5], 0.0)]})
    cluster = {
        "id": 1,
        "canonical": a,
        "reason": bad[6],
        "members": [a, b],
        "pairs": [{"a": a, "b": b, "similarity": 0.9}],
        "paragraphs": paragraphs,
        "alignment": alignment,
        "merged_paragraphs": [{"source": b, "source_line": 1, "output_line": 3, "text": bad[5]}],
    }
    data = with_stats(docs, [cluster])
    data["failures"] = [{"doc_id": bad[0], "path": bad[1], "reason": bad[2]}]
    data["settings"]["profile"] = bad[7]
    return data


def open_everything(page: Page, clusters: Sequence[int] = (1,)) -> None:
    """Expand every document of the list and every cluster, so all text is in the DOM."""
    page.evaluate("location.hash = 'documents'")
    count = page.evaluate(
        "(() => { const all = document.querySelectorAll('#doc-list details.doc');"
        " all.forEach(d => { d.open = true; }); return all.length; })()"
    )
    page.wait_for(f"document.querySelectorAll('#doc-list .doc-body').length === {count}")
    for number in clusters:
        page.evaluate(f"location.hash = 'cluster-{number}'")
        page.wait_for(f"document.querySelector('#cluster-{number} .cluster-body')")


def assert_nothing_ran(page: Page, hits: list[str]) -> None:
    assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")
    assert page.evaluate("document.title").startswith("scrubber report")
    assert page.requests == [page.url], "the page asked for something besides itself"
    assert hits == [], "a request reached the local server"


def test_hostile_report_runs_no_script_and_loads_nothing(
    browser: Browser, tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    origin, hits = server
    path = tmp_path / "report.html"
    path.write_text(render_html(hostile_data(origin)), encoding="utf-8")
    page = browser.open(path)
    page.wait_for("document.documentElement.dataset.ready === '1'")
    open_everything(page)
    assert page.evaluate("document.querySelectorAll('#cluster-1 table.sbs tr').length") == 3
    assert_nothing_ran(page, hits)
    dom = page.evaluate(
        "(() => { const nodes = [], walk = document.createTreeWalker(document.body, 4);"
        " while (walk.nextNode()) { const up = walk.currentNode.parentNode.nodeName;"
        "   if (up !== 'SCRIPT' && up !== 'STYLE') nodes.push(walk.currentNode.data); }"
        " return ({scripts: document.scripts.length,"
        " handlers: Array.from(document.querySelectorAll('*')).flatMap(e =>"
        "   Array.from(e.attributes).map(a => a.name)).filter(n => n.startsWith('on')),"
        " injected: document.querySelectorAll("
        "   'img, iframe, link, meta[http-equiv=refresh], a[href^=javascript], body svg[onload]'"
        " ).length, text: nodes.join('\\u0000')}); })()"
    )
    assert dom["scripts"] == 4, "index, one documents block, one clusters block, the app"
    assert dom["handlers"] == [] and dom["injected"] == 0
    for text in payloads(origin):  # each one whole in a text node of the page
        assert text in dom["text"], f"not shown as text: {text}"


def test_csp_blocks_requests_made_by_script(
    browser: Browser, tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    origin, hits = server
    path = tmp_path / "report.html"
    path.write_text(render_html(hostile_data(origin)), encoding="utf-8")
    page = browser.open(path)
    outcome = page.evaluate(f"fetch('{origin}/fetch').then(() => 'fetched', () => 'blocked')")
    assert outcome == "blocked"
    assert hits == []


def test_control_an_unescaped_payload_is_caught(
    browser: Browser, tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    """The detectors above are live: a page that embeds the payloads raw trips them."""
    origin, hits = server
    path = tmp_path / "raw.html"
    path.write_text("<title>raw</title>" + "".join(payloads(origin)[:2] + payloads(origin)[8:9]))
    page = browser.open(path)
    page.wait_for("window.__pwned")
    assert page.evaluate("document.title") == "pwned"
    assert any(url.startswith(origin) for url in page.requests)
    deadline = time.monotonic() + 10
    while not hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hits, "the local server saw no request"
    hits.clear()
