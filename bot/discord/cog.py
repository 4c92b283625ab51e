"""The Discord adapter: slash commands in a Cog, persistent buttons, one core.

/vocab defers at once ("thinking"), edits the original response with throttled progress,
then shows page 1 as an embed with buttons. Buttons are DynamicItems whose custom_id
carries the ids they need (deck, page, question), so they work after a restart; every
press is checked against the presser's own data, and a refusal is a polite ephemeral
message (never Discord's bare "This interaction failed").
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from dataclasses import replace
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import texts
from bot.app import App
from bot.buttons import ID, OPTION, PAGE, QUESTION, RATING
from bot.discord.render import (
    NO_PINGS,
    answer_embed,
    deck_embed,
    decks_embed,
    question_embed,
    safe,
    stats_embed,
)
from bot.pages import clamp_page, page_count, page_of
from bot.throttle import ThrottledEditor
from core import errors
from core.export import apkg_bytes, csv_bytes
from core.jobs import JobUpdate
from core.models import Stage
from core.srs import Answer, Question, QuestionExpired
from core.store import CardKind, DeckInfo, Notify, User
from core.youtube import find_video_id

log = logging.getLogger(__name__)

PLATFORM = "discord"
Inter = discord.Interaction[Any]
AnyItem = discord.ui.Item[Any]
LANGUAGE_CHOICES = [
    app_commands.Choice(name=texts.language_label(code), value=code)
    for code in texts.LEARNER_LANGUAGES
]
LEVEL_CHOICES = [
    app_commands.Choice(name=name, value=level) for level, name in texts.LEVEL_NAMES.items()
]


def vocabot(interaction: Inter) -> App:
    app: App = interaction.client.vocabot  # type: ignore[attr-defined]
    return app


async def user_of(interaction: Inter) -> User:
    app = vocabot(interaction)
    return await app.store.get_or_create_user(
        PLATFORM,
        str(interaction.user.id),
        learner_language=app.settings.default_learner_language,
        level=app.settings.default_level,
    )


async def refuse(interaction: Inter, text: str) -> None:
    """A polite ephemeral answer (so Discord never shows "This interaction failed")."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def owned_deck(interaction: Inter, deck_id: int) -> DeckInfo | None:
    user = await user_of(interaction)
    info = await vocabot(interaction).store.get_deck(user.id, deck_id)
    if info is None:
        log.info("discord user %s pressed deck %s they don't own", interaction.user.id, deck_id)
        await refuse(interaction, texts.NOT_YOURS)
    return info


async def deck_message(
    app: App, user: User, info: DeckInfo, kind: CardKind, page: int
) -> tuple[discord.Embed, DeckView]:
    cards = await app.store.deck_cards(user.id, info.id, kind)
    known = await app.store.known_words(user.id)
    page = clamp_page(page, cards)
    view = deck_view(info, cards, kind, page, known, owner=int(user.platform_user_id))
    return deck_embed(info, cards, kind, page, known), view


# -- buttons (persistent: their custom_id is their state) ---------------------------------------

DECK_PAGE = rf"(?P<deck>{ID}):(?P<kind>[wp]):(?P<page>{PAGE})"


def deck_page_id(prefix: str, deck_id: int, kind: CardKind, page: int) -> str:
    return f"{prefix}:{deck_id}:{'w' if kind == 'word' else 'p'}:{page}"


def deck_page_of(match: re.Match[str]) -> tuple[int, CardKind, int]:
    kind: CardKind = "word" if match["kind"] == "w" else "phrase"
    return int(match["deck"]), kind, int(match["page"])


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"v:p:" + DECK_PAGE,
):
    def __init__(self, deck_id: int, kind: CardKind, page: int, label: str = "", **kw: Any):
        custom_id = deck_page_id("v:p", deck_id, kind, page)
        super().__init__(discord.ui.Button(label=label or str(page + 1), custom_id=custom_id, **kw))
        self.deck_id, self.kind, self.page = deck_id, kind, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Inter,
        item: AnyItem,
        match: re.Match[str],
        /,
    ) -> PageButton:
        return cls(*deck_page_of(match))

    async def callback(self, interaction: Inter) -> None:
        info = await owned_deck(interaction, self.deck_id)
        if info is None:
            return
        user = await user_of(interaction)
        embed, view = await deck_message(vocabot(interaction), user, info, self.kind, self.page)
        view.message = interaction.message
        await interaction.response.edit_message(embed=embed, view=view)


class KnowButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"v:k:" + DECK_PAGE,
):
    """ "I know these": every card on the page becomes a known word."""

    def __init__(self, deck_id: int, kind: CardKind, page: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="✓ I know these",
                style=discord.ButtonStyle.success,
                custom_id=deck_page_id("v:k", deck_id, kind, page),
            )
        )
        self.deck_id, self.kind, self.page = deck_id, kind, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Inter,
        item: AnyItem,
        match: re.Match[str],
        /,
    ) -> KnowButton:
        return cls(*deck_page_of(match))

    async def callback(self, interaction: Inter) -> None:
        info = await owned_deck(interaction, self.deck_id)
        if info is None:
            return
        app, user = vocabot(interaction), await user_of(interaction)
        cards = await app.store.deck_cards(user.id, info.id, self.kind)
        await app.store.add_known_words(user.id, [c.key for c in page_of(cards, self.page)])
        embed, view = await deck_message(app, user, info, self.kind, self.page)
        view.message = interaction.message
        await interaction.response.edit_message(embed=embed, view=view)


class ExportButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"v:x:(?P<deck>{ID}):(?P<fmt>apkg|csv)",
):
    def __init__(self, deck_id: int, fmt: str) -> None:
        label = "⬇️ Anki" if fmt == "apkg" else "⬇️ CSV"
        super().__init__(discord.ui.Button(label=label, custom_id=f"v:x:{deck_id}:{fmt}"))
        self.deck_id, self.fmt = deck_id, fmt

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Inter,
        item: AnyItem,
        match: re.Match[str],
        /,
    ) -> ExportButton:
        return cls(int(match["deck"]), match["fmt"])

    async def callback(self, interaction: Inter) -> None:
        info = await owned_deck(interaction, self.deck_id)
        if info is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(
            file=await export_file(interaction, info, self.fmt), ephemeral=True
        )


async def export_file(interaction: Inter, info: DeckInfo, fmt: str) -> discord.File:
    app, user = vocabot(interaction), await user_of(interaction)
    cards = await app.store.deck_cards(user.id, info.id)
    name = (info.title or info.video_id or f"deck-{info.id}").replace("/", "-")[:60]
    if fmt == "csv":
        data = csv_bytes(cards)
    else:
        data = await apkg_bytes(cards, deck_name=f"vocabot::{name}", owner=str(user.id))
    return discord.File(io.BytesIO(data), filename=f"{name}.{fmt}")


class DeckView(discord.ui.View):
    """A deck page's buttons: only its owner may press; disabled after a quiet while.

    The buttons are persistent DynamicItems, so a page left before a restart still works;
    in a running bot, a page nobody touched for `TIMEOUT` seconds has its buttons disabled
    (the deck stays one /decks away).
    """

    TIMEOUT = 15 * 60.0

    def __init__(self, owner: int) -> None:
        super().__init__(timeout=self.TIMEOUT)
        self.owner = owner
        self.message: Any = None  # set when the page is shown

    async def interaction_check(self, interaction: Inter) -> bool:
        if interaction.user.id == self.owner:
            return True
        # discord.py sends nothing when this returns False: refuse politely ourselves.
        await refuse(interaction, texts.NOT_YOURS)
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.DynamicItem):
                button = getattr(item, "item", item)
                button.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as exc:
                log.info("could not disable an old page's buttons: %s", exc)


def deck_view(
    info: DeckInfo,
    cards: list[Any],
    kind: CardKind,
    page: int,
    known: frozenset[str],
    *,
    owner: int,
) -> DeckView:
    view = DeckView(owner)
    pages = page_count(cards)
    grey = discord.ButtonStyle.secondary
    view.add_item(PageButton(info.id, kind, max(page - 1, 0), "◀", disabled=page == 0))
    view.add_item(
        PageButton(info.id, kind, min(page + 1, pages - 1), "▶", disabled=page + 1 >= pages)
    )
    other: CardKind = "phrase" if kind == "word" else "word"
    label = f"💬 Phrases ({info.phrases})" if other == "phrase" else f"📖 Words ({info.words})"
    view.add_item(PageButton(info.id, other, 0, label, style=grey))
    if any(c.key not in known for c in page_of(cards, page)):
        view.add_item(KnowButton(info.id, kind, page))
    view.add_item(ExportButton(info.id, "apkg"))
    view.add_item(ExportButton(info.id, "csv"))
    return view


