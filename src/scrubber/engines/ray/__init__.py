"""The Ray engine: near-duplicate detection on a Ray cluster, with the local engine's results.

    read units (driver: file names and sizes) -> read + sketch         Ray Data map
    -> document partitions (by id)                                     shuffle: sketches
    -> band keys -> bucket pairs -> signature agreement                shuffles: keys, pairs
    -> parse candidates, word rarity, score pairs                      shuffle: parsed docs
    -> connected components (large-star / small-star)                  shuffles: edges
    -> guard each component, canonical member                          shuffle: members

One module per stage (:mod:`.read`, :mod:`.sketch`, :mod:`.docs`, :mod:`.bands`,
:mod:`.verify`, :mod:`.components`, :mod:`.clusters`), chained in :mod:`.run`. Every stage
works on partitions; the driver holds refs, the read plan, per-partition counts, the
failures and the clusters it returns. ``pipeline`` imports this package only when
``engine = "ray"``; without ``pip install 'scrubber[ray]'`` importing it is a usage error.
"""

from scrubber.engines import require_ray_extra

require_ray_extra()

from scrubber.engines.ray.run import cluster_corpus, find_dupes  # noqa: E402

__all__ = ["cluster_corpus", "find_dupes"]
