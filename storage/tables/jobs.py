"""Job rows: written before the reply, updated as the job goes, read back after a crash."""

from __future__ import annotations

from typing import Any

from core.models import Progress, Stage
from core.store import JobRecord, JobStatus, Notify
from storage.dialect import Connection
from storage.rows import Row, json_text, read

UNFINISHED = "status IN ('queued', 'running')"
_BY_SOURCE = "user_id = ? AND source_key = ?"


def job_of(row: Row) -> JobRecord:
    progress = Progress(Stage(row["stage"]), int(row["done"]), int(row["total"]))
    return read(JobRecord, row, progress=progress)


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
                    json_text(job.notify) if job.notify else None,
                    job.source_key,
                    job.told,
                    now,
                    now,
                ),
            )
            # (a job without a source_key matches by its id alone: NULL equals nothing)
            rows = await tx.all(
                f"SELECT * FROM jobs WHERE id = ? OR ({_BY_SOURCE})",
                (job.id, job.user_id, job.source_key),
            )
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
        # The columns it writes (None leaves one as it is).
        changes: dict[str, Any] = {"updated_at": self.dialect.now()}
        if status is not None:
            changes["status"] = status.value
        if progress is not None:
            changes |= {
                "stage": progress.stage.value,
                "done": progress.done,
                "total": progress.total,
            }
        if error_code is not None:
            changes |= {"error_code": error_code, "error_message": error_message}
        if deck_id is not None:
            changes["deck_id"] = deck_id
        if notify is not None:
            changes["notify"] = json_text(notify)
        sets = ", ".join(f"{column} = ?" for column in changes)
        # A finished job never changes again: a late progress write, or a failure noticed
        # after the deck was delivered, leaves it as it ended (one statement: atomic).
        # Progress is bookkeeping; a job's end, and where its chat is, are not.
        await self._write(
            f"UPDATE jobs SET {sets} WHERE id = ? AND {UNFINISHED}",
            (*changes.values(), job_id),
            background=notify is None and (status is None or not status.finished),
        )

    async def get_job(self, user_id: int, job_id: str) -> JobRecord | None:
        jobs = await self._jobs("id = ? AND user_id = ?", job_id, user_id)
        return jobs[0] if jobs else None

    async def job_for_source(self, user_id: int, source_key: str) -> JobRecord | None:
        jobs = await self._jobs(_BY_SOURCE, user_id, source_key)
        return jobs[0] if jobs else None

    async def user_jobs(self, user_id: int, *, active_only: bool = False) -> list[JobRecord]:
        where = f"user_id = ? AND {UNFINISHED}" if active_only else "user_id = ?"
        return await self._jobs(where, user_id, newest_first=True)

    async def unfinished_jobs(self) -> list[JobRecord]:
        return await self._jobs(UNFINISHED)

    async def untold_jobs(self) -> list[JobRecord]:
        return await self._jobs(f"NOT told AND NOT ({UNFINISHED})")

    async def _jobs(self, where: str, *params: Any, newest_first: bool = False) -> list[JobRecord]:
        """The jobs `where` picks, oldest first (or newest)."""
        order = "created_at DESC" if newest_first else "created_at"
        rows = await self._all(f"SELECT * FROM jobs WHERE {where} ORDER BY {order}", params)
        return [job_of(r) for r in rows]

    async def mark_told(self, job_id: str) -> None:
        await self._write("UPDATE jobs SET told = TRUE WHERE id = ?", (job_id,), background=True)
