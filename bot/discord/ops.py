"""Discord's part in running the bot in public: /privacy, /forget (with a confirm button),
/admin (subcommands, for ADMIN_USER_IDS only), broadcasts by direct message."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot import ops_texts
from bot.admin_commands import AdminCommand, run_admin
from bot.app import App
from bot.buttons import ID
from bot.discord.common import AnyItem, Inter, app_of, command_failed, learner_tr, refuse
from bot.discord.render import NO_PINGS, safe
from core import N_

log = logging.getLogger(__name__)
Button = discord.ui.Button[Any]


def _text(message: str) -> locale_str:
    return locale_str(message)


class ForgetButton(
    discord.ui.DynamicItem[Button], template=rf"v:fg:(?P<owner>{ID}):(?P<answer>[yn])"
):
    """/forget's confirmation (y) or refusal (n), for the account that asked."""

    def __init__(self, owner: int, answer: str, label: str = "") -> None:
        style = discord.ButtonStyle.danger if answer == "y" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=label or answer, style=style, custom_id=f"v:fg:{owner}:{answer}"
            )
        )
        self.owner, self.answer = owner, answer

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> ForgetButton:
        return cls(int(match["owner"]), match["answer"])

    async def callback(self, interaction: Inter) -> None:
        user, tr = await learner_tr(interaction)
        if interaction.user.id != self.owner:
            log.info("discord user %s pressed someone else's /forget", interaction.user.id)
            await refuse(interaction, tr(ops_texts.FORGET_NOT_YOURS))
            return
        if self.answer == "y":
            await app_of(interaction).actions.learners.forget(user)
            done = tr(ops_texts.FORGET_DONE)
        else:
            done = tr(ops_texts.FORGET_KEPT)
        await interaction.response.edit_message(content=done, view=None)


class Sender:
    """A broadcast reaches a Discord learner as a direct message."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def __call__(self, platform_user_id: str, text: str) -> bool:
        try:
            user = await self.client.fetch_user(int(platform_user_id))
            await user.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:  # DMs closed, no shared server, gone
            log.info("broadcast not delivered on Discord: %s", exc)
            return False
        return True


class OpsCog(commands.Cog):
    admin = app_commands.Group(name="admin", description=_text(N_("For the bot's admins")))

    def __init__(self, app: App) -> None:
        self.app = app

    @app_commands.command(name="privacy", description=_text(N_("What I keep about you, and why")))
    async def privacy(self, interaction: Inter) -> None:
        _, tr = await learner_tr(interaction)
        await refuse(interaction, tr(ops_texts.PRIVACY))

    @app_commands.command(
        name="forget", description=_text(N_("Delete everything I keep about you"))
    )
    async def forget(self, interaction: Inter) -> None:
        _, tr = await learner_tr(interaction)
        me = interaction.user.id
        view = discord.ui.View(timeout=None)
        view.add_item(ForgetButton(me, "y", tr(ops_texts.FORGET_YES)))
        view.add_item(ForgetButton(me, "n", tr(ops_texts.FORGET_NO)))
        await interaction.response.send_message(tr(ops_texts.FORGET_ASK), view=view, ephemeral=True)

    async def _admin(self, interaction: Inter, command: AdminCommand) -> None:
        user, tr = await learner_tr(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)

        async def say(text: str) -> None:
            await interaction.followup.send(safe(text), ephemeral=True)

        await run_admin(self.app.actions, user, tr, command, say)

    @admin.command(name="status", description=_text(N_("The queue and today's usage")))
    async def admin_status(self, interaction: Inter) -> None:
        await self._admin(interaction, AdminCommand("status"))

    @admin.command(name="user", description=_text(N_("A learner's quota")))
    @app_commands.describe(account=_text(N_("platform:id, e.g. telegram:12345")))
    async def admin_user(self, interaction: Inter, account: str) -> None:
        await self._admin(interaction, AdminCommand("user", account))

    @admin.command(name="quota", description=_text(N_("Set a learner's new decks a day")))
    @app_commands.describe(
        account=_text(N_("platform:id, e.g. telegram:12345")),
        builds=_text(N_("new decks a day (leave out: back to the default)")),
    )
    async def admin_quota(
        self,
        interaction: Inter,
        account: str,
        builds: app_commands.Range[int, 0, 1_000_000] | None = None,
    ) -> None:
        await self._admin(interaction, AdminCommand("quota", account, builds))

    @admin.command(name="block", description=_text(N_("No new decks for a learner")))
    @app_commands.describe(account=_text(N_("platform:id, e.g. telegram:12345")))
    async def admin_block(self, interaction: Inter, account: str) -> None:
        await self._admin(interaction, AdminCommand("block", account))

    @admin.command(name="unblock", description=_text(N_("Allow a learner new decks again")))
    @app_commands.describe(account=_text(N_("platform:id, e.g. telegram:12345")))
    async def admin_unblock(self, interaction: Inter, account: str) -> None:
        await self._admin(interaction, AdminCommand("unblock", account))

    @admin.command(
        name="broadcast", description=_text(N_("A message to everyone who talked to me lately"))
    )
    @app_commands.describe(
        text=_text(N_("the message")), days=_text(N_("who talked to me in the last days"))
    )
    async def admin_broadcast(
        self,
        interaction: Inter,
        text: str,
        days: app_commands.Range[int, 1, 366] = ops_texts.BROADCAST_DAYS,
    ) -> None:
        await self._admin(interaction, AdminCommand("broadcast", days=days, text=text))

    async def cog_app_command_error(
        self, interaction: Inter, error: app_commands.AppCommandError
    ) -> None:
        await command_failed(interaction, error)
