"""The job runner: the lifecycle of "make a deck for this user from this video".

- Cache: a video already built with the same settings (video, caption languages, learner
  language, level, prompt version, model) is delivered at once with zero LLM calls.
- Single-flight: requests for the same key while a build runs attach to that build
  (a *flight*); every requester gets its own job, progress and deck.
- Fairness: flights wait for a video slot in a round-robin queue per user, and their LLM
  calls share the LLM client's fair global limit; waiting jobs see their queue position.
- Limits: running jobs per user, a cool-down between submissions; checked and reserved in
  one step, so concurrent submissions cannot all slip past.
- Durability: a job's row is written before the face's immediate reply (`announce`), so a
  crash right after the reply resumes the job; a request delivered twice (`source_key`)
  makes one job. After a crash, jobs left queued or running are resumed, reusing the chunk
  answers saved so far, and their chats are told through the adapter that owns them (a
  Notifier per platform); a job whose end was never told is told at the next start.
- A finished job never changes state again.
- Listeners get updates through a coalescing mailbox each: a slow or failing listener
  never blocks the pipeline or other listeners.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from core import errors
from core.limiter import FairLimiter
from core.models import Deck, DeckStats, Progress, Stage
from core.pipeline import DeckRequest, Pipeline
from core.prompts import PROMPT_VERSION
from core.store import CacheKey, DeckInfo, JobRecord, JobStatus, Notify, Store, User
from core.subtitles import is_upload_key

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
    stats: DeckStats | None = None  # how the delivered deck was built (calls, tokens)

    @property
    def finished(self) -> bool:
        return self.progress.stage.finished


Listener = Callable[[JobUpdate], Awaitable[None]]
# A platform's notifier tells `Notify`'s chat about a job; when it had to send a new
# message (the target had none yet), it returns the target to use from then on.
Notifier = Callable[[Notify, JobUpdate], Awaitable[Notify | None]]
# The face's immediate reply, sent once the job's row exists; returns where to tell the
# user from then on (e.g. the reply's message id), or None to keep the submitted target.
Announce = Callable[[], Awaitable[Notify | None]]
RETRY_IN_DEFAULT = 30.0  # seconds, when nothing tells how soon a running job will be done


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
    notify: Notify | None = None  # where its chat is told (the reply may move it)
    resumed: bool = False  # picked up again after a restart
    started: float = 0.0
    finished: bool = False
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
    last: Progress = field(default_factory=lambda: Progress(Stage.QUEUED))


@dataclass(frozen=True, slots=True)
class JobHandle:
    id: str
    done: asyncio.Future[JobUpdate]
    duplicate: bool = False  # the request was delivered before: this is its earlier job

    async def wait(self) -> JobUpdate:
        return await asyncio.shield(self.done)


@dataclass(frozen=True, slots=True)
class _StoredChunks:
    """A build's checkpoint: its chunk answers, kept in the store under the deck's key."""

    store: Store
    key: CacheKey

    async def load(self) -> Mapping[str, dict[str, Any]]:
        return await self.store.chunk_results(self.key)

    async def save(self, fingerprint: str, result: dict[str, Any]) -> None:
        await self.store.save_chunk_result(self.key, fingerprint, result)


class _Reservation:
    """A place among a user's running jobs, taken in the same step as the limit check
    (no await in between), given back when the job is tracked or the submission fails."""

    def __init__(self, runner: JobRunner, user_id: int) -> None:
        self._runner = runner
        self._user_id = user_id
        self._previous = runner._last_submit.get(user_id)
        self._stamp = runner._clock()
        runner._last_submit[user_id] = self._stamp
        runner._reserved[user_id] = runner._reserved.get(user_id, 0) + 1
        self._open = True

    def release(self, *, failed: bool = False) -> None:
        if not self._open:
            return
        self._open = False
        reserved = self._runner._reserved
        reserved[self._user_id] -= 1
        if not reserved[self._user_id]:
            del reserved[self._user_id]
        stamps = self._runner._last_submit
        if failed and stamps.get(self._user_id) == self._stamp:
            # nothing was started: the cool-down starts from the last real submission
            if self._previous is None:
                del stamps[self._user_id]
            else:
                stamps[self._user_id] = self._previous


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
        self._reserved: dict[int, int] = {}
        self._resuming: set[str] = set()
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
        # Only the job's row is written before the reply; everything else waits for it.
        try:
            reservation = self._reserve(user, check=True)
        except (errors.TooManyJobs, errors.SlowDown):
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
            record = JobRecord(
                id=uuid.uuid4().hex,
                user_id=user.id,
                video_id=video_id,
                status=JobStatus.QUEUED,
                progress=Progress(Stage.QUEUED),
                learner_language=user.learner_language,
                level=user.level,
                notify=notify,
                source_key=source_key,
                told=notify is None,
            )
            stored = await self.store.create_job(record)
            if stored.id != record.id:  # this request came before: that is its job
                reservation.release(failed=True)
                return await self._duplicate(stored)
            if announce is not None:
                record = await self._announce(record, announce)
            job = self._track(record, user, listener)
        except BaseException:
            reservation.release(failed=True)
            raise
        reservation.release()  # the tracked job counts itself from now on
        if cached is None and not refresh:
            cached = await self._cached(key)
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

    async def _announce(self, record: JobRecord, announce: Announce) -> JobRecord:
        try:
            target = await announce()
        except Exception:
            # The job is written: it runs, and its notifier will send a message of its own.
            log.warning("the immediate reply for job %s failed", record.id, exc_info=True)
            return record
        if target is None or target == record.notify:
            return record
        await self.store.update_job(record.id, notify=target)
        return replace(record, notify=target)

    def _reserve(self, user: User, *, check: bool) -> _Reservation:
        """Check the user's limits and take a place, in one step (nothing awaited)."""
        if check:
            active = self._active(user.id)
            if active >= self.user_max_running_jobs:
                raise errors.TooManyJobs(f"{active} running", retry_in=self._retry_in(user.id))
            last = self._last_submit.get(user.id)
            if last is not None:
                wait = self.user_cooldown_seconds - (self._clock() - last)
                if wait > 0:
                    raise errors.SlowDown(wait)
        return _Reservation(self, user.id)

    def _active(self, user_id: int) -> int:
        running = sum(1 for j in self._jobs.values() if j.user.id == user_id)
        return running + self._reserved.get(user_id, 0)

    def _retry_in(self, user_id: int) -> float:
        """Seconds until one of the user's running jobs is likely done (a Retry-After)."""
        now, best = self._clock(), None
        for job in self._jobs.values():
            p = job.last
            asked, answered = p.total - p.reused, p.done - p.reused
            if job.user.id != user_id or p.stage != Stage.EXTRACTING or answered <= 0:
                continue
            guess = (now - job.started) * (asked - answered) / answered
            best = guess if best is None else min(best, guess)
        return min(max(RETRY_IN_DEFAULT if best is None else best, 1.0), 600.0)

    async def _duplicate(self, record: JobRecord) -> JobHandle:
        log.info("request %s came again: it is job %s", record.source_key, record.id)
        job = self._jobs.get(record.id)
        if job is None and not record.status.finished:
            job = await self._resume_record(record)  # arrived before resume() got to it
        if job is not None:
            return JobHandle(job.id, job.done, duplicate=True)
        done: asyncio.Future[JobUpdate] = asyncio.get_running_loop().create_future()
        done.set_result(await self._ended(record))
        return JobHandle(record.id, done, duplicate=True)

    def _track(
        self, record: JobRecord, user: User, listener: Listener | None, *, resumed: bool = False
    ) -> _Job:
        job = _Job(
            record=record, user=user, notify=record.notify, resumed=resumed, started=self._clock()
        )
        self._jobs[job.id] = job
        job.mailboxes.append(_Mailbox(self._persist, f"{job.id}-db"))
        if record.notify is not None and record.notify.platform in self.notifiers:
            notifier = self.notifiers[record.notify.platform]

            async def tell(update: JobUpdate) -> None:
                await self._tell(job, notifier, update)

            job.mailboxes.append(_Mailbox(tell, f"{job.id}-notify"))
        if listener is not None:
            job.mailboxes.append(_Mailbox(listener, f"{job.id}-listener"))
        return job

    async def _tell(self, job: _Job, notifier: Notifier, update: JobUpdate) -> None:
        assert job.notify is not None
        try:
            moved = await notifier(job.notify, update)
        except Exception:
            log.exception("telling job %s's chat failed; the job goes on", job.id)
            moved = None
        if moved is not None and moved != job.notify:
            job.notify = moved  # a new message: edit that one from now on
            await self.store.update_job(job.id, notify=moved)
        if update.finished:
            await self.store.mark_told(job.id)

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
        if not self._accepting:
            log.info("job %s stays queued: shutting down; it resumes at the next start", job.id)
            return
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
                self._post(job, flight.last)

    # -- running -----------------------------------------------------------------------

    async def _fly(self, flight: _Flight) -> None:
        def waiting(future: asyncio.Future[None]) -> None:
            flight.waiting = future
            self._announce_positions()

        try:
            async with self.slots.slot(flight.owner, on_wait=waiting) as lease:
                flight.waiting = None
                self._announce_positions()
                self.pipeline_runs += 1
                for job in flight.jobs:
                    await self.store.update_job(job.id, status=JobStatus.RUNNING)

                async def progress(p: Progress) -> None:
                    flight.last = p
                    for job in list(flight.jobs):
                        self._post(job, p)

                def tail() -> None:
                    # Only stragglers are left (being asked again): let the next video in.
                    lease.release()
                    self._announce_positions()

                deck = await self.pipeline.build(
                    await self._request(flight),
                    progress,
                    owner=flight.owner,
                    checkpoint=_StoredChunks(self.store, flight.key),
                    on_tail=tail,
                )
            try:
                await self.store.cache_deck(flight.key, deck)
            except Exception:  # the cache saves later requests; these ones get their deck
                log.exception("could not cache the deck of %s", flight.key.video_id)
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

    async def _request(self, flight: _Flight) -> DeckRequest:
        """What to build: a video, or a subtitle file a learner sent (read back from the
        store, so a job resumed after a restart still has it)."""
        if not is_upload_key(flight.key.video_id):
            return flight.request
        upload = await self.store.get_upload(flight.key.video_id)
        if upload is None:
            raise errors.TranscriptFileError(f"{flight.key.video_id} is not stored")
        return replace(flight.request, video_id=upload.video_id, transcript=upload.transcript())

    async def _deliver(self, job: _Job, deck: Deck, *, cached_hit: bool = False) -> None:
        """Save the job's deck and finish it; a failure fails this job only."""
        try:
            self._post(job, Progress(Stage.SAVING))
            known = await self.store.known_words(job.user.id)
            info = await self.store.save_deck(job.user.id, without_known(deck, known))
            done = Progress(Stage.DONE, len(deck.words), len(deck.words))
            await self.store.update_job(
                job.id, status=JobStatus.DONE, progress=done, deck_id=info.id
            )
        except asyncio.CancelledError:
            raise
        except errors.VocabotError as exc:
            await self._fail(job, exc)
            return
        except Exception as exc:
            log.exception("saving the deck of job %s failed", job.id)
            await self._fail(job, errors.InternalError(f"{type(exc).__name__}: {exc}"))
            return
        self._finish(
            job, replace(self._update(job, done), deck=info, cached=cached_hit, stats=deck.stats)
        )

    async def _fail(self, job: _Job, exc: errors.VocabotError) -> None:
        if job.finished:
            return  # delivered (or cancelled) already: a finished job stays as it ended
        log.info("job %s failed: %s (%s)", job.id, exc.code, exc.detail)
        failed = Progress(Stage.FAILED, detail=exc.code)
        try:
            await self.store.update_job(
                job.id,
                status=JobStatus.FAILED,
                progress=failed,
                error_code=exc.code,
                error_message=exc.user_message,
            )
        except Exception:  # the user is told all the same; the row resumes at the next start
            log.exception("could not record the failure of job %s", job.id)
        self._finish(job, replace(self._update(job, failed), error=exc))

    def _finish(self, job: _Job, update: JobUpdate) -> None:
        job.finished = True
        self._jobs.pop(job.id, None)
        for box in job.mailboxes:
            box.post(update)
        if not job.done.done():
            job.done.set_result(update)

    def _update(self, job: _Job, progress: Progress) -> JobUpdate:
        return JobUpdate(job.id, job.user.id, job.record.video_id, progress, resumed=job.resumed)

    def _post(self, job: _Job, progress: Progress) -> None:
        if job.resumed and not progress.stage.finished:
            progress = replace(progress, detail="resumed")  # the notice stays with the bar
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

    async def _resume_record(self, record: JobRecord) -> _Job | None:
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
        boxes = [b.task for j in self._jobs.values() for b in j.mailboxes]
        for box in boxes:
            box.cancel()
        await asyncio.gather(*boxes, return_exceptions=True)
