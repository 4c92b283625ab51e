"""What every Discord handler shares: the App, the learner, and a polite refusal."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands

from bot.app import App
from core import (
    CardKind,
    Translator,
    User,
    VocabotError,
    error_message,
    interface_language,
    translator,
)

log = logging.getLogger(__name__)

PLATFORM = "discord"
Inter = discord.Interaction[Any]
AnyItem = discord.ui.Item[Any]


def app_of(interaction: Inter) -> App:
    app = getattr(interaction.client, "vocabot", None)
    assert isinstance(app, App), "the client carries the App (VocabotDiscord)"
    return app


def client_language(interaction: Inter) -> str | None:
    """The language of the user's Discord client (`interaction.locale`, e.g. "ko")."""
    locale = getattr(interaction, "locale", None)
    return str(getattr(locale, "value", locale)) if locale else None


async def learner(interaction: Inter) -> User:
    return await app_of(interaction).actions.learners.user(
        PLATFORM, interaction.user.id, client_language=client_language(interaction)
    )


async def learner_tr(interaction: Inter) -> tuple[User, Translator]:
    """The learner, and the bot's words in their interface language."""
    user = await learner(interaction)
    return user, translator(user.ui_language)


async def refuse(interaction: Inter, text: str) -> None:
    """A polite ephemeral answer (so Discord never shows "This interaction failed")."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def command_failed(interaction: Inter, error: app_commands.AppCommandError) -> None:
    """A slash command's error as one polite sentence (a bug's traceback goes to the log)."""
    original = getattr(error, "original", error)
    if not isinstance(original, VocabotError):
        log.error("Discord command failed", exc_info=original)
    try:
        _, tr = await learner_tr(interaction)
    except VocabotError:  # the database is down too: their Discord client's language
        tr = translator(interface_language(client_language(interaction)))
    await refuse(interaction, error_message(original, tr))


def kind_code(kind: CardKind) -> str:
    return "w" if kind == "word" else "p"


def kind_of(code: str) -> CardKind:
    return "word" if code == "w" else "phrase"


def template_of(item: type[discord.ui.DynamicItem[Any]]) -> str:
    """An item's custom_id template with its groups unnamed (to combine several)."""
    pattern: re.Pattern[str] = item.__discord_ui_compiled_template__
    return re.sub(r"\(\?P<\w+>", "(?:", pattern.pattern)
