"""Pure rules every face applies the same way: pages, tabs, file names, settings, errors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from core import errors
from core.actions._values import LEARNER_LANGUAGES, ExportFormat
from core.i18n import DEFAULT_LANGUAGE, Translator, translator
from core.learner import CEFR, MAX_DECK_SIZE, MIN_DECK_SIZE, parse_deck_size, parse_level
from core.models import PAGE_SIZE
from core.selection import LEVELS
from core.store import CardKind, DeckInfo


def page_count(items: Sequence[object]) -> int:
    return max(1, -(-len(items) // PAGE_SIZE))


def clamp_page(page: int, items: Sequence[object]) -> int:
    return min(max(page, 0), page_count(items) - 1)


def first_kind(deck: DeckInfo) -> CardKind:
    """The tab a deck opens on: words, unless it has only phrases."""
    return "word" if deck.words or not deck.phrases else "phrase"


_UNSAFE = re.compile(r"[^\w\- ]+")


def export_filename(deck: DeckInfo | None, fmt: ExportFormat, *, fallback: str = "") -> str:
    """The one file-name rule: the deck's title (or video id), letters, digits, '-' and
    spaces only, at most 60 characters, then the format's suffix."""
    base = ""
    if deck is not None:
        base = deck.title or deck.video_id or f"deck-{deck.id}"
    base = base or fallback or "vocabot"
    base = unicodedata.normalize("NFC", base)
    base = " ".join(_UNSAFE.sub(" ", base).split()).strip(" -")[:60].strip(" -")
    return f"{base or 'vocabot'}.{fmt}"


def error_message(exc: BaseException, tr: Translator | None = None) -> str:
    """What the learner is told about an error, in their interface language (English
    without `tr`): its own message, or that it was ours. (Named so: in vocabot a
    "sentence" is a caption's, the one a card quotes.)"""
    tr = tr or translator(DEFAULT_LANGUAGE)
    if not isinstance(exc, errors.VocabotError):
        return tr(errors.InternalError.message)
    if exc.custom:
        return exc.custom
    return tr(exc.message, **exc.params)


def stored_error_message(code: str, stored: str, tr: Translator) -> str:
    """A job's error as stored (its code and its English sentence), in `tr`'s language
    where the sentence is the error class's own; a sentence with details stays as stored."""
    found = errors.by_code(code)
    if found is None or "{" in found.message:
        return stored
    return tr(found.message)


assert CEFR == LEVELS


def check_settings(
    learner_language: str | None, level: str | None
) -> tuple[str | None, str | None]:
    """Normalised settings, or BadSetting naming what is not allowed. A level may be given
    in the learner's terms (a TOEIC score, a 수능 grade: core.learner); it is kept as CEFR."""
    if learner_language is not None:
        learner_language = learner_language.strip().lower()
        if learner_language not in LEARNER_LANGUAGES:
            raise errors.BadSetting(f"learner language {learner_language!r}")
    if level is not None:
        cefr = parse_level(level)
        if cefr is None:
            raise errors.BadLevel(f"level {level[:40]!r}")
        level = cefr
    return learner_language, level


def check_deck_size(size: str | int) -> int:
    """A deck size in range, or BadDeckSize saying the range."""
    found = parse_deck_size(size)
    if found is None:
        raise errors.BadDeckSize(
            f"deck size {str(size)[:20]!r}", low=MIN_DECK_SIZE, high=MAX_DECK_SIZE
        )
    return found
