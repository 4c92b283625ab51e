"""Tracker: the jobs this process follows, how their updates reach the database and
listeners, and how a job that ended is told (a part of both the in-process runner and the
queue's front)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from core import errors
from core.jobs._drain import Drain
from core.jobs._limits import RETRY_IN_DEFAULT
from core.jobs._mailbox import Mailbox
from core.jobs._updates import Announce, JobHandle, JobUpdate, Listener, Notifier
from core.metrics import Metrics
from core.models import Progress, Stage
from core.store import JobRecord, JobStatus, Notify, Store, User

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Job:
    record: JobRecord
    user: User
    notify: Notify | None = None  # where its chat is told (the reply may move it)
    resumed: bool = False  # picked up again after a restart
    started: float = 0.0
    finished: bool = False
    mailboxes: list[Mailbox] = field(default_factory=list)
    done: asyncio.Future[JobUpdate] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    last: Progress = field(default_factory=lambda: Progress(Stage.QUEUED))
    persisted_stage: Stage = Stage.QUEUED
    # The learner's known words when the job started: left out of the page shown while the
    # deck is built, as they are left out of the deck saved for them.
    known: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.record.id


class Tracker:
    """The jobs this process follows: their mailboxes, updates and how they end. One part
    for both runners; the queue's front does not `persist` (the worker building a job
    writes its row)."""

    def __init__(
        self,
        *,
        store: Store,
        metrics: Metrics,
        drain: Drain,
        clock: Callable[[], float] = time.monotonic,
        persist: bool = True,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.drain = drain
        self.clock = clock
        self.persists = persist
        self.jobs: dict[str, Job] = {}
        self.notifiers: dict[str, Notifier] = {}
        self.watchers: list[Listener] = []  # told every update of every job (a worker's events)

    def __len__(self) -> int:
        return len(self.jobs)

    def track(
        self,
        record: JobRecord,
        user: User,
        listener: Listener | None,
        *,
        resumed: bool = False,
        known: frozenset[str] = frozenset(),
    ) -> Job:
        job = Job(
            record=record,
            user=user,
            notify=record.notify,
            resumed=resumed,
            started=self.clock(),
            known=known,
        )
        self.jobs[job.id] = job
        if self.persists:
            job.mailboxes.append(self.drain.mailbox(self._persist, f"{job.id}-db"))
        for i, watcher in enumerate(self.watchers):
            job.mailboxes.append(self.drain.mailbox(watcher, f"{job.id}-watch{i}"))
        if record.notify is not None and record.notify.platform in self.notifiers:
            notifier = self.notifiers[record.notify.platform]

            async def tell(update: JobUpdate) -> None:
                await self._tell(job, notifier, update)

            job.mailboxes.append(self.drain.mailbox(tell, f"{job.id}-notify"))
        if listener is not None:
            job.mailboxes.append(self.drain.mailbox(listener, f"{job.id}-listener"))
        return job

    async def follow(self, record: JobRecord, *, resumed: bool) -> Job | None:
        """Track a job written earlier (by this process before a restart, or another one),
        as its user asked for it; None when its user is gone."""
        user = await self.store.get_user(record.user_id)
        if user is None:
            return None
        user = replace(user, learner_language=record.learner_language, level=record.level)
        known = await self.store.known_words(user.id)
        return self.track(record, user, None, resumed=resumed, known=known)

    async def earlier(
        self, record: JobRecord, start: Callable[[JobRecord], Awaitable[Job | None]]
    ) -> JobHandle:
        """The handle of a request that came before: its job as followed here (`start`
        follows it when it is unfinished and not followed yet), or how it ended."""
        log.info("request %s came again: it is job %s", record.source_key, record.id)
        job = self.jobs.get(record.id)
        if job is None and not record.status.finished:
            job = await start(record)
        if job is not None:
            return JobHandle(job.id, job.done, duplicate=True)
        done: asyncio.Future[JobUpdate] = asyncio.get_running_loop().create_future()
        done.set_result(await self.ended(record))
        return JobHandle(record.id, done, duplicate=True)

    def running(self, user_id: int) -> int:
        """The user's jobs followed here."""
        return sum(1 for j in self.jobs.values() if j.user.id == user_id)

    def retry_in(self, user_id: int) -> float:
        """Seconds until one of the user's running jobs is likely done (a Retry-After)."""
        now, best = self.clock(), None
        for job in self.jobs.values():
            p = job.last
            asked, answered = p.total - p.reused, p.done - p.reused
            if job.user.id != user_id or p.stage != Stage.EXTRACTING or answered <= 0:
                continue
            guess = (now - job.started) * (asked - answered) / answered
            best = guess if best is None else min(best, guess)
        return min(max(RETRY_IN_DEFAULT if best is None else best, 1.0), 600.0)

    def mailboxes(self) -> list[Mailbox]:
        """The mailboxes of the jobs still followed (stopped at shutdown)."""
        return [box for job in self.jobs.values() for box in job.mailboxes]

    async def _tell(self, job: Job, notifier: Notifier, update: JobUpdate) -> None:
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
        job = self.jobs.get(job_id)
        if job is None or job.user.id != user_id:
            return False
        box = self.drain.mailbox(listener, f"{job_id}-sub")
        job.mailboxes.append(box)
        box.post(self.update(job, job.last))
        return True

    def ended_as(self, job: Job, outcome: str) -> None:
        """Count how a job ended (cached, built, partial, failed, cancelled), and log it."""
        self.metrics.jobs_finished.labels(outcome).inc()
        seconds = self.clock() - job.started
        log.info(
            "job %s %s in %.1fs",
            job.id,
            outcome,
            seconds,
            extra={
                "job_id": job.id,
                "video_id": job.record.video_id,
                "user_id": job.user.id,
                "duration": round(seconds, 3),
            },
        )

    def finish(self, job: Job, update: JobUpdate) -> None:
        job.finished = True
        self.jobs.pop(job.id, None)
        for box in job.mailboxes:
            box.post(update)
        if not job.done.done():
            job.done.set_result(update)

    def update(self, job: Job, progress: Progress) -> JobUpdate:
        return JobUpdate(job.id, job.user.id, job.record.video_id, progress, resumed=job.resumed)

    def post(self, job: Job, progress: Progress) -> None:
        if job.resumed and not progress.stage.finished:
            progress = replace(progress, detail="resumed")  # the notice stays with the bar
        if progress.page and job.known:
            progress = replace(
                progress, page=tuple(w for w in progress.page if w.lemma not in job.known)
            )
        job.last = progress
        update = self.update(job, progress)
        for box in job.mailboxes:
            box.post(update)

    async def _persist(self, update: JobUpdate) -> None:
        """Stage changes go to the job's row; counts within a stage live in memory only
        (`progress()`), so a busy runner does not queue a write per finished chunk."""
        if update.finished:  # final states are written before they are announced
            return
        job = self.jobs.get(update.job_id)
        if job is None or update.progress.stage == job.persisted_stage:
            return
        job.persisted_stage = update.progress.stage
        await self.store.update_job(update.job_id, progress=update.progress)

    def progress(self, user_id: int, job_id: str) -> Progress | None:
        """The live progress of a job of this user, or None when it is not running here."""
        job = self.jobs.get(job_id)
        return job.last if job is not None and job.user.id == user_id else None

    async def announce(self, record: JobRecord, announce: Announce) -> JobRecord:
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

    async def ended(self, record: JobRecord) -> JobUpdate:
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

    async def retell(self, record: JobRecord) -> None:
        """Tell a chat how its job ended (the process stopped before it could)."""
        notifier = self.notifiers.get(record.notify.platform) if record.notify else None
        if record.notify is None or notifier is None:
            return  # that platform is not run by this process: its own start tells it
        log.info("telling the chat of job %s how it ended", record.id)
        try:
            await notifier(record.notify, replace(await self.ended(record), resumed=True))
        except Exception:
            log.exception("telling the chat of job %s failed", record.id)
        await self.store.mark_told(record.id)


def new_record(
    user: User, video_id: str, notify: Notify | None, source_key: str | None
) -> JobRecord:
    """The row of a job just submitted, queued."""
    return JobRecord(
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
