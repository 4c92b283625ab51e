"""The job runner: the lifecycle of "make a deck for this user from this video".

- Cache: a video already built with the same settings (video, caption languages, learner
  language, level, prompt version, model) is delivered at once with zero LLM calls.
- Single-flight: requests for the same key while a build runs attach to that build
  (a *flight*); every requester gets its own job, progress and deck.
- Fairness: flights wait for a video slot in a round-robin queue per user, and their LLM
  calls share the LLM client's fair global limit; waiting jobs see their queue position.
- Limits: running jobs per user, a cool-down between submissions.
- Durability: jobs are rows; after a crash, jobs left queued or running are resumed and
  their chats are told through the adapter that owns them (a Notifier per platform).
- Listeners get updates through a coalescing mailbox each: a slow or failing listener
  never blocks the pipeline or other listeners.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from core import errors
from core.limiter import FairLimiter
from core.models import Deck, Progress, Stage
from core.pipeline import DeckRequest, Pipeline
from core.prompts import PROMPT_VERSION
from core.store import CacheKey, DeckInfo, JobRecord, JobStatus, Notify, Store, User

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """What a listener is told: progress, or the end (a deck, or an error to word)."""

    job_id: str
    user_id: int
    video_id: str
    progress: Progress
    deck: DeckInfo | None = None
    error: errors.VocabotError | None = None
    cached: bool = False
    resumed: bool = False

    @property
    def finished(self) -> bool:
        return self.progress.stage.finished


Listener = Callable[[JobUpdate], Awaitable[None]]
Notifier = Callable[[Notify, JobUpdate], Awaitable[None]]


class _Mailbox:
    """Delivers updates to one listener in order, keeping only the latest pending progress."""

    def __init__(self, listener: Listener, name: str) -> None:
        self._listener = listener
        self._pending: JobUpdate | None = None
        self._event = asyncio.Event()
        self._closed = False
        self.task = asyncio.create_task(self._run(), name=f"mailbox-{name}")

    def post(self, update: JobUpdate) -> None:
        if self._closed:
            return
        if self._pending is not None and self._pending.finished:
            return
        self._pending = update
        if update.finished:
            self._closed = True
        self._event.set()

    async def _run(self) -> None:
        while True:
            await self._event.wait()
            self._event.clear()
            update, self._pending = self._pending, None
            if update is None:
                continue
            try:
                await self._listener(update)
            except Exception:
                log.exception("a job listener failed on %s; the job goes on", update.progress)
            if update.finished:
                return


@dataclass(eq=False)
class _Job:
    record: JobRecord
    user: User
    mailboxes: list[_Mailbox] = field(default_factory=list)
    done: asyncio.Future[JobUpdate] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    last: Progress = field(default_factory=lambda: Progress(Stage.QUEUED))
    persisted_stage: Stage = Stage.QUEUED

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(eq=False)
class _Flight:
    key: CacheKey
    owner: int
    request: DeckRequest
    jobs: list[_Job] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    waiting: asyncio.Future[None] | None = None  # our place in the video-slot queue


@dataclass(frozen=True, slots=True)
class JobHandle:
    id: str
    done: asyncio.Future[JobUpdate]

    async def wait(self) -> JobUpdate:
        return await asyncio.shield(self.done)


def without_known(deck: Deck, known: frozenset[str]) -> Deck:
    """The deck minus the learner's known words (the cache holds the full deck)."""
    if not known:
        return deck
    return replace(
        deck,
        words=tuple(w for w in deck.words if w.lemma not in known),
        phrases=tuple(p for p in deck.phrases if p.key not in known),
    )


