"""Operating the bot: health, activity, spending, quotas, and forgetting a learner."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from core.store import DayUsage, QuotaOverride, UsageCount, User, UserUsage
from storage.rows import FORGOTTEN, OWN_ROWS, UNNAME_VIDEOS, user_of
from storage.sqlite._connection import Connection, now_stamp, stamp

# Subtitle files only this learner's jobs name (another learner may have sent the same file:
# then it stays, with what was built from it).
_ONLY_THEIR_UPLOADS = (
    "SELECT DISTINCT video_id FROM jobs WHERE user_id = ? AND video_id LIKE 'file:%' "
    "AND video_id NOT IN (SELECT video_id FROM jobs WHERE user_id != ?)"
)
# Adds to a learner's day; reserved tokens are never less than none (a build that was
# never reserved for may still give some back: a job resumed after a restart).
_ADD_USAGE = (
    "INSERT INTO usage (day, user_id, builds, prompt_tokens, completion_tokens, "
    "reserved_tokens) VALUES (?, ?, ?, ?, ?, MAX(?, 0)) ON CONFLICT (day, user_id) DO UPDATE SET "
    "builds = builds + excluded.builds, "
    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = completion_tokens + excluded.completion_tokens, "
    "reserved_tokens = MAX(reserved_tokens + ?, 0)"
)
# The learner's builds that day, and the tokens every learner spent or reserved that day.
_SPENT = (
    "SELECT COALESCE((SELECT builds FROM usage WHERE day = ? AND user_id = ?), 0), "
    "COALESCE((SELECT SUM(prompt_tokens + completion_tokens + reserved_tokens) FROM usage "
    "WHERE day = ?), 0)"
)


def _usage(row: aiosqlite.Row) -> UsageCount:
    return UsageCount(
        int(row["builds"] or 0), int(row["prompt_tokens"] or 0), int(row["completion_tokens"] or 0)
    )


class Operations(Connection):
    """What an operator needs beyond the learners' own reads and writes."""

    async def ping(self) -> None:
        await self._one("SELECT 1")

    async def find_user(self, platform: str, platform_user_id: str) -> User | None:
        row = await self._one(
            "SELECT * FROM users WHERE platform = ? AND platform_user_id = ?",
            (platform, str(platform_user_id)),
        )
        return user_of(row) if row else None

    # -- activity --------------------------------------------------------------------

    async def mark_seen(self, user_id: int, at: datetime) -> None:
        async with self._tx(background=True) as db:
            await db.execute("UPDATE users SET last_seen_at = ? WHERE id = ?", (stamp(at), user_id))

    async def active_users(self, since: datetime) -> list[User]:
        rows = await self._all(
            "SELECT * FROM users WHERE last_seen_at >= ? ORDER BY id", (stamp(since),)
        )
        return [user_of(r) for r in rows]

    async def count_active_users(self, since: datetime) -> int:
        row = await self._one("SELECT COUNT(*) FROM users WHERE last_seen_at >= ?", (stamp(since),))
        return int(row[0]) if row else 0

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
        async with self._tx(background=builds == 0) as db:
            await db.execute(
                _ADD_USAGE,
                (
                    day.isoformat(),
                    user_id,
                    builds,
                    prompt_tokens,
                    completion_tokens,
                    *[reserved_tokens] * 2,
                ),
            )

    async def take_build(
        self, user_id: int, day: date, *, limit: int | None, budget: int = 0
    ) -> str | None:
        # BEGIN IMMEDIATE: the database's one write lock, across processes, from the check on
        async with self._tx() as db:
            rows = await db.execute_fetchall(_SPENT, (day.isoformat(), user_id, day.isoformat()))
            builds, tokens = next(iter(rows))
            if limit is not None and builds >= limit:
                return "quota"
            if budget and tokens >= budget:
                return "budget"
            await db.execute(_ADD_USAGE, (day.isoformat(), user_id, 1, 0, 0, 0, 0))
        return None

    async def give_back_build(self, user_id: int, day: date) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE usage SET builds = MAX(builds - 1, 0) WHERE day = ? AND user_id = ?",
                (day.isoformat(), user_id),
            )

    async def reserve_tokens(self, user_id: int, day: date, tokens: int, *, budget: int) -> bool:
        async with self._tx() as db:
            rows = await db.execute_fetchall(_SPENT, (day.isoformat(), user_id, day.isoformat()))
            if next(iter(rows))[1] >= budget:
                return False
            await db.execute(_ADD_USAGE, (day.isoformat(), user_id, 0, 0, 0, tokens, tokens))
        return True

    async def user_usage(self, user_id: int, day: date) -> UsageCount:
        row = await self._one(
            "SELECT * FROM usage WHERE user_id = ? AND day = ?", (user_id, day.isoformat())
        )
        return _usage(row) if row else UsageCount()

    async def usage_by_day(self, since: date) -> list[DayUsage]:
        rows = await self._all(
            "SELECT day, SUM(builds) AS builds, SUM(prompt_tokens) AS prompt_tokens, "
            "SUM(completion_tokens) AS completion_tokens, "
            "COUNT(DISTINCT CASE WHEN user_id != 0 THEN user_id END) AS users "
            "FROM usage WHERE day >= ? GROUP BY day ORDER BY day DESC",
            (since.isoformat(),),
        )
        return [
            DayUsage(date.fromisoformat(r["day"]), _usage(r), int(r["users"] or 0)) for r in rows
        ]

    async def top_users(self, since: date, limit: int) -> list[UserUsage]:
        rows = await self._all(
            "SELECT u.*, s.builds, s.prompt_tokens, s.completion_tokens FROM ("
            "  SELECT user_id, SUM(builds) AS builds, SUM(prompt_tokens) AS prompt_tokens,"
            "  SUM(completion_tokens) AS completion_tokens FROM usage WHERE day >= ?"
            "  GROUP BY user_id) s LEFT JOIN users u ON u.id = s.user_id "
            "ORDER BY s.prompt_tokens + s.completion_tokens DESC, s.builds DESC LIMIT ?",
            (since.isoformat(), limit),
        )
        return [UserUsage(user_of(r) if r["id"] is not None else None, _usage(r)) for r in rows]

    # -- quotas ------------------------------------------------------------------------

    async def get_quota(self, user_id: int) -> QuotaOverride:
        row = await self._one("SELECT * FROM user_quotas WHERE user_id = ?", (user_id,))
        if row is None:
            return QuotaOverride()
        return QuotaOverride(row["daily_builds"], bool(row["blocked"]))

    async def set_quota(self, user_id: int, quota: QuotaOverride) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO user_quotas (user_id, daily_builds, blocked, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "daily_builds = excluded.daily_builds, blocked = excluded.blocked, "
                "updated_at = excluded.updated_at",
                (user_id, quota.daily_builds, int(quota.blocked), now_stamp()),
            )

    # -- forgetting --------------------------------------------------------------------

    async def drop_unused_upload(self, key: str) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "DELETE FROM uploads WHERE key = ? "
                "AND NOT EXISTS (SELECT 1 FROM jobs WHERE video_id = ?)",
                (key, key),
            )
            return cursor.rowcount > 0

    async def forget_user(self, user_id: int) -> dict[str, int]:
        deleted: dict[str, int] = {}
        async with self._tx() as db:
            uploads = [
                str(r[0])
                for r in await db.execute_fetchall(_ONLY_THEIR_UPLOADS, (user_id, user_id))
            ]
            # What they spent stays in the day's totals, as nobody's.
            await db.execute(
                "INSERT INTO usage (day, user_id, builds, prompt_tokens, completion_tokens) "
                "SELECT day, ?, builds, prompt_tokens, completion_tokens FROM usage "
                "WHERE user_id = ? ON CONFLICT (day, user_id) DO UPDATE SET "
                "builds = builds + excluded.builds, "
                "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
                "completion_tokens = completion_tokens + excluded.completion_tokens",
                (FORGOTTEN, user_id),
            )
            for table, column in OWN_ROWS:  # rowcount: the table's own rows, not cascades
                sql = f"DELETE FROM {table} WHERE {column} = ?"
                deleted[table] = (await db.execute(sql, (user_id,))).rowcount
            deleted.update(await _forget_uploads(db, uploads))
        await self._checkpoint()  # old versions of the deleted rows leave the WAL too
        return deleted


async def _forget_uploads(db: aiosqlite.Connection, keys: list[str]) -> dict[str, int]:
    """The files, and the decks and chunk answers cached from them (their text is the
    learner's), by the files' keys ("file:<hash>")."""
    marks = ", ".join("?" for _ in keys)
    statements = (
        ("uploads", f"DELETE FROM uploads WHERE key IN ({marks})"),
        ("deck_cache", f"DELETE FROM deck_cache WHERE video_id IN ({marks})"),
        (
            "chunk_results",
            f"DELETE FROM chunk_results WHERE json_extract(cache_key, '$.video_id') IN ({marks})",
        ),
    )
    deleted = dict.fromkeys((table for table, _ in statements), 0)
    if keys:
        await db.execute(UNNAME_VIDEOS.format(of_keys=f"key IN ({marks})"), keys)
        for table, sql in statements:
            deleted[table] = (await db.execute(sql, keys)).rowcount
    return deleted
