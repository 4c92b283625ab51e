"""Discord slash commands: a Cog that parses, calls one action, and renders.

/vocab (a link, or a subtitle file attached) writes the job, then defers ("thinking") and
edits that response with throttled progress, then shows page 1 as an embed with buttons
(bot/discord/buttons.py). Everything else answers ephemerally, so a learner's decks and
quiz stay their own. Command names stay English; their descriptions and every reply are in
the user's interface language (bot/discord/translator.py).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot import habit_texts, texts
from bot.app import App
from bot.discord.buttons import PageButton, deck_view, send_export
from bot.discord.common import PLATFORM, Inter, command_failed, learner_tr, refuse
from bot.discord.habit import remind_view
from bot.discord.quiz import turn_view
from bot.discord.render import (
    NO_PINGS,
    building_page_text,
    deck_embed,
    decks_embed,
    safe,
    stats_embed,
    turn_embed,
)
from bot.throttle import ThrottledEditor
from core import (
    DEFAULT_LANGUAGE,
    LEARNER_LANGUAGES,
    N_,
    Announce,
    BadSetting,
    JobHandle,
    JobUpdate,
    Listener,
    Notify,
    Stage,
    TranscriptFileTooBig,
    Translator,
    User,
    VocabotError,
    error_message,
    find_video_id,
    translator,
)

log = logging.getLogger(__name__)


def _text(message: str, **extras: str) -> locale_str:
    """A command text Discord shows in the user's language (see translator.py)."""
    return locale_str(message, **extras)


LANGUAGE_CHOICES = [
    app_commands.Choice(
        name=_text(texts.language_name(translator(DEFAULT_LANGUAGE), code), learner_language=code),
        value=code,
    )
    for code in LEARNER_LANGUAGES
]
LEVEL_CHOICES = [
    app_commands.Choice(name=_text(name), value=level) for level, name in texts.LEVEL_NAMES.items()
]
FORMAT_CHOICES = [
    app_commands.Choice(name="Anki (.apkg)", value="apkg"),
    app_commands.Choice(name="CSV", value="csv"),
]
INTERFACE_CHOICES = [
    app_commands.Choice(name="English", value="en"),
    app_commands.Choice(name="한국어", value="ko"),
]


