"""Cancelling, resuming after a restart, retelling how a job ended, shutting down."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from core import errors
from core.jobs._flights import Flights
from core.jobs._tracking import Job
from core.models import Progress, Stage
from core.store import CacheKey, JobRecord, JobStatus

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
            if await self._adopt(record) is not None:
                resumed += 1
        if resumed:
            log.info("resumed %d unfinished job(s)", resumed)
        for record in untold:
            await self._retell(record)
        return resumed

    async def adopt(self, record: JobRecord) -> Job | None:
        """Build a job another process wrote (a queue worker takes it from a front): from
        the cache, or joining or starting its key's build. None if it is taken already."""
        return await self._adopt(record, resumed=False)

    async def _adopt(self, record: JobRecord, *, resumed: bool = True) -> Job | None:
        if record.id in self._jobs or record.id in self._resuming:
            return None
        self._resuming.add(record.id)  # at once: a redelivered request may race us here
        try:
            user = await self.store.get_user(record.user_id)
            if user is None:
                return None
            user = replace(user, learner_language=record.learner_language, level=record.level)
            known = await self.store.known_words(user.id)
            job = self._track(record, user, None, resumed=resumed, known=known)
        finally:
            self._resuming.discard(record.id)
        self._post(job, Progress(Stage.QUEUED))
        key = self.cache_key(record.video_id, record.learner_language, record.level)
        # A job resumed here was counted when it was submitted; a front that queued one
        # took a build from the learner's quota for it, given back unless one starts here.
        await self._start(job, key, await self._cached(key), taken=not resumed)
        return job

    async def abandon(self, key: CacheKey) -> None:
        """Stop building `key` here without ending its jobs: they stay queued or running
        in the database, for another process to build (a queue worker stopping)."""
        flight = self._flights.pop(key, None)
        if flight is None:
            return
        jobs, flight.jobs = flight.jobs, []
        if flight.task is not None:
            flight.task.cancel()
            await asyncio.gather(flight.task, return_exceptions=True)
        boxes = [box.task for job in jobs for box in job.mailboxes]
        for job in jobs:
            self._jobs.pop(job.id, None)
        for box in boxes:
            box.cancel()
        await asyncio.gather(*boxes, return_exceptions=True)

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
