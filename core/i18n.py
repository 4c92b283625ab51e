"""The interface language: gettext catalogs a translator can edit, and locale-aware numbers.

Every sentence the bot says is an English message id marked where it is written (`N_` for
constants, `tr(...)` / `tr.plural(...)` at the call), extracted with Babel into
`core/locales/vocabot.pot`, and translated in `core/locales/<lang>/LC_MESSAGES/vocabot.po`
(Korean and English today; docs/translating.md says how to add a third). The .po files are
read at start-up with Babel and compiled in memory, so there is no build step.

The interface language is a person's choice, apart from the learner language (the language
meanings are written in): Korean when their client says `ko…` (Telegram language_code,
Discord locale, LANG in a terminal, Accept-Language over HTTP), English otherwise, until
they pick one in /settings.
"""

from __future__ import annotations

import gettext
import io
import string
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from core import korean

_FORMATTER = string.Formatter()
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "vocabot"
INTERFACE_LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"
# Each interface language, named in itself (what a settings button shows).
LANGUAGE_SELF_NAMES = {"en": "English", "ko": "한국어"}


def N_(message: str) -> str:  # the gettext convention: mark now, translate where used
    """Marks a message for the catalogs where it is defined; `tr` translates it where used."""
    return message


# A word's part of speech as the LLM tags it (core.prompts.PartOfSpeech), in words: every
# face and the Anki export show these, never the tag ("n", "adj").
PARTS_OF_SPEECH = {
    "n": N_("noun"),
    "v": N_("verb"),
    "adj": N_("adjective"),
    "adv": N_("adverb"),
    "other": N_("other"),
}


def part_of_speech(tr: Translator, pos: str) -> str:
    """A part of speech in `tr`'s language ("noun", "명사"); "" for none."""
    return tr(PARTS_OF_SPEECH.get(pos, PARTS_OF_SPEECH["other"])) if pos else ""


def interface_language(hint: str | None) -> str:
    """The interface language for a client's language tag: ko* is Korean, all else English."""
    if hint:
        tag = hint.strip().replace("_", "-").lower()
        for language in INTERFACE_LANGUAGES:
            if tag == language or tag.startswith(f"{language}-"):
                return language
    return DEFAULT_LANGUAGE


def from_accept_language(header: str | None) -> str:
    """The best of our interface languages for an HTTP Accept-Language header."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            choices.append((-quality, position, tag))
    for _, _, tag in sorted(choices):
        language = interface_language(tag)
        if language != DEFAULT_LANGUAGE or tag.lower().startswith(DEFAULT_LANGUAGE):
            return language
    return DEFAULT_LANGUAGE


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


class Translator:
    """One interface language: its messages (with plural forms) and its number formats."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        with catalog_path(language).open("rb") as po:
            catalog = read_po(po, locale=language, domain=DOMAIN)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        self._gnu = gettext.GNUTranslations(compiled)
        if language == "ko":
            korean.warm()  # particles after English words need their pronunciations

    def __call__(self, message: str, /, **params: Any) -> str:
        """The message in this language, with `{name}` placeholders filled in."""
        text = self._gnu.gettext(message)
        return self.fill(text, params) if params else text

    def plural(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        """The form for `n` (languages differ in how many forms they have); `{n}` is filled."""
        text = self._gnu.ngettext(singular, plural, n)
        return self.fill(text, {"n": self.number(n), **params})

    def fill(self, text: str, params: dict[str, Any]) -> str:
        """`text` with its placeholders filled; in Korean, a particle pair written after a
        placeholder ("{cards}을(를)", "“{word}”은(는)") becomes the one that fits the value."""
        if self.language != "ko":
            return text.format(**params)
        out: list[str] = []
        value: str | None = None
        for literal, field, spec, conversion in _FORMATTER.parse(text):
            if value is not None:
                literal = korean.resolve(value, literal)
            out.append(literal)
            if field is None:
                value = None
                continue
            obj, _ = _FORMATTER.get_field(field, (), params)
            obj = _FORMATTER.convert_field(obj, conversion)
            value = _FORMATTER.format_field(obj, spec or "")
            out.append(value)
        return "".join(out)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    def relative(self, moment: datetime, now: datetime) -> str:
        """How far from now, in words ("in 3 days", "3일 후")."""
        delta: timedelta = moment - now
        seconds = delta.total_seconds()
        if abs(seconds) >= 45:  # "1 minute", never "60 seconds" for a delta of 59.9 s
            delta = timedelta(minutes=round(seconds / 60))
        return format_timedelta(
            delta, add_direction=True, threshold=1.0, format="long", locale=self.locale
        )


@cache
def translator(language: str) -> Translator:
    return Translator(language if language in INTERFACE_LANGUAGES else DEFAULT_LANGUAGE)
