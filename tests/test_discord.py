"""The Discord adapter: render limits and escaping, and the cog and button callbacks driven
with a small fake Interaction, against the simulated vLLM over real HTTP."""

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, cast

import discord
import pytest
from discord import app_commands

from bot import texts
from bot.app import App, open_app
from bot.discord.buttons import DeckView, ExportButton, KnowButton, PageButton
from bot.discord.client import VocabotDiscord
from bot.discord.cog import VocabCog
from bot.discord.common import Inter
from bot.discord.items import DYNAMIC_ITEMS
from bot.discord.quiz import AnswerButton, RateButton
from bot.discord.render import TOTAL, deck_embed, embed_size, safe
from core.config import Settings
from core.i18n import translator
from core.jobs import JobUpdate
from core.models import Progress, Stage, Word
from core.store import Card, DeckInfo, Notify
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.factories import deck, deck_page

ALICE, BOB = 1001, 2002

P = ParamSpec("P")
# A slash command's function in a Cog: discord.py types `Command.callback` as "bound to a
# Cog or not"; ours all take the Cog first.
Handler = Callable[Concatenate[VocabCog, Inter, P], Coroutine[Any, Any, None]]


@dataclass
class Screen:
    """What the user sees: the command's message, ephemeral replies, files and modals."""

    original: dict[str, Any] = field(default_factory=dict)
    sent: dict[str, Any] = field(default_factory=dict)  # a new message sent in reply
    ephemeral: list[str] = field(default_factory=list)
    files: list[discord.File] = field(default_factory=list)
    deferred: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class FakeResponse:
    def __init__(self, screen: Screen, message: dict[str, Any]) -> None:
        self.screen, self.message, self.done = screen, message, False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, *, thinking: bool = False, ephemeral: bool = False) -> None:
        assert not self.done, "an interaction is answered once"
        self.done = self.screen.deferred = True

    async def send_message(self, content: str | None = None, **kw: Any) -> None:
        assert not self.done
        self.done = True
        if kw.get("ephemeral") and content:
            self.screen.ephemeral.append(content)
        self.screen.sent.update(content=content, **kw)

    async def edit_message(self, **kw: Any) -> None:
        assert not self.done
        self.done = True
        self.message.update(kw)

    async def send_modal(self, modal: discord.ui.Modal) -> None:
        self.done = True
        self.message["modal"] = modal


class FakeMessage:
    """The message a button sits on (for later edits, e.g. disabling old buttons)."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state

    async def edit(self, **kw: Any) -> None:
        self.state.update(kw)


@dataclass
class FakeUser:
    id: int


@dataclass
class FakeClient:
    """The client's one attribute the handlers read (VocabotDiscord carries the App)."""

    vocabot: App


@dataclass
class FakeFollowup:
    screen: Screen

    async def send(self, content: str | None = None, **kw: Any) -> None:
        if kw.get("file") is not None:
            self.screen.files.append(kw["file"])
        if kw.get("ephemeral") and content:
            self.screen.ephemeral.append(content)


class FakeInteraction:
    """Stands in for a discord.Interaction: only what our handlers touch."""

    channel_id = 555
    guild_id: int | None = None
    locale = discord.Locale.american_english  # the user's Discord client language

    def __init__(self, app: App, user_id: int, screen: Screen, message: dict[str, Any]) -> None:
        self.user = FakeUser(user_id)
        self.client = FakeClient(app)
        self.screen = screen
        self.message = FakeMessage(message)
        self.response = FakeResponse(screen, message)
        self.followup = FakeFollowup(screen)

    async def edit_original_response(self, **kw: Any) -> None:
        self.screen.original.update(kw)
        self.screen.changed.set()


