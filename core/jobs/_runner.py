"""JobRunner: the in-process runner, built from its parts: a Tracker (the jobs followed
here), Flights (the cache and the builds), UserLimits and a Drain (the last two shared in
kind with the queue's front, and handed in by the composition root)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from core import errors, log_context
from core.jobs._drain import Drain
from core.jobs._flights import Flights
from core.jobs._limits import Reservation, UserLimits
from core.jobs._tracking import Job, Tracker, new_record
from core.jobs._updates import Announce, JobHandle, Listener
from core.limiter import FairLimiter
from core.metrics import Metrics
from core.models import Deck, Progress, Stage
from core.pipeline import Pipeline
from core.spending import Spending
from core.store import CacheKey, JobRecord, JobStatus, Notify, Store, User

log = logging.getLogger(__name__)

# Refusals of a build that a cached deck still answers (like a busy learner's request).
LIMITS = (errors.QuotaExceeded, errors.BudgetExhausted, errors.BuildsBlocked)


class JobRunner:
    """Builds decks for users' jobs; one instance per process, shared by every face."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        store: Store,
        model: str,
        max_parallel_videos: int = 8,
        user_max_running_jobs: int = 2,
        user_cooldown_seconds: float = 3.0,
        languages: tuple[str, ...] = ("en",),
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
        spending: Spending | None = None,
        limits: UserLimits | None = None,
        drain: Drain | None = None,
    ) -> None:
        """`limits` and `drain`: the parts the composition root builds from the settings;
        without them, limits of `user_max_running_jobs` and `user_cooldown_seconds` on
        `clock`, and a drain with the default last-update grace."""
        self.pipeline = pipeline
        self.store = store
        self.metrics = metrics or Metrics()
        self.spending = spending  # None: no quota, no budget
        self.limits = limits or UserLimits(
            max_running_jobs=user_max_running_jobs,
            cooldown_seconds=user_cooldown_seconds,
            clock=clock,
        )
        self.drain = drain or Drain()
        self.tracker = Tracker(store=store, metrics=self.metrics, drain=self.drain, clock=clock)
        self.notifiers = self.tracker.notifiers
        self.watchers = self.tracker.watchers
        self._flights = Flights(
            pipeline=pipeline,
            store=store,
            tracker=self.tracker,
            model=model,
            languages=languages,
            max_parallel_videos=max_parallel_videos,
            metrics=self.metrics,
            spending=spending,
        )
        self._resuming: set[str] = set()
        self.metrics.queue_length.set_function(lambda: self.slots.waiting)
        self.metrics.builds_running.set_function(lambda: self.slots.in_use)
        self.metrics.jobs_active.set_function(lambda: len(self.tracker))

    @property
    def slots(self) -> FairLimiter:
        """The fair queue of video slots."""
        return self._flights.slots

    @property
    def pipeline_runs(self) -> int:
        return self._flights.pipeline_runs

    @property
    def accepting(self) -> bool:
        return self.drain.accepting

    @property
    def job_count(self) -> int:
        """Jobs queued or running in this process."""
        return len(self.tracker)

    def cache_key(self, video_id: str, learner_language: str, level: str) -> CacheKey:
        return self._flights.cache_key(video_id, learner_language, level)

    async def builds(self) -> tuple[int, int]:
        """Builds running and waiting in this process."""
        return self._flights.builds()

    def progress(self, user_id: int, job_id: str) -> Progress | None:
        return self.tracker.progress(user_id, job_id)

    def subscribe(self, user_id: int, job_id: str, listener: Listener) -> bool:
        return self.tracker.subscribe(user_id, job_id, listener)

    # -- submitting --------------------------------------------------------------------

    async def submit(
        self,
        user: User,
        video_id: str,
        *,
        notify: Notify | None = None,
        listener: Listener | None = None,
        source_key: str | None = None,
        announce: Announce | None = None,
        refresh: bool = False,
    ) -> JobHandle:
        """Start (or join, or serve from cache) a deck for `user`; raises limit errors.
        `refresh` builds it again even when the cache has it (`vocabot build --no-cache`).

        The job's row is written before `announce` (the face's immediate reply) runs, so
        a crash right after the reply leaves a job to resume. With `source_key` (the
        platform's chat and message), a request delivered again gets its earlier job back
        (`duplicate=True`, nothing announced).
        """
        self.drain.admit()
        key = self.cache_key(video_id, user.learner_language, user.level)
        cached: Deck | None = None
        # Only the job's row (and a look at the learner's quota) comes before the reply;
        # everything else waits for it.
        taken = False  # a build taken from the learner's quota, given back if none starts
        try:
            reservation = self._reserve(user, check=True)
            taken = await self._take_spending(user, key, reservation)
        except (errors.TooManyJobs, errors.SlowDown, *LIMITS):
            # Refused, unless this request came before or its deck is on the shelf.
            if source_key is not None:
                earlier = await self.store.job_for_source(user.id, source_key)
                if earlier is not None:
                    return await self.tracker.earlier(earlier, self._adopt)
            cached = None if refresh else await self._flights.cached(key)
            if cached is None:
                raise
            reservation = self._reserve(user, check=False)
        try:
            record = new_record(user, video_id, notify, source_key)
            stored = await self.store.create_job(record)
            if stored.id != record.id:  # this request came before: that is its job
                reservation.release(failed=True)
                await self._flights.give_back(user.id, taken)
                return await self.tracker.earlier(stored, self._adopt)
            if announce is not None:
                record = await self.tracker.announce(record, announce)
            known = await self.store.known_words(user.id)
            job = self.tracker.track(record, user, listener, known=known)
        except BaseException:
            reservation.release(failed=True)
            await asyncio.shield(self._flights.give_back(user.id, taken))
            raise
        reservation.release()  # the tracked job counts itself from now on
        self.metrics.jobs_submitted.inc()
        with log_context.bound(job_id=job.id, video_id=video_id, user_id=user.id):
            cached = None if refresh else cached or await self._flights.cached(key)
            await self._flights.start(job, key, cached, taken=taken)
        return JobHandle(job.id, job.done)

    def _reserve(self, user: User, *, check: bool) -> Reservation:
        """Check the user's limits and take a place, in one step (nothing awaited)."""
        return self.limits.reserve(
            user.id,
            self.tracker.running(user.id),
            check=check,
            retry_in=lambda: self.tracker.retry_in(user.id),
        )

    async def _take_spending(self, user: User, key: CacheKey, reservation: Reservation) -> bool:
        """Take a build from the learner's quota (checked in the same step), or refuse it;
        True when taken. Joining a build already running costs nothing; a refused
        request's cached deck is served all the same."""
        if self.spending is None or key in self._flights:
            return False
        try:
            await self.spending.take(user)
        except BaseException:
            reservation.release(failed=True)
            raise
        return True

    # -- the other ends of a job's life --------------------------------------------------

    async def cancel(self, user_id: int, job_id: str | None = None) -> int:
        """Cancel one job of this user (or all of them); returns how many were cancelled."""
        jobs = [
            j
            for j in list(self.tracker.jobs.values())
            if j.user.id == user_id and (job_id is None or j.id == job_id)
        ]
        for job in jobs:
            self._flights.leave(job)
            cancelled = Progress(Stage.CANCELLED)
            await self.store.update_job(job.id, status=JobStatus.CANCELLED, progress=cancelled)
            self.tracker.ended_as(job, "cancelled")
            update = replace(self.tracker.update(job, cancelled), error=errors.JobCancelled())
            self.tracker.finish(job, update)
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
            await self.tracker.retell(record)
        return resumed

    async def adopt(self, record: JobRecord) -> Job | None:
        """Build a job another process wrote (a queue worker takes it from a front): from
        the cache, or joining or starting its key's build. None if it is taken already."""
        return await self._adopt(record, resumed=False)

    async def _adopt(self, record: JobRecord, *, resumed: bool = True) -> Job | None:
        if record.id in self.tracker.jobs or record.id in self._resuming:
            return None
        self._resuming.add(record.id)  # at once: a redelivered request may race us here
        try:
            job = await self.tracker.follow(record, resumed=resumed)
        finally:
            self._resuming.discard(record.id)
        if job is None:
            return None
        self.tracker.post(job, Progress(Stage.QUEUED))
        key = self.cache_key(record.video_id, record.learner_language, record.level)
        # A job resumed here was counted when it was submitted; a front that queued one
        # took a build from the learner's quota for it, given back unless one starts here.
        await self._flights.start(job, key, await self._flights.cached(key), taken=not resumed)
        return job

    async def abandon(self, key: CacheKey) -> None:
        """Stop building `key` here without ending its jobs: they stay queued or running
        in the database, for another process to build (a queue worker stopping)."""
        jobs = await self._flights.abandon(key)
        boxes = [box.task for job in jobs for box in job.mailboxes]
        for job in jobs:
            self.tracker.jobs.pop(job.id, None)
        for box in boxes:
            box.cancel()
        await asyncio.gather(*boxes, return_exceptions=True)

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop taking jobs, let running builds finish within `grace`, then stop them.

        Jobs stopped here stay queued/running in the database and resume at the next start.
        """
        self.drain.close()
        await self.drain.stop_builds(self._flights.tasks(), grace)
        # A finished job's mailboxes deliver its last update first (a deck page, a row
        # written), so the store is not closed under them.
        await self.drain.finish(self.tracker.mailboxes(), grace)
