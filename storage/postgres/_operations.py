"""Operating the bot: health, activity, spending, quotas, and forgetting a learner."""

from __future__ import annotations

from datetime import date, datetime

from psycopg import AsyncCursor
from psycopg.rows import DictRow

from core.store import DayUsage, QuotaOverride, UsageCount, User, UserUsage
from storage.postgres._connection import Connection, run
from storage.rows import FORGOTTEN, OWN_ROWS, UNNAME_VIDEOS, user_of

# Subtitle files only this learner's jobs name (another learner may have sent the same file:
# then it stays, with what was built from it).
_ONLY_THEIR_UPLOADS = (
    "SELECT DISTINCT video_id FROM jobs WHERE user_id = %s AND video_id LIKE 'file:%%' "
    "AND video_id NOT IN (SELECT video_id FROM jobs WHERE user_id != %s)"
)
_ADD_USAGE = (
    "INSERT INTO usage AS u (day, user_id, builds, prompt_tokens, completion_tokens) "
    "{source} ON CONFLICT (day, user_id) DO UPDATE SET "
    "builds = u.builds + excluded.builds, "
    "prompt_tokens = u.prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = u.completion_tokens + excluded.completion_tokens"
)
# The same with reserved tokens, never less than none (a build that was never reserved for
# may still give some back: a job resumed after a restart).
_ADD_RESERVED = (
    "INSERT INTO usage AS u (day, user_id, builds, prompt_tokens, completion_tokens, "
    "reserved_tokens) VALUES (%s, %s, %s, %s, %s, GREATEST(%s, 0)) "
    "ON CONFLICT (day, user_id) DO UPDATE SET "
    "builds = u.builds + excluded.builds, "
    "prompt_tokens = u.prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = u.completion_tokens + excluded.completion_tokens, "
    "reserved_tokens = GREATEST(u.reserved_tokens + %s, 0)"
)
# The learner's builds that day, and the tokens every learner spent or reserved that day.
_SPENT = (
    "SELECT COALESCE((SELECT builds FROM usage WHERE day = %s AND user_id = %s), 0) AS builds, "
    "COALESCE((SELECT SUM(prompt_tokens + completion_tokens + reserved_tokens) FROM usage "
    "WHERE day = %s), 0) AS tokens"
)
# pg_advisory_xact_lock(USAGE_LOCK, day): one check-and-take of a day's spending at a time,
# across every process on the database (held to the end of the transaction).
USAGE_LOCK = 0x757365


def _usage(row: DictRow) -> UsageCount:
    return UsageCount(
        int(row["builds"] or 0), int(row["prompt_tokens"] or 0), int(row["completion_tokens"] or 0)
    )


