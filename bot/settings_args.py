"""`/settings` typed as text, the same in every chat face:

    /settings ja B2              meanings in Japanese, level B2 (either alone too)
    /settings level toeic 650    a level in the learner's terms: CEFR, a TOEIC score,
    /settings level 수능 2등급     a 수능 grade (core.learner maps them to CEFR)
    /settings toeic 650          the same, without the word "level"
    /settings size 20            how many of a deck's best cards come first
    /settings ui ko              the bot's own language

Parsing only says which setting was meant; core's learners.update_settings judges the value, so a
bad level or size gets core's one friendly sentence with the accepted forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import LEARNER_LANGUAGES, N_, parse_level

LEVEL_WORDS = ("level", "lvl", "레벨", "수준")
SIZE_WORDS = ("size", "decksize", "deck-size", "cards", "크기")
UI_WORDS = ("ui", "language", "언어")
_CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")

USAGE = N_(
    "Change a setting by text: /settings level B2 (or toeic 650, or 수능 2등급), "
    "/settings size 20 (cards a deck shows first), /settings ui en|ko (my language), "
    "/settings ko (meanings in Korean)."
)


@dataclass(frozen=True, slots=True)
class SettingsChange:
    learner_language: str | None = None
    level: str | None = None
    interface_language: str | None = None
    deck_size: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.learner_language or self.level or self.interface_language or self.deck_size
        )


def parse_settings(text: str) -> SettingsChange | None:
    """What `/settings …` asks to change; an empty change for a bare /settings, None when
    the text is no form above (the face answers with USAGE)."""
    parts = text.split()
    if not parts:
        return SettingsChange()
    head, rest = parts[0].lower(), " ".join(parts[1:])
    if head in LEVEL_WORDS:
        return SettingsChange(level=rest) if rest else None
    if head in SIZE_WORDS:
        return SettingsChange(deck_size=rest) if rest else None
    if head in UI_WORDS:
        return SettingsChange(interface_language=rest.lower()) if len(parts) == 2 else None
    if parse_level(text) is not None and not any(p.lower() in LEARNER_LANGUAGES for p in parts):
        return SettingsChange(level=text)
    language = next((p.lower() for p in parts if p.lower() in LEARNER_LANGUAGES), None)
    level = next((p.upper() for p in parts if p.upper() in _CEFR), None)
    if len(parts) != (language is not None) + (level is not None):
        return None
    return SettingsChange(learner_language=language, level=level)
