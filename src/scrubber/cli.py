"""The command line: parse, call one library function, render the result with rich.

Library errors become one clear message and the exit code of DESIGN.md:
0 ok · 1 --check found something / a fixer changed files · 2 usage or configuration ·
3 some inputs failed (the rest were processed) · 4 internal error.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape as rich_escape

from scrubber import __version__, pipeline
from scrubber.config import Settings, find_config, load_settings, validate
from scrubber.errors import ExitCode, ScrubberError
from scrubber.model import InputFailure
from scrubber.terminal import ProgressDisplay, render_dupes, render_rules

F = TypeVar("F", bound=Callable[..., Any])

THRESHOLD_HELP = (
    "Story similarity in [0, 1] (default 0.8): the share of each document's sentences that "
    "have a counterpart in the other, matched by shared names, numbers and rare words (so "
    "translations count), the shorter document counted twice. Translations and edited, "
    "truncated or re-wrapped copies score 0.85-1.0; different articles on the same topic "
    "score below 0.65. See README 'What the similarity means'."
)


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def handle_errors(func: F) -> F:
    """Turn ScrubberErrors into messages and exit codes; anything else into exit 4."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return func(*args, **kwargs)
        except ScrubberError as exc:
            err_console().print(f"[bold red]scrubber: error:[/] {escape(str(exc))}")
            sys.exit(int(exc.exit_code))
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:
            if debug:
                traceback.print_exc()
                sys.exit(int(ExitCode.INTERNAL))
            where = _save_traceback()
            err_console().print(
                f"[bold red]scrubber: internal error:[/] {escape(type(exc).__name__)}: "
                f"{escape(str(exc))} (traceback in {where}; rerun with --debug to see it)"
            )
            sys.exit(int(ExitCode.INTERNAL))

    return wrapper  # type: ignore[return-value]


# Control characters (a newline, a terminal escape sequence) and bidirectional overrides in a
# file name must not break the one line per message, nor reach the terminal as commands.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Text from the corpus (file names, ids) made safe to print as one line of rich markup."""
    return rich_escape(_UNPRINTABLE.sub(_escaped, text))


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _save_traceback() -> str:
    handle, path = tempfile.mkstemp(prefix="scrubber-crash-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        traceback.print_exc(file=out)
    return path


def settings_for(paths: Sequence[str], config: str | None, **flags: Any) -> Settings:
    """File settings (``--config``, or the nearest scrubber.toml / [tool.scrubber]) + flags."""
    source = Path(config) if config else find_config(Path(paths[0]) if paths else Path.cwd())
    settings = load_settings(source).with_overrides(**flags)
    validate(settings, "command line")
    return settings


def report_failures(failures: Sequence[InputFailure]) -> None:
    """One line per failed input: its name (as in the manifest) and what is wrong."""
    console = err_console()
    for failure in failures:
        console.print(
            f"[yellow]scrubber: skipped[/] {escape(failure.doc_id)}: {escape(failure.reason)}"
        )


common_options = [
    click.option(
        "--config",
        type=click.Path(dir_okay=False),
        help="Settings file (default: the nearest scrubber.toml or pyproject.toml with [tool.scrubber]).",
    ),
    click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=0),
        default=None,
        help="Worker processes (default: all cores).",
    ),
    click.option("--quiet", "-q", is_flag=True, help="No progress bars."),
]


def rule_options(func: F) -> F:
    """--profile and --disable, shared by the commands that strip boilerplate."""
    func = click.option(
        "--disable",
        multiple=True,
        metavar="RULE",
        help="Switch a rule off (repeatable; see `scrubber rules`).",
    )(func)
    return click.option(
        "--profile",
        type=click.Choice(["default", "aggressive"]),
        default=None,
        help="Rule profile (default: content first).",
    )(func)


def with_common(func: F) -> F:
    for option in reversed(common_options):
        func = option(func)
    return func


