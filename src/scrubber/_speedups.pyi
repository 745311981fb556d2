"""Types of the C module ``scrubber._speedups`` (``_speedups.c``; built with the wheel)."""

from collections.abc import Callable

from scrubber.rules.text import LineFacts

FOLD_LIMIT: int

def fingerprint_facts(
    facts: list[LineFacts], keep: list[bool] | None, /
) -> tuple[bytes, bytes, bytes, bytes, int]: ...
def fingerprint_keys(keys: list[str], /) -> bytes: ...
def configure(
    decoration: str,
    closers: str,
    terminals: str,
    is_normalized: Callable[..., bool],
    fold_special: str,
    unspaced_ranges: tuple[tuple[int, int], ...],
    /,
) -> None: ...
def line_facts(
    cls: type[LineFacts], raw: str, plain: bool, label_words: int, /
) -> LineFacts | None: ...
def text_checksum(text: str, /) -> int: ...
def configure_chrome(
    long_line_words: int,
    most_words: int,
    cookie_words: tuple[str, ...],
    phrase_labels: frozenset[str],
    stamp_prefixes: dict[str, tuple[str, ...]],
    prefixes: dict[str, tuple[str, ...]],
    trigger_words: tuple[tuple[str, ...], ...],
    /,
) -> None: ...
def may_be_chrome(facts: LineFacts, /) -> bool: ...
def judge_lines(
    raw: list[str],
    plain: bool,
    verdicts: list[str | None],
    known: dict[str, tuple[LineFacts, str | None]],
    cls: type[LineFacts],
    computed: Callable[[str, bool], LineFacts],
    judge: Callable[[LineFacts], str | None],
    blank: str | None,
    label_words: int,
    remember_chars: int,
    remember_lines: int,
    keys: list[str | None] | None,
    /,
) -> dict[int, LineFacts]: ...
