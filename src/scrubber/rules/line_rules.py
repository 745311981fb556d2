"""Rules that judge one line on its own: the line is chrome whatever surrounds it.

Every check takes the line's ``LineFacts`` and answers for the *whole* line: a phrase list
entry must be all the line says (decoration aside), a pattern must match from start to end.
Cheap tests (word count, a character that must be present) run before any regex.
"""

from __future__ import annotations

import re

from scrubber.rules import phrases
from scrubber.rules.base import LineRule, line_rule
from scrubber.rules.dates import DAY_WORDS, is_date_line
from scrubber.rules.text import LineFacts, bare


def _bare_set(words: frozenset[str]) -> frozenset[str]:
    return frozenset(bare(word) for word in words) - {""}


_NAVIGATION = _bare_set(phrases.NAVIGATION)
_SHARING = _bare_set(phrases.SHARING)
_ACCOUNT = _bare_set(phrases.ACCOUNT)
_CONSENT = _bare_set(phrases.CONSENT_BUTTONS)
_FOOTER = _bare_set(phrases.FOOTER)


@line_rule("blank-line")
def blank_line(facts: LineFacts) -> bool:
    """A line made only of spaces, NBSPs, tabs or zero-width characters.

    HTML-to-text converters turn ``&nbsp;`` paragraphs, spacer cells and empty ``<p>``
    elements into lines that look empty but are not; they carry nothing. (Truly empty lines
    are paragraph separators and are handled by ``extra-blank-line``.)
    Removed: ``"\\u00a0"``, ``"   "``, ``"\\u200b"``. Kept: ``"."``.
    """
    return not facts.text


@line_rule("nav-phrase", max_words=8)
def nav_phrase(facts: LineFacts) -> bool:
    """A line that is only a navigation link: "Go back", "Read more", "Назад", "Zurück".

    Every page of a news site ends with the same links ("Go back", "Back to the section",
    "Back to the all news" on the seeds); text extraction keeps them as lines of their own.
    Matched in English, German, French, Spanish, Russian, Polish, Italian, Dutch and
    Portuguese, with arrows and chevrons around the label ignored.
    Removed: "Go back", "« Zurück", "Подробнее →". Kept: "Go back to the 1990s and you find".
    """
    return facts.label in _NAVIGATION


_MEDIA = re.compile(
    r"[\w().,+~\- ]{0,80}\.(?:jpe?g|jfif|png|gif|webp|heic|heif|avif|tiff?|bmp|svg|raw|cr2|nef"
    r"|mp4|m4v|mov|avi|mkv|webm|wmv|flv|mp3|m4a|wav|ogg|flac)"
    r"(?:\s*\(?\d+(?:[.,]\d+)?\s*[kmg]i?b\)?)?",
    re.IGNORECASE,
)


@line_rule("media-filename", max_words=6)
def media_filename(facts: LineFacts) -> bool:
    """A line that is only the file name of a photo, video or sound file.

    Gallery widgets and image captions without a caption leave the file name behind
    (``DSC_8507.JPG``, ``ZVF_8796.JPG``, ``IMG_0001.jpeg``). It says nothing to a reader.
    Removed: "DSC_8507.JPG", "IMG_0001.jpeg", "clip.mp4 (2.1 MB)". Kept: "See photo.jpg below".
    """
    return _may_be_media(facts.text) and _MEDIA.fullmatch(facts.text) is not None


def _may_be_media(text: str) -> bool:
    """Quick pre-check: a file name has a dot and ends with its extension or size."""
    return "." in text and (text[-1:].isalnum() or text[-1:] == ")")


@line_rule("date-stamp", max_words=10)
def date_stamp(facts: LineFacts) -> bool:
    """A line that is only a date and/or time stamp: "26.07.2024", "2024-07-26", "14:05".

    Listing pages and article headers print publication stamps on lines of their own.
    A dateline with a place ("Vienna, June 23, 2020") opens a story and is kept.
    Removed: "26.07.2024 14:05", "Donnerstag, 31. Mai 2012", "Posted on July 26, 2024".
    Kept: "Vienna, June 23, 2020", "In 2020".
    """
    return is_date_line(facts.text, facts.key)


