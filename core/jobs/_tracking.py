"""The jobs this process runs, and how their updates reach the database and listeners."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from core.jobs._mailbox import Mailbox
from core.jobs._updates import JobUpdate, Listener, Notifier
from core.metrics import Metrics
from core.models import Progress, Stage
from core.pipeline import Pipeline
from core.store import JobRecord, Notify, Store, User

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

    @property
    def id(self) -> str:
        return self.record.id


class Tracking:
    """The runner's first layer: its tracked jobs, their mailboxes and how they end.
    The state is set by `JobRunner.__init__`."""

    pipeline: Pipeline
    store: Store
    metrics: Metrics
    notifiers: dict[str, Notifier]
    _clock: Callable[[], float]
    _jobs: dict[str, Job]
    _mailboxes: set[Mailbox]
    _accepting: bool

    def _track(
        self, record: JobRecord, user: User, listener: Listener | None, *, resumed: bool = False
    ) -> Job:
        job = Job(
            record=record, user=user, notify=record.notify, resumed=resumed, started=self._clock()
        )
        self._jobs[job.id] = job
        job.mailboxes.append(Mailbox(self._persist, f"{job.id}-db", self._mailboxes))
        if record.notify is not None and record.notify.platform in self.notifiers:
            notifier = self.notifiers[record.notify.platform]

            async def tell(update: JobUpdate) -> None:
                await self._tell(job, notifier, update)

            job.mailboxes.append(Mailbox(tell, f"{job.id}-notify", self._mailboxes))
        if listener is not None:
            job.mailboxes.append(Mailbox(listener, f"{job.id}-listener", self._mailboxes))
        return job

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
        job = self._jobs.get(job_id)
        if job is None or job.user.id != user_id:
            return False
        box = Mailbox(listener, f"{job_id}-sub", self._mailboxes)
        job.mailboxes.append(box)
        box.post(self._update(job, job.last))
        return True

    def _ended_as(self, job: Job, outcome: str) -> None:
        """Count how a job ended (cached, built, partial, failed, cancelled), and log it."""
        self.metrics.jobs_finished.labels(outcome).inc()
        seconds = self._clock() - job.started
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

    def _finish(self, job: Job, update: JobUpdate) -> None:
        job.finished = True
        self._jobs.pop(job.id, None)
        for box in job.mailboxes:
            box.post(update)
        if not job.done.done():
            job.done.set_result(update)

    def _update(self, job: Job, progress: Progress) -> JobUpdate:
        return JobUpdate(job.id, job.user.id, job.record.video_id, progress, resumed=job.resumed)

    def _post(self, job: Job, progress: Progress) -> None:
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

    @property
    def accepting(self) -> bool:
        """False once shutting down (readiness: send new users elsewhere)."""
        return self._accepting

    @property
    def job_count(self) -> int:
        """Jobs queued or running in this process."""
        return len(self._jobs)

    def active_jobs(self, user_id: int) -> list[str]:
        return [j.id for j in self._jobs.values() if j.user.id == user_id]
