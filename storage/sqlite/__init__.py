"""The SQLite store: one long-lived aiosqlite connection, WAL, foreign keys, migrations.

This package (with storage/migrations/*.sql) is the only place with SQL. Statements are
serialised through one lock so that a transaction of one coroutine never interleaves
with another's statements on the shared connection. The lock has a fast lane: reads and
the writes a user waits for go before queued bookkeeping (progress of running jobs,
chunk answers), so a chat's immediate reply never waits behind a burst of those.

Its queries are storage.tables', written once for both stores over the dialect seam
(storage/dialect.py); `_connection` holds what is SQLite's own: the connection, the lock,
migrations and transactions.
"""

from storage.rows import CHUNK_RESULTS_KEPT, video_key
from storage.sqlite._connection import SQLiteStore, _Turns, migrations, open_store

__all__ = [
    "CHUNK_RESULTS_KEPT",
    "SQLiteStore",
    "_Turns",
    "migrations",
    "open_store",
    "video_key",
]
