"""The PostgreSQL store: psycopg 3 (async) on a psycopg_pool connection pool, migrations.

Chosen when DATABASE_URL=postgresql://… is set (SQLite stays the default). The same
Store Protocol, the same semantics as storage/sqlite, with PostgreSQL doing the
concurrency: no process-wide lock, and a transaction wherever a write and the read after
it must agree. Its own numbered migrations live in storage/postgres/migrations.

`PostgresStore.pool` is a plain psycopg_pool.AsyncConnectionPool (autocommit connections,
no row factory set on them), so other parts on the same database, such as the job queue's
schema (storage/postgres/queue.py), can share it. What is PostgreSQL's own lives here: the
pool, outages, migrations under an advisory lock, and the job queue's rows a forgotten
learner leaves.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from core import errors
from storage.dialect import Migration, PostgresDialect, Tx, marks, pending, read_migrations
from storage.rows import Row
from storage.tables import Tables

log = logging.getLogger(__name__)

Pool = AsyncConnectionPool[AsyncConnection[Any]]

# pg_advisory_xact_lock key: processes starting at once apply each migration once.
MIGRATION_LOCK = 0x766F6361626F74  # "vocabot"
QUEUE_EXISTS = "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS queue"
VERSION = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations"
CONNECT_TIMEOUT = 10  # seconds, for the first connection at start-up
# Once running: how long a request waits for a pooled connection, and for a new connection
# to the server, before it is told the database is down (DatabaseDown: HTTP 503 with
# Retry-After, "try again shortly" in a chat) rather than hanging for psycopg's 30 s.
POOL_TIMEOUT = 2.0
CONNECTION_TIMEOUT = 2  # seconds (libpq's connect_timeout: whole seconds, at least 2)
# What a database that is down or restarting raises (a connection refused or dropped,
# the pool timing out, the server shutting down).
OUTAGE: tuple[type[Exception], ...] = (
    PoolTimeout,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


@asynccontextmanager
async def outage_is_told(where: str) -> AsyncIterator[None]:
    """Turn a database outage inside the block into DatabaseDown (a sentence for users)."""
    try:
        yield
    except OUTAGE as exc:
        if isinstance(exc, psycopg.errors.QueryCanceled | psycopg.errors.TransactionRollback):
            raise  # a statement's own failure (a timeout, a deadlock), not an outage
        log.warning("database %s does not answer: %s", where, type(exc).__name__)
        raise errors.DatabaseDown(f"{where}: {exc}") from exc


async def open_pool(url: str, *, min_size: int, max_size: int, name: str) -> Pool:
    """A pool of vocabot's, open: autocommit connections, short waits (see POOL_TIMEOUT),
    and a connection the server dropped (a restart, a failover) replaced before use
    instead of failing a learner's request (one empty round trip per use)."""
    pool: Pool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, "connect_timeout": CONNECTION_TIMEOUT},
        timeout=POOL_TIMEOUT,
        check=AsyncConnectionPool.check_connection,
        open=False,
        name=name,
    )
    try:
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT)
    except BaseException:
        await pool.close()
        raise
    return pool


def migrations() -> list[Migration]:
    return read_migrations("storage.postgres")


def shown(url: str) -> str:
    """`url` as it may be printed: without a password (in the address or the query)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "the DATABASE_URL"
    if password is not None:
        where = parts.netloc.rsplit("@", 1)[-1]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{where}")
    query = [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/", quote_via=quote)))


def nul_free(value: Any) -> Any:
    """PostgreSQL text cannot hold U+0000, SQLite's can: a NUL a learner typed (or a file
    carried) is stored as U+FFFD, everywhere the same way, so lookups still match."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, list | tuple):
        return type(value)(nul_free(v) for v in value)
    return value


@lru_cache(maxsize=512)  # a few hundred distinct statements; IN lists vary in length
def percent(sql: str) -> str:
    """A query as written (`?` placeholders) in psycopg's placeholders."""
    return sql.replace("%", "%%").replace("?", "%s")