_COUNTER_WORDS = (
    r"comments?|views?|likes?|shares?|replies|reply|responses?|reads?|votes?|followers?|"
    r"kommentare?|aufrufe|antworten|leser|gefällt mir|mal gelesen|mal geteilt|"
    r"commentaires?|vues|partages|comentarios?|vistas|visitas|lecturas|"
    r"просмотр\w*|комментари\w*|ответ\w*|лайк\w*|"
    r"komentarz\w*|wyświetle\w*|odsłon\w*|polubie\w*|odpowiedzi|"
    r"commenti|visualizzazioni|reacties|weergaven|comentários|visualizações"
)
_READING = (
    r"min(?:ute)?s?\.?\s+read|min(?:uten|\.)?\s+lesezeit|min(?:utes?)?\s+de\s+lect\w+|"
    r"мин\w*\s+чтения|minut\w*\s+czytania"
)
_COUNTER = re.compile(
    rf"\d[\d.,  ]*[km]?\s+(?:{_COUNTER_WORDS})"
    rf"|(?:{_COUNTER_WORDS})\s*:?\s*\(?\d[\d.,]*[km]?\)?"
    rf"|(?:no|keine|aucun|sin|нет|brak)\s+(?:{_COUNTER_WORDS})"
    rf"|(?:weiterlesen\s+|~\s*)?\d+\s*(?:{_READING})|(?:lesezeit|reading time)\s*:?\s*\d+\s*min\.?"
    r"|\d{1,4}|(?:\d{1,3}\s+){2,}\d{1,3}"
    r"|(?:page|seite|página|страница|strona)\s+\d+\s+(?:of|von|de|из|z)\s+\d+",
    re.IGNORECASE,
)
# A category, tag or archive link with its post count: "Konzerte (7)", "► Juni (15)".
_LABEL_COUNT = re.compile(
    r"(?:[^()\d\s][^()]{0,58}\s|[►▼▸▶»›•·-]\s*[^()]{1,58}?)\((?!1[5-9]\d\d\)|20\d\d\))\d{1,6}\)"
)


_DIGIT = re.compile(r"\d")
_COOKIE_WORDS = ("cookie", "ciasteczk", "куки")  # cookie-notice needs one of them
_NONE_WORDS = ("no ", "keine ", "aucun", "sin ", "нет ", "brak ")


@line_rule("counter", max_words=6)
def counter(facts: LineFacts) -> bool:
    """A line that is only a counter, a page number or a link with its post count.

    Blog and news templates print comment, view and reading-time counts next to every
    headline, page numbers under listings, and post counts after category and archive links.
    Removed: "12 comments", "Просмотров: 345", "5 min read", "1 2 3 4 5", "Konzerte (7)",
    "► Juni (15)". Kept: "12 comments were received.", "raise KeyError(1)".
    """
    key = facts.key
    if _DIGIT.search(key) is None and not key.startswith(_NONE_WORDS):
        return False
    if _COUNTER.fullmatch(facts.label) is not None:
        return True
    return key.endswith(")") and _LABEL_COUNT.fullmatch(key) is not None


@line_rule("cookie-notice", max_words=80)
def cookie_notice(facts: LineFacts) -> bool:
    """A cookie or consent banner line, or one of its buttons ("Accept all", "Ablehnen").

    Consent managers inject their banner into every page, often as the first or last text
    a scraper sees; its buttons become lines of their own.
    Removed: "We use cookies to improve your experience. By continuing you agree ...",
    "Alle akzeptieren". Kept: "Bake the cookies for 12 minutes."
    """
    if facts.words <= 4 and facts.label in _CONSENT:
        return True
    key = facts.key
    if "cookie" not in key and "ciasteczk" not in key and "куки" not in key:
        return False
    return _COOKIE_CONTEXT.search(key) is not None


_COOKIE_CONTEXT = re.compile(
    r"\b(?:we use|this (?:web)?site|our (?:web)?site|website|browser|consent|accept|agree|"
    r"policy|settings|preferences|privacy|tracking|analytics|third[- ]party|"
    r"webseite|website|verwende|nutzen|akzeptier|zustimm|einwillig|datenschutz|einstellung|"
    r"site|navigateur|accepte|consentement|utilis|sitio|navegador|acepta|utiliza|"
    r"сайт|использу|соглас|strona|stron|używa|zgod|akceptuj|przeglądar)",
)


@line_rule("share-print", max_words=6)
def share_print(facts: LineFacts) -> bool:
    """A share, print, e-mail or comment button, or a bare social-network name.

    Article templates surround the text with "Share", "Tweet", "Print", "Teilen",
    "Drucken", "Partager", "Поделиться", "Udostępnij" and a row of network names.
    Removed: "Share on Facebook", "Drucken", "WhatsApp". Kept: "Share your thoughts with us."
    """
    return facts.label in _SHARING


_SUBSCRIBE_PROMPT = re.compile(
    r"(?:e-?mail|newsletter|inbox|posteingang|рассылк|biuletyn).{0,120}"
    r"(?:subscri|abonn|benachrichtig|inscri|suscri|подпис|zapisz|subskryb|sign up|anmeld)"
    r"|(?:subscri|abonn|inscri|suscri|подпис|zapisz|subskryb|sign up|anmeld).{0,120}"
    r"(?:e-?mail|newsletter|inbox|posteingang|рассылк|biuletyn)",
)


_MAILING_WORDS = ("mail", "newsletter", "inbox", "posteingang", "рассылк", "biuletyn")


