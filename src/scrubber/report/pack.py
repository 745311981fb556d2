"""The report's documents and clusters, packed for the page's JavaScript.

``report.html`` must open in seconds for 100,000 documents, so the page carries its data in
``<script>`` data blocks that report.js reads as needed:

* ``report-index``: one small row per document (name, status, rule counts) and per cluster
  (members, similarities), enough to list, search and filter everything at once;
* ``docs-N`` and ``clusters-N``: the details (removed lines with their context, aligned
  paragraphs), in chunks that are decoded only when one of their items is opened.

Documents are arrays, not objects (keys would repeat 100,000 times); removed-line texts are
interned per chunk (site chrome repeats on every page of a site); a cluster's paragraphs
come as report.json stores them, each once (``alignment.py``). Large reports embed each block
gzipped and base64-encoded; report.js inflates it with the browser's DecompressionStream.

Plain blocks escape ``<``, ``>`` and ``&`` inside the JSON text, so corpus text such as
``</script>`` or ``<!--`` cannot end the element early; base64 has no such characters. The
JSON is orjson's (``io.write.json_bytes``): a lone surrogate in a text comes out as U+FFFD.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

from scrubber.io.write import json_bytes

DOC_CHUNK = 1000  # documents per detail block
CLUSTER_CHUNK = 100  # clusters per detail block
COMPRESS_OVER = 4 * 1024 * 1024  # bytes of JSON above which the blocks are embedded gzipped
# zlib level: on 60 MB of JSON, 0.40 s against 0.65 s at 4 and 1.4 s at 6, for 12 % more bytes
COMPRESS_LEVEL = 1

_UNSAFE_IN_SCRIPT = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


def pack_blocks(data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Every data block of the page by element id: the index and the detail chunks."""
    return {**document_blocks(data, extra), **cluster_blocks(data)}