def with_cache(func: F) -> F:
    """``--cache`` / ``--cache-file``: keep pass 1's results in the corpus index."""
    func = click.option(
        "--cache-file",
        type=click.Path(dir_okay=False),
        default=None,
        help="The index file to use (implies --cache).",
    )(func)
    return click.option(
        "--cache",
        is_flag=True,
        help="Keep signatures in an index (.scrubber/index.sqlite under the first input "
        "directory; shared with the pre-commit hooks): only new or changed documents are "
        "read again, with the same results.",
    )(func)


def with_engine(func: F) -> F:
    """``--engine`` / ``--address``: where deduplication runs (this machine, or a Ray cluster)."""
    func = click.option(
        "--address",
        metavar="ADDR",
        default=None,
        help="Ray cluster to run on: 'auto' (the one `ray start --head` started on this "
        "machine) or the HOST:PORT of a cluster's head. Implies --engine ray.",
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["local", "ray"]),
        default=None,
        help="Where near-duplicate detection runs: 'local' (default: this machine's cores) or "
        "'ray' (a Ray cluster; needs pip install 'scrubber[ray]'). Same clusters either way.",
    )(func)


def engine_flags(engine: str | None, address: str | None) -> dict[str, Any]:
    """The settings for --engine / --address (an address alone means the Ray engine)."""
    return {"engine": engine or ("ray" if address else None), "address": address}


def cache_path(first: str, cache: bool, cache_file: str | None) -> Path | None:
    from scrubber.index import default_path

    if cache_file:
        return Path(cache_file)
    return default_path(Path(first)) if cache else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scrubber")
@click.option("--debug", is_flag=True, help="Show full tracebacks of internal errors.")
def main(debug: bool) -> None:
    """Clean and deduplicate scraped text corpora.

    \b
      scrubber clean SRC OUT              strip boilerplate, merge near-duplicates, write a report
      scrubber dupes [PATH...]            list near-duplicate clusters
      scrubber rules                      list the boilerplate rules
      scrubber strip FILE...              remove boilerplate in place (pre-commit hook)
      scrubber explain FILE               each line kept, or removed and by which rule
      scrubber diff A B                   similarity and aligned paragraphs of two documents
    """


