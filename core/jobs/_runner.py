"""The runner's public class: submitting a job, and a request that came before."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from core import errors, log_context
from core.jobs._flights import Flight
from core.jobs._limits import Limits, Reservation
from core.jobs._mailbox import Mailbox
from core.jobs._resume import Resuming
from core.jobs._tracking import Job, new_record
from core.jobs._updates import Announce, JobHandle, JobUpdate, Listener, Notifier
from core.limiter import FairLimiter
from core.metrics import Metrics
from core.models import Deck
from core.pipeline import Pipeline
from core.spending import Spending
from core.store import CacheKey, JobRecord, Notify, Store, User

log = logging.getLogger(__name__)

# Refusals of a build that a cached deck still answers (like a busy learner's request).
LIMITS = (errors.QuotaExceeded, errors.BudgetExhausted, errors.BuildsBlocked)


class JobRunner(Resuming, Limits):
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
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.model = model
        self.slots = FairLimiter(max_parallel_videos)
        self.user_max_running_jobs = user_max_running_jobs
        self.user_cooldown_seconds = user_cooldown_seconds
        self.languages = languages
        self._clock = clock
        self._flights: dict[CacheKey, Flight] = {}
        self._jobs: dict[str, Job] = {}
        self._mailboxes: set[Mailbox] = set()
        self._reserved: dict[int, int] = {}
        self._resuming: set[str] = set()
        self._last_submit: dict[int, float] = {}
        self.notifiers: dict[str, Notifier] = {}
        self.watchers: list[Listener] = []
        self.pipeline_runs = 0
        self._accepting = True
        self.metrics = metrics or Metrics()
        self.spending = spending  # None: no quota, no budget
        self.metrics.queue_length.set_function(lambda: self.slots.waiting)
        self.metrics.builds_running.set_function(lambda: self.slots.in_use)
        self.metrics.jobs_active.set_function(lambda: len(self._jobs))

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
        if not self._accepting:
            raise errors.ShuttingDown()
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
                    return await self._duplicate(earlier)
            cached = None if refresh else await self._cached(key)
            if cached is None:
                raise
            reservation = self._reserve(user, check=False)
        try:
            record = new_record(user, video_id, notify, source_key)
            stored = await self.store.create_job(record)
            if stored.id != record.id:  # this request came before: that is its job
                reservation.release(failed=True)
                await self._give_back(user.id, taken)
                return await self._duplicate(stored)
            if announce is not None:
                record = await self._announce(record, announce)
            known = await self.store.known_words(user.id)
            job = self._track(record, user, listener, known=known)
        except BaseException:
            reservation.release(failed=True)
            await asyncio.shield(self._give_back(user.id, taken))
            raise
        reservation.release()  # the tracked job counts itself from now on
        self.metrics.jobs_submitted.inc()
        with log_context.bound(job_id=job.id, video_id=video_id, user_id=user.id):
            cached = None if refresh else cached or await self._cached(key)
            await self._start(job, key, cached, taken=taken)
        return JobHandle(job.id, job.done)

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

    async def _duplicate(self, record: JobRecord) -> JobHandle:
        log.info("request %s came again: it is job %s", record.source_key, record.id)
        job = self._jobs.get(record.id)
        if job is None and not record.status.finished:
            job = await self._adopt(record)  # arrived before resume() got to it
        if job is not None:
            return JobHandle(job.id, job.done, duplicate=True)
        done: asyncio.Future[JobUpdate] = asyncio.get_running_loop().create_future()
        done.set_result(await self._ended(record))
        return JobHandle(record.id, done, duplicate=True)
