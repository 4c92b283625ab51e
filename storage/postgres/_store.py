"""The PostgreSQL store, assembled from its table groups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from storage.postgres._cache import Cache
from storage.postgres._decks import Decks
from storage.postgres._jobs import Jobs
from storage.postgres._operations import Operations
from storage.postgres._reviews import Reviews
from storage.postgres._users import Users
from storage.postgres._web import WebTokens


class PostgresStore(Users, Cache, Decks, Reviews, Jobs, WebTokens, Operations):
    """core.store.Store on PostgreSQL; each base holds the statements of one group of tables."""


@asynccontextmanager
async def open_store(url: str, *, max_size: int = 10) -> AsyncIterator[PostgresStore]:
    store = await PostgresStore.open(url, max_size=max_size)
    try:
        yield store
    finally:
        await store.close()
