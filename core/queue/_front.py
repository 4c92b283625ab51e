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
from core.jobs import (
    Announce,
    Drain,
    Job,
    JobHandle,
    JobUpdate,
    Listener,
    Tracker,
    UserLimits,
    cancel_chores,
    new_record,
)
from core.metrics import Metrics
from core.models import Progress, Stage
from core.queue._builds import BuildKey, Builds
from core.queue._turns import Turns
from core.queue._wire import Bus, Event, rebuilt_error
from core.spending import Spending
from core.store import JobRecord, JobStatus, Notify, Store, User

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 5.0  # how often followed jobs are read back (an event may be lost)


def build_of(record: JobRecord) -> BuildKey:
    return BuildKey(record.video_id, record.learner_language, record.level)


class QueueFront:
    """core.jobs.Runner for a front: submit, follow, cancel; workers do the building.
    Built from the same parts as the in-process runner: a Tracker (without writing rows:
    the worker building a job does), UserLimits (fed with the load the database counts)
    and a Drain."""

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
        limits: UserLimits | None = None,
        drain: Drain | None = None,
    ) -> None:
        """`spending`: the learners' daily quota and the bot's token budget: a build is
        taken from the quota here (in one step with the check, in the database) before a
        job is written; the worker gives it back if its deck was cached or its build was
        running already, reserves the build's tokens before calling the LLM and counts
        them. `limits` and `drain` as for core.jobs.JobRunner."""
        self.store = store
        self._builds = builds
        self.bus = bus
        self.turns = turns
        self.limits = limits or UserLimits(
            max_running_jobs=user_max_running_jobs,
            cooldown_seconds=user_cooldown_seconds,
            clock=clock,
        )
        self.drain = drain or Drain()
        self.reconcile_seconds = reconcile_seconds
        self.metrics = metrics or Metrics()
        self.spending = spending
        self.tracker = Tracker(
            store=store, metrics=self.metrics, drain=self.drain, clock=clock, persist=False
        )
        self.notifiers = self.tracker.notifiers
        self.watchers = self.tracker.watchers
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
        self.drain.admit()
        if source_key is not None:
            earlier = await self.store.job_for_source(user.id, source_key)
            if earlier is not None:
                return await self.tracker.earlier(earlier, self._follow)
        if self.spending is not None:
            # Before the turn: that holds a connection of the pool this needs one of too.
            await self.spending.take(user)
        try:
            async with self.turns.user_turn(user.id) as load:
                self.limits.check(load.active, load.since_last)
                record = new_record(user, video_id, notify, source_key)
                stored = await self.store.create_job(record)
        except BaseException:
            if self.spending is not None:  # no job: the build taken does not count
                await asyncio.shield(self.spending.give_back(user.id))
            raise
        if stored.id != record.id:  # this request came before: that is its job
            if self.spending is not None:
                await self.spending.give_back(user.id)
            return await self.tracker.earlier(stored, self._follow)
        if announce is not None:
            record = await self.tracker.announce(record, announce)
        self.metrics.jobs_submitted.inc()
        known = await self.store.known_words(user.id)
        job = self.tracker.track(record, user, listener, known=known)
        self.tracker.post(job, Progress(Stage.QUEUED))
        # A user's later videos queue behind other users' first ones.
        await self._builds.request(build_of(record), priority=-load.active)
        await self.bus.publish(Event("joined", job.id, user.id).dumps())
        self._place_soon()
        return JobHandle(job.id, job.done)

    async def _follow(self, record: JobRecord, *, resumed: bool = False) -> Job | None:
        """Follow a job written earlier (None if it has ended, or its user is gone)."""
        if record.status.finished or record.id in self.tracker.jobs:
            return self.tracker.jobs.get(record.id)
        job = await self.tracker.follow(record, resumed=resumed)
        if job is not None:
            self.tracker.post(job, record.progress)
        return job

    # -- what every runner tells -------------------------------------------------------

    @property
    def accepting(self) -> bool:
        return self.drain.accepting

    @property
    def job_count(self) -> int:
        """Jobs followed in this process."""
        return len(self.tracker)

    def progress(self, user_id: int, job_id: str) -> Progress | None:
        return self.tracker.progress(user_id, job_id)

    def subscribe(self, user_id: int, job_id: str, listener: Listener) -> bool:
        return self.tracker.subscribe(user_id, job_id, listener)

    # -- events from workers (and other fronts) -----------------------------------------

    async def _on_event(self, payload: str) -> None:
        event = Event.loads(payload)
        if event.kind == "moved":
            self._place_soon()
            return
        if event.kind == "joined":
            return  # for workers
        job = self.tracker.jobs.get(event.job_id)
        if job is None or job.user.id != event.user_id or job.finished:
            return  # not followed here
        if event.kind == "cancel":
            self.tracker.finish(job, self._cancelled(job))
        elif not event.progress.stage.finished:
            self.tracker.post(job, event.progress)
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
            self.tracker.finish(job, update)

    def _cancelled(self, job: Job) -> JobUpdate:
        return replace(
            self.tracker.update(job, Progress(Stage.CANCELLED)), error=errors.JobCancelled()
        )

    async def _reconcile(self) -> None:
        """Read back the rows of followed jobs now and then: a job whose end was missed
        (the events connection dropped at that moment) still ends here."""
        while True:
            await asyncio.sleep(self.reconcile_seconds)
            for job in list(self.tracker.jobs.values()):
                try:
                    record = await self.store.get_job(job.user.id, job.id)
                    if record is not None and record.status.finished and not job.finished:
                        self.tracker.finish(job, await self.tracker.ended(record))
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
            waiting = [j for j in self.tracker.jobs.values() if j.last.stage == Stage.QUEUED]
            if waiting:
                try:
                    line = await self._builds.line()
                except Exception:
                    log.exception("reading the queue failed")
                    return
                for job in waiting:
                    lock = build_of(job.record).lock
                    if lock in line:
                        self.tracker.post(
                            job, Progress(Stage.QUEUED, queue_position=line.index(lock))
                        )
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
            job = self.tracker.jobs.get(record.id)
            if job is not None and not job.finished:
                self.tracker.finish(job, self._cancelled(job))
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
            await self.tracker.retell(record)
        self._place_soon()
        return followed

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop taking jobs and hearing events; jobs go on in the workers, and are
        followed again (or told) at the next start. `grace` is for builds: none runs here,
        and jobs that ended get the drain's last-update grace for their last update (a deck
        page) before the store closes."""
        self.drain.close()
        await cancel_chores(self._chores)
        await self._stack.aclose()
        await self.drain.finish(self.tracker.mailboxes())

    def _spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)
        return task