class JobRunner:
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
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.model = model
        self.slots = FairLimiter(max_parallel_videos)
        self.user_max_running_jobs = user_max_running_jobs
        self.user_cooldown_seconds = user_cooldown_seconds
        self.languages = languages
        self._clock = clock
        self._flights: dict[CacheKey, _Flight] = {}
        self._jobs: dict[str, _Job] = {}
        self._last_submit: dict[int, float] = {}
        self.notifiers: dict[str, Notifier] = {}
        self.pipeline_runs = 0
        self._accepting = True

    # -- submitting --------------------------------------------------------------------

    def cache_key(self, video_id: str, learner_language: str, level: str) -> CacheKey:
        return CacheKey(
            video_id=video_id,
            languages=",".join(self.languages),
            learner_language=learner_language,
            level=level,
            prompt_version=PROMPT_VERSION,
            model=self.model,
            backend=self.pipeline.llm.backend,
        )

    async def submit(
        self,
        user: User,
        video_id: str,
        *,
        notify: Notify | None = None,
        listener: Listener | None = None,
    ) -> JobHandle:
        """Start (or join, or serve from cache) a deck for `user`; raises limit errors."""
        if not self._accepting:
            raise errors.ShuttingDown()
        key = self.cache_key(video_id, user.learner_language, user.level)
        cached = await self._cached(key)
        if cached is None:
            self._check_limits(user)
        self._last_submit[user.id] = self._clock()
        record = JobRecord(
            id=uuid.uuid4().hex,
            user_id=user.id,
            video_id=video_id,
            status=JobStatus.QUEUED,
            progress=Progress(Stage.QUEUED),
            learner_language=user.learner_language,
            level=user.level,
            notify=notify,
        )
        await self.store.create_job(record)
        job = self._track(record, user, listener)
        if cached is not None:
            log.info("cache hit %s for user %s: no LLM calls", video_id, user.id)
            await self._deliver(job, cached, cached_hit=True)
        else:
            self._attach(job, key)
        return JobHandle(job.id, job.done)

    async def _cached(self, key: CacheKey) -> Deck | None:
        """The cached deck for `key`; never a simulated one for a run on a real server."""
        deck = await self.store.cached_deck(key)
        if deck is not None and deck.simulated and not self.pipeline.llm.simulated:
            log.warning("ignoring a simulated deck cached for %s", key.video_id)
            return None
        return deck

    def _check_limits(self, user: User) -> None:
        active = sum(1 for j in self._jobs.values() if j.user.id == user.id)
        if active >= self.user_max_running_jobs:
            raise errors.TooManyJobs(f"{active} running")
        last = self._last_submit.get(user.id)
        if last is not None:
            wait = self.user_cooldown_seconds - (self._clock() - last)
            if wait > 0:
                raise errors.SlowDown(wait)

    def _track(self, record: JobRecord, user: User, listener: Listener | None) -> _Job:
        job = _Job(record=record, user=user)
        self._jobs[job.id] = job
        job.mailboxes.append(_Mailbox(self._persist, f"{job.id}-db"))
        if record.notify is not None and record.notify.platform in self.notifiers:
            notifier = self.notifiers[record.notify.platform]
            target = record.notify

            async def tell(update: JobUpdate) -> None:
                await notifier(target, update)

            job.mailboxes.append(_Mailbox(tell, f"{job.id}-notify"))
        if listener is not None:
            job.mailboxes.append(_Mailbox(listener, f"{job.id}-listener"))
        return job

    def subscribe(self, user_id: int, job_id: str, listener: Listener) -> bool:
        """Add a listener to a live job of this user (False if there is none)."""
        job = self._jobs.get(job_id)
        if job is None or job.user.id != user_id:
            return False
        box = _Mailbox(listener, f"{job_id}-sub")
        job.mailboxes.append(box)
        box.post(self._update(job, job.last))
        return True

    def _attach(self, job: _Job, key: CacheKey) -> None:
        flight = self._flights.get(key)
        if flight is None:
            request = DeckRequest(
                video_id=key.video_id,
                learner_language=key.learner_language,
                level=key.level,
                languages=self.languages,
            )
            flight = _Flight(key=key, owner=job.user.id, request=request)
            self._flights[key] = flight
            flight.jobs.append(job)
            flight.task = asyncio.create_task(self._fly(flight), name=f"flight-{key.video_id}")
        else:
            log.info("job %s joins the running build of %s", job.id, key.video_id)
            flight.jobs.append(job)
            if flight.waiting is not None and not flight.waiting.done():
                self._announce_positions()  # the newcomer sees its place in line too
            else:
                self._post(job, self._last_of(flight))

    @staticmethod
    def _last_of(flight: _Flight) -> Progress:
        return flight.jobs[0].last if flight.jobs else Progress(Stage.QUEUED)

    # -- running -----------------------------------------------------------------------

    async def _fly(self, flight: _Flight) -> None:
        def waiting(future: asyncio.Future[None]) -> None:
            flight.waiting = future
            self._announce_positions()

        try:
            async with self.slots.slot(flight.owner, on_wait=waiting):
                flight.waiting = None
                self._announce_positions()
                self.pipeline_runs += 1
                for job in flight.jobs:
                    await self.store.update_job(job.id, status=JobStatus.RUNNING)

                async def progress(p: Progress) -> None:
                    for job in list(flight.jobs):
                        self._post(job, p)

                deck = await self.pipeline.build(flight.request, progress, owner=flight.owner)
            await self.store.cache_deck(flight.key, deck)
            for job in list(flight.jobs):
                await self._deliver(job, deck)
        except asyncio.CancelledError:
            raise
        except errors.VocabotError as exc:
            for job in list(flight.jobs):
                await self._fail(job, exc)
        except Exception as exc:
            log.exception("build of %s crashed", flight.key.video_id)
            for job in list(flight.jobs):
                await self._fail(job, errors.InternalError(f"{type(exc).__name__}: {exc}"))
        finally:
            self._flights.pop(flight.key, None)
            self._announce_positions()

    async def _deliver(self, job: _Job, deck: Deck, *, cached_hit: bool = False) -> None:
        self._post(job, Progress(Stage.SAVING))
        known = await self.store.known_words(job.user.id)
        info = await self.store.save_deck(job.user.id, without_known(deck, known))
        done = Progress(Stage.DONE, len(deck.words), len(deck.words))
        await self.store.update_job(job.id, status=JobStatus.DONE, progress=done, deck_id=info.id)
        self._finish(job, replace(self._update(job, done), deck=info, cached=cached_hit))

    async def _fail(self, job: _Job, exc: errors.VocabotError) -> None:
        log.info("job %s failed: %s (%s)", job.id, exc.code, exc.detail)
        failed = Progress(Stage.FAILED, detail=exc.code)
        await self.store.update_job(
            job.id,
            status=JobStatus.FAILED,
            progress=failed,
            error_code=exc.code,
            error_message=exc.user_message,
        )
        self._finish(job, replace(self._update(job, failed), error=exc))

    def _finish(self, job: _Job, update: JobUpdate) -> None:
        self._jobs.pop(job.id, None)
        for box in job.mailboxes:
            box.post(update)
        if not job.done.done():
            job.done.set_result(update)

    def _update(self, job: _Job, progress: Progress) -> JobUpdate:
        return JobUpdate(job.id, job.user.id, job.record.video_id, progress)

    def _post(self, job: _Job, progress: Progress) -> None:
        job.last = progress
        update = self._update(job, progress)
        for box in job.mailboxes:
            box.post(update)

    async def _persist(self, update: JobUpdate) -> None:
        """Stage changes go to the job's row; counts within a stage live in memory only
        (`progress()`), so a busy runner does not queue a write per finished chunk."""
        if update.finished:  # final states are written before they are announced
            return
        job = self._jobs.get(update.job_id)
        if job is None or update.progress.stage == job.persisted_stage:
            return
        job.persisted_stage = update.progress.stage
        await self.store.update_job(update.job_id, progress=update.progress)

    def progress(self, user_id: int, job_id: str) -> Progress | None:
        """The live progress of a job of this user, or None when it is not running here."""
        job = self._jobs.get(job_id)
        return job.last if job is not None and job.user.id == user_id else None

    def _announce_positions(self) -> None:
        for flight in self._flights.values():
            if flight.waiting is None or flight.waiting.done():
                continue
            index = self.slots.waiting_index(flight.owner, flight.waiting)
            if index is None:
                continue
            ahead = self.slots.position(flight.owner, index)
            for job in flight.jobs:
                self._post(job, Progress(Stage.QUEUED, queue_position=ahead))

    # -- cancelling, resuming, shutting down ------------------------------------------

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
            self._finish(job, replace(self._update(job, cancelled), error=errors.JobCancelled()))
        return len(jobs)

    @property
    def job_count(self) -> int:
        """Jobs queued or running in this process."""
        return len(self._jobs)

    def active_jobs(self, user_id: int) -> list[str]:
        return [j.id for j in self._jobs.values() if j.user.id == user_id]

    async def resume(self) -> int:
        """Pick up jobs a crash or restart left queued or running; tell their chats."""
        resumed = 0
        for record in await self.store.unfinished_jobs():
            if record.id in self._jobs:
                continue
            user = await self.store.get_user(record.user_id)
            if user is None:
                continue
            user = replace(user, learner_language=record.learner_language, level=record.level)
            job = self._track(record, user, None)
            self._post(job, Progress(Stage.QUEUED, detail="resumed"))
            key = self.cache_key(record.video_id, record.learner_language, record.level)
            cached = await self._cached(key)
            if cached is not None:
                await self._deliver(job, cached, cached_hit=True)
            else:
                self._attach(job, key)
            resumed += 1
        if resumed:
            log.info("resumed %d unfinished job(s)", resumed)
        return resumed

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
        boxes = [b.task for j in self._jobs.values() for b in j.mailboxes]
        for box in boxes:
            box.cancel()
        await asyncio.gather(*boxes, return_exceptions=True)
