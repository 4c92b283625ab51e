"""The daily reminder: one message a learner's day at the time they chose, sent by whichever
process gets there first.

`Reminders.tick(now)` looks at every learner with reminders on; for one whose time has come
(core.habit.ReminderSetting.due_day) and who has something to study, it claims the learner's
local day in the store (`Store.claim_day`, one atomic statement) and only the claimant sends.
So a restart at reminder time, or several fronts on one database, send once. A platform
that says the learner blocked the bot (Telegram's 403) turns their reminders off. Sends wait
for the same Pacer as an admin's broadcast. `run()` ticks once a minute until stopped;
tests call `tick` with a clock of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from core.admin import Pacer
from core.habit import (
    REMINDED,
    REMINDER,
    Habit,
    ReminderNote,
    ReminderSetting,
    save_reminder,
)
from core.metrics import Metrics
from core.store import Store, User

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the learner blocked the bot (or deleted the chat): stop for good
    FAILED = "failed"  # anything else: today's is lost, tomorrow's goes out


# A face's way to send one reminder (it words it in the learner's language, with buttons).
ReminderSender = Callable[[ReminderNote], Awaitable[Delivery]]
HabitOf = Callable[[User], Awaitable[Habit]]


class Reminders:
    def __init__(
        self,
        store: Store,
        habit_of: HabitOf,
        pacer: Pacer,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        interval: float = 60.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.habit_of = habit_of
        self.pacer = pacer
        self.clock = clock
        self.interval = interval
        self.metrics = metrics or Metrics()
        self.senders: dict[str, ReminderSender] = {}  # platform -> sender, set by the faces

    async def tick(self, now: datetime | None = None) -> int:
        """Send every reminder due at `now` that no process sent yet; how many went out."""
        now = now or self.clock()
        sent = 0
        for user_id, data in await self.store.sessions_named(REMINDER):
            try:
                sent += await self._one(user_id, data, now)
            except Exception:  # one learner's trouble never stops the others'
                log.exception("reminder for user %s failed", user_id)
        return sent

    async def _one(self, user_id: int, data: dict[str, Any], now: datetime) -> bool:
        if data.get("minute") is None or not data.get("tz"):
            return False  # off (the time zone is always saved with a time)
        setting = ReminderSetting(str(data["tz"]), int(data["minute"]))
        day = setting.due_day(now)
        if day is None:
            return False  # not their time: no query at all
        user = await self.store.get_user(user_id)
        send = self.senders.get(user.platform) if user else None
        if user is None or send is None:
            return False
        habit = await self.habit_of(user)
        if habit.decks == 0 or habit.due + habit.new + habit.more_new == 0 or habit.goal.met:
            return False
        if not await self.store.claim_day(user.id, REMINDED, day):
            return False  # sent today already (this process before a restart, or another)
        await self.pacer.turn()
        delivery = await send(ReminderNote(user, habit))
        self.metrics.reminders.labels(delivery.value).inc()
        if delivery == Delivery.BLOCKED:
            log.info("user %s blocked the bot: reminders off", user.id)
            await save_reminder(self.store, user.id, replace(setting, minute=None))
        elif delivery == Delivery.FAILED:
            log.warning("reminder to user %s was not delivered", user.id)
        return delivery == Delivery.SENT

    async def run(self, stop: asyncio.Event) -> None:
        """Tick once a minute until `stop` is set."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # the database away for a moment: the next minute tries again
                log.exception("reminders: this minute's check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
