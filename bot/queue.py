"""The composition root's part for the job queue (DATABASE_URL): a front's App, a worker.

Both open the store and procrastinate's app on the same database (each with its own pool:
procrastinate's LISTEN connection cannot be made from the store's autocommit pool), create
the queue's tables at the first start, and carry job events over LISTEN/NOTIFY.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import procrastinate

from bot.app import App, make_actions, make_runner, open_core
from core.config import Settings
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


@asynccontextmanager
async def open_front(settings: Settings) -> AsyncIterator[App]:
    """A front's App: jobs are written here and built by `vocabot worker` processes."""
    assert settings.database_url
    bus = PgBus(settings.database_url)
    async with open_queue(settings) as (store, queue):
        front = QueueFront(
            store=store,
            builds=Builds(queue),
            bus=bus,
            turns=QueueTables(store.pool),
            user_max_running_jobs=settings.user_max_running_jobs,
            user_cooldown_seconds=settings.user_cooldown_seconds,
        )
        await front.open()
        try:
            quiz = Quiz(store, daily_new_cards=settings.daily_new_cards)
            yield App(settings, store, front, quiz, make_actions(settings, store, front, quiz))
        finally:
            await front.shutdown(grace=settings.shutdown_grace_seconds)
            await bus.close()


@asynccontextmanager
async def open_worker(settings: Settings, *, allow_simulator: bool) -> AsyncIterator[BuildWorker]:
    """A queue worker: the pipeline and an in-process runner, fed by the queue."""
    assert settings.database_url
    bus = PgBus(settings.database_url)
    async with (
        open_queue(settings) as (store, queue),
        open_core(settings, allow_simulator=allow_simulator) as core,
    ):
        try:
            yield BuildWorker(
                runner=make_runner(settings, core, store),
                app=queue,
                bus=bus,
                concurrency=settings.max_parallel_videos,
                heartbeat_seconds=settings.queue_heartbeat_seconds,
                stalled_seconds=settings.queue_stalled_seconds,
                grace=settings.shutdown_grace_seconds,
            )
        finally:
            await bus.close()
