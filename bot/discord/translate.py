""" "Translate the sentence" in Discord: a persistent button per card (a deck page's cards,
a quiz answer's card) whose custom_id is the card's id. The card is looked up among the
presser's own (someone else's is refused politely, before any LLM call); the answer is
ephemeral, for the presser only."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot import texts
from bot.buttons import ID
from bot.discord.common import AnyItem, Inter, app_of, learner_tr, refuse
from bot.discord.render import translation_text
from core import DeckNotFound, VocabotError, error_message

log = logging.getLogger(__name__)

Button = discord.ui.Button[Any]


class TranslateButton(discord.ui.DynamicItem[Button], template=rf"v:t:(?P<card>{ID})"):
    def __init__(self, card_id: int, label: str = "🌐", **button: Any) -> None:
        button.setdefault("style", discord.ButtonStyle.secondary)
        super().__init__(discord.ui.Button(label=label, custom_id=f"v:t:{card_id}", **button))
        self.card_id = card_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> TranslateButton:
        return cls(int(match["card"]))

    async def callback(self, interaction: Inter) -> None:
        actions, (user, tr) = app_of(interaction).actions, await learner_tr(interaction)
        try:
            card = await actions.decks.card(user, self.card_id)
        except DeckNotFound:
            log.info("discord user %s pressed card %s: not theirs", user.id, self.card_id)
            await refuse(interaction, tr(texts.NOT_YOURS))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            done = await actions.translations.translate(user, card.id)
            text = translation_text(tr, done)
        except VocabotError as exc:
            log.info("user %s: sentence of card %s not translated: %s", user.id, card.id, exc)
            text = error_message(exc, tr)
        await interaction.followup.send(text, ephemeral=True)