def _mentions_mailing(key: str) -> bool:
    return any(word in key for word in _MAILING_WORDS)


@line_rule("subscribe-login", max_words=40)
def subscribe_login(facts: LineFacts) -> bool:
    """A subscribe, newsletter, log-in or register prompt.

    Sites ask for an e-mail address or a log-in on every page: "Subscribe",
    "Newsletter abonnieren", "Se connecter", "Iniciar sesión", "Войти", "Zaloguj się", and
    "Enter your e-mail address to subscribe to this blog" boxes.
    Removed: "Sign in", "Newsletter abonnieren", "Enter your email to subscribe to our
    newsletter". Kept: "Readers who subscribe to the print edition receive a map."
    """
    key = facts.key
    if facts.label in _ACCOUNT:
        return True
    if facts.words < 4 or "unsubscri" in key or not _mentions_mailing(key):
        return False
    return _SUBSCRIBE_PROMPT.search(key) is not None


_RIGHTS_RESERVED = re.compile("|".join(map(re.escape, phrases.RIGHTS_RESERVED)))
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}|by\b)")
_COPYRIGHT_MARKS = ("©", "(c)", "copyright")  # what ``_COPYRIGHT`` needs to find anything
_COPYRIGHT_STARTS = ("©", "(c)", "copyright", "&copy;")


@line_rule("copyright-footer", max_words=40)
def copyright_footer(facts: LineFacts) -> bool:
    """A copyright, legal or credit line of the page footer.

    Footers repeat "© 2023 Example GmbH", "All rights reserved", "Impressum",
    "Datenschutz", "Mentions légales", "Aviso legal", "Политика конфиденциальности",
    "Polityka prywatności", "Powered by WordPress" and advertisement labels on every page.
    Removed: "© 2023 Example Ltd. All rights reserved.", "Impressum", "Anzeige".
    Kept: "The court ruled that the copyright of the photographer was infringed."
    """
    key = facts.key
    if facts.words <= 5 and facts.label in _FOOTER:
        return True
    if key.startswith(_COPYRIGHT_STARTS) and facts.words <= 25:
        return True
    if facts.words <= 25 and _RIGHTS_RESERVED.search(key):
        return True
    if facts.words <= 12 and _COPYRIGHT.search(key) and not facts.sentence:
        return True
    return facts.words <= 10 and key.startswith(phrases.CREDIT_PREFIXES)


_CRUMB_STARTS = tuple(phrases.BREADCRUMB_HEADS)
_CRUMB_SEPARATORS = re.compile(r"\s*(?:>|»|›|→|/|\||::|•)\s*")


@line_rule("breadcrumb", max_words=30)
def breadcrumb(facts: LineFacts) -> bool:
    """A breadcrumb trail: "Home > News > Politics", "Startseite » Themen", "Главная / ...".

    Sites print the path to the page above the headline; each crumb is a link label.
    A trail starts with a home crumb (or "You are here:") and has at least two separators.
    Removed: "Home > News > Politics", "Sie sind hier: Startseite › Service".
    Kept: "Input > output is the rule here."
    """
    key = facts.key
    if not key.startswith(_CRUMB_STARTS):
        return False
    head, colon, _rest = key.partition(":")
    if colon and bare(head) in phrases.BREADCRUMB_HEADS:
        return True
    crumbs = _CRUMB_SEPARATORS.split(key)
    if len(crumbs) < 3 or bare(crumbs[0]) not in phrases.BREADCRUMB_HEADS:
        return False
    return all(len(crumb.split()) <= 8 for crumb in crumbs)


_INLINE_SEPARATORS = re.compile(r"\s+(?:\||·|•|/|–|—|::)\s+")


@line_rule("inline-menu", max_words=60)
def inline_menu(facts: LineFacts) -> bool:
    """A whole menu rendered on one line: "Kontakt | Presse | Impressum | Datenschutz".

    Footer and header link rows joined by pipes or bullets become a single line of short
    labels.
    Removed: "About | Contact | Privacy | Terms". Kept: "Rock | Paper | Scissors is a game
    that children play all over the world."
    """
    if facts.sentence or (
        "|" not in facts.text and "·" not in facts.text and "•" not in facts.text
    ):
        return False
    items = _INLINE_SEPARATORS.split(facts.text)
    return len(items) >= 3 and all(len(item.split()) <= 3 for item in items)


# The content line rules in the order they are tried (``blank_line`` runs before them all).
LINE_RULES: tuple[LineRule, ...] = (
    nav_phrase,
    media_filename,
    date_stamp,
    counter,
    cookie_notice,
    share_print,
    subscribe_login,
    copyright_footer,
    breadcrumb,
    inline_menu,
)


