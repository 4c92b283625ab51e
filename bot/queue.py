"""The composition root's part for the job queue (DATABASE_URL): a front's App, a worker.

Both open the store and procrastinate's app on the same database (each with its own pool:
procrastinate's LISTEN connection cannot be made from the store's autocommit pool), create
the queue's tables at the first start, and carry job events over LISTEN/NOTIFY.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import procrastinate

from bot.app import (
    SIMULATOR,
    App,
    make_actions,
    make_drain,
    make_health,
    make_http_client,
    make_limits,
    make_llm,
    make_runner,
    make_spending,
    open_core,
)
from core.config import Settings
from core.health import Health
from core.llm import LLMClient
from core.metrics import Metrics
from core.queue import Builds, BuildWorker, QueueFront
from core.srs import Quiz
from storage.postgres import PostgresStore
from storage.postgres.queue import PgBus, QueueTables, apply_queue_schema


@asynccontextmanager
async def open_queue(settings: Settings) -> AsyncIterator[tuple[PostgresStore, procrastinate.App]]:
    """The store and procrastinate's app (the queue's tables made if missing)."""
    url, size = settings.database_url, settings.database_pool_size
    assert url
    store = await PostgresStore.open(url, max_size=size)
    try:
        await apply_queue_schema(store.pool)
        connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=size)
        queue = procrastinate.App(connector=connector)
        async with queue.open_async():
            yield store, queue
    finally:
        await store.close()


async def sentence_llm(settings: Settings, stack: AsyncExitStack) -> LLMClient | None:
    """A front's own LLM client for the one small call it makes itself, "translate the
    sentence" (decks are the workers'); None without a real LLM_BASE_URL (the simulator
    runs in-process only where decks are built), and a press is then told politely."""
    base_url = (settings.llm_base_url or "").strip()
    if not base_url or base_url.lower() == SIMULATOR:
        return None
    http = await stack.enter_async_context(make_http_client(settings))
    return make_llm(settings, http, base_url, simulated=False)


@asynccontextmanager
async def open_front(settings: Settings) -> AsyncIterator[App]:
    """A front's App: jobs are written here and built by `vocabot worker` processes."""
    assert settings.database_url
    bus = PgBus(settings.database_url)
    metrics = Metrics()
    async with (
        open_queue(settings) as (store, queue),
        metrics.watching_loop(),
        AsyncExitStack() as stack,
    ):
        spending = make_spending(settings, store, metrics)
        turns = await QueueTables.open(settings.database_url, max_size=settings.database_pool_size)
        stack.push_async_callback(turns.close)
        front = QueueFront(
            store=store,
            builds=Builds(queue),
            bus=bus,
            turns=turns,
            metrics=metrics,
            spending=spending,
            limits=make_limits(settings),
            drain=make_drain(settings),
        )
        metrics.jobs_active.set_function(lambda: front.job_count)
        try:
            await front.open()
            quiz = Quiz(
                store, daily_new_cards=settings.daily_new_cards, deck_size=settings.deck_size
            )
            actions = make_actions(
                settings, store, front, quiz, metrics, spending, await sentence_llm(settings, stack)
            )
            health = make_health(settings, store, None, front)  # the LLM is the workers'
            yield App(settings, store, front, quiz, actions, health, metrics)
        finally:
            await front.shutdown(grace=settings.shutdown_grace_seconds)
            await bus.close()


@dataclass
class Worker:
    """A queue worker, and what its metrics server shows (METRICS_PORT)."""

    builder: BuildWorker
    metrics: Metrics
    health: Health


@asynccontextmanager
async def open_worker(settings: Settings, *, allow_simulator: bool) -> AsyncIterator[Worker]:
    """A queue worker: the pipeline and an in-process runner, fed by the queue."""
    assert settings.database_url
    bus = PgBus(settings.database_url)
    async with (
        open_queue(settings) as (store, queue),
        open_core(settings, allow_simulator=allow_simulator) as core,
        core.metrics.watching_loop(),
    ):
        runner = make_runner(settings, core, store)
        health = make_health(settings, store, core.llm, runner)
        try:
            builder = BuildWorker(
                runner=runner,
                app=queue,
                bus=bus,
                concurrency=settings.max_parallel_videos,
                heartbeat_seconds=settings.queue_heartbeat_seconds,
                stalled_seconds=settings.queue_stalled_seconds,
                grace=settings.shutdown_grace_seconds,
            )
            yield Worker(builder, core.metrics, health)
        finally:
            await bus.close()
