"""The SQLite store, assembled from its table groups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from storage.sqlite._cache import Cache
from storage.sqlite._decks import Decks
from storage.sqlite._jobs import Jobs
from storage.sqlite._operations import Operations
from storage.sqlite._reviews import Reviews
from storage.sqlite._users import Users
from storage.sqlite._web import WebTokens


class SQLiteStore(Users, Cache, Decks, Reviews, Jobs, WebTokens, Operations):
    """core.store.Store on SQLite; each base holds the statements of one group of tables."""


@asynccontextmanager
async def open_store(path: Path | str) -> AsyncIterator[SQLiteStore]:
    store = await SQLiteStore.open(path)
    try:
        yield store
    finally:
        await store.close()