# -- quiz buttons -------------------------------------------------------------------------------


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"v:qa:(?P<q>{QUESTION}):(?P<n>{OPTION})",
):
    def __init__(self, question_id: str, number: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(label=label or str(number), custom_id=f"v:qa:{question_id}:{number}")
        )
        self.question_id, self.number = question_id, number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Inter,
        item: AnyItem,
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        return cls(match["q"], int(match["n"]))

    async def callback(self, interaction: Inter) -> None:
        await answer_question(interaction, self.question_id, str(self.number))


class TypeAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"v:qt:(?P<q>{QUESTION})"
):
    def __init__(self, question_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="✍️ Answer", style=discord.ButtonStyle.primary, custom_id=f"v:qt:{question_id}"
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Inter,
        item: AnyItem,
        match: re.Match[str],
        /,
    ) -> TypeAnswerButton:
        return cls(match["q"])

    async def callback(self, interaction: Inter) -> None:
        await interaction.response.send_modal(TypedAnswer(self.question_id))


class TypedAnswer(discord.ui.Modal, title="Type the missing word"):
    word: discord.ui.TextInput[Any] = discord.ui.TextInput(label="The word", max_length=60)

    def __init__(self, question_id: str) -> None:
        super().__init__()
        self.question_id = question_id

    async def on_submit(self, interaction: Inter) -> None:
        await answer_question(interaction, self.question_id, str(self.word.value))


class RateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"v:qr:(?P<q>{QUESTION}):(?P<r>{RATING})",
):
    def __init__(self, question_id: str, rating: int, suggested: bool = False) -> None:
        label = dict(texts.RATINGS)[rating]
        style = discord.ButtonStyle.primary if suggested else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"v:qr:{question_id}:{rating}")
        )
        self.question_id, self.rating = question_id, rating

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Inter,
        item: AnyItem,
        match: re.Match[str],
        /,
    ) -> RateButton:
        return cls(match["q"], int(match["r"]))

    async def callback(self, interaction: Inter) -> None:
        app, user = vocabot(interaction), await user_of(interaction)
        try:
            rated = await app.quiz.rate(user.id, self.question_id, self.rating)
        except QuestionExpired as exc:
            await refuse(interaction, exc.user_message)
            return
        if rated.duplicate:
            await refuse(interaction, "Already saved ✓")
            return
        embed, view = await question_message(app, user)
        await interaction.response.edit_message(
            content=f"Next review of that one {texts.when(rated.due)}.", embed=embed, view=view
        )


