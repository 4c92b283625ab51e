"""Operating the bot: health, activity, spending, quotas, and forgetting a learner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from core.store import DayUsage, QuotaOverride, UsageCount, User, UserUsage
from storage.dialect import Connection, Tx, marks
from storage.rows import read, user_of

FORGOTTEN = 0  # the usage rows' user id for learners who used /forget
# What a learner leaves in each table, child tables first: (table, the column holding the
# learner's id). Every table of the schema is here or holds nothing about a learner (the
# forget tests check that a new table was judged).
_OWNED_BY_USER_ID = (
    "review_log",
    "reviews",
    "cards",
    "decks",
    "known_words",
    "sessions",
    "jobs",
    "api_keys",
    "web_tokens",
    "user_quotas",
    "usage",
)
OWN_ROWS = (*((table, "user_id") for table in _OWNED_BY_USER_ID), ("users", "id"))
# Forgetting files: a public video's row that one of them linked to may be titled by the
# file's name (written before file decks stopped naming videos): its title goes (nothing
# reads it back; the video's next build writes its own). {of_keys}: which files.
UNNAME_VIDEOS = (
    "UPDATE videos SET title = NULL WHERE id IN "
    "(SELECT video_id FROM uploads WHERE video_id IS NOT NULL AND {of_keys})"
)

# Subtitle files only this learner's jobs name (another learner may have sent the same file:
# then it stays, with what was built from it).
_ONLY_THEIR_UPLOADS = (
    "SELECT DISTINCT video_id FROM jobs WHERE user_id = ? AND video_id LIKE 'file:%' "
    "AND video_id NOT IN (SELECT video_id FROM jobs WHERE user_id != ?)"
)
# Adds to a learner's day ({source}: VALUES or a SELECT); reserved tokens are never less
# than none (a build that was never reserved for may still give some back: a job resumed
# after a restart). {greatest}: the dialect's.
_ADD_USAGE = (
    "INSERT INTO usage (day, user_id, builds, prompt_tokens, completion_tokens, "
    "reserved_tokens) {source} ON CONFLICT (day, user_id) DO UPDATE SET "
    "builds = usage.builds + excluded.builds, "
    "prompt_tokens = usage.prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = usage.completion_tokens + excluded.completion_tokens, "
    "reserved_tokens = {greatest}(usage.reserved_tokens + ?, 0)"
)
_ADD_VALUES = "VALUES (?, ?, ?, ?, ?, {greatest}(?, 0))"
# The learner's builds that day, and the tokens every learner spent or reserved that day.
_SPENT = (
    "SELECT COALESCE((SELECT builds FROM usage WHERE day = ? AND user_id = ?), 0) AS builds, "
    "COALESCE((SELECT SUM(prompt_tokens + completion_tokens + reserved_tokens) FROM usage "
    "WHERE day = ?), 0) AS tokens"
)
# PostgreSQL's advisory lock (USAGE_LOCK, day): one check-and-take of a day's spending at
# a time, across every process on the database (held to the end of the transaction).
USAGE_LOCK = 0x757365


class Operations(Connection):
    """What an operator needs beyond the learners' own reads and writes."""

    async def ping(self) -> None:
        await self._one("SELECT 1 AS up")

    # -- activity --------------------------------------------------------------------

    async def mark_seen(self, user_id: int, at: datetime) -> None:
        await self._write(
            "UPDATE users SET last_seen_at = ? WHERE id = ?",
            (self.dialect.time(at), user_id),
            background=True,
        )

    async def active_users(self, since: datetime) -> list[User]:
        return await self._users("last_seen_at >= ?", self.dialect.time(since))

    async def count_active_users(self, since: datetime) -> int:
        row = await self._one(
            "SELECT COUNT(*) AS n FROM users WHERE last_seen_at >= ?", (self.dialect.time(since),)
        )
        return int(row["n"]) if row else 0

    # -- spending ----------------------------------------------------------------------

    def _add_usage(self, source: str) -> str:
        greatest = self.dialect.greatest
        return _ADD_USAGE.format(source=source.format(greatest=greatest), greatest=greatest)

    def _added(self, user_id: int, day: date, *counts: int) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters that add `counts` (builds, prompt, completion and
        reserved tokens) to a learner's day."""
        return self._add_usage(_ADD_VALUES), (self.dialect.day(day), user_id, *counts, counts[3])

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
            *self._added(user_id, day, builds, prompt_tokens, completion_tokens, reserved_tokens),
            background=builds == 0,
        )

    async def _spent(self, tx: Tx, user_id: int, day: date) -> tuple[int, int]:
        """The day's spending, locked (SQLite: the writer lock, from the check on)."""
        await tx.lock(USAGE_LOCK, day.toordinal())
        rows = await tx.all(_SPENT, (self.dialect.day(day), user_id, self.dialect.day(day)))
        return int(rows[0]["builds"]), int(rows[0]["tokens"])

    async def take_build(
        self, user_id: int, day: date, *, limit: int | None, budget: int = 0
    ) -> str | None:
        async with self._tx() as tx:
            builds, tokens = await self._spent(tx, user_id, day)
            if limit is not None and builds >= limit:
                return "quota"
            if budget and tokens >= budget:
                return "budget"
            await tx.run(*self._added(user_id, day, 1, 0, 0, 0))
        return None

    async def give_back_build(self, user_id: int, day: date) -> None:
        await self._write(
            f"UPDATE usage SET builds = {self.dialect.greatest}(builds - 1, 0) "
            "WHERE day = ? AND user_id = ?",
            (self.dialect.day(day), user_id),
        )

    async def reserve_tokens(self, user_id: int, day: date, tokens: int, *, budget: int) -> bool:
        async with self._tx() as tx:
            if (await self._spent(tx, user_id, day))[1] >= budget:
                return False
            await tx.run(*self._added(user_id, day, 0, 0, 0, tokens))
        return True

    async def user_usage(self, user_id: int, day: date) -> UsageCount:
        row = await self._one(
            "SELECT * FROM usage WHERE user_id = ? AND day = ?", (user_id, self.dialect.day(day))
        )
        return read(UsageCount, row) if row else UsageCount()

    async def usage_by_day(self, since: date) -> list[DayUsage]:
        rows = await self._all(
            "SELECT day, SUM(builds) AS builds, SUM(prompt_tokens) AS prompt_tokens, "
            "SUM(completion_tokens) AS completion_tokens, "
            "COUNT(DISTINCT CASE WHEN user_id != 0 THEN user_id END) AS users "
            "FROM usage WHERE day >= ? GROUP BY day ORDER BY day DESC",
            (self.dialect.day(since),),
        )
        return [read(DayUsage, r, usage=read(UsageCount, r)) for r in rows]

    async def top_users(self, since: date, limit: int) -> list[UserUsage]:
        rows = await self._all(
            "SELECT u.*, s.builds, s.prompt_tokens, s.completion_tokens FROM ("
            "  SELECT user_id, SUM(builds) AS builds, SUM(prompt_tokens) AS prompt_tokens,"
            "  SUM(completion_tokens) AS completion_tokens FROM usage WHERE day >= ?"
            "  GROUP BY user_id) s LEFT JOIN users u ON u.id = s.user_id "
            "ORDER BY s.prompt_tokens + s.completion_tokens DESC, s.builds DESC LIMIT ?",
            (self.dialect.day(since), limit),
        )
        return [
            UserUsage(user_of(r) if r["id"] is not None else None, read(UsageCount, r))
            for r in rows
        ]

    # -- quotas ------------------------------------------------------------------------

    async def get_quota(self, user_id: int) -> QuotaOverride:
        row = await self._one("SELECT * FROM user_quotas WHERE user_id = ?", (user_id,))
        return read(QuotaOverride, row) if row else QuotaOverride()

    async def set_quota(self, user_id: int, quota: QuotaOverride) -> None:
        await self._write(
            "INSERT INTO user_quotas (user_id, daily_builds, blocked, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "daily_builds = excluded.daily_builds, blocked = excluded.blocked, "
            "updated_at = excluded.updated_at",
            (user_id, quota.daily_builds, quota.blocked, self.dialect.now()),
        )

    # -- forgetting --------------------------------------------------------------------

    async def drop_unused_upload(self, key: str) -> bool:
        changed = await self._write(
            "DELETE FROM uploads WHERE key = ? "
            "AND NOT EXISTS (SELECT 1 FROM jobs WHERE video_id = ?)",
            (key, key),
        )
        return changed > 0

    async def forget_user(self, user_id: int) -> dict[str, int]:
        deleted: dict[str, int] = {}
        async with self._tx() as tx:
            rows = await tx.all(_ONLY_THEIR_UPLOADS, (user_id, user_id))
            uploads = [str(r["video_id"]) for r in rows]
            # What they spent stays in the day's totals, as nobody's.
            source = (
                "SELECT day, ?, builds, prompt_tokens, completion_tokens, 0 FROM usage "
                "WHERE user_id = ?"
            )
            await tx.run(self._add_usage(source), (FORGOTTEN, user_id, 0))
            for table, column in OWN_ROWS:  # rowcount: the table's own rows, not cascades
                deleted[table] = await tx.run(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
            deleted.update(await self._forget_uploads(tx, uploads))
        await self._forgotten()
        return deleted

    async def _forget_uploads(self, tx: Tx, keys: Sequence[str]) -> dict[str, int]:
        """The files, and the decks and chunk answers cached from them (their text is the
        learner's), by the files' keys ("file:<hash>")."""
        of = marks(len(keys))
        cached_from = self.dialect.json_field("cache_key", "video_id")
        statements = (
            ("uploads", f"DELETE FROM uploads WHERE key IN ({of})"),
            ("deck_cache", f"DELETE FROM deck_cache WHERE video_id IN ({of})"),
            ("chunk_results", f"DELETE FROM chunk_results WHERE {cached_from} IN ({of})"),
        )
        deleted = dict.fromkeys((table for table, _ in statements), 0)
        if keys:
            await tx.run(UNNAME_VIDEOS.format(of_keys=f"key IN ({of})"), keys)
            for table, sql in statements:
                deleted[table] = await tx.run(sql, keys)
            await self._forget_files(tx, keys)
        return deleted
