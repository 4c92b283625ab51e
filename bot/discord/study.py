"""/web on Discord: a personal sign-in link to the study page, shown only to its owner."""

from __future__ import annotations

from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot import texts
from bot.app import App
from bot.discord.common import Inter, learner_tr, refuse
from core import N_


class StudyCog(commands.Cog):
    def __init__(self, app: App) -> None:
        self.actions = app.actions

    @app_commands.command(
        name="web", description=locale_str(N_("Study your decks in the browser (a sign-in link)"))
    )
    async def web(self, interaction: Inter) -> None:
        user, tr = await learner_tr(interaction)
        link = await self.actions.study.sign_in_link(user)
        # <url>: Discord shows no preview of it (a preview would fetch the page, never spend
        # the link, but it is the learner's alone); ephemeral: no one else sees it.
        text = texts.web_link_text(tr, link.minutes, f"<{link.url}>")
        await refuse(interaction, text)
