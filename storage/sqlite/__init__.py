"""The SQLite store: the queries of storage.tables on one long-lived aiosqlite connection
(WAL, foreign keys), with SQLite's own migrations and transactions.

Statements are serialised through one lock so that a transaction of one coroutine never
interleaves with another's statements on the shared connection. The lock has a fast lane:
reads and the writes a user waits for go before queued bookkeeping (progress of running
jobs, chunk answers), so a chat's immediate reply never waits behind a burst of those.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Self

import aiosqlite

from core import errors
from storage.dialect import Dialect, Migration, pending, read_migrations
from storage.rows import Row
from storage.sqlite.backup import INTEGRITY_CHECK
from storage.tables import Tables

log = logging.getLogger(__name__)


def migrations() -> list[Migration]:
    return read_migrations("storage")


class _Turns:
    """A lock with two queues: foreground waiters are served before background ones."""

    def __init__(self) -> None:
        self._busy = False
        self._queues: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    @asynccontextmanager
    async def hold(self, *, background: bool = False) -> AsyncIterator[None]:
        if self._busy:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue = self._queues[1 if background else 0]
            queue.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._next()  # handed to us just as we were cancelled: pass it on
                elif turn in queue:  # (a handover may have skipped it already)
                    queue.remove(turn)
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._next()

    def _next(self) -> None:
        for queue in self._queues:
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # the lock passes on, still busy
                    return
        self._busy = False


class _Tx:
    """Statements in a transaction on the shared connection (storage.dialect.Tx).

    Each runs and is read to the end in one call on aiosqlite's thread: a caller cancelled
    midway can never leave a half-read cursor that blocks the next COMMIT.
    """

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return list(await self._db.execute_fetchall(sql, tuple(params)))

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        return (await self._db.execute(sql, tuple(params))).rowcount

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        return (await self._db.executemany(sql, rows)).rowcount if rows else 0

    async def lock(self, *key: int) -> None:
        """Nothing to take: BEGIN IMMEDIATE holds the database's one writer lock, across
        processes, to the end of the transaction."""


class SQLiteStore(Tables):
    """core.store.Store on SQLite: the queries of storage.tables on one shared connection,
    each statement and transaction in its turn (see _Turns)."""

    dialect = Dialect()

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = _Turns()

    @classmethod
    async def open(cls, path: Path | str, *, migrate_to: int | None = None) -> Self:
        """Open (creating or upgrading) the database, or raise StorageUnavailable.

        `path` may also be an SQLite URI (`file:…?mode=…`).
        """
        target = str(path)
        uri = target.startswith("file:")
        path = Path(path)
        try:
            if not uri and target != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(target, timeout=10, uri=uri)
        except (OSError, sqlite3.Error) as exc:
            raise errors.StorageUnavailable(f"cannot open {path}: {exc}") from exc
        db.row_factory = aiosqlite.Row
        store = cls(db, path)
        try:
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA busy_timeout = 10000")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            # Deleted rows are overwritten, not left in free pages: /forget leaves no text
            await db.execute("PRAGMA secure_delete = ON")
            await store._migrate(migrate_to)
            # Fail now, not in the middle of a chat, if we may read but not write: rewrite
            # the version we just read, in a transaction we roll back.
            version = await store.schema_version()
            await db.execute("BEGIN IMMEDIATE")
            try:
                await db.execute(f"PRAGMA user_version = {version}")
            finally:
                await db.rollback()
        except sqlite3.Error as exc:
            await db.close()
            raise errors.StorageUnavailable(f"database {path} is unusable: {exc}") from exc
        return store

    async def close(self) -> None:
        async with self._lock.hold():
            await self._db.close()

    async def schema_version(self) -> int:
        row = await self._one("PRAGMA user_version")
        return int(row["user_version"]) if row else 0

    async def _migrate(self, target: int | None) -> None:
        for version, name, sql in pending(
            migrations(), await self.schema_version(), target, self.path
        ):
            log.info("applying migration %s", name)
            # executescript commits first; the script and its version bump go in one transaction.
            await self._db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
            )

    @asynccontextmanager
    async def _tx(self, *, background: bool = False) -> AsyncIterator[_Tx]:
        """One write transaction at a time on the shared connection (`background` ones
        after every waiting foreground one).

        aiosqlite runs statements in order on its own thread, so even when the caller is
        cancelled halfway (a statement already queued), the rollback queued after it puts
        the connection back in a clean state before the next transaction begins.
        """
        async with self._lock.hold(background=background):
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield _Tx(self._db)
            except BaseException:
                await asyncio.shield(self._db.rollback())
                raise
            else:
                await asyncio.shield(self._db.commit())

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[_Tx]:
        """Statements outside a transaction, in their turn (reads: a write is `_tx`'s)."""
        async with self._lock.hold():
            yield _Tx(self._db)

    async def _forgotten(self) -> None:
        """Copy the WAL into the database and empty it, so deleted rows' old versions are
        not kept there (a reader in another process may hold it: then it waits for later)."""
        row = await self._one("PRAGMA wal_checkpoint(TRUNCATE)")
        if row and row["busy"]:
            log.warning("the WAL of %s could not be emptied now (another process reads)", self.path)

    async def integrity_check(self) -> str:
        row = await self._one(INTEGRITY_CHECK)
        return str(row["integrity_check"]) if row else "no answer"


@asynccontextmanager
async def open_store(path: Path | str) -> AsyncIterator[SQLiteStore]:
    store = await SQLiteStore.open(path)
    try:
        yield store
    finally:
        await store.close()