@dataclass
class Discord:
    app: App
    cog: VocabCog
    sim: Sim

    def interaction(
        self,
        user: int,
        screen: Screen,
        message: dict[str, Any] | None = None,
        *,
        locale: discord.Locale | None = None,
    ) -> Inter:
        fake = FakeInteraction(self.app, user, screen, message if message is not None else {})
        if locale is not None:
            fake.locale = locale
        return cast(Inter, fake)  # duck-typed: the handlers' part of discord.Interaction

    async def run(
        self,
        command: app_commands.Command[VocabCog, P, None],
        interaction: Inter,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """A slash command as discord.py calls it: the Cog's function with its Cog."""
        handler = cast(Handler[P], command.callback)
        await handler(self.cog, interaction, *args, **kwargs)

    async def vocab(self, user: int, url: str, locale: discord.Locale | None = None) -> Screen:
        screen = Screen()
        await self.run(self.cog.vocab, self.interaction(user, screen, locale=locale), url=url)
        return screen

    async def wait_for_answer(self, screen: Screen) -> None:
        """Until the command's message shows a deck's page or a failure."""
        while screen.original.get("embed") is None and not str(
            screen.original.get("content") or ""
        ).startswith("❌"):
            screen.changed.clear()
            await screen.changed.wait()

    async def wait_for_embed(self, screen: Screen) -> discord.Embed:
        await self.wait_for_answer(screen)
        embed = screen.original.get("embed")
        assert isinstance(embed, discord.Embed), screen.original.get("content")
        return embed


@pytest.fixture
async def dc(sim: Sim, tmp_path: Path) -> AsyncIterator[Discord]:
    settings = Settings(
        llm_base_url=sim.url, db_path=tmp_path / "d.sqlite3", user_cooldown_seconds=0
    )
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        yield Discord(app, VocabCog(app, edit_interval=0, first_edit_delay=0), sim)


def button(view: discord.ui.View, label: str) -> discord.ui.Item[Any]:
    for item in view.children:
        dynamic = getattr(item, "item", item)
        if label in str(getattr(dynamic, "label", "")):
            return item
    raise KeyError(label)


# -- rendering ------------------------------------------------------------------------------


def info(words: int = 30) -> DeckInfo:
    return DeckInfo(
        id=7, user_id=1, video_id="dQw4w9WgXcQ", title="@everyone " + "t" * 500,
        learner_language="ko", level="B1", words=words, phrases=0, missing=(),
        created_at=datetime.now(UTC),
    )  # fmt: skip


def test_embeds_stay_inside_discords_limits_with_huge_inputs() -> None:
    word = Word(
        lemma="<@123456789012345678> **bold** " * 40, pos="n", meaning="뜻 @here " * 300,
        sentence="@everyone look ||spoiler|| " * 400, start=125.0, zipf=3.0,
        video_id="dQw4w9WgXcQ",
    )  # fmt: skip
    cards = [Card(i, 7, "word", word) for i in range(30)]
    embed = deck_embed(translator("en"), deck_page(info(), cards, "word", 2))
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields)
    assert embed_size(embed) <= TOTAL
    everything = str(embed.to_dict())
    assert "@everyone" not in everything and "@here" not in everything
    assert "<@123456789012345678>" not in everything
    assert "t=125" in everything


def test_safe_escapes_markdown_and_mentions() -> None:
    assert safe("@everyone **hi**") != "@everyone **hi**"
    assert "@everyone" not in safe("@everyone")


def test_button_ids_round_trip_and_fit() -> None:
    items = [
        PageButton(2**40, "phrase", 999, "▶"),
        KnowButton(2**40, "word", 12),
        ExportButton(2**40, "apkg"),
        AnswerButton("deadbeef", 4, "4. x" * 40),
        RateButton("deadbeef", 3),
    ]
    for item in items:
        custom_id = item.item.custom_id
        assert custom_id is not None and len(custom_id) <= 100
        assert any(
            re.fullmatch(cls.__discord_ui_compiled_template__, custom_id) for cls in DYNAMIC_ITEMS
        )


# -- commands and buttons -------------------------------------------------------------------------


async def test_vocab_defers_shows_progress_then_page_one(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "https://youtu.be/vocabDemo02")
    assert screen.deferred, "deferred within Discord's 3 seconds"
    embed = await dc.wait_for_embed(screen)
    assert embed.description is not None and "Words 1–5 of" in embed.description
    assert "youtu.be/vocabDemo02?t=" in str(embed.to_dict())
    view: discord.ui.View = screen.original["view"]
    assert button(view, "▶") and button(view, "Phrases") and button(view, "I know these")
    assert screen.original.get("content") is None


async def test_not_a_link_is_an_ephemeral_sentence(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "hello")
    assert screen.ephemeral == [texts.NOT_A_LINK] and not screen.deferred


async def test_no_captions_is_told(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "https://youtu.be/zzzzzzzzzz1")
    await dc.wait_for_answer(screen)
    assert "no captions" in screen.original["content"]


