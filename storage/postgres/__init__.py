"""The PostgreSQL store: psycopg 3 (async) on a psycopg_pool connection pool, migrations.

Chosen when DATABASE_URL=postgresql://… is set (SQLite stays the default). The same
Store Protocol, the same semantics as storage/sqlite, with PostgreSQL doing the
concurrency: no process-wide lock, and a transaction wherever a write and the read after
it must agree. Its own numbered migrations live in storage/postgres/migrations.

`PostgresStore.pool` is a plain psycopg_pool.AsyncConnectionPool (autocommit connections,
no row factory set on them), so other parts on the same database, such as a job queue,
can share it; `PostgresStore.on_pool(pool)` builds a store on a pool opened elsewhere.

Its queries are storage.tables', written once for both stores over the dialect seam
(storage/dialect.py); `_connection` holds what is PostgreSQL's own: the pool, outages,
migrations under an advisory lock, and the job queue's rows a forgotten learner leaves.
"""

from storage.postgres._connection import PostgresStore, migrations, open_store, shown

__all__ = ["PostgresStore", "migrations", "open_store", "shown"]
