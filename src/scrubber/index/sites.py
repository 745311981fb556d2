"""Site templates for a few pages, learned from the other pages of their sites in the index.

``clean`` learns templates from every page of a site, counting the members of a
near-duplicate cluster once. Here no clustering is run: each distinct content counts once,
and the template index merges pages that share most of their long lines (one story) itself.
A site of more than ``SITE_SAMPLE`` pages is learned from that many of them, the ones with
the smallest content keys (a fixed pseudo-random sample that one changed page alters by at
most one page), plus the pages being stripped, so the cost does not grow with the site.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrubber import rules
from scrubber.config import Settings
from scrubber.index import CorpusIndex, Refreshed
from scrubber.model import DocRef

SITE_SAMPLE = 5000


def site_templates(
    index: CorpusIndex,
    done: Refreshed,
    corpus: Sequence[DocRef],
    targets: Sequence[DocRef],
    settings: Settings,
) -> rules.TemplateIndex:
    """The templates of the sites of ``targets``, from their pages in ``corpus``."""
    wanted = {ref.site for ref in targets}
    by_site: dict[str, set[bytes]] = {site: set() for site in wanted}
    for ref in corpus:
        if ref.site in wanted and ref in done.keys:
            by_site[ref.site].add(done.keys[ref])
    doc_of = {done.keys[ref]: done.ids[ref] for ref in (*corpus, *targets) if ref in done.keys}
    chosen: list[tuple[str, bytes]] = []
    for site, keys in sorted(by_site.items()):
        own = {done.keys[ref] for ref in targets if ref.site == site and ref in done.keys}
        chosen.extend((site, key) for key in sorted(set(sorted(keys)[:SITE_SAMPLE]) | own))
    features = index.features(sorted({doc_of[key] for _, key in chosen}))
    pages = [(site, key.hex(), features[doc_of[key]].fingerprints) for site, key in chosen]
    return rules.TemplateIndex.build(
        ((site, group, prints) for site, group, prints in pages if prints.hashes), settings
    )
