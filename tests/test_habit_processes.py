"""Exactly one reminder a learner's day across processes on one PostgreSQL: four processes
tick at 08:00 KST at once (two fronts and two workers' worth), four more a minute later (a
restart at reminder time), four the next morning. Each is tests/reminder_process.py: the
real scheduler and store, a clock given on its command line, a sender that prints."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.actions import Actions
from core.srs import Quiz
from storage.postgres import PostgresStore
from tests.factories import deck

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

KST_0800 = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 08:00 on Dec 8 in Seoul
ROOT = Path(__file__).resolve().parent.parent
LEARNERS = 12


async def tick_in_processes(url: str, now: datetime, processes: int = 4) -> Counter[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.reminder_process", url, now.isoformat()]
    pipe = asyncio.subprocess.PIPE
    children = [
        await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env, stdout=pipe, stderr=pipe)
        for _ in range(processes)
    ]
    sent: Counter[str] = Counter()
    for child in children:
        out, err = await child.communicate()
        assert child.returncode == 0, err.decode()[-2000:]
        sent.update(json.loads(out.decode().strip().splitlines()[-1]))
    return sent


async def test_one_reminder_per_learner_per_day_across_processes(pg_url: str) -> None:
    store = await PostgresStore.open(pg_url)
    actions = Actions(store=store, runner=None, quiz=Quiz(store))
    for i in range(LEARNERS):
        user = await actions.learners.user("test", f"learner{i}")
        await store.save_deck(user.id, deck())
        await actions.habits.set_reminder(user, "08:00 Asia/Seoul")
    await store.close()
    everyone = Counter(f"learner{i}" for i in range(LEARNERS))
    assert await tick_in_processes(pg_url, KST_0800) == everyone
    assert await tick_in_processes(pg_url, KST_0800 + timedelta(minutes=1)) == Counter()
    assert await tick_in_processes(pg_url, KST_0800 + timedelta(days=1)) == everyone
