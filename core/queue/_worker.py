"""BuildWorker: a procrastinate worker whose one task builds a deck key's jobs with the
in-process JobRunner (cache, single flight, chunk checkpoints, hedging, the same Pipeline),
publishing every update for the fronts that follow those jobs.

- A build takes every job waiting for its key when it starts, and jobs written while it
  runs (a front says so), which then follow its progress. Each job also asks for a build
  of its own: one that runs after this one (same lock) finds them done, or the cache.
- A cancellation (an event from a front) reaches the JobRunner here; the last job of a
  build cancelled stops its LLM calls.
- Stopping (SIGTERM): running builds get the grace period, then are handed back to the
  queue (their jobs stay queued or running, their chunk answers saved) for another worker.
- A worker that stops answering (SIGKILL, a lost machine) stops writing heartbeats: after
  `stalled_seconds` any other worker hands its builds back to the queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import procrastinate
from procrastinate import exceptions, jobs, retry
from procrastinate.worker import Worker

from core.jobs import Job, JobRunner, JobUpdate, cancel_chores
from core.queue._builds import BUILD_TASK, QUEUE, BuildKey
from core.queue._front import build_of
from core.queue._wire import Bus, Event
from core.store import JobRecord

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a build that keeps failing around the pipeline (the database) gives up


class HandBack(retry.BaseRetryStrategy):
    """A build that did not end goes back to the queue: at once when its worker stopped,
    after a growing wait when something around it failed (the pipeline's own errors end
    the jobs instead, as in-process)."""

    def get_retry_decision(
        self, *, exception: BaseException, job: jobs.Job
    ) -> retry.RetryDecision | None:
        if isinstance(exception, asyncio.CancelledError):
            return retry.RetryDecision(retry_in={"seconds": 0})
        if job.attempts + 1 >= MAX_ATTEMPTS:
            return None
        return retry.RetryDecision(retry_in={"seconds": min(2**job.attempts, 60)})


class BuildWorker:
    """Takes builds from the queue and runs them, any number of processes at once."""

    def __init__(
        self,
        *,
        runner: JobRunner,
        app: procrastinate.App,
        bus: Bus,
        concurrency: int = 8,
        heartbeat_seconds: float = 10.0,
        stalled_seconds: float = 30.0,
        grace: float = 10.0,
        name: str = "vocabot-worker",
    ) -> None:
        self.runner = runner
        self.app = app
        self.bus = bus
        self.stalled_seconds = stalled_seconds
        self.check_seconds = heartbeat_seconds
        self._building: dict[BuildKey, list[Job]] = {}
        runner.watchers.append(self._publish)
        app.task(name=BUILD_TASK, queue=QUEUE, retry=HandBack())(self.build)
        self.worker = Worker(
            app,
            queues=[QUEUE],
            name=name,
            concurrency=concurrency,
            install_signal_handlers=False,  # the command stops us (run's `stop`)
            shutdown_graceful_timeout=grace,
            update_heartbeat_interval=heartbeat_seconds,
            # a build handed back (or freed by a finished one of its key) is seen this soon
            fetch_job_polling_interval=min(heartbeat_seconds, 1.0),
            stalled_worker_timeout=stalled_seconds,
            # a finished build's row holds its key (an uploaded file's hash): not kept
            delete_jobs="always",
        )

    async def run(self, stop: asyncio.Event) -> bool:
        """Build until `stop` is set, then stop gracefully (see the module's docstring);
        False when the worker stopped on its own (it logged why)."""
        async with self.bus.listening(self._on_event):
            run: Callable[[], Coroutine[Any, Any, None]] = self.worker.run  # (untyped)
            working = asyncio.create_task(run(), name="queue-worker")
            recovering = asyncio.create_task(self._recover(), name="stalled-builds")
            stopping = asyncio.create_task(stop.wait(), name="stop")
            await asyncio.wait((working, stopping), return_when=asyncio.FIRST_COMPLETED)
            asked = stop.is_set()
            log.info("worker stopping: running builds finish or go back to the queue")
            halt: Callable[[], None] = self.worker.stop  # (untyped)
            halt()
            await cancel_chores((recovering, stopping))
            await working
        await self.runner.shutdown(grace=0)
        return asked

    async def build(self, video_id: str, learner_language: str, level: str) -> None:
        """The task: every job waiting for this key gets its deck (or its error)."""
        key = BuildKey(video_id, learner_language, level)
        records = [r for r in await self.runner.store.unfinished_jobs() if build_of(r) == key]
        if not records:
            log.info("build of %s: no job waits for it any more", video_id)
            return
        log.info("build of %s for %d job(s)", video_id, len(records))
        await self._moved()
        cache_key = self.runner.cache_key(video_id, learner_language, level)
        adopted = self._building[key] = []
        try:
            for record in records:
                await self._take(key, record)
            while waiting := [job.done for job in adopted if not job.done.done()]:
                await asyncio.wait(waiting)  # (newcomers may join meanwhile)
        except asyncio.CancelledError:
            log.info("build of %s stopped here: back to the queue", video_id)
            await self.runner.abandon(cache_key)
            raise
        finally:
            del self._building[key]
            await self._moved()

    async def _take(self, key: BuildKey, record: JobRecord) -> None:
        building = self._building.get(key)
        job = await self.runner.adopt(record) if building is not None else None
        if building is not None and job is not None:
            building.append(job)

    async def _publish(self, update: JobUpdate) -> None:
        await self.bus.publish(Event.of(update).dumps())

    async def _moved(self) -> None:
        """Tell fronts the line of waiting builds changed (their jobs' places did)."""
        try:
            await self.bus.publish(Event("moved").dumps())
        except Exception:
            log.warning("could not tell fronts the queue moved", exc_info=True)

    async def _on_event(self, payload: str) -> None:
        event = Event.loads(payload)
        if event.kind == "cancel":
            await self.runner.cancel(event.user_id, event.job_id)
        elif event.kind == "joined":
            record = await self.runner.store.get_job(event.user_id, event.job_id)
            if record is not None and not record.status.finished:
                await self._take(build_of(record), record)

    async def _recover(self) -> None:
        """Hand back the builds of workers that stopped answering."""
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                stalled = await self.app.job_manager.get_stalled_jobs(
                    queue=QUEUE, seconds_since_heartbeat=self.stalled_seconds
                )
                for build in stalled:
                    await self._hand_back(build)
            except Exception:
                log.exception("looking for stalled builds failed")

    async def _hand_back(self, build: jobs.Job) -> None:
        video = build.task_kwargs.get("video_id")
        manager = self.app.job_manager
        try:
            await manager.retry_job(build)
            log.warning(
                "build %s of %s: worker %s stopped answering; back in the queue",
                build.id,
                video,
                build.worker_id,
            )
        except exceptions.UniqueViolation:
            # A newer build of the same key waits already: it takes these jobs.
            await manager.finish_job(build, status=jobs.Status.FAILED, delete_job=False)
            log.warning(
                "build %s of %s: worker %s stopped answering; a newer build takes over",
                build.id,
                video,
                build.worker_id,
            )
        except exceptions.ConnectorException:
            return  # another worker handed it back first
        await self._moved()
