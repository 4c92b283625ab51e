"""The parts both runners are built from (core.jobs: UserLimits, Drain), one test run
against each: the in-process JobRunner (SQLite) and the queue's front (PostgreSQL, no
worker: its jobs wait in the queue). Each rule lives once; these tests say both runners
keep it, as a learner would see it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.fronts import open_front
from core import errors
from core.config import Settings
from core.jobs import Drain, JobRunner, JobUpdate, UserLimits, cancel_chores
from core.models import Progress, Stage
from core.queue import QueueFront
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim

Opener = Callable[..., AbstractAsyncContextManager[App]]
RUNNERS = {"in-process": JobRunner, "queue": QueueFront}


@pytest.fixture(params=["in-process", pytest.param("queue", marks=pytest.mark.postgres)])
def opened(request: pytest.FixtureRequest, sim: Sim, tmp_path: Path) -> Opener:
    """Opens a front's App with these settings, on either runner."""
    where: dict[str, Any] = (
        {"database_url": request.getfixturevalue("pg_url")}
        if request.param == "queue"
        else {"db_path": tmp_path / "v.sqlite3"}
    )
    # In-process builds take long enough that a learner's videos are still running.
    sim.config.speedup = 1.0
    kind = RUNNERS[request.param]

    @asynccontextmanager
    async def opener(**values: Any) -> AsyncIterator[App]:
        settings = Settings(
            llm_base_url=sim.url,
            llm_model=sim.config.model,
            transcripts_dir=SAMPLES_DIR,
            shutdown_grace_seconds=0,
            **{**where, **values},
        )
        async with open_front(settings, allow_simulator=False) as app:
            assert isinstance(app.runner, kind)
            yield app

    return opener


async def test_a_learner_past_the_running_limit_is_refused_until_one_is_cancelled(
    opened: Opener,
) -> None:
    async with opened(user_max_running_jobs=2, user_cooldown_seconds=0) as app:
        alice = await app.actions.learners.user("test", "alice")
        await app.actions.builds.submit(alice, "vocabDemo01")
        await app.actions.builds.submit(alice, "vocabDemo02")
        with pytest.raises(errors.TooManyJobs) as refused:
            await app.actions.builds.submit(alice, "vidCoffee01")
        assert 1.0 <= refused.value.retry_in <= 600.0, "a Retry-After within bounds"
        bob = await app.actions.learners.user("test", "bob")
        await app.actions.builds.submit(bob, "vidCoffee01")  # the limit is alice's, not everyone's
        assert (await app.actions.builds.cancel(alice)).videos == 2
        await app.actions.builds.submit(alice, "vidCoffee01")
        await app.actions.builds.cancel(alice)
        await app.actions.builds.cancel(bob)


async def test_the_cool_down_between_submissions_holds(opened: Opener) -> None:
    async with opened(user_max_running_jobs=5, user_cooldown_seconds=60) as app:
        alice = await app.actions.learners.user("test", "alice")
        await app.actions.builds.submit(alice, "vocabDemo01")
        with pytest.raises(errors.SlowDown) as slow:
            await app.actions.builds.submit(alice, "vocabDemo02")
        assert 55 <= slow.value.retry_in <= 60
        assert "try again in 60 s" in slow.value.user_message
        bob = await app.actions.learners.user("test", "bob")
        await app.actions.builds.submit(bob, "vocabDemo02")  # a cool-down each
        await app.actions.builds.cancel(alice)
        await app.actions.builds.cancel(bob)


class Held:
    """A face drawing a job's last update: it takes as long as the test says."""

    def __init__(self) -> None:
        self.entered, self.release = asyncio.Event(), asyncio.Event()
        self.ended: list[str] = []

    async def __call__(self, update: JobUpdate) -> None:
        if not update.finished:
            return
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.ended.append("cut")
            raise
        self.ended.append(update.progress.stage.value)


