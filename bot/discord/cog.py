"""Discord slash commands: a Cog that parses, calls one action, and renders.

/vocab writes the job, then defers ("thinking") and edits that response with throttled
progress, then shows page 1 as an embed with buttons (bot/discord/buttons.py). Everything
else answers ephemerally, so a learner's decks and quiz stay their own.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import discord
from discord import app_commands
from discord.ext import commands

from bot import texts
from bot.app import App
from bot.discord.buttons import PageButton, deck_view, send_export
from bot.discord.common import PLATFORM, Inter, learner, refuse
from bot.discord.quiz import turn_view
from bot.discord.render import NO_PINGS, deck_embed, decks_embed, safe, stats_embed, turn_embed
from bot.throttle import ThrottledEditor
from core import errors
from core.actions import LEARNER_LANGUAGES, sentence
from core.jobs import JobUpdate
from core.models import Stage
from core.store import Notify, User
from core.youtube import find_video_id

log = logging.getLogger(__name__)

LANGUAGE_CHOICES = [
    app_commands.Choice(name=texts.language_label(code), value=code) for code in LEARNER_LANGUAGES
]
LEVEL_CHOICES = [
    app_commands.Choice(name=name, value=level) for level, name in texts.LEVEL_NAMES.items()
]
FORMAT_CHOICES = [
    app_commands.Choice(name="Anki (.apkg)", value="apkg"),
    app_commands.Choice(name="CSV", value="csv"),
]


class VocabCog(commands.Cog):
    def __init__(self, app: App, edit_interval: float = 1.5, first_edit_delay: float = 0.5):
        self.app = app
        self.actions = app.actions
        self.edit_interval = edit_interval
        self.first_edit_delay = first_edit_delay

    @app_commands.command(name="vocab", description="Make a vocabulary deck from a YouTube video")
    @app_commands.describe(url="a YouTube link", learner_language="meanings in this language")
    @app_commands.choices(learner_language=LANGUAGE_CHOICES)
    async def vocab(
        self,
        interaction: Inter,
        url: str,
        learner_language: app_commands.Choice[str] | None = None,
    ) -> None:
        video_id = find_video_id(url)
        if video_id is None:
            log.info("discord /vocab without a video link from %s", interaction.user.id)
            await refuse(interaction, texts.NOT_A_LINK)
            return
        user = await learner(interaction)
        if learner_language is not None:
            user = replace(user, learner_language=learner_language.value)
        await self._submit(interaction, user, video_id)

    async def _submit(self, interaction: Inter, user: User, video_id: str) -> None:
        """The job's row is written before the deferral (a few ms of SQLite, well inside
        Discord's 3 seconds): a crash after the user sees "thinking" resumes the job, whose
        deck is then posted in the channel."""

        async def edit(text: str) -> None:
            await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

        editor = ThrottledEditor(edit, self.edit_interval, first_delay=self.first_edit_delay)

        async def listener(update: JobUpdate) -> None:
            if not update.finished:
                await editor.update(texts.progress_text(update.progress))
                return
            await editor.finish(lambda: self._finish(interaction, user, update))

        async def announce() -> None:
            await interaction.response.defer(thinking=True)

        notify = Notify(PLATFORM, str(interaction.channel_id or 0))
        try:
            await self.actions.submit(
                user, video_id, notify=notify, listener=listener, announce=announce
            )
        except errors.VocabotError as exc:
            log.info("discord job refused for %s: %s", interaction.user.id, exc.code)
            if interaction.response.is_done():
                await interaction.edit_original_response(content=f"❌ {safe(sentence(exc))}")
            else:
                await refuse(interaction, f"❌ {safe(sentence(exc))}")

    async def _finish(self, interaction: Inter, user: User, update: JobUpdate) -> None:
        if update.progress.stage == Stage.DONE and update.deck is not None:
            page = await self.actions.page(user, update.deck.id)
            view = deck_view(page, owner=interaction.user.id)
            view.message = await interaction.edit_original_response(
                content=None, embed=deck_embed(page), view=view, allowed_mentions=NO_PINGS
            )
            return
        text = texts.progress_text(update.progress)
        if update.progress.stage == Stage.FAILED:
            text = texts.failure_text(update)
        await interaction.edit_original_response(content=safe(text))

    @app_commands.command(name="decks", description="Your decks")
    async def decks(self, interaction: Inter) -> None:
        decks = await self.actions.decks(await learner(interaction))
        if not decks:
            await refuse(interaction, texts.NO_DECKS)
            return
        view = discord.ui.View(timeout=None)
        for number, info in enumerate(decks[:5], 1):
            view.add_item(PageButton(info.id, "word", 0, f"Open {number}"))
        await interaction.response.send_message(embed=decks_embed(decks), view=view, ephemeral=True)

    @app_commands.command(name="known", description="Never show me this word again")
    async def known(self, interaction: Inter, word: str) -> None:
        result = await self.actions.mark_known(await learner(interaction), word.split())
        await refuse(interaction, f"✓ I'll skip {safe(', '.join(result.words))} from now on.")

    @app_commands.command(name="settings", description="Your meaning language and level")
    @app_commands.choices(learner_language=LANGUAGE_CHOICES, level=LEVEL_CHOICES)
    async def settings(
        self,
        interaction: Inter,
        learner_language: app_commands.Choice[str] | None = None,
        level: app_commands.Choice[str] | None = None,
    ) -> None:
        user = await self.actions.update_settings(
            await learner(interaction),
            learner_language=learner_language.value if learner_language else None,
            level=level.value if level else None,
        )
        await refuse(
            interaction,
            f"Meanings in **{texts.language_label(user.learner_language)}**, level "
            f"**{texts.LEVEL_NAMES.get(user.level, user.level)}**.",
        )

    @app_commands.command(name="export", description="Download your latest deck")
    @app_commands.choices(format=FORMAT_CHOICES)
    async def export(self, interaction: Inter, format: app_commands.Choice[str]) -> None:
        if not await self.actions.decks(await learner(interaction)):
            await refuse(interaction, texts.NO_DECKS)
            return
        await send_export(interaction, format.value)

    @app_commands.command(name="quiz", description="Review your words")
    async def quiz(self, interaction: Inter) -> None:
        turn = await self.actions.quiz_next(await learner(interaction))
        view = turn_view(turn)
        if view is None:
            await interaction.response.send_message(embed=turn_embed(turn), ephemeral=True)
        else:
            await interaction.response.send_message(
                embed=turn_embed(turn), view=view, ephemeral=True
            )

    @app_commands.command(name="stats", description="Your progress")
    async def stats(self, interaction: Inter) -> None:
        stats = await self.actions.stats(await learner(interaction))
        await interaction.response.send_message(embed=stats_embed(stats), ephemeral=True)

    @app_commands.command(name="cancel", description="Stop the video I'm working on, or the quiz")
    async def cancel(self, interaction: Inter) -> None:
        cancelled = await self.actions.cancel(await learner(interaction))
        await refuse(interaction, texts.cancel_text(cancelled.videos, cancelled.quiz_ended))

    async def cog_app_command_error(
        self, interaction: Inter, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if not isinstance(original, errors.VocabotError):
            log.error("Discord command failed", exc_info=original)
        await refuse(interaction, sentence(original))
