"""Date and time stamps in the languages the rules cover, as regular expressions.

Listing pages and article headers print a stamp on a line of its own (``26.07.2024``,
``2024-07-26``, ``14:05``, ``Donnerstag, 31. Mai 2012``, ``July 26, 2024 at 2:05 pm``), and
headline links repeat the headline with the stamp glued on (``... Conference 14.09.2020``).
``DATE_LINE`` matches a line that is only a stamp (with an optional "Posted on"-style label);
``TRAILING_DATE`` finds a stamp at the end of a line. A place before the date
(``Vienna, June 23, 2020``) is a dateline: content, never matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

_MONTHS = (
    # English (full and abbreviated)
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    # German
    "januar jänner februar märz mai juni juli oktober dezember mär okt dez "
    # French
    "janvier février mars avril juin juillet août septembre octobre novembre décembre "
    "janv févr avr juil déc "
    # Spanish
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre "
    "noviembre diciembre ene abr ago dic "
    # Russian (nominative and genitive)
    "январь января февраль февраля март марта апрель апреля май мая июнь июня июль июля "
    "август августа сентябрь сентября октябрь октября ноябрь ноября декабрь декабря "
    # Polish (nominative and genitive, with and without diacritics)
    "styczeń styczen stycznia luty lutego marzec marca kwiecień kwiecien kwietnia maj maja "
    "czerwiec czerwca lipiec lipca sierpień sierpien sierpnia wrzesień wrzesien września "
    "wrzesnia październik pazdziernik października pazdziernika listopad listopada grudzień "
    "grudzien grudnia "
    # Italian, Dutch, Portuguese
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre januari "
    "februari maart mei augustus janeiro fevereiro março maio junho julho setembro "
    "outubro novembro dezembro"
)
_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur "
    "thurs fri sat sun montag dienstag mittwoch donnerstag freitag samstag sonnabend "
    "sonntag mo di mi do fr sa so lundi mardi mercredi jeudi vendredi samedi dimanche "
    "lunes martes miércoles jueves viernes sábado domingo понедельник вторник среда "
    "четверг пятница суббота воскресенье пн вт ср чт пт сб вс poniedziałek wtorek środa "
    "czwartek piątek sobota niedziela lunedì martedì mercoledì giovedì venerdì sabato "
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag segunda-feira terça-feira "
    "quarta-feira quinta-feira sexta-feira"
)


def one_of(words: Iterable[str]) -> str:
    """A regular expression for exactly one of ``words``, written as a prefix tree.

    ``may|mai|march`` and ``ma(?:y|i|rch)`` match the same strings, but the tree fails on
    the first character that fits no word instead of trying every word in turn: the month
    and weekday lists are tried at every space of a line's tail.
    """
    tree: dict[str, dict[str, Any]] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict[str, Any]) -> str:
        branches = [
            re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char
        ]
        if not branches:
            return ""
        ends = "" in node
        if len(branches) == 1 and not ends:
            return branches[0]
        return f"(?:{'|'.join(branches)})" + ("?" if ends else "")

    return pattern(tree)


_MONTH = rf"(?:{one_of(_MONTHS.split())})\.?"
_NUMERIC = (
    r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}\.\d{1,2}\."
)
_TEXTUAL = (
    rf"\d{{1,2}}\.?(?:\s+de)?\s+{_MONTH}(?:\s+(?:de\s+)?\d{{4}}(?:\s*(?:г\.?|года|r\.?))?)?"
    rf"|{_MONTH}\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?|\d{{4}})"
)
_ZONE = r"(?:\s*(?:am|pm|a\.m\.|p\.m\.|uhr|h|hs|hrs|utc|gmt|cet|cest|msk))"
_TIME = rf"\d{{1,2}}:\d{{2}}(?::\d{{2}})?{_ZONE}?|\d{{1,2}}h\d{{2}}|\d{{1,2}}\.\d{{2}}\s*uhr"
_STAMP = rf"(?:{_NUMERIC}|{_TEXTUAL}|{_TIME})"
_JOIN = r"(?:\s*[,|/•·–—-]\s*|\s+(?:at|um|à|a las|в|o|alle|om|às)\s+|\s+)"
_WEEKDAY = rf"(?:(?:{one_of(_WEEKDAYS.split())})\.?,?\s+)"
_LABELS = (
    "posted|published|updated|last updated|modified|created|date|posted on|published on|"
    "updated on|veröffentlicht|veröffentlicht am|aktualisiert|aktualisiert am|erstellt am|"
    "stand|datum|vom|am|on|le|el|publié le|mis à jour le|publicado|publicado el|"
    "actualizado|опубликовано|обновлено|дата|opublikowano|aktualizacja|data|dodano"
)
_LABEL = rf"(?:(?:{one_of(_LABELS.split('|'))})\s*:?\s+)"
# A relative stamp: "2 hours ago", "vor 3 Tagen", "il y a 5 min", "hace 2 horas".
_RELATIVE = (
    r"(?:vor|il y a|hace)\s+\d+\s+\w+|\d+\s+\w+\s+(?:ago|назад|temu|fa|geleden|atrás)"
    r"|(?:today|yesterday|heute|gestern|aujourd'hui|hier|hoy|ayer|сегодня|вчера|dzisiaj|wczoraj)"
    rf"(?:{_JOIN}{_TIME})?"
)
_SEQUENCE = rf"{_WEEKDAY}?{_STAMP}(?:{_JOIN}{_WEEKDAY}?{_STAMP}){{0,3}}"

DATE_LINE = re.compile(
    rf"[\[(]?{_LABEL}?(?:{_SEQUENCE}|{_RELATIVE})[\])]?\.?",
    re.IGNORECASE,
)
TRAILING_DATE = re.compile(
    rf"(?:\s*[,|–—-]\s*|\s+)\(?{_WEEKDAY}?{_STAMP}(?:{_JOIN}{_TIME})?\)?\.?$", re.IGNORECASE
)
# "Vienna, June 23, 2020": a place, a comma, a date. It opens a report: content.
DATELINE = re.compile(rf"\(?[^\W\d_][\w.' -]{{1,40}},\s+{_STAMP}\)?", re.IGNORECASE)
_TAIL_CHARS = 64
_DIGIT = re.compile(r"\d")
DAY_WORDS = (  # the words of a relative stamp a line can start with
    "today",
    "yesterday",
    "heute",
    "gestern",
    "aujourd",
    "hier",
    "hoy",
    "ayer",
    "сегодня",
    "вчера",
    "dzisiaj",
    "wczoraj",
)


def is_date_line(text: str, key: str = "") -> bool:
    """True when the cleaned line (``key``: its case-folded form) is only a date/time stamp."""
    if _DIGIT.search(text) is None and not (key or text.casefold()).startswith(DAY_WORDS):
        return False
    return DATE_LINE.fullmatch(text) is not None


def is_dateline(text: str) -> bool:
    """True for a place followed by a date ("Vienna, June 23, 2020"), the opening of a report."""
    if "," not in text or _DIGIT.search(text) is None:
        return False
    return DATELINE.fullmatch(text) is not None and not is_date_line(text)


def may_end_with_date(text: str) -> bool:
    """Quick pre-check for ``strip_trailing_date``: False when it returns the line unchanged."""
    return _DIGIT.search(text, len(text) - 6) is not None


def ends_near_digits(texts: Sequence[str]) -> list[int]:
    """The positions of the texts for which ``may_end_with_date`` holds, found at once."""
    search = _DIGIT.search
    return [p for p, text in enumerate(texts) if search(text, len(text) - 6)]


@lru_cache(maxsize=4096)
def strip_trailing_date(text: str) -> str:
    """The line without a date stamp glued to its end (``Title 30.10.2019`` -> ``Title``)."""
    if not may_end_with_date(text):
        return text
    tail = text[-_TAIL_CHARS:]  # a stamp is short: never scan the whole line
    match = TRAILING_DATE.search(tail)
    if match is None:
        return text
    start = len(text) - len(tail) + match.start()
    return text[:start] if start > 0 else text
