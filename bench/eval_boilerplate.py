"""Clean a labelled page set with scrubber's rules and score the result.

    python bench/eval_boilerplate.py [DEV_DIR] [--profile default|aggressive] [--no-templates]

DEV_DIR (default /work/shared/dev/boilerplate) holds ``pages/<site>/<page-id>.txt``,
``labels.jsonl`` and ``score.py``. Every page is stripped by the per-page rules, fingerprinted,
the site-template index is built over all pages of each site (site = the ``pages/<site>/``
directory, every page its own duplicate group), and every page is stripped again with the
templates. The cleaned pages go to a temporary directory as ``<site>/<page-id>.txt`` and the
set's own ``score.py`` scores them; its figures and the time taken are printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scrubber.config import Settings
from scrubber.rules import TemplateIndex, fingerprint_lines, strip_page

DEFAULT_DEV_DIR = Path("/work/shared/dev/boilerplate")


def find_pages(dev_dir: Path) -> list[tuple[str, str, Path]]:
    """``(site, page_id, path)`` of every page, sorted."""
    pages_dir = dev_dir / "pages"
    return [(path.parent.name, path.stem, path) for path in sorted(pages_dir.glob("*/*.txt"))]


def clean_pages(
    pages: list[tuple[str, str, Path]], settings: Settings, templates: bool
) -> dict[tuple[str, str], str]:
    """The cleaned text of every page, keyed by ``(site, page_id)``."""
    texts = {(site, page): path.read_text(encoding="utf-8") for site, page, path in pages}
    index = None
    if templates:
        prints = []
        for (site, page), text in texts.items():
            doc_id = f"{site}/{page}"
            first = strip_page(doc_id, text, settings)
            prints.append((site, doc_id, fingerprint_lines(first.kept)))
        index = TemplateIndex.build(prints, settings)
    return {
        (site, page): strip_page(f"{site}/{page}", text, settings, index, site).text
        for (site, page), text in texts.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dev_dir", nargs="?", type=Path, default=DEFAULT_DEV_DIR)
    parser.add_argument("--profile", choices=("default", "aggressive"), default="default")
    parser.add_argument("--no-templates", action="store_true", help="per-page rules only")
    parser.add_argument("--verbose", action="store_true", help="pass --verbose to score.py")
    parser.add_argument("--out", type=Path, help="keep the cleaned pages in this directory")
    args = parser.parse_args(argv)
    pages = find_pages(args.dev_dir)
    if not pages:
        print(f"no pages under {args.dev_dir / 'pages'}", file=sys.stderr)
        return 2
    settings = Settings(profile=args.profile)
    started = time.perf_counter()
    cleaned = clean_pages(pages, settings, templates=not args.no_templates)
    seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="scrubber-eval-") as tmp:
        out_dir = args.out or Path(tmp)
        for (site, page), text in cleaned.items():
            target = out_dir / site / f"{page}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text + "\n" if text else "", encoding="utf-8")
        command = [sys.executable, str(args.dev_dir / "score.py"), str(args.dev_dir), str(out_dir)]
        if args.verbose:
            command.append("--verbose")
        result = subprocess.run(command, check=False, capture_output=True, text=True)
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    passes = "one pass, no templates" if args.no_templates else "two passes with templates"
    print(
        f"profile={args.profile} pages={len(pages)} clean_seconds={seconds:.2f} "
        f"({1000 * seconds / len(pages):.1f} ms/page, {passes})"
    )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