class VocabCog(commands.Cog):
    def __init__(self, app: App, edit_interval: float = 1.5, first_edit_delay: float = 0.5):
        self.app = app
        self.actions = app.actions
        self.edit_interval = edit_interval
        self.first_edit_delay = first_edit_delay

    @app_commands.command(
        name="vocab", description=_text(N_("Make a vocabulary deck from a YouTube video"))
    )
    @app_commands.describe(
        url=_text(N_("a YouTube link")),
        file=_text(N_("or a subtitle file (.srt, .vtt, .txt)")),
        learner_language=_text(N_("meanings in this language")),
    )
    @app_commands.choices(learner_language=LANGUAGE_CHOICES)
    async def vocab(
        self,
        interaction: Inter,
        url: str | None = None,
        file: discord.Attachment | None = None,
        learner_language: app_commands.Choice[str] | None = None,
    ) -> None:
        user, tr = await learner_tr(interaction)
        if learner_language is not None:
            user = self.app.actions.learners.with_settings(
                user, learner_language=learner_language.value
            )
        if file is not None:
            await self._vocab_file(interaction, user, tr, file, url or "")
            return
        video_id = find_video_id(url or "")
        if video_id is None:
            log.info("discord /vocab without a video link from %s", interaction.user.id)
            await refuse(interaction, tr(texts.NOT_A_LINK))
            return
        await self._submit(interaction, user, tr, video_id=video_id)

    async def _vocab_file(
        self, interaction: Inter, user: User, tr: Translator, file: discord.Attachment, hint: str
    ) -> None:
        """A subtitle file: refused by its size before it is downloaded, by its content after."""
        limit = self.actions.builds.upload_max_bytes
        if file.size > limit:
            too_big = TranscriptFileTooBig(file.size, limit)
            await refuse(interaction, f"❌ {error_message(too_big, tr)}")
            return
        data = await file.read()
        await self._submit(interaction, user, tr, upload=(data, file.filename, hint))

    async def _submit(
        self,
        interaction: Inter,
        user: User,
        tr: Translator,
        *,
        video_id: str | None = None,
        upload: tuple[bytes, str, str] | None = None,
    ) -> None:
        """The job's row is written before the deferral (a few ms of SQLite, well inside
        Discord's 3 seconds): a crash after the user sees "thinking" resumes the job, whose
        deck is then posted in the channel."""
        listener = self._listener(interaction, user, tr)

        async def announce() -> Notify | None:
            await interaction.response.defer(thinking=True)
            return None

        notify = Notify(PLATFORM, str(interaction.channel_id or 0))
        try:
            await self._start(user, video_id, upload, notify, listener, announce)
        except VocabotError as exc:
            log.info("discord job refused for %s: %s", interaction.user.id, exc.code)
            if interaction.response.is_done():
                await interaction.edit_original_response(
                    content=f"❌ {safe(error_message(exc, tr))}"
                )
            else:
                await refuse(interaction, f"❌ {safe(error_message(exc, tr))}")

    async def _start(
        self,
        user: User,
        video_id: str | None,
        upload: tuple[bytes, str, str] | None,
        notify: Notify,
        listener: Listener,
        announce: Announce,
    ) -> JobHandle:
        """A subtitle file's job, or a video's."""
        if upload is not None:
            data, filename, hint = upload
            return await self.actions.builds.submit_file(
                user, data, filename, hint=hint, notify=notify, listener=listener, announce=announce
            )
        assert video_id is not None
        return await self.actions.builds.submit(
            user, video_id, notify=notify, listener=listener, announce=announce
        )

    def _listener(self, interaction: Inter, user: User, tr: Translator) -> Listener:
        async def edit(text: str) -> None:
            await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

        editor = ThrottledEditor(edit, self.edit_interval, first_delay=self.first_edit_delay)

        async def listener(update: JobUpdate) -> None:
            if update.progress.page and not update.finished:
                await editor.update(building_page_text(tr, update.progress))
                return
            if not update.finished:
                await editor.update(texts.progress_text(tr, update.progress))
                return
            await editor.finish(lambda: self._finish(interaction, user, tr, update))

        return listener

    async def _finish(
        self, interaction: Inter, user: User, tr: Translator, update: JobUpdate
    ) -> None:
        if update.progress.stage == Stage.DONE and update.deck is not None:
            page = await self.actions.decks.page(user, update.deck.id)
            view = deck_view(tr, page, owner=interaction.user.id)
            if await self.actions.habits.asked_reminder(user):  # after the first deck, once (a
                # follow-up shows below the command's message, which becomes the deck)
                ask = tr(habit_texts.REMIND_ASK)
                await interaction.followup.send(ask, view=remind_view(tr), ephemeral=True)
            view.message = await interaction.edit_original_response(
                content=None, embed=deck_embed(tr, page), view=view, allowed_mentions=NO_PINGS
            )
            return
        text = texts.progress_text(tr, update.progress)
        if update.progress.stage == Stage.FAILED:
            text = texts.failure_text(tr, update)
        await interaction.edit_original_response(content=safe(text))

    @app_commands.command(name="decks", description=_text(N_("Your decks")))
    async def decks(self, interaction: Inter) -> None:
        user, tr = await learner_tr(interaction)
        decks = await self.actions.decks.all(user)
        if not decks:
            await refuse(interaction, tr(texts.NO_DECKS))
            return
        view = discord.ui.View(timeout=None)
        for number, info in enumerate(decks[:5], 1):
            view.add_item(PageButton(info.id, "word", 0, tr("Open {n}", n=number)))
        await interaction.response.send_message(
            embed=decks_embed(tr, decks), view=view, ephemeral=True
        )

    @app_commands.command(name="known", description=_text(N_("Never show me this word again")))
    @app_commands.describe(word=_text(N_("the word (or words)")))
    async def known(self, interaction: Inter, word: str) -> None:
        user, tr = await learner_tr(interaction)
        result = await self.actions.known.mark(user, word.split())
        await refuse(interaction, safe(texts.known_text(tr, result.words, result.added)))

    @app_commands.command(name="settings", description=_text(N_("Languages and level")))
    @app_commands.describe(
        learner_language=_text(N_("meanings in this language")),
        level=_text(N_("your level")),
        interface_language=_text(N_("the language I talk to you in")),
        level_as=_text(N_("your level as a TOEIC score or 수능 grade: toeic 650, 수능 2등급")),
        deck_size=_text(N_("how many of a deck's best cards come first (5-200)")),
    )
    @app_commands.choices(
        learner_language=LANGUAGE_CHOICES, level=LEVEL_CHOICES, interface_language=INTERFACE_CHOICES
    )
    async def settings(
        self,
        interaction: Inter,
        learner_language: app_commands.Choice[str] | None = None,
        level: app_commands.Choice[str] | None = None,
        interface_language: app_commands.Choice[str] | None = None,
        level_as: str | None = None,
        deck_size: int | None = None,
    ) -> None:
        user, tr = await learner_tr(interaction)
        try:
            user = await self.actions.learners.update_settings(
                user,
                learner_language=learner_language.value if learner_language else None,
                level=level_as or (level.value if level else None),
                interface_language=interface_language.value if interface_language else None,
                deck_size=deck_size,
            )
        except BadSetting as exc:  # a level or size as typed: the accepted forms
            log.info("discord user %s: /settings refused: %s", user.id, exc.detail)
            await refuse(interaction, safe(error_message(exc, tr)))
            return
        tr = self.actions.learners.translator(user)
        pairs, note = texts.settings_lines(
            tr,
            user.learner_language,
            user.level,
            user.ui_language,
            self.actions.learners.deck_size(user),
        )
        lines = [f"{label}: **{safe(value)}**" for label, value in pairs]
        await refuse(interaction, "\n".join(lines) + f"\n\n{note}")

    @app_commands.command(name="export", description=_text(N_("Download your latest deck")))
    @app_commands.describe(format=_text(N_("Anki or CSV")))
    @app_commands.choices(format=FORMAT_CHOICES)
    async def export(self, interaction: Inter, format: app_commands.Choice[str]) -> None:
        user, tr = await learner_tr(interaction)
        if not await self.actions.decks.all(user):
            await refuse(interaction, tr(texts.NO_DECKS))
            return
        await send_export(interaction, format.value)

    @app_commands.command(name="quiz", description=_text(N_("Review your words")))
    async def quiz(self, interaction: Inter) -> None:
        user, tr = await learner_tr(interaction)
        turn = await self.actions.quiz.next(user)
        view = turn_view(tr, turn)
        embed = turn_embed(tr, turn)
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="stats", description=_text(N_("Your progress")))
    async def stats(self, interaction: Inter) -> None:
        user, tr = await learner_tr(interaction)
        stats, habit = await self.actions.quiz.stats(user), await self.actions.habits.today(user)
        embed = stats_embed(tr, stats, habit)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(
        name="cancel", description=_text(N_("Stop the video I'm working on, or the quiz"))
    )
    async def cancel(self, interaction: Inter) -> None:
        user, tr = await learner_tr(interaction)
        cancelled = await self.actions.builds.cancel(user)
        await refuse(interaction, texts.cancel_text(tr, cancelled.videos, cancelled.quiz_ended))

    async def cog_app_command_error(
        self, interaction: Inter, error: app_commands.AppCommandError
    ) -> None:
        await command_failed(interaction, error)