async def test_shutdown_waits_for_a_finished_jobs_last_update(opened: Opener) -> None:
    async with opened(user_cooldown_seconds=0, shutdown_last_update_grace_seconds=60) as app:
        alice = await app.actions.learners.user("test", "alice")
        held = Held()
        await app.actions.builds.submit(alice, "vocabDemo01", listener=held)
        await app.actions.builds.cancel(alice)
        await held.entered.wait()
        shutting = asyncio.create_task(app.runner.shutdown(grace=0))
        for _ in range(20):  # let it run as far as it goes without the listener
            await asyncio.sleep(0)
        assert not shutting.done(), "the last update has its grace, though builds have none"
        held.release.set()
        await shutting
        assert held.ended == ["cancelled"]


async def test_a_last_update_past_its_grace_is_cut(opened: Opener) -> None:
    async with opened(user_cooldown_seconds=0, shutdown_last_update_grace_seconds=0.05) as app:
        alice = await app.actions.learners.user("test", "alice")
        held = Held()
        await app.actions.builds.submit(alice, "vocabDemo01", listener=held)
        await app.actions.builds.cancel(alice)
        await held.entered.wait()
        # far under the default grace (5 s): the setting's is the one that counts
        await asyncio.wait_for(app.runner.shutdown(grace=0), 2.0)
        assert held.ended == ["cut"], "shutdown did not wait past the setting's grace"
        with pytest.raises(errors.ShuttingDown):
            await app.actions.builds.submit(alice, "vocabDemo02")


# -- the parts alone ---------------------------------------------------------------------


def test_a_failed_submission_gives_back_its_place_and_its_cool_down() -> None:
    now = [100.0]
    limits = UserLimits(max_running_jobs=1, cooldown_seconds=5.0, clock=lambda: now[0])
    limits.reserve(1, 0).release(failed=True)  # nothing started
    held = limits.reserve(1, 0)  # at once: neither the place nor the cool-down was kept
    with pytest.raises(errors.TooManyJobs):
        limits.reserve(1, 0)  # the place held counts, before the job is tracked
    held.release()
    now[0] += 1.0
    with pytest.raises(errors.SlowDown) as slow:
        limits.reserve(1, 0)
    assert slow.value.retry_in == pytest.approx(4.0)
    limits.reserve(1, 0, check=False).release()  # a cached deck is served all the same
    with pytest.raises(errors.TooManyJobs) as busy:
        limits.check(1, None, retry_in=lambda: 12.0)
    assert busy.value.retry_in == 12.0


async def test_a_drain_waits_only_for_mailboxes_that_have_a_last_update() -> None:
    drain = Drain(last_update_grace=60)
    told: list[Stage] = []

    async def listener(update: JobUpdate) -> None:
        told.append(update.progress.stage)

    live, ended = drain.mailbox(listener, "live"), drain.mailbox(listener, "ended")
    ended.post(JobUpdate("j", 1, "v", Progress(Stage.DONE)))
    await drain.finish([live])  # the live one is stopped, the ended one delivers
    assert told == [Stage.DONE]
    assert live.task.cancelled()
    drain.admit()
    drain.close()
    with pytest.raises(errors.ShuttingDown):
        drain.admit()


async def test_a_stop_does_not_hang_on_a_chore_that_loses_its_cancellation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A loop waiting for a pooled connection can swallow its cancellation (psycopg_pool,
    under load): the runners' stops cancel their chores through cancel_chores, which
    waits a bounded time and says which one was left behind."""
    release = asyncio.Event()
    started = asyncio.Event()

    async def stubborn() -> None:
        started.set()
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # as if the cancellation were lost

    async def polite() -> None:
        await asyncio.Event().wait()

    left = asyncio.create_task(stubborn(), name="stubborn-chore")
    ended = asyncio.create_task(polite(), name="polite-chore")
    await started.wait()
    await cancel_chores((left, ended), patience=0.05)
    assert ended.cancelled(), "a chore that takes its cancellation ends"
    assert not left.done()
    assert "stubborn-chore did not end when cancelled" in caplog.text
    release.set()
    await left