# Lines of ordinary prose are most of a page: a fast path for them. Above LONG_LINE_WORDS
# words only the rules with a larger ``max_words`` apply (cookie-notice and inline-menu), and
# each of them first needs a word or separator that prose rarely has. The test is exactly
# their own cheap pre-checks, so skipping the rules when it fails changes no verdict
# (``tests/test_rules.py`` pins that every rule with a larger ``max_words`` is covered).
LONG_LINE_WORDS = max(
    rule.max_words for rule in LINE_RULES if rule not in (cookie_notice, inline_menu)
)
_LONG_LINE_RULES = (cookie_notice, inline_menu)


def may_be_chrome_long(facts: LineFacts) -> bool:
    """False when no line rule can match a line of more than LONG_LINE_WORDS words."""
    if facts.words > _MOST_WORDS:
        return False  # longer than every rule's ``max_words``
    key = facts.key
    if "cookie" in key or "ciasteczk" in key or "куки" in key:
        return True  # cookie-notice may match
    text = facts.text
    return not facts.sentence and ("|" in text or "·" in text or "•" in text)


_MOST_WORDS = max(rule.max_words for rule in LINE_RULES)


# Most short lines are neither phrases nor stamps either: menu items, headings, captions.
# Every rule above starts with a cheap test a line must pass before it can match at all (its
# label in a phrase list, a digit, a prefix, a trigger word, a separator); ``may_be_chrome``
# is the union of those tests, so when it fails no rule can match and none is tried.
# (``tests/test_rules_speed_equivalence.py`` checks it against the rules themselves.)
_PHRASE_LABELS = _NAVIGATION | _SHARING | _ACCOUNT | _CONSENT | _FOOTER


def _by_first_char(prefixes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Prefixes grouped by their first character: ``startswith`` tries only one group."""
    groups: dict[str, tuple[str, ...]] = {}
    for prefix in prefixes:
        groups[prefix[0]] = (*groups.get(prefix[0], ()), prefix)
    return groups


# date-stamp and counter ("heute", "no comments") and a credit line: up to 10 words
_STAMP_PREFIXES = _by_first_char((*DAY_WORDS, *_NONE_WORDS, *phrases.CREDIT_PREFIXES))
_PREFIXES = _by_first_char((*_COPYRIGHT_STARTS, *_CRUMB_STARTS))  # copyright, breadcrumb


# A line with a phrase has at least its spaces (case folding makes and drops no spaces).
_RIGHTS_RESERVED_WORDS = min(phrase.count(" ") for phrase in phrases.RIGHTS_RESERVED) + 1


def _trigger_words(words: int) -> tuple[str, ...]:
    """The words one of which a line of ``words`` words needs for cookie-notice,
    subscribe-login (beyond its phrase list) or copyright-footer (beyond its prefixes)."""
    found: tuple[str, ...] = _COOKIE_WORDS
    if words <= 12:
        found += _COPYRIGHT_MARKS
    if _RIGHTS_RESERVED_WORDS <= words <= 25:
        found += phrases.RIGHTS_RESERVED
    if words >= 4:
        found += _MAILING_WORDS
    return found


_TRIGGER_WORDS = tuple(_trigger_words(words) for words in range(LONG_LINE_WORDS + 1))


def may_be_chrome(facts: LineFacts) -> bool:
    """False when no line rule can match the line (the union of the rules' own pre-checks)."""
    words = facts.words
    if words > LONG_LINE_WORDS:
        return may_be_chrome_long(facts)
    if facts.label in _PHRASE_LABELS:  # nav-phrase, share-print, and the buttons of others
        return True
    key = facts.key
    first = key[:1]
    if words <= 10 and (_DIGIT.search(key) or key.startswith(_STAMP_PREFIXES.get(first, ()))):
        return True  # date-stamp, counter, a credit line (a digit in key is one in text)
    text = facts.text
    if words <= 6 and _may_be_media(text):
        return True  # media-filename
    if key.startswith(_PREFIXES.get(first, ())):
        return True  # copyright-footer, breadcrumb
    for word in _TRIGGER_WORDS[words]:
        if word in key:
            return True  # cookie-notice, subscribe-login, copyright-footer
    return not facts.sentence and ("|" in text or "·" in text or "•" in text)  # inline-menu


# What ``may_be_chrome`` looks for, for the C module's copy of it
CHROME_CHECKS = (
    LONG_LINE_WORDS,
    _MOST_WORDS,
    _COOKIE_WORDS,
    frozenset(_PHRASE_LABELS),
    _STAMP_PREFIXES,
    _PREFIXES,
    _TRIGGER_WORDS,
)

try:
    from scrubber import _speedups
except ImportError:  # a pure Python install: no compiler when it was built
    pass
else:  # ``may_be_chrome`` in C, for the line rules' loop there (``strip._apply_line_rules``)
    _speedups.configure_chrome(*CHROME_CHECKS)
