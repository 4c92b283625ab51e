"""Discord's part of the daily habit: /remind with its choices, and the reminder as a direct
message (Start, Stop reminders); Discord's 403 on a DM (closed DMs, blocked) turns them off."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot import habit_texts
from bot.app import App
from bot.discord.common import AnyItem, Inter, app_of, command_failed, learner_tr, refuse
from bot.discord.quiz import NextButton
from bot.discord.render import NO_PINGS, safe
from core import N_, BadReminder, Delivery, ReminderNote, Translator, error_message, translator

log = logging.getLogger(__name__)
Button = discord.ui.Button[Any]


class RemindButton(
    discord.ui.DynamicItem[Button], template=r"v:rm:(?P<v>morning|lunch|evening|off)"
):
    """A /remind choice, or the reminder's one-press "stop reminders" (off)."""

    def __init__(self, value: str, label: str = "") -> None:
        super().__init__(discord.ui.Button(label=label or value, custom_id=f"v:rm:{value}"))
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> RemindButton:
        return cls(match["v"])

    async def callback(self, interaction: Inter) -> None:
        user, tr = await learner_tr(interaction)
        setting = await app_of(interaction).actions.habits.set_reminder(user, self.value)
        await refuse(interaction, habit_texts.remind_status(tr, setting))


def remind_view(tr: Translator) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for name, label in habit_texts.CHOICES:
        view.add_item(RemindButton(name, tr(label)))
    return view


class HabitCog(commands.Cog):
    def __init__(self, app: App) -> None:
        self.app = app

    @app_commands.command(name="remind", description=locale_str(N_("a daily reminder to review")))
    @app_commands.describe(when=locale_str(N_("a time and time zone, or off")))
    async def remind(self, interaction: Inter, when: str | None = None) -> None:
        user, tr = await learner_tr(interaction)
        actions = self.app.actions
        if when:
            try:
                setting = await actions.habits.set_reminder(user, when)
            except BadReminder as exc:
                log.info("discord user %s: /remind refused: %s", user.id, exc.detail)
                await interaction.response.send_message(
                    safe(error_message(exc, tr)), view=remind_view(tr), ephemeral=True
                )
                return
            await refuse(interaction, habit_texts.remind_status(tr, setting))
            return
        setting = await actions.habits.reminder(user)
        text = f"{habit_texts.remind_status(tr, setting)}\n\n{tr(habit_texts.REMIND_USAGE)}"
        await interaction.response.send_message(safe(text), view=remind_view(tr), ephemeral=True)

    async def cog_app_command_error(
        self, interaction: Inter, error: app_commands.AppCommandError
    ) -> None:
        await command_failed(interaction, error)


class ReminderSender:
    """The reminder as a direct message with Start and Stop reminders."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def __call__(self, note: ReminderNote) -> Delivery:
        tr = translator(note.user.ui_language)
        view = discord.ui.View(timeout=None)
        view.add_item(NextButton("qn", tr(habit_texts.START)))
        view.add_item(RemindButton("off", tr(habit_texts.STOP_REMINDERS)))
        try:
            user = await self.client.fetch_user(int(note.user.platform_user_id))
            await user.send(
                safe(habit_texts.reminder_text(tr, note.habit)),
                view=view,
                allowed_mentions=NO_PINGS,
            )
        except (discord.Forbidden, discord.NotFound) as exc:  # DMs closed, blocked, gone
            log.info("reminder to discord user %s refused: %s", note.user.id, exc)
            return Delivery.BLOCKED
        except discord.HTTPException as exc:
            log.warning("reminder to discord user %s not delivered: %s", note.user.id, exc)
            return Delivery.FAILED
        return Delivery.SENT
