"""The job queue on a real PostgreSQL, fronts and workers in this one process (each with
its own pool, runner and events connection, as separate processes would have), against
the simulated vLLM over real HTTP. tests/test_queue_processes.py runs them as processes.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import procrastinate
import psycopg
import pytest
from psycopg import sql

from bot.app import App
from bot.fronts import open_front
from bot.queue import open_worker
from core import errors
from core.config import Settings
from core.jobs import JobUpdate
from core.models import Stage
from core.queue import QUEUE, BuildKey, Builds, BuildWorker, QueueFront
from core.store import JobStatus, User
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.progressive import FirstChunkOnly
from tests.test_forget import FILE_NAME, LINKED, secret_file

pytestmark = pytest.mark.postgres


@dataclass
class Recorder:
    """A listener (or a runner's watcher): every update, and a way to wait for a stage."""

    updates: list[JobUpdate] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def __call__(self, update: JobUpdate) -> None:
        async with self.changed:
            self.updates.append(update)
            self.changed.notify_all()

    def stages(self) -> list[Stage]:
        return [u.progress.stage for u in self.updates]

    async def reach(self, stage: Stage, limit: float = 30.0) -> None:
        async def reached() -> None:
            async with self.changed:
                await self.changed.wait_for(lambda: stage in self.stages())

        await asyncio.wait_for(reached(), limit)


def settings(pg_url: str, sim: Sim, **values: Any) -> Settings:
    return Settings(
        **{
            "database_url": pg_url,
            "llm_base_url": sim.url,
            "llm_model": sim.config.model,
            "transcripts_dir": SAMPLES_DIR,
            "user_cooldown_seconds": 0,
            "user_max_running_jobs": 5,
            "queue_heartbeat_seconds": 0.2,
            "queue_stalled_seconds": 1.0,
            "shutdown_grace_seconds": 0,
            **values,
        }
    )


@dataclass
class Running:
    """A worker running in a task of this loop, stopped with its event."""

    worker: BuildWorker
    stop: asyncio.Event
    task: asyncio.Task[bool]

    @property
    def runs(self) -> int:
        return self.worker.runner.pipeline_runs


@asynccontextmanager
async def worker(config: Settings) -> AsyncIterator[Running]:
    async with open_worker(config, allow_simulator=False) as built:
        stop = asyncio.Event()
        running = Running(built.builder, stop, asyncio.create_task(built.builder.run(stop)))
        try:
            yield running
        finally:
            stop.set()
            await running.task


def a_front(config: Settings) -> AbstractAsyncContextManager[App]:
    """A front's App (`vocabot run`, `vocabot serve-api`): it queues, workers build."""
    return open_front(config)


async def user(app: App, name: str) -> User:
    return await app.actions.learners.user("test", name)


async def test_a_front_queues_a_worker_builds_and_progress_comes_back(
    pg_url: str, sim: Sim
) -> None:
    config = settings(pg_url, sim)
    async with a_front(config) as front, worker(config) as builder:
        assert isinstance(front.runner, QueueFront), "DATABASE_URL: the front only enqueues"
        alice = await user(front, "alice")
        seen = Recorder()
        handle = await front.actions.builds.submit(alice, "vocabDemo02", listener=seen)
        done = await handle.wait()
        assert done.deck is not None and done.deck.words > 10, done
        assert Stage.EXTRACTING in seen.stages(), "progress crossed from the worker"
        assert seen.stages()[-1] == Stage.DONE
        assert builder.runs == 1
        record = await front.store.get_job(alice.id, handle.id)
        assert record is not None and record.status == JobStatus.DONE
        assert [d.id for d in await front.actions.decks.all(alice)] == [done.deck.id]

        bob = await user(front, "bob")
        calls = sim.ok_calls()
        cached = await (await front.actions.builds.submit(bob, "vocabDemo02")).wait()
        assert cached.cached and cached.deck is not None and cached.deck.id != done.deck.id
        assert sim.ok_calls() == calls and builder.runs == 1, "the cache is shared"


async def test_many_users_on_two_fronts_make_one_build(pg_url: str, sim: Sim) -> None:
    sim.config.speedup = 40.0  # slow enough that every request comes while it builds
    config = settings(pg_url, sim)
    async with AsyncExitStack() as stack:
        fronts = [await stack.enter_async_context(a_front(config)) for _ in range(2)]
        workers = [await stack.enter_async_context(worker(config)) for _ in range(2)]
        users = [await user(fronts[i % 2], f"u{i}") for i in range(12)]
        handles = [
            await fronts[i % 2].actions.builds.submit(u, "vocabDemo01") for i, u in enumerate(users)
        ]
        ended = await asyncio.gather(*(h.wait() for h in handles))
        assert all(e.deck is not None for e in ended), [e.error for e in ended]
        assert len({e.deck.id for e in ended if e.deck}) == 12, "a deck each"
        assert sum(w.runs for w in workers) == 1, "one pipeline run for everyone"


async def test_limits_hold_across_fronts(pg_url: str, sim: Sim) -> None:
    sim.config.speedup = 5.0
    config = settings(pg_url, sim, user_max_running_jobs=2, user_cooldown_seconds=0)
    async with a_front(config) as one, a_front(config) as two:
        alice = await user(one, "alice")
        await one.actions.builds.submit(alice, "vocabDemo01")
        await two.actions.builds.submit(alice, "vocabDemo02")
        with pytest.raises(errors.TooManyJobs):
            await one.actions.builds.submit(alice, "vidCoffee01")
        with pytest.raises(errors.TooManyJobs):
            await two.actions.builds.submit(alice, "vidCoffee01")
        assert len(await one.store.user_jobs(alice.id, active_only=True)) == 2
        assert (await one.actions.builds.cancel(alice)).videos == 2


async def test_concurrent_submissions_on_two_fronts_cannot_slip_past_the_limit(
    pg_url: str, sim: Sim
) -> None:
    config = settings(pg_url, sim, user_max_running_jobs=1, user_cooldown_seconds=30)
    async with a_front(config) as one, a_front(config) as two:
        alice = await user(one, "alice")
        tries = await asyncio.gather(
            *(
                front.actions.builds.submit(alice, f"vidCoffee0{i}")
                for i, front in enumerate([one, two, one, two])
            ),
            return_exceptions=True,
        )
        accepted = [t for t in tries if not isinstance(t, BaseException)]
        refused = [t for t in tries if isinstance(t, errors.TooManyJobs | errors.SlowDown)]
        assert (len(accepted), len(refused)) == (1, 3), tries
        with pytest.raises(errors.SlowDown):  # the cool-down counts across fronts too
            await two.actions.builds.cancel(alice)
            await two.actions.builds.submit(alice, "vidCoffee09")


async def test_a_cancel_on_one_front_stops_the_build_in_the_worker(pg_url: str, sim: Sim) -> None:
    sim.config.speedup = 2.0  # slow: the build is still running when the cancel comes
    config = settings(pg_url, sim)
    async with (
        a_front(config) as one,
        a_front(config) as two,
        worker(config) as builder,
    ):
        runner = builder.worker.runner
        inside = Recorder()
        runner.watchers.append(inside)  # what the worker's own runner sees
        alice = await user(one, "alice")
        handle = await one.actions.builds.submit(alice, "vocabDemo01")
        await inside.reach(Stage.EXTRACTING)
        building = [f.task for f in runner._flights.values() if f.task is not None]
        assert (await two.actions.builds.cancel(alice, handle.id)).videos == 1
        ended = await handle.wait()
        assert ended.progress.stage == Stage.CANCELLED
        assert isinstance(ended.error, errors.JobCancelled)
        await inside.reach(Stage.CANCELLED)
        await asyncio.wait(building, timeout=30)
        assert building and all(t.cancelled() for t in building), "its LLM calls stopped"
        assert await one.actions.decks.all(alice) == []


async def test_a_worker_stopping_hands_its_build_to_another(pg_url: str, sim: Sim) -> None:
    sim.config.speedup = 10.0
    config = settings(pg_url, sim)
    async with a_front(config) as front:
        alice = await user(front, "alice")
        seen = Recorder()
        # the first worker's calls get no answer: its build cannot end before it stops
        sim.config.fault_rules.append(("vocabulary tutor", "hang"))
        async with worker(config) as first:
            handle = await front.actions.builds.submit(alice, "vocabDemo01", listener=seen)
            await seen.reach(Stage.EXTRACTING)
        sim.config.fault_rules.clear()
        assert sim.ok_calls() == 0 and sim.server.calls, "its calls went out, none came back"
        # stopped with a grace of 0: its build went back to the queue, the job is running
        assert not handle.done.done()
        record = await front.store.get_job(alice.id, handle.id)
        assert record is not None and record.status == JobStatus.RUNNING
        async with worker(config) as second:
            done = await handle.wait()
        assert done.deck is not None and done.deck.words > 10
        assert first.runs + second.runs == 2
        assert len(await front.actions.decks.all(alice)) == 1


async def test_the_queue_schema_is_made_once_by_processes_starting_together(
    pg_url: str, sim: Sim
) -> None:
    config = settings(pg_url, sim)
    async with AsyncExitStack() as stack:
        await asyncio.gather(*(stack.enter_async_context(a_front(config)) for _ in range(4)))
    with psycopg.connect(pg_url) as pg:
        row = pg.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
    assert row == (True,)
    queue = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_url))
    async with queue.open_async():
        assert list(await queue.job_manager.list_jobs_async(queue=QUEUE)) == []


