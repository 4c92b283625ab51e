"""Every query of the store, written once over the dialect seam (storage/dialect.py).

One module per group of tables; `Tables` joins them. Each engine's store is `Tables` on
its own connection class: storage/sqlite (one aiosqlite connection, its lock, WAL) and
storage/postgres (a psycopg pool).
"""

from storage.tables.cache import Cache
from storage.tables.decks import Decks
from storage.tables.jobs import Jobs
from storage.tables.operations import Operations
from storage.tables.reviews import Reviews
from storage.tables.users import Users


class Tables(Users, Cache, Decks, Reviews, Jobs, Operations):
    """core.store.Store but for opening and closing: each base holds one group's queries."""


__all__ = ["Tables"]
