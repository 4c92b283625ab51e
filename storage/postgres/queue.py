"""What the job queue (core.queue) needs from PostgreSQL besides its store: procrastinate's
schema, one submission per user at a time, and events between processes (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from procrastinate.schema import SchemaManager
from psycopg import AsyncConnection

from core.queue import UserLoad
from storage.postgres import (
    MIGRATION_LOCK,
    QUEUE_EXISTS,
    Pool,
    Statements,
    open_pool,
    outage_is_told,
)
from storage.tables.jobs import UNFINISHED

log = logging.getLogger(__name__)

CHANNEL = "vocabot_jobs"
USER_LOCK = 0x766F63  # pg_advisory_lock(USER_LOCK, user id): one submission at a time
RECONNECT_SECONDS = 1.0


async def apply_queue_schema(pool: Pool) -> bool:
    """Create procrastinate's tables and functions unless they exist (under the migration
    lock, so processes starting at once create them once); True when created now."""
    async with pool.connection() as conn, conn.transaction():
        tx = Statements(conn)
        await tx.lock(MIGRATION_LOCK)
        (found,) = await tx.all(QUEUE_EXISTS)
        if found["queue"]:
            return False
        log.info("creating the job queue's tables (procrastinate)")
        await conn.execute(SchemaManager.get_schema())
        return True


class QueueTables:
    """Per-user submission turns, on a pool of their own: a turn holds its connection
    while the submission inside it uses the store's, so on one shared pool as many
    users at once as it has connections would wait for each other for ever."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str, *, max_size: int) -> QueueTables:
        return cls(await open_pool(url, min_size=1, max_size=max_size, name="vocabot-turns"))

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def user_turn(self, user_id: int) -> AsyncIterator[UserLoad]:
        """Hold this user's turn (every process waits for it) and read their load: jobs
        queued or running, and seconds since their last one was written."""
        async with outage_is_told("(queue turns)"), self.pool.connection() as conn:
            key = (USER_LOCK, user_id % 2**31)
            await conn.execute("SELECT pg_advisory_lock(%s, %s)", key)
            try:
                (load,) = await Statements(conn).all(
                    f"SELECT count(*) FILTER (WHERE {UNFINISHED}) AS active, "
                    "max(created_at) AS last FROM jobs WHERE user_id = ?",
                    (user_id,),
                )
                last = load["last"]
                since = None if last is None else (datetime.now(UTC) - last).total_seconds()
                yield UserLoad(int(load["active"]), since)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s, %s)", key)


class PgBus:
    """core.queue.Bus on NOTIFY/LISTEN: published in order on one connection of its own,
    heard on another (reconnected when it drops)."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._sender: AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    async def publish(self, payload: str) -> None:
        async with self._lock:
            for attempt in (1, 2):
                try:
                    if self._sender is None or self._sender.closed:
                        self._sender = await AsyncConnection.connect(self.conninfo, autocommit=True)
                    await self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except psycopg.OperationalError:
                    self._sender = None
                    if attempt == 2:
                        raise

    async def close(self) -> None:
        if self._sender is not None:
            await self._sender.close()

    @asynccontextmanager
    async def listening(self, on_event: Callable[[str], Awaitable[None]]) -> AsyncIterator[None]:
        ready = asyncio.Event()
        task = asyncio.create_task(self._listen(on_event, ready), name="bus-listen")
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait((task, waiting), return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if task.done():
            task.result()  # the first connection failed: say why
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _listen(
        self, on_event: Callable[[str], Awaitable[None]], ready: asyncio.Event
    ) -> None:
        while True:
            try:
                async with await AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    ready.set()
                    async for notice in conn.notifies():
                        try:
                            await on_event(notice.payload)
                        except Exception:
                            log.exception("a job event could not be handled: %s", notice.payload)
            except psycopg.OperationalError as exc:
                if not ready.is_set():
                    raise
                log.warning("lost the job events connection (%s); reconnecting", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
