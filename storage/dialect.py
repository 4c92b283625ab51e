"""The seam between the one set of queries (storage/tables) and the two engines.

Every query is written once, in the SQL SQLite and PostgreSQL share, with `?`
placeholders; what differs is asked of the store's `dialect` (Django's `connection.ops`
is the model) or done by its connection class (storage/sqlite, storage/postgres):

- placeholders: `?` as written for SQLite; storage/postgres turns them into psycopg's `%s`
  (and stores text without U+0000, which PostgreSQL's text cannot hold);
- values: times and days as SQLite's ISO text or PostgreSQL's timestamptz and date
  (`time`, `now`, `day`); booleans are Python bools for both (SQLite stores 1 and 0;
  `TRUE` and `NOT told` read the same);
- functions: the larger of two values, a JSON field read or set (`greatest`, `json_*`);
- locking: `FOR UPDATE`/`FOR SHARE` and advisory locks on PostgreSQL, nothing on SQLite,
  whose write transactions (BEGIN IMMEDIATE) already hold its one writer lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any, ClassVar, Protocol

from core import errors
from core.store import User
from storage.rows import Row, user_of

Migration = tuple[int, str, str]  # (version, file name, SQL)


def marks(count: int) -> str:
    """`count` placeholders, for a list of values (`IN (…)`) or a row of columns."""
    return ", ".join("?" * count)


def read_migrations(package: str) -> list[Migration]:
    """Every NNNN_name.sql in `package`'s migrations folder, in order, numbered 1..n."""
    found = []
    for entry in (resources.files(package) / "migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {versions}")
    return found


def pending(
    available: Sequence[Migration], current: int, target: int | None, where: object
) -> list[Migration]:
    """The migrations a database at version `current` lacks, up to `target` (all: None);
    StorageUnavailable when it is newer than this code."""
    latest = available[-1][0] if available else 0
    if current > latest:
        raise errors.StorageUnavailable(
            f"database {where} is version {current}, newer than this code ({latest})"
        )
    return [m for m in available if current < m[0] and (target is None or m[0] <= target)]


class Dialect:
    """SQLite's: queries and values as written, times as text."""

    greatest = "MAX"  # the larger of two values (SQLite's MAX takes two)
    for_update = ""  # a row lock: BEGIN IMMEDIATE already holds the only writer lock
    for_share = ""

    def time(self, value: datetime) -> Any:
        """As SQLite stores times: UTC, ISO 8601 with microseconds and a Z."""
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def now(self) -> Any:
        return self.time(datetime.now(UTC))

    def day(self, value: date) -> Any:
        return value.isoformat()

    def json_field(self, column: str, key: str) -> str:
        """The text of `column`'s JSON field `key`."""
        return f"json_extract({column}, '$.{key}')"

    def json_set(self, column: str, key: str, value: str) -> str:
        """`column`'s JSON object with `key` set to the SQL value `value`."""
        return f"json_set({column}, '$.{key}', {value})"


class PostgresDialect(Dialect):
    """PostgreSQL's: timestamptz and date values, row locks."""

    greatest = "GREATEST"
    for_update = " FOR UPDATE"
    for_share = " FOR SHARE"

    def time(self, value: datetime) -> Any:
        return value

    def day(self, value: date) -> Any:
        return value

    def json_field(self, column: str, key: str) -> str:
        return f"({column}::json ->> '{key}')"

    def json_set(self, column: str, key: str, value: str) -> str:
        return f"jsonb_set({column}::jsonb, '{{{key}}}', to_jsonb({value}))::json"


class Tx(Protocol):
    """Statements inside one transaction (see Connection._tx)."""

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One statement; how many rows it changed."""

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """One statement per row of parameters; how many rows they changed in all."""

    async def lock(self, *key: int) -> None:
        """Hold an advisory lock on `key` to the end of the transaction (PostgreSQL; on
        SQLite the transaction holds the writer lock already)."""


class Connection:
    """What every table group builds on; storage/sqlite and storage/postgres implement it.

    `_all` and `_write` run one statement on their own; a group of writes that must land
    together, or a read that must see its own write, goes in `_tx`. `background` writes
    are bookkeeping (progress, chunk answers): SQLite lets a user's own writes go first.
    """

    dialect: ClassVar[Dialect]
    # A write that stands alone commits by itself (PostgreSQL's autocommit: one round trip);
    # without it (SQLite) it goes in a transaction of its own, BEGIN IMMEDIATE.
    autocommit: ClassVar[bool] = False

    def _statement(self) -> AbstractAsyncContextManager[Tx]:
        """The connection for a statement that stands alone (reads; writes on PostgreSQL)."""
        raise NotImplementedError

    def _tx(self, *, background: bool = False) -> AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self._statement() as statement:
            return await statement.all(sql, params)

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _users(self, where: str, *params: Any) -> list[User]:
        """The users `where` picks, by id."""
        rows = await self._all(f"SELECT * FROM users WHERE {where} ORDER BY id", params)
        return [user_of(r) for r in rows]

    async def _write(
        self, sql: str, params: Iterable[Any] = (), *, background: bool = False
    ) -> int:
        """One statement that stands alone; how many rows it changed."""
        alone = self._statement() if self.autocommit else self._tx(background=background)
        async with alone as tx:
            return await tx.run(sql, params)

    async def _forget_files(self, tx: Tx, keys: Sequence[str]) -> None:
        """Anything beyond the store's tables that holds these files (the job queue's)."""

    async def _forgotten(self) -> None:
        """After a learner is forgotten: leave no old copies of their rows behind."""