@main.command()
@click.argument("src", type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--threshold", "-t", type=click.FloatRange(0, 1), default=None, help=THRESHOLD_HELP)
@click.option(
    "--no-merge",
    is_flag=True,
    help="Strip only: every input gets its own output (duplicates are still reported).",
)
@click.option(
    "--aggressive",
    is_flag=True,
    help="Remove more boilerplate at some risk to short content lines.",
)
@rule_options
@click.option("--no-templates", is_flag=True, help="Do not learn site templates across documents.")
@click.option("--force", is_flag=True, help="Write into a non-empty output directory.")
@with_cache
@with_engine
@with_common
@handle_errors
def clean(
    src: str,
    out: str,
    threshold: float | None,
    no_merge: bool,
    aggressive: bool,
    profile: str | None,
    disable: tuple[str, ...],
    no_templates: bool,
    force: bool,
    cache: bool,
    cache_file: str | None,
    engine: str | None,
    address: str | None,
    config: str | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Strip boilerplate from SRC, merge near-duplicates, write OUT.

    OUT gets one cleaned document per kept document (same relative path, or documents.jsonl
    for JSON Lines input), manifest.jsonl (what became of every input), report.json and
    report.html (every removed line with its rule, every cluster with its diff).
    """
    from scrubber.rules import check_rule_names

    check_rule_names(disable)
    settings = settings_for(
        [src],
        config,
        threshold=threshold,
        jobs=jobs,
        profile="aggressive" if aggressive else profile,
        merge=False if no_merge else None,
        templates=False if no_templates else None,
        disable=disable or None,
        **engine_flags(engine, address),
    )
    with ProgressDisplay(err_console(), enabled=not quiet) as display:
        run = pipeline.clean(
            Path(src),
            Path(out),
            settings,
            display.callback,
            force=force,
            cache=cache_path(src, cache, cache_file),
        )
    report_failures(run.failures)
    err_console().print(
        f"scrubber: {run.documents_in} documents in, {run.documents_out} out, "
        f"{run.clusters} clusters, {run.lines_removed} lines removed -> {escape(out)}"
    )
    sys.exit(int(run.exit_code))


class InputPath(click.Path):
    """An existing path, or a URL (``s3://...``, ``gs://...``) that the Ray engine reads with
    fsspec (the local engine refuses URLs with a usage error)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "://" in value:
            return value
        return super().convert(value, param, ctx)


@main.command()
@click.argument("paths", nargs=-1, type=InputPath(exists=True))
@click.option("--threshold", "-t", type=click.FloatRange(0, 1), default=None, help=THRESHOLD_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--check", is_flag=True, help="Exit 1 when near-duplicates exist.")
@with_cache
@with_engine
@with_common
@handle_errors
def dupes(
    paths: tuple[str, ...],
    threshold: float | None,
    fmt: str,
    check: bool,
    cache: bool,
    cache_file: str | None,
    engine: str | None,
    address: str | None,
    config: str | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """List clusters of near-duplicate documents under PATHS (default: the current directory)."""
    targets = list(paths) or ["."]
    settings = settings_for(
        targets, config, threshold=threshold, jobs=jobs, **engine_flags(engine, address)
    )
    with ProgressDisplay(err_console(), enabled=not quiet) as display:
        result = pipeline.find_dupes(
            targets, settings, display.callback, cache=cache_path(targets[0], cache, cache_file)
        )
    report_failures(result.failures)
    render_dupes(result, fmt, Console(highlight=False, soft_wrap=True))
    if result.failures:
        sys.exit(int(ExitCode.INPUT_FAILED))
    if check and result.clusters:
        sys.exit(int(ExitCode.FOUND))


@main.command(
    "strip",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def strip_command(args: tuple[str, ...]) -> None:
    """Remove boilerplate from FILES in place (the scrubber-strip pre-commit hook).

    \b
    scrubber strip FILE... [--check] [--diff] [--no-templates] [--corpus DIR]
    (scrubber strip --help for all options)
    """
    from scrubber.hooks import strip

    sys.exit(strip.main(list(args), prog="scrubber strip"))


@main.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@handle_errors
def rules_command(fmt: str) -> None:
    """List the boilerplate rules with their explanations."""
    from scrubber.rules import list_rules

    render_rules(list_rules(), fmt, Console(highlight=False, soft_wrap=True))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Also apply the site templates learned from this directory, as `clean` "
    "would (FILE should be one of its documents).",
)
@rule_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@with_common
@handle_errors
def explain(
    file: str,
    corpus: str | None,
    profile: str | None,
    disable: tuple[str, ...],
    fmt: str,
    config: str | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Show FILE line by line: kept, or removed and by which rule.

    Colours on a terminal; plain lines ("-" marks a removed line, its rule in brackets)
    when piped or with NO_COLOR.
    """
    from scrubber.explain import explain_file
    from scrubber.rules import check_rule_names
    from scrubber.terminal import render_explanation

    check_rule_names(disable)
    settings = settings_for(
        [corpus or file], config, jobs=jobs, profile=profile, disable=disable or None
    )
    with ProgressDisplay(err_console(), enabled=not quiet) as display:
        explanation = explain_file(file, settings, corpus, display.callback)
    report_failures(explanation.failures)
    render_explanation(explanation, fmt, Console(highlight=False, soft_wrap=True))
    if explanation.failures:
        sys.exit(int(ExitCode.INPUT_FAILED))


@main.command("diff")
@click.argument("a", type=click.Path(exists=True, dir_okay=False))
@click.argument("b", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--raw",
    is_flag=True,
    help="Compare the files as they are (default: after boilerplate removal, as "
    "near-duplicate detection sees them).",
)
@click.option("--threshold", "-t", type=click.FloatRange(0, 1), default=None, help=THRESHOLD_HELP)
@click.option("--config", type=click.Path(dir_okay=False), help="Settings file.")
@handle_errors
def diff_command(a: str, b: str, raw: bool, threshold: float | None, config: str | None) -> None:
    """Compare two documents: their similarity and their aligned paragraphs, word by word."""
    from scrubber.explain import diff_documents
    from scrubber.terminal import render_diff

    settings = settings_for([a], config, threshold=threshold)
    render_diff(diff_documents(a, b, settings, raw=raw), Console(highlight=False, soft_wrap=True))
