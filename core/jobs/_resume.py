"""Cancelling, resuming after a restart, retelling how a job ended, shutting down."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from core import errors
from core.jobs._flights import Flights
from core.jobs._tracking import Job
from core.jobs._updates import JobUpdate
from core.models import Progress, Stage
from core.store import JobRecord, JobStatus

log = logging.getLogger(__name__)
# Seconds a finished job's last update (a deck page, a told mark) may take at shutdown.
_LAST_UPDATE_GRACE = 5.0


class Resuming(Flights):
    """The runner's layer for the ends of a job's life other than a delivered deck."""

    _resuming: set[str]

    async def cancel(self, user_id: int, job_id: str | None = None) -> int:
        """Cancel one job of this user (or all of them); returns how many were cancelled."""
        jobs = [
            j
            for j in list(self._jobs.values())
            if j.user.id == user_id and (job_id is None or j.id == job_id)
        ]
        for job in jobs:
            for flight in list(self._flights.values()):
                if job in flight.jobs:
                    flight.jobs.remove(job)
                    if not flight.jobs and flight.task is not None:
                        flight.task.cancel()  # nobody wants it any more: stop its LLM calls
            cancelled = Progress(Stage.CANCELLED)
            await self.store.update_job(job.id, status=JobStatus.CANCELLED, progress=cancelled)
            self._ended_as(job, "cancelled")
            self._finish(job, replace(self._update(job, cancelled), error=errors.JobCancelled()))
        return len(jobs)

    async def resume(self) -> int:
        """Pick up jobs a crash or restart left queued or running, and tell the chats of
        jobs that ended without telling them; returns how many jobs were picked up."""
        untold = await self.store.untold_jobs()  # before resuming: those may end meanwhile
        resumed = 0
        for record in await self.store.unfinished_jobs():
            if await self._resume_record(record) is not None:
                resumed += 1
        if resumed:
            log.info("resumed %d unfinished job(s)", resumed)
        for record in untold:
            await self._retell(record)
        return resumed

    async def _resume_record(self, record: JobRecord) -> Job | None:
        if record.id in self._jobs or record.id in self._resuming:
            return None
        self._resuming.add(record.id)  # at once: a redelivered request may race us here
        try:
            user = await self.store.get_user(record.user_id)
            if user is None:
                return None
            user = replace(user, learner_language=record.learner_language, level=record.level)
            job = self._track(record, user, None, resumed=True)
        finally:
            self._resuming.discard(record.id)
        self._post(job, Progress(Stage.QUEUED))
        key = self.cache_key(record.video_id, record.learner_language, record.level)
        cached = await self._cached(key)
        if cached is not None:
            await self._deliver(job, cached, cached_hit=True)
        else:
            self._attach(job, key)
        return job

    async def _ended(self, record: JobRecord) -> JobUpdate:
        """The final update of a job that ended earlier, from its row."""
        if record.status == JobStatus.DONE and record.deck_id is not None:
            deck = await self.store.get_deck(record.user_id, record.deck_id)
            if deck is not None:
                progress = Progress(Stage.DONE, deck.words, deck.words)
                return JobUpdate(record.id, record.user_id, record.video_id, progress, deck=deck)
        error: errors.VocabotError
        if record.status == JobStatus.CANCELLED:
            error, stage = errors.JobCancelled(), Stage.CANCELLED
        else:
            error = errors.VocabotError(
                record.error_code or "", user_message=record.error_message or None
            )
            stage = Stage.FAILED
        progress = Progress(stage, detail=record.error_code or "")
        return JobUpdate(record.id, record.user_id, record.video_id, progress, error=error)

    async def _retell(self, record: JobRecord) -> None:
        """Tell a chat how its job ended (the process stopped before it could)."""
        notifier = self.notifiers.get(record.notify.platform) if record.notify else None
        if record.notify is None or notifier is None:
            return  # that platform is not run by this process: its own start tells it
        log.info("telling the chat of job %s how it ended", record.id)
        try:
            await notifier(record.notify, replace(await self._ended(record), resumed=True))
        except Exception:
            log.exception("telling the chat of job %s failed", record.id)
        await self.store.mark_told(record.id)

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop taking jobs, let running builds finish within `grace`, then stop them.

        Jobs stopped here stay queued/running in the database and resume at the next start.
        """
        self._accepting = False
        tasks = [f.task for f in self._flights.values() if f.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        # A live job's mailboxes wait for updates that will not come (it resumes at the next
        # start): stop them. A finished job's deliver its last update first (a deck page, a
        # row written), so the store is not closed under them.
        live = [b for j in self._jobs.values() for b in j.mailboxes]
        for box in live:
            box.task.cancel()
        boxes = [b.task for b in (*live, *self._mailboxes)]
        if boxes:
            # A last update is a message or a row, not a build: it gets a few seconds even
            # when the build grace is zero, or a finished job would be told twice.
            _, pending = await asyncio.wait(boxes, timeout=max(grace, _LAST_UPDATE_GRACE))
            for task in pending:
                task.cancel()
            await asyncio.gather(*boxes, return_exceptions=True)
