"""The Discord test harness: the cog and its buttons driven with a small fake Interaction
(discord.py's gateway is not reachable here), on an App over the simulator. `dc` is a fixture
for every test module (registered in conftest.py)."""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, cast

import discord
import pytest
from discord import app_commands

from bot.app import App, open_app
from bot.discord.cog import VocabCog
from bot.discord.common import Inter
from core.config import Settings
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim

P = ParamSpec("P")
# A slash command's function in a Cog: discord.py types `Command.callback` as "bound to a
# Cog or not"; ours all take the Cog first.
Handler = Callable[Concatenate[VocabCog, Inter, P], Coroutine[Any, Any, None]]

ALICE, BOB = 1001, 2002  # two users the tests talk as


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
