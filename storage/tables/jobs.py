"""Job rows: written before the reply, updated as the job goes, read back after a crash."""

from __future__ import annotations

from core.models import Progress
from core.store import JobRecord, JobStatus, Notify
from storage.dialect import Connection
from storage.rows import job_changes, job_of, notify_json

_UNFINISHED = "status IN ('queued', 'running')"
_BY_SOURCE = "SELECT * FROM jobs WHERE user_id = ? AND source_key = ?"


class Jobs(Connection):
    """The jobs table: one row per request, from before the reply to the told end."""

    async def create_job(self, job: JobRecord) -> JobRecord:
        now = self.dialect.now()
        # The same request twice at once: the second INSERT waits for the first to commit,
        # then does nothing, and the SELECT after it reads the first job.
        async with self._tx() as tx:
            await tx.run(
                "INSERT INTO jobs (id, user_id, video_id, status, stage, done, total, "
                "learner_language, level, notify, source_key, told, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
                rows = await tx.all("SELECT * FROM jobs WHERE id = ?", (job.id,))
            else:
                rows = await tx.all(_BY_SOURCE, (job.user_id, job.source_key))
        return job_of(rows[0])

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
            "updated_at": self.dialect.now(),
            **job_changes(
                status=status,
                progress=progress,
                error_code=error_code,
                error_message=error_message,
                deck_id=deck_id,
                notify=notify,
            ),
        }
        sets = ", ".join(f"{column} = ?" for column in changes)
        # A finished job never changes again: a late progress write, or a failure noticed
        # after the deck was delivered, leaves it as it ended (one statement: atomic).
        # Progress is bookkeeping; a job's end, and where its chat is, are not.
        await self._write(
            f"UPDATE jobs SET {sets} WHERE id = ? AND {_UNFINISHED}",
            (*changes.values(), job_id),
            background=notify is None and (status is None or not status.finished),
        )

    async def get_job(self, user_id: int, job_id: str) -> JobRecord | None:
        row = await self._one("SELECT * FROM jobs WHERE id = ? AND user_id = ?", (job_id, user_id))
        return job_of(row) if row else None

    async def job_for_source(self, user_id: int, source_key: str) -> JobRecord | None:
        row = await self._one(_BY_SOURCE, (user_id, source_key))
        return job_of(row) if row else None

    async def user_jobs(self, user_id: int, *, active_only: bool = False) -> list[JobRecord]:
        sql = "SELECT * FROM jobs WHERE user_id = ?"
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
        await self._write("UPDATE jobs SET told = TRUE WHERE id = ?", (job_id,), background=True)