def document_blocks(data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The index (``extra`` are facts the page adds to it) and the documents' details."""
    rules = sorted(data["stats"].get("removed_by_rule", {}))
    rule_ids = {rule: i for i, rule in enumerate(rules)}
    docs = list(data["documents"]) + [_failure_as_doc(f) for f in data.get("failures", [])]
    blocks: dict[str, Any] = {
        "report-index": {
            **extra,
            "rules": rules,
            "docChunk": DOC_CHUNK,
            "clusterChunk": CLUSTER_CHUNK,
            "docs": [_doc_row(d, rule_ids) for d in docs],
            "clusters": [_cluster_row(c) for c in data["clusters"]],
        }
    }
    for n, chunk in enumerate(_chunks(docs, DOC_CHUNK)):
        blocks[f"docs-{n}"] = _doc_details(chunk, rule_ids)
    return blocks


def cluster_blocks(data: dict[str, Any]) -> dict[str, Any]:
    """The clusters' details: their paragraphs, aligned, and the merged ones."""
    return {
        f"clusters-{n}": [_cluster_details(c) for c in chunk]
        for n, chunk in enumerate(_chunks(data["clusters"], CLUSTER_CHUNK))
    }


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _failure_as_doc(failure: dict[str, Any]) -> dict[str, Any]:
    return {"input": failure["doc_id"], "status": "failed", "reason": failure.get("reason", "")}


def _doc_row(doc: dict[str, Any], rule_ids: dict[str, int]) -> list[Any]:
    """``[input, status, where, encoding, lines_in, cluster, [rule, count, ...]]``."""
    by_rule: list[int] = []  # most documents lose nothing
    if removed := doc.get("removed"):
        counts: dict[int, int] = {}  # a plain dict: Counter() costs 5 us a document more
        for r in removed:
            rule = rule_ids.get(r["rule"])
            if rule is not None:
                counts[rule] = counts.get(rule, 0) + 1
        by_rule = [x for rule, count in sorted(counts.items()) for x in (rule, count)]
    where = doc.get("reason") or doc.get("merged_into") or doc.get("output") or ""
    return [
        doc["input"],
        doc["status"],
        "" if where == doc["input"] else where,  # written at its own path: the common case
        doc.get("encoding") or "",
        doc.get("lines_in", 0),
        doc.get("cluster") or 0,
        by_rule,
    ]


def _doc_details(docs: Sequence[dict[str, Any]], rule_ids: dict[str, int]) -> dict[str, Any]:
    """Removed lines ``[line, rule, text, ...]`` and context ``[line, text, ...]`` per doc."""
    texts: dict[str, int] = {}
    number = texts.setdefault  # ``len(texts)`` is evaluated before a new text is added
    rows: list[list[list[Any]]] = []
    for doc in docs:
        if not doc.get("removed") and not doc.get("context"):
            rows.append([[], []])  # most documents lose nothing
            continue
        removed = [
            x
            for r in doc.get("removed", ())
            for x in (r["line"], rule_ids.get(r["rule"], -1), number(r["text"], len(texts)))
        ]
        context = [x for c in doc.get("context", ()) for x in (c["line"], c["text"])]
        rows.append([removed, context])
    return {"texts": list(texts), "docs": rows}


def _cluster_row(cluster: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": cluster["id"],
        "canonical": cluster["canonical"],
        "reason": cluster.get("reason", ""),
        "members": cluster["members"],
        "pairs": [[p["a"], p["b"], p["similarity"]] for p in cluster.get("pairs", [])],
        "merged": len(cluster.get("merged_paragraphs", [])),
    }


def _cluster_details(cluster: dict[str, Any]) -> dict[str, Any]:
    """The cluster's paragraphs, aligned rows ``[canonical, member, score]`` by member (as in
    report.json: indexes into ``paras``, ``null`` for no counterpart), and merged paragraphs
    ``[source, source_line, output_line, para]``."""
    paras: list[str] = cluster.get("paragraphs", [])
    merged = cluster.get("merged_paragraphs", [])
    if merged:  # a merged paragraph is a member's, so normally in the table already
        paras = list(paras)
        index = {text: i for i, text in enumerate(paras)}
        rows = []
        for m in merged:
            ref = index.get(m["text"])
            if ref is None:
                ref = index[m["text"]] = len(paras)
                paras.append(m["text"])
            rows.append([m["source"], m["source_line"], m["output_line"], ref])
        merged = rows
    return {"paras": paras, "rows": cluster.get("alignment", {}), "merged": merged}


def blob_json(value: Any) -> str:
    """``value`` as JSON that is safe inside ``<script type="application/json">``."""
    return _script_safe(json_bytes(value).decode("utf-8"))


def blob_elements(blocks: dict[str, Any], compress_over: int = COMPRESS_OVER) -> str:
    """The ``<script>`` data blocks: plain JSON, or gzip+base64 when their JSON together is
    larger than ``compress_over`` bytes. (The page asks this of its document blocks and
    of its cluster blocks apart: each element says how it is encoded.)"""
    texts = {key: json_bytes(value) for key, value in blocks.items()}
    if sum(len(t) for t in texts.values()) <= compress_over:
        return "\n".join(_plain_element(key, text) for key, text in texts.items())
    return "\n".join(_packed_element(key, text) for key, text in texts.items())


def _script_safe(text: str) -> str:
    for char, escaped in _UNSAFE_IN_SCRIPT:  # str.replace is 20x faster than str.translate
        text = text.replace(char, escaped)
    return text


def _plain_element(key: str, data: bytes) -> str:
    return f"<script type='application/json' id='{key}'>{_script_safe(data.decode())}</script>"


def _packed_element(key: str, data: bytes) -> str:
    """gzip+base64: no markup characters can survive base64, so no escaping is needed."""
    packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31)  # wbits 31: a gzip stream
    packed = packer.compress(data) + packer.flush()
    return (
        f"<script type='application/octet-stream' id='{key}' data-encoding='gzip+base64'>"
        f"{base64.b64encode(packed).decode('ascii')}</script>"
    )
