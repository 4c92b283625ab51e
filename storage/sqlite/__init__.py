"""The SQLite store: one long-lived aiosqlite connection, WAL, foreign keys, migrations.

This package (with storage/migrations/*.sql) is the only place with SQL. Statements are
serialised through one lock so that a transaction of one coroutine never interleaves
with another's statements on the shared connection. The lock has a fast lane: reads and
the writes a user waits for go before queued bookkeeping (progress of running jobs,
chunk answers), so a chat's immediate reply never waits behind a burst of those.

Its parts: `_connection` (the connection, the lock, migrations and transactions), one
module per group of tables (`_users`, `_cache`, `_decks`, `_reviews`, `_jobs`,
`_operations`), and `_store`, where SQLiteStore is assembled from them.
"""

from storage.rows import CHUNK_RESULTS_KEPT, video_key
from storage.sqlite._connection import _Turns, migrations
from storage.sqlite._store import SQLiteStore, open_store

__all__ = [
    "CHUNK_RESULTS_KEPT",
    "SQLiteStore",
    "_Turns",
    "migrations",
    "open_store",
    "video_key",
]
