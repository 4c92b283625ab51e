"""Every persistent button the Discord face registers, and the one that catches the rest."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot import texts
from bot.discord.buttons import ExportButton, KnowButton, MoreButton, PageButton
from bot.discord.common import AnyItem, Inter, learner_tr, refuse, template_of
from bot.discord.habit import RemindButton
from bot.discord.ops import ForgetButton
from bot.discord.quiz import AnswerButton, NextButton, RateButton, TypeAnswerButton
from bot.discord.translate import TranslateButton

log = logging.getLogger(__name__)

OURS = (
    PageButton,
    MoreButton,
    KnowButton,
    ExportButton,
    AnswerButton,
    TypeAnswerButton,
    RateButton,
    ForgetButton,
    TranslateButton,
    NextButton,
    RemindButton,
)


class StaleButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"(?s)(?!(?:{'|'.join(template_of(item) for item in OURS)})\Z)v:.*",
):
    """A button of ours no other item accepts (forged, out of range, from an old version):
    a polite "no longer valid" instead of Discord's "This interaction failed"."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> StaleButton:
        return cls(match.string)

    async def callback(self, interaction: Inter) -> None:
        log.info("stale or forged button %r from %s", self.custom_id[:100], interaction.user.id)
        _, tr = await learner_tr(interaction)
        await refuse(interaction, tr(texts.EXPIRED))


DYNAMIC_ITEMS = (*OURS, StaleButton)
