"""One process's reminder scheduler, for tests/test_habit_processes.py: `python -m
tests.reminder_process DATABASE_URL NOW` ticks once at NOW (ISO 8601) on PostgreSQL and
prints, as JSON, the learners it sent a reminder to (a sender of its own, no platform)."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

from core.actions import Actions
from core.admin import Pacer
from core.habit import ReminderNote
from core.reminders import Delivery
from core.srs import Quiz
from storage.postgres import PostgresStore


async def main(url: str, now: str) -> None:
    store = await PostgresStore.open(url)
    moment = datetime.fromisoformat(now)
    actions = Actions(store=store, runner=None, quiz=Quiz(store, clock=lambda: moment))
    actions.reminders.pacer = Pacer(30)
    sent: list[str] = []

    async def send(note: ReminderNote) -> Delivery:
        sent.append(note.user.platform_user_id)
        return Delivery.SENT

    actions.reminders.senders["test"] = send
    await actions.reminders.tick()
    await store.close()
    print(json.dumps(sent))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