def question_view(question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if question.options:
        for number, option in enumerate(question.options, 1):
            view.add_item(AnswerButton(question.id, number, f"{number}. {option}"[:80]))
    else:
        view.add_item(TypeAnswerButton(question.id))
    return view


def rating_view(answer: Answer) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for value, _ in texts.RATINGS:
        view.add_item(RateButton(answer.question.id, value, value == int(answer.suggested)))
    return view


async def question_message(app: App, user: User) -> tuple[discord.Embed, discord.ui.View | None]:
    question = await app.quiz.next_question(user.id)
    if question is not None:
        return question_embed(question), question_view(question)
    if not await app.store.user_cards(user.id):
        return discord.Embed(description=texts.NO_CARDS), None
    embed = stats_embed(await app.quiz.stats(user.id))
    embed.title = texts.NOTHING_DUE
    return embed, None


async def answer_question(interaction: Inter, question_id: str, given: str) -> None:
    app, user = vocabot(interaction), await user_of(interaction)
    try:
        answer = await app.quiz.answer(user.id, question_id, given)
    except QuestionExpired as exc:
        await refuse(interaction, exc.user_message)
        return
    if answer.duplicate:
        await refuse(interaction, "Already answered.")
        return
    await interaction.response.edit_message(embed=answer_embed(answer), view=rating_view(answer))


def _none_of(*items: type[discord.ui.DynamicItem[Any]]) -> str:
    """A template for our ids ("v:…") that none of `items`' templates takes."""
    theirs = "|".join(
        re.sub(r"\(\?P<\w+>", "(?:", item.__discord_ui_compiled_template__.pattern)
        for item in items
    )
    return rf"(?s)(?!(?:{theirs})\Z)v:.*"


class StaleButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=_none_of(
        PageButton, KnowButton, ExportButton, AnswerButton, TypeAnswerButton, RateButton
    ),
):
    """A button of ours no other item accepts (forged, out of range, from an old version):
    a polite "no longer valid" instead of Discord's "This interaction failed"."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Inter,
        item: AnyItem,
        match: re.Match[str],
        /,
    ) -> StaleButton:
        return cls(match.string)

    async def callback(self, interaction: Inter) -> None:
        log.info("stale or forged button %r from %s", self.custom_id[:100], interaction.user.id)
        await refuse(interaction, texts.EXPIRED)


DYNAMIC_ITEMS = (
    PageButton,
    KnowButton,
    ExportButton,
    AnswerButton,
    TypeAnswerButton,
    RateButton,
    StaleButton,
)


# -- slash commands -----------------------------------------------------------------------------


class VocabCog(commands.Cog):
    def __init__(self, app: App, edit_interval: float = 1.5, first_edit_delay: float = 0.5):
        self.app = app
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
        # The job's row is written before the deferral (a few ms of SQLite, well inside
        # Discord's 3 seconds): a crash after the user sees "thinking" resumes the job,
        # whose deck is then posted in the channel.
        user = await user_of(interaction)
        if learner_language is not None:
            user = replace(user, learner_language=learner_language.value)

        async def edit(text: str) -> None:
            await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

        editor = ThrottledEditor(edit, self.edit_interval, first_delay=self.first_edit_delay)

        async def listener(update: JobUpdate) -> None:
            if not update.finished:
                await editor.update(texts.progress_text(update.progress))
                return
            editor.cancel()
            await self._finish(interaction, user, update)

        async def announce() -> None:
            await interaction.response.defer(thinking=True)

        notify = Notify(PLATFORM, str(interaction.channel_id or 0))
        try:
            await self.app.runner.submit(
                user, video_id, notify=notify, listener=listener, announce=announce
            )
        except errors.VocabotError as exc:
            log.info("discord job refused for %s: %s", interaction.user.id, exc.code)
            if interaction.response.is_done():
                await interaction.edit_original_response(content=f"❌ {safe(exc.user_message)}")
            else:
                await refuse(interaction, f"❌ {safe(exc.user_message)}")

    async def _finish(self, interaction: Inter, user: User, update: JobUpdate) -> None:
        if update.progress.stage == Stage.DONE and update.deck is not None:
            info = update.deck
            kind: CardKind = "word" if info.words or not info.phrases else "phrase"
            embed, view = await deck_message(self.app, user, info, kind, 0)
            view.message = await interaction.edit_original_response(
                content=None, embed=embed, view=view, allowed_mentions=NO_PINGS
            )
        else:
            text = texts.progress_text(update.progress)
            if update.progress.stage == Stage.FAILED:
                text = texts.failure_text(update)
            await interaction.edit_original_response(content=safe(text))

    @app_commands.command(name="decks", description="Your decks")
    async def decks(self, interaction: Inter) -> None:
        user = await user_of(interaction)
        decks = await self.app.store.list_decks(user.id)
        if not decks:
            await refuse(interaction, texts.NO_DECKS)
            return
        view = discord.ui.View(timeout=None)
        for number, info in enumerate(decks[:5], 1):
            view.add_item(PageButton(info.id, "word", 0, f"Open {number}"))
        await interaction.response.send_message(embed=decks_embed(decks), view=view, ephemeral=True)

    @app_commands.command(name="known", description="Never show me this word again")
    async def known(self, interaction: Inter, word: str) -> None:
        user = await user_of(interaction)
        words = [w for w in word.split() if w]
        await self.app.store.add_known_words(user.id, words)
        await refuse(interaction, f"✓ I'll skip {safe(', '.join(words))} from now on.")

    @app_commands.command(name="settings", description="Your meaning language and level")
    @app_commands.choices(learner_language=LANGUAGE_CHOICES, level=LEVEL_CHOICES)
    async def settings(
        self,
        interaction: Inter,
        learner_language: app_commands.Choice[str] | None = None,
        level: app_commands.Choice[str] | None = None,
    ) -> None:
        user = await user_of(interaction)
        user = await self.app.store.update_user(
            user.id,
            learner_language=learner_language.value if learner_language else None,
            level=level.value if level else None,
        )
        await refuse(
            interaction,
            f"Meanings in **{texts.language_label(user.learner_language)}**, level "
            f"**{texts.LEVEL_NAMES.get(user.level, user.level)}**.",
        )

    @app_commands.command(name="export", description="Download your latest deck")
    @app_commands.choices(
        format=[
            app_commands.Choice(name="Anki (.apkg)", value="apkg"),
            app_commands.Choice(name="CSV", value="csv"),
        ]
    )
    async def export(self, interaction: Inter, format: app_commands.Choice[str]) -> None:
        user = await user_of(interaction)
        decks = await self.app.store.list_decks(user.id)
        if not decks:
            await refuse(interaction, texts.NO_DECKS)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await export_file(interaction, decks[0], format.value)
        await interaction.followup.send(file=file, ephemeral=True)

    @app_commands.command(name="quiz", description="Review your words")
    async def quiz(self, interaction: Inter) -> None:
        user = await user_of(interaction)
        embed, view = await question_message(self.app, user)
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="stats", description="Your progress")
    async def stats(self, interaction: Inter) -> None:
        user = await user_of(interaction)
        embed = stats_embed(await self.app.quiz.stats(user.id))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="cancel", description="Stop the video I'm working on, or the quiz")
    async def cancel(self, interaction: Inter) -> None:
        user = await user_of(interaction)
        count = await self.app.runner.cancel(user.id)
        ended = await self.app.quiz.end(user.id)
        await refuse(interaction, texts.cancel_text(count, ended))

    async def cog_app_command_error(
        self, interaction: Inter, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, errors.VocabotError):
            await refuse(interaction, original.user_message)
            return
        log.error("Discord command failed", exc_info=original)
        await refuse(interaction, texts.INTERNAL_ERROR)


# -- the client and the adapter -------------------------------------------------------------------


class VocabotDiscord(commands.Bot):
    def __init__(self, app: App) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.none() | discord.Intents(guilds=True),
            allowed_mentions=NO_PINGS,
        )
        self.vocabot = app
        self.resumed_jobs: set[str] = set()

    async def setup_hook(self) -> None:
        await self.add_cog(VocabCog(self.vocabot))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        guild_id = self.vocabot.settings.discord_guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def notify(self, target: Notify, update: JobUpdate) -> None:
        """Jobs resumed after a restart: the interaction is gone, so post in the channel."""
        if update.progress.detail == "resumed":
            self.resumed_jobs.add(update.job_id)
            return
        if not update.finished or (update.job_id not in self.resumed_jobs and not update.resumed):
            return
        self.resumed_jobs.discard(update.job_id)
        channel = self.get_channel(int(target.chat_id))
        if not isinstance(channel, discord.abc.Messageable):
            return
        app = self.vocabot
        user = await app.store.get_user(update.user_id)
        if user is None:
            return
        mention = discord.AllowedMentions(users=[discord.Object(id=int(user.platform_user_id))])
        if update.deck is None:
            await channel.send(
                f"<@{user.platform_user_id}> {safe(texts.failure_text(update))}",
                allowed_mentions=mention,
            )
            return
        embed, view = await deck_message(app, user, update.deck, "word", 0)
        await channel.send(
            f"<@{user.platform_user_id}> your deck is ready (I was restarted while making it).",
            embed=embed,
            view=view,
            allowed_mentions=mention,
        )


class DiscordAdapter:
    name = "Discord"

    def __init__(self, app: App, *, token: str) -> None:
        self.token = token
        self.client = VocabotDiscord(app)
        app.runner.notifiers[PLATFORM] = self.client.notify
        self._task: Any = None

    async def start(self) -> None:
        await self.client.login(self.token)  # raises LoginFailure on a bad token
        self._task = asyncio.create_task(self.client.connect(), name="discord-gateway")

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