class Operations(Connection):
    """What an operator needs beyond the learners' own reads and writes."""

    async def ping(self) -> None:
        await self._one("SELECT 1")

    async def find_user(self, platform: str, platform_user_id: str) -> User | None:
        row = await self._one(
            "SELECT * FROM users WHERE platform = %s AND platform_user_id = %s",
            (platform, str(platform_user_id)),
        )
        return user_of(row) if row else None

    # -- activity --------------------------------------------------------------------

    async def mark_seen(self, user_id: int, at: datetime) -> None:
        await self._write("UPDATE users SET last_seen_at = %s WHERE id = %s", (at, user_id))

    async def active_users(self, since: datetime) -> list[User]:
        rows = await self._all("SELECT * FROM users WHERE last_seen_at >= %s ORDER BY id", (since,))
        return [user_of(r) for r in rows]

    async def count_active_users(self, since: datetime) -> int:
        row = await self._one("SELECT COUNT(*) AS n FROM users WHERE last_seen_at >= %s", (since,))
        return int(row["n"]) if row else 0

    # -- spending ----------------------------------------------------------------------

    async def add_usage(
        self,
        user_id: int,
        day: date,
        *,
        builds: int = 0,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        reserved_tokens: int = 0,
    ) -> None:
        await self._write(
            _ADD_RESERVED,
            (day, user_id, builds, prompt_tokens, completion_tokens, *[reserved_tokens] * 2),
        )

    async def take_build(
        self, user_id: int, day: date, *, limit: int | None, budget: int = 0
    ) -> str | None:
        async with self._tx() as cursor:
            await run(cursor, "SELECT pg_advisory_xact_lock(%s, %s)", (USAGE_LOCK, day.toordinal()))
            await run(cursor, _SPENT, (day, user_id, day))
            spent = await cursor.fetchone()
            assert spent is not None
            if limit is not None and int(spent["builds"]) >= limit:
                return "quota"
            if budget and int(spent["tokens"]) >= budget:
                return "budget"
            await run(cursor, _ADD_RESERVED, (day, user_id, 1, 0, 0, 0, 0))
        return None

    async def give_back_build(self, user_id: int, day: date) -> None:
        await self._write(
            "UPDATE usage SET builds = GREATEST(builds - 1, 0) WHERE day = %s AND user_id = %s",
            (day, user_id),
        )

    async def reserve_tokens(self, user_id: int, day: date, tokens: int, *, budget: int) -> bool:
        async with self._tx() as cursor:
            await run(cursor, "SELECT pg_advisory_xact_lock(%s, %s)", (USAGE_LOCK, day.toordinal()))
            await run(cursor, _SPENT, (day, user_id, day))
            spent = await cursor.fetchone()
            if spent is None or int(spent["tokens"]) >= budget:
                return False
            await run(cursor, _ADD_RESERVED, (day, user_id, 0, 0, 0, tokens, tokens))
        return True

    async def user_usage(self, user_id: int, day: date) -> UsageCount:
        row = await self._one("SELECT * FROM usage WHERE user_id = %s AND day = %s", (user_id, day))
        return _usage(row) if row else UsageCount()

    async def usage_by_day(self, since: date) -> list[DayUsage]:
        rows = await self._all(
            "SELECT day, SUM(builds) AS builds, SUM(prompt_tokens) AS prompt_tokens, "
            "SUM(completion_tokens) AS completion_tokens, "
            "COUNT(DISTINCT CASE WHEN user_id != 0 THEN user_id END) AS users "
            "FROM usage WHERE day >= %s GROUP BY day ORDER BY day DESC",
            (since,),
        )
        return [DayUsage(r["day"], _usage(r), int(r["users"] or 0)) for r in rows]

    async def top_users(self, since: date, limit: int) -> list[UserUsage]:
        rows = await self._all(
            "SELECT u.*, s.builds, s.prompt_tokens, s.completion_tokens FROM ("
            "  SELECT user_id, SUM(builds) AS builds, SUM(prompt_tokens) AS prompt_tokens,"
            "  SUM(completion_tokens) AS completion_tokens FROM usage WHERE day >= %s"
            "  GROUP BY user_id) s LEFT JOIN users u ON u.id = s.user_id "
            "ORDER BY s.prompt_tokens + s.completion_tokens DESC, s.builds DESC LIMIT %s",
            (since, limit),
        )
        return [UserUsage(user_of(r) if r["id"] is not None else None, _usage(r)) for r in rows]

    # -- quotas ------------------------------------------------------------------------

    async def get_quota(self, user_id: int) -> QuotaOverride:
        row = await self._one("SELECT * FROM user_quotas WHERE user_id = %s", (user_id,))
        if row is None:
            return QuotaOverride()
        return QuotaOverride(row["daily_builds"], bool(row["blocked"]))

    async def set_quota(self, user_id: int, quota: QuotaOverride) -> None:
        await self._write(
            "INSERT INTO user_quotas (user_id, daily_builds, blocked, updated_at) "
            "VALUES (%s, %s, %s, now()) ON CONFLICT (user_id) DO UPDATE SET "
            "daily_builds = excluded.daily_builds, blocked = excluded.blocked, "
            "updated_at = excluded.updated_at",
            (user_id, quota.daily_builds, quota.blocked),
        )

    # -- forgetting --------------------------------------------------------------------

    async def drop_unused_upload(self, key: str) -> bool:
        changed = await self._write(
            "DELETE FROM uploads WHERE key = %s "
            "AND NOT EXISTS (SELECT 1 FROM jobs WHERE video_id = %s)",
            (key, key),
        )
        return changed > 0

    async def forget_user(self, user_id: int) -> dict[str, int]:
        deleted: dict[str, int] = {}
        async with self._tx() as cursor:
            await run(cursor, _ONLY_THEIR_UPLOADS, (user_id, user_id))
            uploads = [str(r["video_id"]) for r in await cursor.fetchall()]
            # What they spent stays in the day's totals, as nobody's.
            source = (
                "SELECT day, %s, builds, prompt_tokens, completion_tokens FROM usage "
                "WHERE user_id = %s"
            )
            await run(cursor, _ADD_USAGE.format(source=source), (FORGOTTEN, user_id))
            for table, column in OWN_ROWS:  # rowcount: the table's own rows, not cascades
                sql = f"DELETE FROM {table} WHERE {column} = %s"
                deleted[table] = await run(cursor, sql, (user_id,))
            deleted.update(await _forget_uploads(cursor, uploads))
        return deleted


async def _forget_uploads(cursor: AsyncCursor[DictRow], keys: list[str]) -> dict[str, int]:
    """The files, and the decks and chunk answers cached from them (their text is the
    learner's), by the files' keys ("file:<hash>")."""
    statements = (
        ("uploads", "DELETE FROM uploads WHERE key = ANY(%s)"),
        ("deck_cache", "DELETE FROM deck_cache WHERE video_id = ANY(%s)"),
        (
            "chunk_results",
            "DELETE FROM chunk_results WHERE (cache_key::json ->> 'video_id') = ANY(%s)",
        ),
    )
    deleted = dict.fromkeys((table for table, _ in statements), 0)
    if keys:
        await run(cursor, UNNAME_VIDEOS.format(of_keys="key = ANY(%s)"), (keys,))
        for table, sql in statements:
            deleted[table] = await run(cursor, sql, (keys,))
        await _forget_builds(cursor, keys)  # the queue's, not a table of the store's
    return deleted


async def _forget_builds(cursor: AsyncCursor[DictRow], keys: list[str]) -> None:
    """The job queue's builds of these files: their arguments and locks hold the file's
    hash. Only this learner's jobs wanted them, so a waiting one has nothing to build; a
    running one is its worker's until it ends (and deletes it). Nothing to do without the
    queue's tables."""
    await run(cursor, "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS queue")
    row = await cursor.fetchone()
    if not row or not row["queue"]:
        return
    await run(
        cursor,
        "DELETE FROM procrastinate_jobs WHERE args ->> 'video_id' = ANY(%s) AND status <> 'doing'",
        (keys,),
    )
