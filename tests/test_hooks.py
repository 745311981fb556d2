"""The hooks' ``main(argv)`` in temporary git repositories (the real pre-commit runs them in
tests/test_hooks_precommit.py): what the fixer rewrites and prints, what the check names."""

from __future__ import annotations

import codecs
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrubber.cli import main as cli
from scrubber.hooks import dupes, strip
from tests.conftest import SEEDS, seed_name, tree_digest

BODY = (
    "The council met on Monday to discuss the budget for the city schools and the roads.\n"
    "Members agreed to fund three projects over the next two years, starting in spring.\n"
)
FOOTER = (
    "Editor in chief: Jane Doe, The Example Herald, 12 Mill Road, Valley Town\n"
    "Printed by Valley Press Ltd for the Example Herald Company of the valley\n"
)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SEEDS, root / "news")
    git(root, "init", "-q")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "test")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "seeds")
    monkeypatch.chdir(root)
    monkeypatch.delenv("PRE_COMMIT_FROM_REF", raising=False)
    monkeypatch.delenv("PRE_COMMIT_TO_REF", raising=False)
    return root


def add(root: Path, name: str, data: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    git(root, "add", name)
    return path


def test_strip_fixes_a_file_once_and_names_the_rules(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add(repo, "news/new.txt", f"Go back\n{BODY}Back to the all news\n")
    assert strip.main(["news/new.txt"]) == 1
    assert path.read_text() == BODY
    assert capsys.readouterr().out == "Fixing news/new.txt: removed 2 lines (nav-phrase 2)\n"
    before = path.stat().st_mtime_ns
    assert strip.main(["news/new.txt"]) == 0
    assert path.stat().st_mtime_ns == before
    assert capsys.readouterr().out == ""


def test_check_and_diff_write_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = f"{BODY}Go back\n"
    path = add(repo, "news/new.txt", text)
    assert strip.main(["--check", "news/new.txt"]) == 1
    assert "Would fix news/new.txt: would remove 1 line (nav-phrase 1)" in capsys.readouterr().out
    assert strip.main(["--diff", "news/new.txt"]) == 0
    out = capsys.readouterr().out
    assert "+++ b/news/new.txt" in out and "\n-Go back\n" in out
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("encoding", "newline", "bom"),
    [
        ("utf-8", "\r\n", b""),
        ("utf-8", "\n", codecs.BOM_UTF8),
        ("cp1251", "\n", b""),
        ("utf-16-le", "\r\n", codecs.BOM_UTF16_LE),
    ],
)
def test_strip_keeps_encoding_bom_and_line_endings(
    repo: Path, encoding: str, newline: str, bom: bytes
) -> None:
    body = "Совет обсудил бюджет города на следующий год и утвердил три новых проекта для школ.\n"
    text = f"Go back\n{body}{BODY}"
    path = add(repo, "news/new.txt", bom + text.replace("\n", newline).encode(encoding))
    assert strip.main(["news/new.txt"]) == 1
    assert path.read_bytes() == bom + f"{body}{BODY}".replace("\n", newline).encode(encoding)


def test_a_file_that_does_not_round_trip_is_left_alone(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    russian = "Совет обсудил бюджет города на следующий год и утвердил три новых проекта.\n"
    data = f"Go back\n{russian * 3}".encode() + b"a broken byte: \xff\n"
    path = add(repo, "news/new.txt", data)
    assert strip.main(["news/new.txt"]) == 3
    assert path.read_bytes() == data
    assert "skipped news/new.txt: not rewritten" in capsys.readouterr().err


def test_site_templates_are_learned_from_the_repository(repo: Path) -> None:
    stories = [
        "The river rose by two metres after the storms of the week and flooded the lower town.",
        "The school board elected a new chair after a long debate about the budget for books.",
        "A local bakery won the regional prize for its rye bread, the third time in a decade.",
        "The old mill on the hill will become a museum of the valley's industry next summer.",
    ]
    for n, story in enumerate(stories):
        add(repo, f"herald/{n}.txt", f"{story}\n{FOOTER}")
    git(repo, "commit", "-q", "-m", "herald")
    story = "A fresh story: the bridge opened to traffic after two years of work on it.\n"
    path = add(repo, "herald/new.txt", story + FOOTER)
    other = add(repo, "herald/other.txt", "The town fair had more visitors than ever.\n" + FOOTER)
    assert strip.main(["--no-templates", "herald/other.txt"]) == 0
    assert strip.main(["herald/new.txt"]) == 1  # only this file is passed: the rest is the index
    assert path.read_text() == story
    assert other.read_text().endswith(FOOTER)


def test_files_outside_the_roots_are_not_documents(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "pyproject.toml").write_text('[tool.scrubber]\nroots = ["news"]\n')
    readme = add(repo, "README.md", f"Go back\n{BODY}")
    assert strip.main(["README.md"]) == 0
    assert readme.read_text().startswith("Go back")
    assert "not a document of the corpus" in capsys.readouterr().err


def test_dupes_names_a_staged_near_duplicate_and_never_edits(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (repo / "news" / seed_name("001")).read_text()
    add(repo, "news/copy.txt", "Go back\n" + original.replace("the", "a", 3))
    before = tree_digest(repo / "news")
    assert dupes.main([]) == 1
    out = capsys.readouterr().out
    assert f"news/{seed_name('001')} ~ news/copy.txt: near-duplicates" in out
    assert tree_digest(repo / "news") == before
    git(repo, "reset", "-q")
    assert dupes.main([]) == 0  # nothing staged: nothing new
    assert dupes.main(["news/copy.txt"]) == 1


def test_dupes_passes_an_unrelated_document(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(repo, "news/new.txt", BODY)
    assert dupes.main([]) == 0
    assert capsys.readouterr().out == ""


def test_dupes_warm_answers_equal_cold_answers(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for k, seed in enumerate(("000", "002", "004")):
        add(
            repo,
            f"news/copy{k}.txt",
            (repo / "news" / seed_name(seed)).read_text() + "One more line.\n",
        )
    answers = []
    for cache in ("warm", "warm", "cold1", "warm", "cold2"):
        assert dupes.main(["--cache-file", str(tmp_path / cache)]) == 1
        answers.append(capsys.readouterr().out)
    assert len(set(answers)) == 1
    assert answers[0].count("near-duplicates") == 4
    assert f"news/{seed_name('003')} ~ news/copy0.txt" in answers[0]  # 003 translates 000


def test_dupes_respects_roots_and_from_ref(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "pyproject.toml").write_text('[tool.scrubber]\nroots = ["corpus"]\n')
    shutil.move(repo / "news", repo / "corpus")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "move")
    base = git(repo, "rev-parse", "HEAD").strip()
    add(repo, "notes/copy.txt", (repo / "corpus" / seed_name("001")).read_text())
    assert dupes.main([]) == 0  # outside the roots
    add(repo, "corpus/copy.txt", (repo / "corpus" / seed_name("001")).read_text())
    git(repo, "commit", "-q", "-m", "copies")
    assert dupes.main([]) == 0  # committed: nothing staged
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    assert dupes.main([]) == 1


def test_dupes_outside_git_needs_a_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert dupes.main([]) == 2
    assert "--corpus" in capsys.readouterr().err
    assert dupes.main(["--corpus", "nowhere", "--all"]) == 2
    assert "--corpus must be a directory" in capsys.readouterr().err
    shutil.copytree(SEEDS, tmp_path / "seeds")
    assert dupes.main(["--corpus", "seeds", "--all"]) == 1


def test_scrubber_strip_is_a_command(repo: Path) -> None:
    path = add(repo, "news/new.txt", f"Go back\n{BODY}")
    result = CliRunner().invoke(cli, ["strip", "news/new.txt"])
    assert result.exit_code == 1
    assert path.read_text() == BODY
    assert "--check" in CliRunner().invoke(cli, ["strip", "--help"]).output


def test_dupes_reports_an_unreadable_staged_document(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(repo, "news/picture.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert dupes.main([]) == 3
    assert "skipped news/picture.txt: not text: a PNG image" in capsys.readouterr().err


def test_dupes_and_clean_take_the_cache(repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    plain = runner.invoke(cli, ["dupes", "news", "--format", "json", "-q"])
    cached = runner.invoke(cli, ["dupes", "news", "--format", "json", "-q", "--cache"])
    again = runner.invoke(cli, ["dupes", "news", "--format", "json", "-q", "--cache"])
    assert plain.exit_code == cached.exit_code == again.exit_code == 0, cached.output
    assert plain.output == cached.output == again.output
    assert (repo / "news" / ".scrubber" / "index.sqlite").is_file()
    index = tmp_path / "elsewhere.sqlite"
    out = tmp_path / "out"
    done = runner.invoke(cli, ["clean", "news", str(out), "-q", "--cache-file", str(index)])
    assert done.exit_code == 0, done.output
    assert index.is_file() and (out / "manifest.jsonl").is_file()
