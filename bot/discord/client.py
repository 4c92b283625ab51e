"""The Discord client (slash commands synced at start, persistent buttons) and its adapter.

One process holds one gateway connection by default. Past one connection (Discord
requires sharding from 2,500 servers) DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS make it an
AutoShardedBot running those shards: several processes then split the shards between
them, each with the same count and its own ids.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord.ext import commands

from bot import texts
from bot.adapters import PlatformUnreachable, TokenRejected
from bot.app import App
from bot.discord.buttons import deck_view
from bot.discord.cog import VocabCog
from bot.discord.common import PLATFORM
from bot.discord.habit import HabitCog, ReminderSender
from bot.discord.items import DYNAMIC_ITEMS
from bot.discord.ops import OpsCog, Sender
from bot.discord.render import NO_PINGS, deck_embed, safe
from bot.discord.study import StudyCog
from bot.discord.translator import CatalogTranslator
from core import JobUpdate, Notify, translator


class VocabotDiscord(commands.Bot):
    def __init__(self, app: App, **shards: Any) -> None:
        # `shards`: shard_count and shard_ids, for ShardedVocabotDiscord (discord.py types
        # them on AutoShardedBot's options only, hence Any here).
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.none() | discord.Intents(guilds=True),
            allowed_mentions=NO_PINGS,
            **shards,
        )
        self.vocabot = app
        self.resumed_jobs: set[str] = set()

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs the command tree: one process does (the one with
        shard 0, or the only one), not every process of a sharded bot at once."""
        ids: list[int] | None = getattr(self, "shard_ids", None)  # AutoShardedBot's
        return ids is None or 0 in ids

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogTranslator())  # before the tree is synced
        await self.add_cog(VocabCog(self.vocabot))
        await self.add_cog(StudyCog(self.vocabot))
        await self.add_cog(OpsCog(self.vocabot))
        await self.add_cog(HabitCog(self.vocabot))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if not self.syncs_commands:
            return
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
        user = await self.vocabot.actions.learners.by_id(update.user_id)
        if not isinstance(channel, discord.abc.Messageable) or user is None:
            return
        owner, tr = int(user.platform_user_id), translator(user.ui_language)
        mention = discord.AllowedMentions(users=[discord.Object(id=owner)])
        if update.deck is None:
            text = f"<@{owner}> {safe(texts.failure_text(tr, update))}"
            await channel.send(text, allowed_mentions=mention)
            return
        page = await self.vocabot.actions.decks.page(user, update.deck.id)
        await channel.send(
            f"<@{owner}> " + tr("your deck is ready (I was restarted while making it)."),
            embed=deck_embed(tr, page),
            view=deck_view(tr, page, owner=owner),
            allowed_mentions=mention,
        )


class ShardedVocabotDiscord(VocabotDiscord, commands.AutoShardedBot):
    """The same bot on several gateway shards (discord.py's AutoShardedBot)."""


def make_client(app: App) -> VocabotDiscord:
    """The client for this process: unsharded, or the shards the settings name."""
    settings = app.settings
    if settings.discord_shard_count is None:
        return VocabotDiscord(app)
    return ShardedVocabotDiscord(
        app, shard_count=settings.discord_shard_count, shard_ids=settings.discord_shard_ids
    )


class DiscordAdapter:
    name = "Discord"

    def __init__(self, app: App, *, token: str) -> None:
        self.token = token
        self.client = make_client(app)
        app.runner.notifiers[PLATFORM] = self.client.notify
        app.actions.admin.senders[PLATFORM] = Sender(self.client)
        app.actions.reminders.senders[PLATFORM] = ReminderSender(self.client)
        app.health.platforms[PLATFORM] = self.connected
        self._task: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        try:
            await self.client.login(self.token)
        except discord.LoginFailure as exc:
            raise TokenRejected(str(exc)) from exc
        except (discord.HTTPException, OSError) as exc:
            raise PlatformUnreachable(str(exc)) from exc
        self._task = asyncio.create_task(self.client.connect(), name="discord-gateway")

    def connected(self) -> bool:
        """Logged in, and the gateway is up."""
        return self.client.is_ready() and not self.client.is_closed()

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
