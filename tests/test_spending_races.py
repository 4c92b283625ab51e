"""Issue 25, items 3 and 4: the daily build quota and the token budget hold when many builds
start at once, in one process and across two (two apps on one database file).

Each race is a gather of submits of different videos (no cache, no joining): copies of a
bundled sample under their own video ids, built by the simulator over HTTP.
"""

from __future__ import annotations

import asyncio
import shutil
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, open_app
from core import errors
from core.config import Settings
from core.jobs import JobUpdate
from core.store import User
from core.transcripts import DirectorySource
from devtools.samples import COFFEE_HOWTO
from tests.conftest import Sim

RACERS = 12
FORGOTTEN = 0  # the anonymous learner whose spending stands for earlier builds


def videos(folder: Path, n: int = RACERS) -> list[str]:
    """`n` videos with the same talk under ids of their own (so n builds, no cache hit)."""
    folder.mkdir(exist_ok=True)
    ids = [f"race{i:07d}" for i in range(n)]
    for video in ids:
        shutil.copyfile(COFFEE_HOWTO, folder / f"{video}.en.vtt")
    return ids


def settings(sim: Sim, db: Path, **extra: Any) -> Settings:
    return Settings(
        llm_base_url=sim.url,
        llm_model=sim.config.model,
        db_path=db,
        user_cooldown_seconds=0,
        user_max_running_jobs=RACERS,
        **extra,
    )


async def race(jobs: list[tuple[App, User, str]]) -> list[JobUpdate | errors.VocabotError]:
    """Every submit at once; each one's end (a deck or an error), or its refusal."""
    start = asyncio.Event()

    async def one(app: App, user: User, video: str) -> JobUpdate | errors.VocabotError:
        await start.wait()
        try:
            return await (await app.actions.builds.submit(user, video)).wait()
        except errors.VocabotError as exc:
            return exc

    racing = [asyncio.create_task(one(*job)) for job in jobs]
    start.set()
    return await asyncio.gather(*racing)


def built(ends: list[JobUpdate | errors.VocabotError]) -> list[JobUpdate]:
    return [e for e in ends if isinstance(e, JobUpdate) and e.deck is not None]


def refused(ends: list[JobUpdate | errors.VocabotError], kind: type[Exception]) -> int:
    return sum(
        isinstance(e, kind) or (isinstance(e, JobUpdate) and isinstance(e.error, kind))
        for e in ends
    )


async def test_twelve_builds_at_once_pass_a_daily_limit_of_3_only_3_times(
    sim: Sim, tmp_path: Path
) -> None:
    """Before: 11 of 12 passed a limit of 3 on one process."""
    ids = videos(tmp_path / "videos")
    config = settings(sim, tmp_path / "q.sqlite3", user_daily_builds=3)
    async with open_app(config, source=DirectorySource(tmp_path / "videos")) as app:
        alice = await app.actions.learners.user("telegram", "1")
        ends = await race([(app, alice, video) for video in ids])
        used = await app.store.user_usage(alice.id, datetime.now(UTC).date())
    assert len(built(ends)) == 3, f"{len(built(ends))} builds passed a limit of 3"
    assert refused(ends, errors.QuotaExceeded) == RACERS - 3
    assert used.builds == 3


async def test_the_daily_limit_holds_across_two_processes_on_one_database(
    sim: Sim, tmp_path: Path
) -> None:
    """Before: 10 builds passed a limit of 3 across two fronts."""
    ids = videos(tmp_path / "videos")
    config = settings(sim, tmp_path / "q.sqlite3", user_daily_builds=3)
    async with AsyncExitStack() as stack:
        apps = [
            await stack.enter_async_context(
                open_app(config, source=DirectorySource(tmp_path / "videos"))
            )
            for _ in range(2)
        ]
        users = [await app.actions.learners.user("telegram", "1") for app in apps]
        ends = await race([(apps[i % 2], users[i % 2], video) for i, video in enumerate(ids)])
    assert len(built(ends)) == 3, f"{len(built(ends))} builds passed a limit of 3"
    assert refused(ends, errors.QuotaExceeded) == RACERS - 3


async def test_with_5000_tokens_left_twelve_builds_overshoot_by_one_build_at_most(
    sim: Sim, tmp_path: Path
) -> None:
    """Before: 12 simultaneous builds spent ~51,000 tokens with 5,000 left."""
    budget, left = 200_000, 5_000
    ids = videos(tmp_path / "videos")
    config = settings(sim, tmp_path / "b.sqlite3", daily_token_budget=budget)
    today = datetime.now(UTC).date()
    async with AsyncExitStack() as stack:
        apps = [
            await stack.enter_async_context(
                open_app(config, source=DirectorySource(tmp_path / "videos"))
            )
            for _ in range(2)
        ]
        await apps[0].store.add_usage(FORGOTTEN, today, prompt_tokens=budget - left)
        users = [await apps[i % 2].actions.learners.user("telegram", str(i)) for i in range(RACERS)]
        ends = await race([(apps[i % 2], users[i], video) for i, video in enumerate(ids)])
        spent = sum(d.usage.tokens for d in await apps[0].store.usage_by_day(today))
    decks = built(ends)
    assert decks, "the tokens left pay for one build"
    one_build = max(e.stats.prompt_tokens + e.stats.completion_tokens for e in decks if e.stats)
    overshoot = spent - budget
    print(f"{spent - (budget - left):,} tokens spent with {left:,} left; one build {one_build:,}")
    assert overshoot <= one_build, f"{spent - (budget - left):,} tokens spent with {left:,} left"
    assert refused(ends, errors.BudgetExhausted) == RACERS - len(decks)


@pytest.mark.postgres
async def test_the_daily_limit_holds_across_two_queue_fronts_on_postgresql(
    pg_url: str, sim: Sim, tmp_path: Path
) -> None:
    """Before: 10 builds passed a limit of 3 across two fronts. Each front takes a build
    from the quota as it writes the job (no worker needed to see the refusals)."""
    ids = videos(tmp_path / "videos")
    config = Settings(
        database_url=pg_url,
        llm_base_url=sim.url,
        llm_model=sim.config.model,
        transcripts_dir=tmp_path / "videos",
        user_cooldown_seconds=0,
        user_max_running_jobs=RACERS,
        user_daily_builds=3,
    )
    start = asyncio.Event()

    async def submit(app: App, user: User, video: str) -> bool:
        await start.wait()
        try:
            await app.actions.builds.submit(user, video)
        except errors.QuotaExceeded:
            return False
        return True

    async with AsyncExitStack() as stack:
        fronts = [await stack.enter_async_context(open_app(config)) for _ in range(2)]
        users = [await front.actions.learners.user("telegram", "1") for front in fronts]
        racing = [
            asyncio.create_task(submit(fronts[i % 2], users[i % 2], video))
            for i, video in enumerate(ids)
        ]
        start.set()
        accepted = await asyncio.gather(*racing)
        used = await fronts[0].store.user_usage(users[0].id, datetime.now(UTC).date())
    assert sum(accepted) == 3, f"{sum(accepted)} builds passed a limit of 3"
    assert used.builds == 3