class Statements:
    """Statements on one pooled connection's cursor (storage.dialect.Tx)."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn
        self._cursor: AsyncCursor[DictRow] = conn.cursor(row_factory=dict_row)

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        await self.run(sql, params)
        return list(await self._cursor.fetchall())

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        await self._cursor.execute(percent(sql), nul_free(tuple(params)))
        return self._cursor.rowcount

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """(psycopg pipelines them; rowcount is their sum.)"""
        if not rows:
            return 0
        await self._cursor.executemany(percent(sql), [nul_free(tuple(r)) for r in rows])
        return self._cursor.rowcount

    async def lock(self, *key: int) -> None:
        await self.run(f"SELECT pg_advisory_xact_lock({marks(len(key))})", key)


class PostgresStore(Tables):
    """core.store.Store on PostgreSQL: the queries of storage.tables on a pool.

    No lock: PostgreSQL serialises conflicting writes itself. Statements outside `_tx`
    run in autocommit (one round trip each); a group of writes that must land together,
    or a read that must see its own insert, goes in `_tx`.
    """

    dialect = PostgresDialect()
    autocommit = True

    def __init__(self, pool: Pool, url: str) -> None:
        self.pool = pool  # share it (e.g. with a job queue on the same database)
        self.url = url  # without its password (`shown`)

    @classmethod
    async def open(cls, url: str, *, max_size: int = 10) -> Self:
        """Connect (creating or upgrading the schema), or raise StorageUnavailable: one
        connection before the pool, for a clear error when the server cannot be reached or
        may not be written, brings the schema up to date."""
        where = shown(url)
        try:
            conn = await AsyncConnection.connect(
                url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
            )
        except psycopg.Error as exc:
            raise errors.StorageUnavailable(f"cannot connect to {where}: {exc}") from exc
        async with conn:
            try:
                await _migrate(conn, url=where)
                (read_only,) = await Statements(conn).all("SHOW transaction_read_only")
            except psycopg.Error as exc:
                raise errors.StorageUnavailable(f"database {where} is unusable: {exc}") from exc
        if read_only["transaction_read_only"] == "on":
            raise errors.StorageUnavailable(f"database {where} is read-only")
        try:
            pool = await open_pool(
                url, min_size=min(2, max_size), max_size=max_size, name="vocabot"
            )
        except (PoolTimeout, psycopg.Error) as exc:
            raise errors.StorageUnavailable(f"cannot connect to {where}: {exc}") from exc
        return cls(pool, where)

    async def close(self) -> None:
        await self.pool.close()

    async def schema_version(self) -> int:
        row = await self._one(VERSION)
        return int(row["version"]) if row else 0

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[Statements]:
        """A pooled connection in autocommit (one round trip a statement); an outage is
        told as DatabaseDown."""
        async with outage_is_told(self.url), self.pool.connection() as conn:
            yield Statements(conn)

    @asynccontextmanager
    async def _tx(self, *, background: bool = False) -> AsyncIterator[Statements]:
        """One transaction on a pooled connection: committed at the end, rolled back on
        an error or a cancellation (psycopg cancels a running statement on the server)."""
        async with self._statement() as tx, tx.conn.transaction():
            yield tx

    async def _forget_files(self, tx: Tx, keys: Sequence[str]) -> None:
        """The job queue's builds of these files: their arguments and locks hold the file's
        hash. Only this learner's jobs wanted them, so a waiting one has nothing to build; a
        running one is its worker's until it ends (and deletes it). Nothing to do without
        the queue's tables."""
        (found,) = await tx.all(QUEUE_EXISTS)
        if found["queue"]:
            await tx.run(
                "DELETE FROM procrastinate_jobs WHERE args ->> 'video_id' = ANY(?) "
                "AND status <> 'doing'",
                (list(keys),),
            )


async def _migrate(conn: AsyncConnection[Any], *, url: str) -> None:
    """Apply what is missing, each migration in its own transaction with its version row.

    DDL is transactional in PostgreSQL, and the advisory lock makes a second process that
    starts at the same moment wait, then find the work done.
    """
    available = migrations()
    for migration in available:
        async with conn.transaction():
            tx = Statements(conn)
            await tx.lock(MIGRATION_LOCK)
            await tx.run(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            (current,) = await tx.all(VERSION)
            if migration in pending(available, current["version"], None, url):
                version, name, sql = migration
                log.info("applying migration %s", name)
                await conn.execute(sql)  # no parameters: several statements in one go
                await tx.run(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name)
                )
