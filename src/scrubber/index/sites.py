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
from scrubber.index import CorpusIndex, Refreshed, entry
from scrubber.model import DocRef

SITE_SAMPLE = 5000


def site_templates(
    index: CorpusIndex,
    done: Refreshed,
    pages: dict[str, list[str]],
    targets: Sequence[DocRef],
    settings: Settings,
) -> rules.TemplateIndex:
    """The templates of the sites of ``targets``, learned from ``pages`` (site -> the
    :func:`~scrubber.index.entry` names of its documents)."""
    doc_of: dict[bytes, int] = {}
    chosen: list[tuple[str, bytes]] = []
    for site in sorted({ref.site for ref in targets}):
        own = [entry(ref) for ref in targets if ref.site == site]
        names = [name for name in (*pages.get(site, ()), *own) if name in done.keys]
        doc_of.update((done.keys[name], done.ids[name]) for name in names)
        sample = sorted({done.keys[name] for name in pages.get(site, ()) if name in done.keys})
        mine = {done.keys[name] for name in own if name in done.keys}
        chosen.extend((site, key) for key in sorted(set(sample[:SITE_SAMPLE]) | mine))
    features = index.features(sorted({doc_of[key] for _, key in chosen}))
    found = [(site, key.hex(), features[doc_of[key]].fingerprints) for site, key in chosen]
    return rules.TemplateIndex.build(
        ((site, group, prints) for site, group, prints in found if prints.hashes), settings
    )
