""" "Translate the sentence" in the console chat: /translate N (card N of the open tab, the
numbers its pages show) or /translate alone (the card of the last quiz answer)."""

from __future__ import annotations

import logging

from rich.markup import escape

from bot import texts
from bot.console.part import ChatPart
from core import N_, CardKind, SentenceTranslation, Translator

log = logging.getLogger(__name__)

TRANSLATE_HELP = N_(
    "  /translate 3     the sentence of card 3 in your language "
    "(/translate alone: the last quiz answer's)"
)
WHICH_CARD = N_(
    "Which sentence? /translate 3 translates card 3 of the open deck; after a quiz answer, "
    "/translate alone translates its sentence."
)


def translation_lines(tr: Translator, done: SentenceTranslation) -> list[str]:
    """Rich markup: the sentence, its translation, the simulator's label."""
    lines = [f"🌐 [italic]“{escape(done.sentence)}”[/]", f"→ [green]{escape(done.text)}[/]"]
    if done.simulated:
        lines.append(f"[yellow]{escape(tr(texts.SIMULATED_TRANSLATION))}[/]")
    return lines


class TranslateChat(ChatPart):
    """The /translate part of ConsoleChat."""

    answered_card: int | None  # the card of the last quiz answer

    def open_tab(self) -> tuple[int, CardKind | None] | None:
        raise NotImplementedError

    async def _translate(self, rest: str) -> None:
        card_id = await self._card_for(rest)
        if card_id is None:
            self.tell(self.tr(WHICH_CARD))
            return
        done = await self.actions.translations.translate(self.me, card_id)
        for line in translation_lines(self.tr, done):
            self.say(line)

    async def _card_for(self, rest: str) -> int | None:
        if not rest:
            return self.answered_card
        tab = self.open_tab()
        if not rest.isdigit() or tab is None:
            return None
        deck_id, kind = tab
        info = await self.actions.decks.get(self.me, deck_id)
        cards = await self.actions.decks.cards(self.me, info.id, kind or "word")
        number = int(rest)
        if not 0 < number <= len(cards):
            log.info("console: /translate %s past the tab's %s cards", number, len(cards))
            return None
        return cards[number - 1].id
