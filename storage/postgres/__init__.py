"""The PostgreSQL store: psycopg 3 (async) on a psycopg_pool connection pool, migrations.

Chosen when DATABASE_URL=postgresql://… is set (SQLite stays the default). The same
Store Protocol, the same semantics as storage/sqlite, with PostgreSQL doing the
concurrency: no process-wide lock, and a transaction wherever a write and the read after
it must agree. Its own numbered migrations live in storage/postgres/migrations.

`PostgresStore.pool` is a plain psycopg_pool.AsyncConnectionPool (autocommit connections,
no row factory set on them), so other parts on the same database, such as a job queue,
can share it; `PostgresStore.on_pool(pool)` builds a store on a pool opened elsewhere.

Its queries are storage.tables', written once for both stores over the dialect seam
(storage/dialect.py); this module holds what is PostgreSQL's own: the pool, outages,
migrations under an advisory lock, and the job queue's rows a forgotten learner leaves.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from core import errors
from storage.dialect import Migration, PostgresDialect, Tx, pending, read_migrations
from storage.rows import Row
from storage.tables import Tables

log = logging.getLogger(__name__)

Pool = AsyncConnectionPool[AsyncConnection[Any]]

# pg_advisory_xact_lock key: processes starting at once apply each migration once.
MIGRATION_LOCK = 0x766F6361626F74  # "vocabot"
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
    """(version, name, sql) for every storage/postgres/migrations/NNNN_name.sql, in order."""
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


class _Tx:
    """Statements on one pooled connection's cursor (storage.dialect.Tx)."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn
        self._cursor: AsyncCursor[DictRow] = conn.cursor(row_factory=dict_row)

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        await self.run(sql, params)
        return list(await self._cursor.fetchall())

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        await self._cursor.execute(DIALECT.sql(sql), DIALECT.params(params))
        return self._cursor.rowcount

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """(psycopg pipelines them; rowcount is their sum.)"""
        if not rows:
            return 0
        await self._cursor.executemany(DIALECT.sql(sql), [DIALECT.params(r) for r in rows])
        return self._cursor.rowcount

    async def lock(self, *key: int) -> None:
        await self._cursor.execute(
            f"SELECT pg_advisory_xact_lock({', '.join(['%s'] * len(key))})", key
        )


DIALECT = PostgresDialect()


class PostgresStore(Tables):
    """core.store.Store on PostgreSQL: the queries of storage.tables on a pool.

    No lock: PostgreSQL serialises conflicting writes itself. Statements outside `_tx`
    run in autocommit (one round trip each); a group of writes that must land together,
    or a read that must see its own insert, goes in `_tx`.
    """

    dialect = DIALECT

    def __init__(self, pool: Pool, url: str = "", *, owns_pool: bool = True) -> None:
        self.pool = pool  # share it (e.g. with a job queue on the same database)
        self.url = shown(url)
        self._owns_pool = owns_pool

    @classmethod
    async def open(cls, url: str, *, max_size: int = 10, migrate_to: int | None = None) -> Self:
        """Connect (creating or upgrading the schema), or raise StorageUnavailable."""
        await prepare(url, migrate_to=migrate_to)
        try:
            pool = await open_pool(
                url, min_size=min(2, max_size), max_size=max_size, name="vocabot"
            )
        except (PoolTimeout, psycopg.Error) as exc:
            raise errors.StorageUnavailable(f"cannot connect to {shown(url)}: {exc}") from exc
        return cls(pool, url)

    @classmethod
    async def on_pool(cls, pool: Pool, *, migrate_to: int | None = None) -> Self:
        """A store on a pool someone else opened (and closes); its connections must be
        in autocommit mode, as the store's own are."""
        async with pool.connection() as conn:
            dsn = conn.info.dsn  # (libpq leaves the password out)
            await _migrate(conn, migrate_to, url=dsn)
        return cls(pool, dsn, owns_pool=False)

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

    async def schema_version(self) -> int:
        async with self.pool.connection() as conn:
            return await _version(conn)

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[_Tx]:
        """A pooled connection in autocommit (one round trip a statement); an outage is
        told as DatabaseDown."""
        async with outage_is_told(self.url), self.pool.connection() as conn:
            yield _Tx(conn)

    @asynccontextmanager
    async def _tx(self, *, background: bool = False) -> AsyncIterator[_Tx]:
        """One transaction on a pooled connection: committed at the end, rolled back on
        an error or a cancellation (psycopg cancels a running statement on the server)."""
        async with self._statement() as tx, tx.conn.transaction():
            yield tx

    async def _write(
        self, sql: str, params: Iterable[Any] = (), *, background: bool = False
    ) -> int:
        """One statement that stands alone (autocommit); how many rows it changed."""
        async with self._statement() as statement:
            return await statement.run(sql, params)

    async def _forget_files(self, tx: Tx, keys: Sequence[str]) -> None:
        """The job queue's builds of these files: their arguments and locks hold the file's
        hash. Only this learner's jobs wanted them, so a waiting one has nothing to build; a
        running one is its worker's until it ends (and deletes it). Nothing to do without
        the queue's tables."""
        found = await tx.all("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS queue")
        if found and found[0]["queue"]:
            await tx.run(
                "DELETE FROM procrastinate_jobs WHERE args ->> 'video_id' = ANY(?) "
                "AND status <> 'doing'",
                (list(keys),),
            )


async def prepare(url: str, *, migrate_to: int | None = None) -> None:
    """One connection before the pool: a clear error when the server cannot be reached or
    may not be written, and the schema brought up to date."""
    try:
        conn = await AsyncConnection.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        raise errors.StorageUnavailable(f"cannot connect to {shown(url)}: {exc}") from exc
    async with conn:
        try:
            await _migrate(conn, migrate_to, url=shown(url))
            read_only = await conn.execute("SHOW transaction_read_only")
            row = await read_only.fetchone()
        except psycopg.Error as exc:
            raise errors.StorageUnavailable(f"database {shown(url)} is unusable: {exc}") from exc
        if row and row[0] == "on":
            raise errors.StorageUnavailable(f"database {shown(url)} is read-only")


async def _version(conn: AsyncConnection[Any]) -> int:
    cursor = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
    exists = await cursor.fetchone()
    if not exists or not exists[0]:
        return 0
    cursor = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _migrate(conn: AsyncConnection[Any], target: int | None, *, url: str) -> None:
    """Apply what is missing, each migration in its own transaction with its version row.

    DDL is transactional in PostgreSQL, and the advisory lock makes a second process that
    starts at the same moment wait, then find the work done.
    """
    available = migrations()
    for migration in available:
        if target is not None and migration[0] > target:
            break
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            if migration in pending(available, await _version(conn), target, url):
                version, name, sql = migration
                log.info("applying migration %s", name)
                await conn.execute(sql)  # no parameters: several statements in one go
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (version, name),
                )
