"""Near-duplicates and translations: sketches, LSH candidates, exact verification, clusters.

sketch(text)            pass 1, per document, in worker processes
find_clusters(...)      candidates -> exact similarity -> union-find + chaining guard
similarity(a, b)        the exact score of two texts (what --threshold applies to)
align_paragraphs(a, b)  the paragraph alignment behind the score (merge, diff report)
"""

from scrubber.dedup.align import align_paragraphs, similarity
from scrubber.dedup.candidates import in_sample
from scrubber.dedup.parse import Parsed
from scrubber.dedup.sketch import FORMAT, DedupSettings, DocSketch, SketchTable, sketch
from scrubber.dedup.verify import ClusterGroup, find_candidates, find_clusters, verify_candidates

__all__ = [
    "FORMAT",
    "ClusterGroup",
    "DedupSettings",
    "DocSketch",
    "Parsed",
    "SketchTable",
    "align_paragraphs",
    "find_candidates",
    "find_clusters",
    "in_sample",
    "similarity",
    "sketch",
    "verify_candidates",
]
