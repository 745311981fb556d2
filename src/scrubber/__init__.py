"""scrubber: clean and deduplicate scraped text corpora."""

__version__ = "0.1.0"
