""" "Translate the sentence" (문장 번역): a card's sentence in the learner's language.

On demand, one LLM call per card sentence: the answer is kept with the learner's deck
(the store's per-user session data, one entry per card and language, with the sentence it
translates), so asking again, from any face, costs nothing. A card whose sentence changed
(its deck was rebuilt) is translated again. The tokens count in the learner's spending and
against the bot's daily budget; a learner blocked from building is blocked here too.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from core import errors
from core.actions._decks import Decks
from core.actions._parts import Part, Shared
from core.store import Card, User
from core.translation import SentenceTranslator

log = logging.getLogger(__name__)

PREFIX = "translations:"  # + deck id: a session name in the store


@dataclass(frozen=True, slots=True)
class SentenceTranslation:
    """A card's sentence in `language`; `simulated` when the simulator wrote it; `cached`
    when no call was made for it this time."""

    card_id: int
    sentence: str
    text: str
    language: str
    simulated: bool
    cached: bool = False


def _entry_key(card_id: int, language: str) -> str:
    return f"{card_id}:{language}"


def _from_entry(card: Card, language: str, entry: Any) -> SentenceTranslation | None:
    if not isinstance(entry, dict) or entry.get("s") != card.item.sentence:
        return None  # never asked, or asked for a sentence the card no longer has
    text = entry.get("t")
    if not isinstance(text, str) or not text:
        return None
    simulated = bool(entry.get("sim"))
    return SentenceTranslation(card.id, card.item.sentence, text, language, simulated, True)


class Translations(Part):
    """The sentence translation's doors (`actions.translations`)."""

    def __init__(
        self, shared: Shared, decks: Decks, sentences: SentenceTranslator | None = None
    ) -> None:
        super().__init__(shared)
        self._decks = decks
        self._sentences = sentences  # None where this process calls no LLM (a queue front)
        self._translating: dict[tuple[int, int, str], asyncio.Lock] = {}

    async def kept(self, user: User, card: Card) -> SentenceTranslation | None:
        """The kept translation of this card's sentence, if it was asked for (no call)."""
        kept = await self._store.get_session(user.id, f"{PREFIX}{card.deck_id}") or {}
        language = user.learner_language
        return _from_entry(card, language, kept.get(_entry_key(card.id, language)))

    async def kept_all(self, user: User, cards: list[Card]) -> dict[int, SentenceTranslation]:
        """The kept translations of these cards' sentences, by card id (no call)."""
        found: dict[int, SentenceTranslation] = {}
        by_deck: dict[int, dict[str, Any]] = {}
        for card in cards:
            if card.deck_id not in by_deck:
                name = f"{PREFIX}{card.deck_id}"
                by_deck[card.deck_id] = await self._store.get_session(user.id, name) or {}
            key = _entry_key(card.id, user.learner_language)
            if kept := _from_entry(card, user.learner_language, by_deck[card.deck_id].get(key)):
                found[card.id] = kept
        return found

    async def translate(self, user: User, card_id: int) -> SentenceTranslation:
        """This card's sentence in the learner's language: kept, or one LLM call now.

        DeckNotFound for a card that is not theirs; TranslationUnavailable where this
        process calls no LLM; BuildsBlocked or TranslationBudget when they may not spend."""
        card = await self._decks.card(user, card_id)
        language = user.learner_language
        lock = self._translating.setdefault((user.id, card.id, language), asyncio.Lock())
        try:
            async with lock:  # two presses at once: one call, the second reads its answer
                if kept := await self.kept(user, card):
                    return kept
                return await self._translate(user, card, language)
        finally:
            if not lock.locked():
                self._translating.pop((user.id, card.id, language), None)

    async def _translate(self, user: User, card: Card, language: str) -> SentenceTranslation:
        if self._sentences is None:
            raise errors.TranslationUnavailable("no LLM client in this process")
        await self._spending.check_tokens(user)
        done = await self._sentences.translate(card.item.sentence, language, owner=user.id)
        await self._spending.record_tokens(user, done.prompt_tokens, done.completion_tokens)
        name = f"{PREFIX}{card.deck_id}"
        kept = await self._store.get_session(user.id, name) or {}
        kept[_entry_key(card.id, language)] = {
            "s": card.item.sentence,
            "t": done.text,
            "sim": done.simulated,
        }
        await self._store.put_session(user.id, name, kept)
        log.info("user %s: translated the sentence of card %s", user.id, card.id)
        return SentenceTranslation(card.id, card.item.sentence, done.text, language, done.simulated)