async def test_after_forget_no_table_names_or_quotes_the_learners_file(
    pg_url: str, sim: Sim
) -> None:
    """The queue's tables too: a build's arguments and locks hold the file's hash."""
    config = settings(pg_url, sim)
    async with a_front(config) as front:
        alice = await user(front, "alice")
        async with worker(config):
            handle = await front.actions.builds.submit_file(
                alice, secret_file(), FILE_NAME, hint=LINKED
            )
            assert (await handle.wait()).deck is not None
        record = await front.store.get_job(alice.id, handle.id)
        assert record is not None
        needles = ["Zephyrine", "zephyrine-private-diary", record.video_id[5:]]
        queue = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_url))
        async with queue.open_async():  # and a build of it still waiting in the queue
            await Builds(queue).request(BuildKey(record.video_id, "ko", "B1"))
        before = mentions(pg_url, needles)
        assert before.get("uploads") and before.get("procrastinate_jobs"), before
        await front.actions.learners.forget(alice)
        after = mentions(pg_url, needles)
        assert after == {}, f"before {before}, after {after}"


def mentions(pg_url: str, needles: list[str]) -> dict[str, int]:
    """Rows of each table (ours and the queue's) whose text holds any of `needles`."""
    found: dict[str, int] = {}
    with psycopg.connect(pg_url) as pg:
        tables = pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL("SELECT COUNT(*) FROM {} AS t WHERE t::text ILIKE ANY(%s)").format(
                sql.Identifier(table)
            )
            row = pg.execute(query, ([f"%{n}%" for n in needles],)).fetchone()
            if row and row[0]:
                found[table] = row[0]
    return found


async def test_the_first_page_crosses_from_the_worker_to_the_front(
    pg_url: str, sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = settings(pg_url, sim)
    async with a_front(config) as front, worker(config) as builder:
        hold = FirstChunkOnly(builder.worker.runner.pipeline.llm, monkeypatch)
        alice = await user(front, "alice")
        seen = Recorder()
        handle = await front.actions.builds.submit(alice, "vocabDemo02", listener=seen)
        async with seen.changed:
            await asyncio.wait_for(
                seen.changed.wait_for(lambda: any(u.progress.page for u in seen.updates)), 30
            )
        page = next(u.progress.page for u in seen.updates if u.progress.page)
        assert not any(u.finished for u in seen.updates), "the page came before the deck"
        hold.go.set()
        done = await handle.wait()
        assert done.deck is not None
        first = await front.actions.decks.page(alice, done.deck.id)
        fronts = [c.card.front for c in first.cards]
        assert fronts[: len(page)] == [w.lemma for w in page], "the deck starts with the page"