async def test_buttons_page_know_export_and_refuse_strangers(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    view: discord.ui.View = screen.original["view"]
    message: dict[str, Any] = {}

    # A stranger is refused politely, and nothing changes.
    stranger = Screen()
    await button(view, "▶").callback(dc.interaction(BOB, stranger, message))
    assert stranger.ephemeral == [texts.NOT_YOURS] and message == {}

    await button(view, "▶").callback(dc.interaction(ALICE, Screen(), message))
    assert "Words 6–10 of" in message["embed"].description

    await button(message["view"], "I know these").callback(dc.interaction(ALICE, Screen(), message))
    alice = await dc.app.store.get_or_create_user(
        "discord", str(ALICE), learner_language="ko", level="B1"
    )
    assert len(await dc.app.store.known_words(alice.id)) == 5
    assert "✓ known" in str(message["embed"].to_dict())

    files = Screen()
    await button(message["view"], "CSV").callback(dc.interaction(ALICE, files, {}))
    assert files.files and files.files[0].filename.endswith(".csv")


async def test_buttons_rebuilt_from_their_ids_after_a_restart(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    shown = button(screen.original["view"], "▶")
    assert isinstance(shown, PageButton)
    match = re.fullmatch(PageButton.__discord_ui_compiled_template__, shown.custom_id)
    assert match is not None
    rebuilt = await PageButton.from_custom_id(dc.interaction(ALICE, Screen()), shown.item, match)
    message: dict[str, Any] = {}
    await rebuilt.callback(dc.interaction(ALICE, Screen(), message))
    assert "Words 6–10 of" in message["embed"].description


async def test_quiz_answer_and_rate(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    quiz_screen = Screen()
    await dc.run(dc.cog.quiz, dc.interaction(ALICE, quiz_screen))
    message = quiz_screen.sent
    alice = await dc.app.store.get_or_create_user(
        "discord", str(ALICE), learner_language="ko", level="B1"
    )
    question = await dc.app.quiz.current(alice.id)
    assert question is not None and message["ephemeral"] is True
    right = question.options.index(question.answer) + 1
    await button(message["view"], f"{right}.").callback(dc.interaction(ALICE, Screen(), message))
    assert message["embed"].title == "✅ Right!"
    await button(message["view"], "Good").callback(dc.interaction(ALICE, Screen(), message))
    assert "Next review" in message["content"]
    assert len(await dc.app.store.review_log(alice.id)) == 1


async def test_settings_known_stats_decks(dc: Discord) -> None:
    screen = Screen()
    choice = discord.app_commands.Choice(name="Japanese", value="ja")
    await dc.run(dc.cog.settings, dc.interaction(ALICE, screen), learner_language=choice)
    assert "Japanese" in screen.ephemeral[0]
    decks = Screen()
    await dc.run(dc.cog.decks, dc.interaction(ALICE, decks))
    assert decks.ephemeral == [texts.NO_DECKS]
    known = Screen()
    await dc.run(dc.cog.known, dc.interaction(ALICE, known), word="@everyone barista")
    assert "@everyone" not in known.ephemeral[0] and "barista" in known.ephemeral[0]


async def test_a_job_resumed_after_a_restart_is_posted_in_its_channel(
    dc: Discord, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = VocabotDiscord(dc.app)
    posted: list[dict[str, Any]] = []

    class Channel(discord.abc.Messageable):
        async def _get_channel(self) -> Any:
            return self

        async def send(self, content: str | None = None, **kw: Any) -> Any:
            posted.append({"content": content, **kw})

    monkeypatch.setattr(client, "get_channel", lambda _id: Channel())
    user = await dc.app.store.get_or_create_user(
        "discord", str(ALICE), learner_language="ko", level="B1"
    )
    info = await dc.app.store.save_deck(user.id, deck())
    target = Notify("discord", "555")
    await client.notify(
        target, JobUpdate("j1", user.id, "v", Progress(Stage.QUEUED, detail="resumed"))
    )
    await client.notify(target, JobUpdate("j1", user.id, "v", Progress(Stage.DONE), deck=info))
    await client.notify(target, JobUpdate("j2", user.id, "v", Progress(Stage.DONE), deck=info))
    assert len(posted) == 1, "only resumed jobs are posted; live ones edit their interaction"
    assert f"<@{ALICE}>" in posted[0]["content"] and posted[0]["embed"].fields
    assert posted[0]["allowed_mentions"].users[0].id == ALICE
    await client.close()


async def test_only_the_owner_may_press_and_old_pages_are_disabled(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    view: DeckView = screen.original["view"]
    stranger = Screen()
    assert not await view.interaction_check(dc.interaction(BOB, stranger))
    assert stranger.ephemeral == [texts.NOT_YOURS], "a polite refusal, not 'interaction failed'"
    assert await view.interaction_check(dc.interaction(ALICE, Screen()))

    shown: dict[str, Any] = {}
    view.message = FakeMessage(shown)
    await view.on_timeout()
    buttons = [getattr(item, "item", item) for item in shown["view"].children]
    assert buttons and all(b.disabled for b in buttons)
