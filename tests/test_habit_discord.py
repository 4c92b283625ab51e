"""The daily habit in Discord: /remind (choices, a wrong time), the reminder as a direct
message with Start and Stop, a 403 on the DM that turns reminders off, the streak in /stats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import discord

from bot import habit_texts
from bot.discord.habit import HabitCog, RemindButton, ReminderSender
from bot.discord.quiz import NextButton
from tests.discord_harness import ALICE, Discord, Screen
from tests.factories import deck

KST_0800 = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 08:00 on Dec 8 in Seoul


@dataclass
class Refusal:
    status: int = 403
    reason: str = "Forbidden"


@dataclass
class DMs:
    """discord.Client's fetch_user, with a user whose DMs record or refuse."""

    closed: bool = False
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def fetch_user(self, user_id: int) -> DMs:
        return self

    async def send(self, content: str, **kw: Any) -> None:
        if self.closed:
            raise discord.Forbidden(cast(Any, Refusal()), "Cannot send messages to this user")
        self.sent.append({"content": content, **kw})


async def test_remind_command_choices_and_a_wrong_time(dc: Discord) -> None:
    cog = HabitCog(dc.app)
    screen = Screen()
    handler = cast(Any, cog.remind.callback)
    await handler(cog, dc.interaction(ALICE, screen), "7:99 Moon/Base")
    assert "I didn't understand that time" in screen.sent["content"]
    view = screen.sent["view"]
    assert [getattr(i, "custom_id", "") for i in view.children] == [
        "v:rm:morning", "v:rm:lunch", "v:rm:evening", "v:rm:off",
    ]  # fmt: skip
    pressed = Screen()
    await RemindButton("lunch").callback(dc.interaction(ALICE, pressed))
    assert "12:30" in pressed.ephemeral[-1]


async def test_the_reminder_is_a_dm_and_a_403_turns_reminders_off(dc: Discord) -> None:
    actions = dc.app.actions
    alice = await actions.learners.user("discord", ALICE)
    await dc.app.store.save_deck(alice.id, deck())
    await actions.habits.set_reminder(alice, "08:00 Asia/Seoul")
    dms = DMs()
    actions.reminders.senders["discord"] = ReminderSender(cast(discord.Client, dms))
    assert await actions.reminders.tick(KST_0800) == 1
    assert "4 new" in dms.sent[0]["content"]
    ids = [getattr(i, "custom_id", "") for i in dms.sent[0]["view"].children]
    assert ids == ["v:qn", "v:rm:off"]
    start = Screen()
    await NextButton("qn").callback(dc.interaction(ALICE, start))
    assert start.sent["embed"].description  # the first question
    dms.closed = True
    await actions.habits.set_reminder(alice, "08:00")
    assert await actions.reminders.tick(KST_0800.replace(day=8)) == 0
    assert not (await actions.habits.reminder(alice)).on


async def test_stats_show_the_streak_and_goal(dc: Discord) -> None:
    alice = await dc.app.actions.learners.user("discord", ALICE)
    await dc.app.store.save_deck(alice.id, deck())
    screen = Screen()
    await dc.run(dc.cog.stats, dc.interaction(ALICE, screen))
    line = habit_texts.streak_line(
        dc.app.actions.learners.translator(alice), await dc.app.actions.habits.today(alice)
    )
    assert line in screen.sent["embed"].description


async def test_after_the_first_deck_one_question_about_reminders(dc: Discord) -> None:
    first = await dc.vocab(ALICE, "https://youtu.be/vocabDemo01")
    await dc.wait_for_embed(first)
    assert first.ephemeral == [habit_texts.REMIND_ASK]
    second = await dc.vocab(ALICE, "https://youtu.be/vocabDemo02")
    await dc.wait_for_embed(second)
    assert second.ephemeral == [], "asked once"
