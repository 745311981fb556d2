"""iter_refs: order, names, sites, globs, several roots, and hostile directory trees."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber.config import DEFAULT_GLOBS
from scrubber.errors import UsageError
from scrubber.io import iter_refs
from scrubber.io.discover import matches
from scrubber.model import DocRef, InputFailure
from tests.unprivileged import as_nobody, open_up, world_tmp


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def refs(*paths: Path | str, globs: tuple[str, ...] = DEFAULT_GLOBS) -> list[DocRef]:
    found = list(iter_refs([str(p) for p in paths], globs))
    assert all(isinstance(item, DocRef) for item in found), found
    return [item for item in found if isinstance(item, DocRef)]


def failures(*paths: Path | str) -> dict[str, str]:
    found = list(iter_refs([str(p) for p in paths], DEFAULT_GLOBS))
    return {item.doc_id: item.reason for item in found if isinstance(item, InputFailure)}


def test_directory_order_ids_and_sites(tmp_path: Path) -> None:
    corpus = make_tree(
        tmp_path / "corpus",
        {
            "top.md": "t",
            "news/b.txt": "b",
            "news/a.txt": "a",
            "news/2024/x.txt": "x",
            "news-archive/old.txt": "o",
            "Z.txt": "z",
            "notes.csv": "skipped by the globs",
        },
    )
    found = refs(corpus)
    ids = [ref.doc_id for ref in found]
    assert ids == sorted(ids)
    assert ids == [
        "Z.txt",
        "news-archive/old.txt",
        "news/2024/x.txt",
        "news/a.txt",
        "news/b.txt",
        "top.md",
    ]
    assert {ref.doc_id: ref.site for ref in found}["news/2024/x.txt"] == "news/2024"
    assert {ref.doc_id: ref.site for ref in found}["top.md"] == ""
    news_a = next(ref for ref in found if ref.doc_id == "news/a.txt")
    assert Path(news_a.path).read_text() == "a"
    assert (news_a.kind, news_a.member, news_a.offset, news_a.line_no) == ("text", None, -1, 0)


def test_order_is_stable_across_runs(tmp_path: Path) -> None:
    corpus = make_tree(tmp_path / "c", {f"d{i % 3}/f{i}.txt": "x" for i in range(30)})
    assert refs(corpus) == refs(corpus)


def test_globs_select_by_file_name_ignoring_case(tmp_path: Path) -> None:
    corpus = make_tree(tmp_path / "c", {"a.TXT": "", "b.md": "", "sub/c.txt": "", "d.html": ""})
    assert [r.doc_id for r in refs(corpus, globs=("*.txt",))] == ["a.TXT", "sub/c.txt"]
    assert [r.doc_id for r in refs(corpus, globs=("*.html", "b.*"))] == ["b.md", "d.html"]
    assert refs(corpus, globs=()) == []


def test_hidden_directories_are_skipped(tmp_path: Path) -> None:
    corpus = make_tree(
        tmp_path / "c", {".git/x.txt": "", ".scrubber/cache.txt": "", "a.txt": "", ".note.txt": ""}
    )
    assert [r.doc_id for r in refs(corpus)] == [".note.txt", "a.txt"]


def test_single_file_is_named_by_its_file_name(tmp_path: Path) -> None:
    make_tree(tmp_path, {"deep/dir/page.html": "x"})
    (found,) = refs(tmp_path / "deep" / "dir" / "page.html")  # given directly: no glob applies
    assert (found.doc_id, found.site, found.path) == (
        "page.html",
        "",
        str(tmp_path / "deep/dir/page.html"),
    )


def test_several_paths_prefix_ids_with_base_names(tmp_path: Path) -> None:
    make_tree(tmp_path, {"siteA/news/a.txt": "", "siteB/news/a.txt": "", "single.txt": ""})
    found = refs(tmp_path / "siteA", tmp_path / "siteB", tmp_path / "single.txt")
    assert [(r.doc_id, r.site) for r in found] == [
        ("siteA/news/a.txt", "siteA/news"),
        ("siteB/news/a.txt", "siteB/news"),
        ("single.txt", str(tmp_path).replace(os.sep, "/")),  # a file given directly
    ]


def test_same_base_names_are_told_apart(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/x/doc.txt": "", "b/x/doc.txt": ""})
    ids = [r.doc_id for r in refs(tmp_path / "a" / "x", tmp_path / "b" / "x")]
    assert ids == ["a/x/doc.txt", "b/x/doc.txt"]


def test_the_same_path_twice_is_read_once(tmp_path: Path) -> None:
    corpus = make_tree(tmp_path / "c", {"a.txt": ""})
    assert [r.doc_id for r in refs(corpus, str(corpus) + "/")] == ["a.txt"]


def test_missing_path_is_a_usage_error_before_anything_is_read(tmp_path: Path) -> None:
    make_tree(tmp_path, {"ok/a.txt": ""})
    with pytest.raises(UsageError, match="nope"):
        iter_refs([str(tmp_path / "ok"), str(tmp_path / "nope")], DEFAULT_GLOBS)  # no next()
    with pytest.raises(UsageError):
        iter_refs([], DEFAULT_GLOBS)
    os.symlink(tmp_path / "gone", tmp_path / "link")
    with pytest.raises(UsageError, match="link"):
        iter_refs([str(tmp_path / "link")], DEFAULT_GLOBS)


def test_dangling_symlink_and_symlink_loop_are_failures(tmp_path: Path) -> None:
    corpus = make_tree(tmp_path / "c", {"a.txt": "a"})
    os.symlink(corpus / "missing.txt", corpus / "dangling.txt")
    os.symlink("loop.txt", corpus / "loop.txt")
    os.symlink("a.txt", corpus / "alias.txt")  # a good link to a file is followed
    assert failures(corpus).keys() == {"dangling.txt", "loop.txt"}
    assert "dangling symlink" in failures(corpus)["dangling.txt"]
    assert "loop" in failures(corpus)["loop.txt"]
    good = [i.doc_id for i in iter_refs([str(corpus)], DEFAULT_GLOBS) if isinstance(i, DocRef)]
    assert good == ["a.txt", "alias.txt"]


def test_directory_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    corpus = make_tree(tmp_path / "c", {"sub/a.txt": "a"})
    os.symlink("..", corpus / "sub" / "up")
    os.symlink(".", corpus / "self")
    found = list(iter_refs([str(corpus)], DEFAULT_GLOBS))
    assert [i.doc_id for i in found if isinstance(i, DocRef)] == ["sub/a.txt"]
    assert set(failures(corpus)) == {"self", "sub/up"}


def test_fifo_is_a_failure_not_a_hang(tmp_path: Path) -> None:
    corpus = make_tree(tmp_path / "c", {"a.txt": ""})
    os.mkfifo(corpus / "pipe.txt")
    assert "not a regular file" in failures(corpus)["pipe.txt"]
    found = list(iter_refs([str(corpus / "pipe.txt")], DEFAULT_GLOBS))
    assert isinstance(found[0], InputFailure)


def test_undecodable_names_are_failures_with_printable_ids(tmp_path: Path) -> None:
    corpus = make_tree(tmp_path / "c", {"ok.txt": ""})
    base = os.fsencode(corpus)
    try:
        with open(base + b"/bad\xff.txt", "wb") as handle:
            handle.write(b"x")
        os.mkdir(base + b"/dir\xfe")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    with open(base + b"/dir\xfe/inner.txt", "wb") as handle:
        handle.write(b"x")
    found = failures(corpus)
    assert set(found) == {"bad\\xff.txt", "dir\\xfe"}
    for doc_id in found:
        doc_id.encode("utf-8")  # printable and writable as UTF-8


def test_unreadable_directory_is_a_failure() -> None:
    # As root (here and in CI) the walk runs as nobody: root lists a directory of mode 000.
    with world_tmp() as base:
        corpus = make_tree(base / "c", {"locked/a.txt": "", "open/b.txt": ""})
        open_up(corpus)
        (corpus / "locked").chmod(0)
        with as_nobody():
            found = list(iter_refs([str(corpus)], DEFAULT_GLOBS))
        assert [item.doc_id for item in found if isinstance(item, DocRef)] == ["open/b.txt"]
        (failure,) = [item for item in found if isinstance(item, InputFailure)]
        assert failure.doc_id == "locked"
        assert "cannot list this directory: permission denied" in failure.reason


def test_deep_trees_do_not_hit_the_recursion_limit(tmp_path: Path) -> None:
    deep = str(tmp_path / "c")
    os.mkdir(deep)
    for _ in range(1100):  # os.makedirs and Path.mkdir(parents=True) recurse themselves
        deep += "/d"
        os.mkdir(deep)
    Path(deep, "bottom.txt").write_text("x")
    try:
        (found,) = refs(tmp_path / "c")
        assert found.doc_id.endswith("d/bottom.txt")
        assert found.doc_id.count("/") == 1100
    finally:  # shutil.rmtree (pytest's clean-up) recurses too: undo the tree bottom-up
        os.unlink(Path(deep, "bottom.txt"))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


_GLOB_PARTS = st.sampled_from(["*", "?", "a", "B", ".", "txt", "[ab]", "[!x]", "-", "é", "\\"])
_NAME_PARTS = st.sampled_from(["a", "b", "B", ".", "txt", "TXT", "x", "-", "é", "É", "\\", "["])


@given(
    name=st.lists(_NAME_PARTS, max_size=6).map("".join),
    globs=st.lists(st.lists(_GLOB_PARTS, max_size=5).map("".join), max_size=4),
)
def test_matching_names_against_globs_is_fnmatch_ignoring_case(name: str, globs: list[str]) -> None:
    """Discovery matches each file name against all globs in one compiled pattern; it must
    say what ``fnmatch`` says of the lower-cased name and each lower-case glob."""
    lowered = tuple(glob.lower() for glob in globs)
    expected = any(fnmatch.fnmatchcase(name.lower(), glob) for glob in lowered)
    assert matches(name, lowered) is expected
