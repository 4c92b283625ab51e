"""QueueFront: the runner of a front process. It writes jobs and asks the queue for their
builds; workers build them, and their updates come back as events to the jobs followed
here (the chat message this process owns is edited by its notifier, as in-process)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

from core import errors
from core.jobs import RETRY_IN_DEFAULT, Announce, JobHandle, JobUpdate, Listener, Notifier
from core.jobs._mailbox import Mailbox
from core.jobs._tracking import Job, Tracking, new_record
from core.metrics import Metrics
from core.models import Progress, Stage
from core.queue._builds import BuildKey, Builds
from core.queue._turns import Turns
from core.queue._wire import Bus, Event, rebuilt_error
from core.spending import Spending
from core.store import JobRecord, JobStatus, Notify, Store, User

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 5.0  # how often followed jobs are read back (an event may be lost)
LAST_UPDATE_GRACE = 5.0  # seconds a finished job's last update may take at shutdown


def build_of(record: JobRecord) -> BuildKey:
    return BuildKey(record.video_id, record.learner_language, record.level)


class QueueFront(Tracking):
    """core.jobs.Runner for a front: submit, follow, cancel; workers do the building."""

    def __init__(
        self,
        *,
        store: Store,
        builds: Builds,
        bus: Bus,
        turns: Turns,
        user_max_running_jobs: int = 2,
        user_cooldown_seconds: float = 3.0,
        reconcile_seconds: float = RECONCILE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
        spending: Spending | None = None,
    ) -> None:
        """`spending`: the learners' daily quota and the bot's token budget: a build is
        taken from the quota here (in one step with the check, in the database) before a
        job is written; the worker gives it back if its deck was cached or its build was
        running already, reserves the build's tokens before calling the LLM and counts
        them."""
        self.store = store
        self._builds = builds
        self.bus = bus
        self.turns = turns
        self.user_max_running_jobs = user_max_running_jobs
        self.user_cooldown_seconds = user_cooldown_seconds
        self.reconcile_seconds = reconcile_seconds
        self._clock = clock
        self._jobs: dict[str, Job] = {}
        self._mailboxes: set[Mailbox] = set()
        self.metrics = metrics or Metrics()
        self.spending = spending
        self.notifiers: dict[str, Notifier] = {}
        self.watchers: list[Listener] = []
        self._accepting = True
        self._stack = AsyncExitStack()
        self._chores: set[asyncio.Task[None]] = set()
        self._placing: asyncio.Task[None] | None = None
        self._replace = False

    async def open(self) -> None:
        """Start hearing events (before any job is submitted: none is missed)."""
        await self._stack.enter_async_context(self.bus.listening(self._on_event))
        self._spawn(self._reconcile(), name="front-reconcile")

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
        refresh: bool = False,  # a rebuild on demand is the CLI's (in-process); ignored here
    ) -> JobHandle:
        """Write the job (limits checked across processes) and ask for its build."""
        if not self._accepting:
            raise errors.ShuttingDown()
        if source_key is not None:
            earlier = await self.store.job_for_source(user.id, source_key)
            if earlier is not None:
                return await self._duplicate(earlier)
        if self.spending is not None:
            # Before the turn: that holds a connection of the pool this needs one of too.
            await self.spending.take(user)
        try:
            async with self.turns.user_turn(user.id) as load:
                if load.active >= self.user_max_running_jobs:
                    raise errors.TooManyJobs(f"{load.active} running", retry_in=RETRY_IN_DEFAULT)
                if load.since_last is not None:
                    wait = self.user_cooldown_seconds - load.since_last
                    if wait > 0:
                        raise errors.SlowDown(wait)
                record = new_record(user, video_id, notify, source_key)
                stored = await self.store.create_job(record)
        except BaseException:
            if self.spending is not None:  # no job: the build taken does not count
                await asyncio.shield(self.spending.give_back(user.id))
            raise
        if stored.id != record.id:  # this request came before: that is its job
            if self.spending is not None:
                await self.spending.give_back(user.id)
            return await self._duplicate(stored)
        if announce is not None:
            record = await self._announce(record, announce)
        self.metrics.jobs_submitted.inc()
        known = await self.store.known_words(user.id)
        job = self._track(record, user, listener, known=known)
        self._post(job, Progress(Stage.QUEUED))
        # A user's later videos queue behind other users' first ones.
        await self._builds.request(build_of(record), priority=-load.active)
        await self.bus.publish(Event("joined", job.id, user.id).dumps())
        self._place_soon()
        return JobHandle(job.id, job.done)

    async def _duplicate(self, record: JobRecord) -> JobHandle:
        log.info("request %s came again: it is job %s", record.source_key, record.id)
        job = self._jobs.get(record.id) or await self._follow(record)
        if job is not None:
            return JobHandle(job.id, job.done, duplicate=True)
        done: asyncio.Future[JobUpdate] = asyncio.get_running_loop().create_future()
        done.set_result(await self._ended(record))
        return JobHandle(record.id, done, duplicate=True)

    async def _follow(self, record: JobRecord, *, resumed: bool = False) -> Job | None:
        """Follow a job written earlier (None if it has ended, or its user is gone)."""
        if record.status.finished or record.id in self._jobs:
            return self._jobs.get(record.id)
        user = await self.store.get_user(record.user_id)
        if user is None:
            return None
        user = replace(user, learner_language=record.learner_language, level=record.level)
        known = await self.store.known_words(user.id)
        job = self._track(record, user, None, resumed=resumed, known=known)
        self._post(job, record.progress)
        return job

    async def _persist(self, update: JobUpdate) -> None:
        """Nothing: the worker building a job writes its row."""

    # -- events from workers (and other fronts) -----------------------------------------

    async def _on_event(self, payload: str) -> None:
        event = Event.loads(payload)
        if event.kind == "moved":
            self._place_soon()
            return
        if event.kind == "joined":
            return  # for workers
        job = self._jobs.get(event.job_id)
        if job is None or job.user.id != event.user_id or job.finished:
            return  # not followed here
        if event.kind == "cancel":
            self._finish(job, self._cancelled(job))
        elif not event.progress.stage.finished:
            self._post(job, event.progress)
        else:  # the deck (or the error) is read back: off the listening connection
            self._spawn(self._end(job, event), name=f"end-{job.id}")

    async def _end(self, job: Job, event: Event) -> None:
        update = JobUpdate(
            job.id,
            job.user.id,
            job.record.video_id,
            event.progress,
            cached=event.cached,
            stats=event.stats,
            resumed=job.resumed,
        )
        if event.deck_id is not None:
            deck = await self.store.get_deck(job.user.id, event.deck_id)
            update = replace(update, deck=deck)
        if event.error is not None:
            update = replace(update, error=rebuilt_error(event.error))
        if not job.finished:
            self._finish(job, update)

    def _cancelled(self, job: Job) -> JobUpdate:
        return replace(self._update(job, Progress(Stage.CANCELLED)), error=errors.JobCancelled())

    async def _reconcile(self) -> None:
        """Read back the rows of followed jobs now and then: a job whose end was missed
        (the events connection dropped at that moment) still ends here."""
        while True:
            await asyncio.sleep(self.reconcile_seconds)
            for job in list(self._jobs.values()):
                try:
                    record = await self.store.get_job(job.user.id, job.id)
                    if record is not None and record.status.finished and not job.finished:
                        self._finish(job, await self._ended(record))
                except Exception:
                    log.exception("reading back job %s failed", job.id)

    # -- queue positions ----------------------------------------------------------------

    def _place_soon(self) -> None:
        """Tell waiting jobs their place in line (once more if asked again meanwhile)."""
        if self._placing is not None and not self._placing.done():
            self._replace = True
            return
        self._placing = self._spawn(self._place(), name="front-place")

    async def _place(self) -> None:
        while True:
            self._replace = False
            waiting = [j for j in self._jobs.values() if j.last.stage == Stage.QUEUED]
            if waiting:
                try:
                    line = await self._builds.line()
                except Exception:
                    log.exception("reading the queue failed")
                    return
                for job in waiting:
                    lock = build_of(job.record).lock
                    if lock in line:
                        self._post(job, Progress(Stage.QUEUED, queue_position=line.index(lock)))
            if not self._replace:
                return

    # -- the rest of a job's life ---------------------------------------------------------

    async def cancel(self, user_id: int, job_id: str | None = None) -> int:
        """Cancel one job of this user (or all), wherever it is followed or built."""
        records = [
            r
            for r in await self.store.user_jobs(user_id, active_only=True)
            if job_id is None or r.id == job_id
        ]
        for record in records:
            cancelled = Progress(Stage.CANCELLED)
            await self.store.update_job(record.id, status=JobStatus.CANCELLED, progress=cancelled)
            job = self._jobs.get(record.id)
            if job is not None and not job.finished:
                self._finish(job, self._cancelled(job))
            await self.bus.publish(Event("cancel", record.id, user_id).dumps())
            if not any(build_of(r) == build_of(record) for r in await self._unfinished()):
                await self._builds.drop(build_of(record))  # nobody waits for it any more
        return len(records)

    async def builds(self) -> tuple[int, int]:
        """Builds running and waiting in the queue (every worker's)."""
        return await self._builds.counts()

    async def _unfinished(self) -> list[JobRecord]:
        return await self.store.unfinished_jobs()

    async def resume(self) -> int:
        """At start: make sure every unfinished job has a build coming, follow the ones
        whose chats this process tells, and tell chats of jobs that ended meanwhile."""
        untold = await self.store.untold_jobs()
        followed = 0
        for record in await self._unfinished():
            await self._builds.request(build_of(record))
            platform = record.notify.platform if record.notify else None
            if platform in self.notifiers and await self._follow(record, resumed=True):
                followed += 1
        for record in untold:
            await self._retell(record)
        self._place_soon()
        return followed

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop taking jobs and hearing events; jobs go on in the workers, and are
        followed again (or told) at the next start."""
        self._accepting = False
        for chore in list(self._chores):
            chore.cancel()
        await asyncio.gather(*self._chores, return_exceptions=True)
        await self._stack.aclose()
        live = [b.task for j in self._jobs.values() for b in j.mailboxes]
        for box in live:
            box.cancel()
        # Jobs that ended get their last update out (a deck page) before the store closes.
        boxes = [*live, *(b.task for b in self._mailboxes)]
        if boxes:
            _, pending = await asyncio.wait(boxes, timeout=LAST_UPDATE_GRACE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*boxes, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)
        return task
