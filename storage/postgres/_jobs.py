"""Job rows: written before the reply, updated as the job goes, read back after a crash."""

from __future__ import annotations

from datetime import UTC, datetime

from core.models import Progress
from core.store import JobRecord, JobStatus, Notify
from storage.postgres._connection import Connection, run
from storage.rows import job_changes, job_of, notify_json

_UNFINISHED = "status IN ('queued', 'running')"


class Jobs(Connection):
    """The jobs table: one row per request, from before the reply to the told end."""

    async def create_job(self, job: JobRecord) -> JobRecord:
        now = datetime.now(UTC)
        # The same request twice at once: the second INSERT waits for the first to commit,
        # then does nothing, and the SELECT after it reads the first job.
        async with self._tx() as cursor:
            await run(
                cursor,
                "INSERT INTO jobs (id, user_id, video_id, status, stage, done, total, "
                "learner_language, level, notify, source_key, told, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (user_id, source_key) WHERE source_key IS NOT NULL DO NOTHING",
                (
                    job.id,
                    job.user_id,
                    job.video_id,
                    job.status.value,
                    job.progress.stage.value,
                    job.progress.done,
                    job.progress.total,
                    job.learner_language,
                    job.level,
                    notify_json(job.notify),
                    job.source_key,
                    job.told,
                    now,
                    now,
                ),
            )
            if job.source_key is None:
                await run(cursor, "SELECT * FROM jobs WHERE id = %s", (job.id,))
            else:
                await run(
                    cursor,
                    "SELECT * FROM jobs WHERE user_id = %s AND source_key = %s",
                    (job.user_id, job.source_key),
                )
            row = await cursor.fetchone()
        assert row is not None
        return job_of(row)

    async def update_job(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: Progress | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        deck_id: int | None = None,
        notify: Notify | None = None,
    ) -> None:
        changes = {
            "updated_at": datetime.now(UTC),
            **job_changes(
                status=status,
                progress=progress,
                error_code=error_code,
                error_message=error_message,
                deck_id=deck_id,
                notify=notify,
            ),
        }
        sets = ", ".join(f"{column} = %s" for column in changes)
        # A finished job never changes again: a late progress write, or a failure noticed
        # after the deck was delivered, leaves it as it ended (one statement: atomic).
        await self._write(
            f"UPDATE jobs SET {sets} WHERE id = %s AND {_UNFINISHED}",
            (*changes.values(), job_id),
        )

    async def get_job(self, user_id: int, job_id: str) -> JobRecord | None:
        row = await self._one(
            "SELECT * FROM jobs WHERE id = %s AND user_id = %s", (job_id, user_id)
        )
        return job_of(row) if row else None

    async def job_for_source(self, user_id: int, source_key: str) -> JobRecord | None:
        row = await self._one(
            "SELECT * FROM jobs WHERE user_id = %s AND source_key = %s", (user_id, source_key)
        )
        return job_of(row) if row else None

    async def user_jobs(self, user_id: int, *, active_only: bool = False) -> list[JobRecord]:
        sql = "SELECT * FROM jobs WHERE user_id = %s"
        if active_only:
            sql += f" AND {_UNFINISHED}"
        rows = await self._all(sql + " ORDER BY created_at DESC", (user_id,))
        return [job_of(r) for r in rows]

    async def unfinished_jobs(self) -> list[JobRecord]:
        rows = await self._all(f"SELECT * FROM jobs WHERE {_UNFINISHED} ORDER BY created_at")
        return [job_of(r) for r in rows]

    async def untold_jobs(self) -> list[JobRecord]:
        rows = await self._all(
            f"SELECT * FROM jobs WHERE NOT told AND NOT ({_UNFINISHED}) ORDER BY created_at"
        )
        return [job_of(r) for r in rows]

    async def mark_told(self, job_id: str) -> None:
        await self._write("UPDATE jobs SET told = TRUE WHERE id = %s", (job_id,))
