"""Both stores in tests: SQLite in a file under tmp_path, PostgreSQL in a fresh schema.

The PostgreSQL server is $VOCABOT_TEST_DATABASE_URL when that is set, else one this test
session starts in a temporary folder (devtools.postgres) when PostgreSQL is installed.
Without either the PostgreSQL cases skip, all with the one reason below; with CI=true they
fail instead, so CI can never skip them silently.

`target` is parametrized over both stores: a test that takes it (or `store`) runs twice.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from core.config import Settings
from devtools import postgres
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore

TEST_DATABASE_URL = "VOCABOT_TEST_DATABASE_URL"
NO_POSTGRES = (
    "no PostgreSQL server for the PostgreSQL store tests: set VOCABOT_TEST_DATABASE_URL, "
    "or install PostgreSQL (initdb) so the tests start their own"
)

AnyStore = SQLiteStore | PostgresStore
Kind = Literal["sqlite", "postgres"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests may create schemas on."""
    given = os.environ.get(TEST_DATABASE_URL)
    if given:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="vocabot-pg-"))
    try:
        url = postgres.start(folder)
    except postgres.ClusterUnavailable as exc:
        url, problem = "", str(exc)
    try:
        if not url and in_ci():
            pytest.fail(f"CI=true and {NO_POSTGRES} ({problem})", pytrace=False)
        if not url:
            pytest.skip(NO_POSTGRES)
        yield url
    finally:
        postgres.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def with_option(url: str, option: str) -> str:
    """`url` with one more server setting in libpq's `options` (e.g. `-csearch_path=x`)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["options"] = f"{query.get('options', '')} {option}".strip()
    # %20, not +: libpq decodes percent escapes only
    return urlunsplit(parts._replace(query=urlencode(query, safe="/", quote_via=quote)))


def with_schema(url: str, schema: str) -> str:
    """`url` with `schema` first on the search path: where its tables are made and found."""
    return with_option(url, f"-csearch_path={schema}")


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose tables live in a schema of their own, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    name = sql.Identifier(schema)
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(name))
    yield with_schema(pg_server, schema)
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(name))


@dataclass(frozen=True)
class StoreTarget:
    """One database a test opens (and reopens, as a restarted process would) a store on."""

    kind: Kind
    where: str  # the SQLite file, or the PostgreSQL URL

    async def open(self) -> AnyStore:
        if self.kind == "postgres":
            return await PostgresStore.open(self.where)
        return await SQLiteStore.open(self.where)

    def settings(self, **values: Any) -> Settings:
        """Settings on this database, with `values` for the rest."""
        return Settings(**values, **self.setting())

    def setting(self) -> dict[str, Any]:
        if self.kind == "postgres":
            return {"database_url": self.where}
        return {"db_path": Path(self.where)}

    def env(self) -> dict[str, str]:
        """The environment variable that points a `vocabot` process at this database."""
        return {name.upper(): str(value) for name, value in self.setting().items()}

    @property
    def write_error(self) -> type[Exception]:
        """What a write refused by `break_writes` raises."""
        return psycopg.errors.RaiseException if self.kind == "postgres" else sqlite3.IntegrityError

    def break_writes(self, table: str, name: str, message: str, when: str = "") -> None:
        """From now on inserts into `table` (those where `when`, over NEW, holds) fail."""
        if self.kind == "postgres":
            self._execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$",
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW "
                f"{f'WHEN ({when})' if when else ''} EXECUTE FUNCTION {name}()",
            )
        else:
            self._execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                f"{f'WHEN {when}' if when else ''} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )

    def mend_writes(self, table: str, name: str) -> None:
        if self.kind == "postgres":
            self._execute(f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()")
        else:
            self._execute(f"DROP TRIGGER {name}")

    def _execute(self, *statements: str) -> None:
        """Statements on a connection of their own, behind the store's back."""
        if self.kind == "postgres":
            with psycopg.connect(self.where, autocommit=True) as pg:
                for statement in statements:
                    pg.execute(statement.encode())
            return
        with sqlite3.connect(self.where) as db:
            for statement in statements:
                db.execute(statement)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """Each store in turn: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "postgres":
        return StoreTarget("postgres", request.getfixturevalue("pg_url"))
    return StoreTarget("sqlite", str(tmp_path / "store.sqlite3"))


@pytest.fixture
async def store(target: StoreTarget) -> AsyncIterator[AnyStore]:
    """An open store on `target`, closed after the test."""
    opened = await target.open()
    yield opened
    await opened.close()
