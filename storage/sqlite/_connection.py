"""The connection: one aiosqlite connection, WAL, foreign keys, migrations, transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Self

import aiosqlite

from core import errors
from storage.rows import read_migrations

log = logging.getLogger(__name__)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every storage/migrations/NNNN_name.sql, in order."""
    return read_migrations(resources.files("storage") / "migrations")


def now_stamp() -> str:
    """Now, as times are stored: UTC, ISO 8601 with microseconds and a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp(value: datetime) -> str:
    """`value` as times are stored."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


class Connection:
    """The base every table group builds on: the shared connection, its lock, migrations
    and the statement helpers."""

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
            version = await store._version()
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
        async with self._lock.hold():
            return await self._version()

    async def _version(self) -> int:
        rows = list(await self._db.execute_fetchall("PRAGMA user_version"))
        return int(rows[0][0]) if rows else 0

    async def _migrate(self, target: int | None) -> None:
        current = await self._version()
        available = migrations()
        latest = available[-1][0] if available else 0
        if current > latest:
            raise errors.StorageUnavailable(
                f"database {self.path} is version {current}, newer than this code ({latest})"
            )
        for version, name, sql in available:
            if version <= current or (target is not None and version > target):
                continue
            log.info("applying migration %s", name)
            # executescript commits first; the script and its version bump go in one transaction.
            await self._db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
            )

    @asynccontextmanager
    async def _tx(self, *, background: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time on the shared connection (`background` ones
        after every waiting foreground one).

        aiosqlite runs statements in order on its own thread, so even when the caller is
        cancelled halfway (a statement already queued), the rollback queued after it puts
        the connection back in a clean state before the next transaction begins.
        """
        async with self._lock.hold(background=background):
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield self._db
            except BaseException:
                await asyncio.shield(self._db.rollback())
                raise
            else:
                await asyncio.shield(self._db.commit())

    # Statements run and are read to the end in one call on aiosqlite's thread: a caller
    # cancelled midway can never leave a half-read cursor that blocks the next COMMIT.

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock.hold():
            return list(await self._db.execute_fetchall(sql, tuple(params)))

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database and empty it, so deleted rows' old versions are
        not kept there (a reader in another process may hold it: then it waits for later)."""
        async with self._lock.hold():
            rows = list(await self._db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))
        if rows and rows[0][0]:
            log.warning("the WAL of %s could not be emptied now (another process reads)", self.path)

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"
