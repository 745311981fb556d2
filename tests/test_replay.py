"""Pass 2 reuses pass 1's strip result exactly when the site templates cannot change it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scrubber import pipeline, replay, rules
from scrubber.clusters import stripped_text_loader
from scrubber.config import Settings
from scrubber.finish import learn_templates
from scrubber.io import load_document
from scrubber.outputs import OutputWriter
from scrubber.rules.fingerprints import packed
from scrubber.scan import Corpus, collect_refs, scan_refs, strip_document

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(jobs=1)


def _scanned(folder: Path) -> tuple[Corpus, rules.TemplateIndex]:
    corpus = scan_refs(
        *collect_refs([str(folder)], SETTINGS),
        SETTINGS,
        fingerprints=True,
        verdicts=True,
    )
    return corpus, learn_templates(corpus, [], SETTINGS)


def test_replay_equals_stripping_again_whenever_it_is_used() -> None:
    corpus, templates = _scanned(ROOT / "fixtures" / "seeds")
    replayed = stripped_again = 0
    for scanned in corpus.docs:
        doc = load_document(scanned.ref)
        full = strip_document(doc, SETTINGS, templates, scanned.ref.site)
        assert scanned.verdicts is not None
        site = templates.for_site(scanned.ref.site)
        if replay.unchanged_by(scanned.verdicts, site):
            replayed += 1
            assert replay.replay(doc, scanned.verdicts) == full
        else:
            stripped_again += 1
            assert any(r.rule == "site-template" for r in full.removals)
    assert stripped_again > 0  # the seeds share template lines: those pages are stripped again
    assert replayed + stripped_again == len(corpus.docs)


def test_pages_without_templates_replay_pass_one(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Go back\n\nA river rose over the town walls.\n\n\nDSC_8507.JPG\n"
    )
    corpus, _ = _scanned(tmp_path)
    (scanned,) = corpus.docs
    doc = load_document(scanned.ref)
    assert scanned.verdicts is not None
    assert replay.unchanged_by(scanned.verdicts, frozenset())
    again = replay.replay(doc, scanned.verdicts)
    assert again == strip_document(doc, SETTINGS)
    assert again is not None and {r.rule for r in again.removals} >= {
        "nav-phrase",
        "media-filename",
    }


def test_a_page_changed_since_pass_one_is_stripped_again(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("Go back\n\nA river rose over the town walls.\n")
    corpus, _ = _scanned(tmp_path)
    (scanned,) = corpus.docs
    assert scanned.verdicts is not None
    page.write_text("Go back\n\nA river rose over the old walls.\n")  # same lines, new text
    assert replay.replay(load_document(scanned.ref), scanned.verdicts) is None


def test_clean_verifies_on_the_text_pass_one_staged(tmp_path: Path) -> None:
    """Candidates are compared on the stripped text that pass 1 staged in OUT (read back,
    not stripped again); the input is read again only where no staged copy is left."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("a", "b"):
        (src / f"{name}.txt").write_text(f"Go back\n\nThe river {name} rose over the walls.\n")
    with OutputWriter(out) as writer:
        corpus = scan_refs(
            *collect_refs([str(src)], SETTINGS), SETTINGS, verdicts=True, writer=writer
        )
        load = stripped_text_loader(corpus, SETTINGS, writer.staged_text)
        expected = [strip_document(load_document(s.ref), SETTINGS).text for s in corpus.docs]
        assert [load(0), load(1)] == expected
        assert "Go back" not in expected[0]
        staged_a = next(out.glob(".a.txt.*"))
        staged_a.write_text("what pass 1 staged\n")
        assert load(0) == "what pass 1 staged"  # read back from OUT
        writer.discard(corpus.docs[1].ref)
        assert load(1) == expected[1]  # no staged copy: the input, replayed


@given(
    st.lists(st.lists(st.integers(0, 40), max_size=12), max_size=30),
    st.sets(st.integers(0, 40), max_size=8),
)
def test_a_sites_pages_are_checked_at_once_as_one_by_one(
    pages: list[list[int]], template_lines: set[int]
) -> None:
    """Pass 2 asks every page whether its site's templates change it, a site at once."""
    verdicts = [
        replay.Verdicts(bytes(len(lines)), 0, packed(np.array(lines, np.uint64))) for lines in pages
    ]
    templates = frozenset(template_lines)
    expected = [replay.unchanged_by(v, templates) for v in verdicts]
    assert replay.unchanged_by_each(verdicts, templates) == expected


def test_pass_one_is_rebuilt_from_the_text_it_staged() -> None:
    """Pass 2 rebuilds a cluster member from its staged text, verdicts and removals: the
    same ``Stripped`` as stripping the page again, whatever rules it lost lines to."""
    pages = [
        path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
    ]
    pages += ["Go back\n\n\nA river rose.\n\nDSC_8507.JPG\n\n", "\n\nOnly text.\n", "", "Go back\n"]
    for config in (SETTINGS, Settings(jobs=1, disable=("extra-blank-line",))):
        for n, text in enumerate(pages):
            page = rules.strip_and_fingerprint(str(n), text, config)
            stripped = page.stripped
            verdicts = replay.Verdicts(
                bytes(replay._CODES[v] if v else 0 for v in page.verdicts), 0, page.seen
            )
            rebuilt = replay.from_staged(str(n), stripped.text, verdicts, stripped.removals)
            if stripped.text or not stripped.kept:
                assert rebuilt == stripped
            else:  # one kept empty line reads back as no line: the page is read again
                assert rebuilt is None


def test_from_staged_refuses_what_does_not_fit() -> None:
    verdicts = replay.Verdicts(bytes([0, 3, 0]), 0, b"")
    removal = rules.strip_page("x", "a\nGo back\nb\n", SETTINGS).removals
    assert replay.from_staged("x", "a\nb", verdicts, removal) is not None
    assert replay.from_staged("x", "a\nb\nc", verdicts, removal) is None  # a line too many
    assert replay.from_staged("x", "a\nb", verdicts, ()) is None  # a removal missing


def test_pass_two_merges_what_pass_one_read(tmp_path: Path) -> None:
    """A cluster member changed on disk after pass 1 is merged as pass 1 read it, as a
    settled page is written as pass 1 read it: the source is not read again."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    story = "\n\n".join(
        f"Paragraph {k} of the story about the river and the old town walls." for k in range(6)
    )
    (src / "a.txt").write_text(f"Go back\n\n{story}\n")
    (src / "b.txt").write_text(f"{story}\n\nA line only b has, at its end, about the bridge.\n")
    real_finish = pipeline.finish

    def finish_after_an_edit(*args: Any, **kwargs: Any) -> Any:
        (src / "b.txt").write_text("Changed after pass 1.\n")
        return real_finish(*args, **kwargs)

    with patch.object(pipeline, "finish", finish_after_an_edit):
        run = pipeline.clean(src, out, Settings(jobs=1))
    assert run.clusters == 1
    merged = (
        (out / "a.txt").read_text() if (out / "a.txt").exists() else (out / "b.txt").read_text()
    )
    assert "only b has" in merged and "Changed after pass 1" not in merged
