"""Builds in procrastinate's queue: one per deck key, asked for by fronts, run by workers.

A build is named by what a front knows of a deck (video, learner language, level); the
worker adds its model and server to make the full cache key. Both of procrastinate's
locks carry that name: `queueing_lock` keeps one build of a key waiting however many
fronts ask (the rest get AlreadyEnqueued: the waiting build takes their jobs too), and
`lock` runs builds of one key one at a time, so a build asked for while another runs
starts after it and finds the deck in the cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import procrastinate
from procrastinate import exceptions

log = logging.getLogger(__name__)

BUILD_TASK = "vocabot.build_deck"
QUEUE = "builds"


@dataclass(frozen=True, slots=True)
class BuildKey:
    video_id: str
    learner_language: str
    level: str

    @property
    def lock(self) -> str:
        return f"deck|{self.video_id}|{self.learner_language}|{self.level}"

    def kwargs(self) -> dict[str, str]:
        return {
            "video_id": self.video_id,
            "learner_language": self.learner_language,
            "level": self.level,
        }


class Builds:
    """The queue of builds, as fronts use it (procrastinate's own API, no SQL)."""

    def __init__(self, app: procrastinate.App) -> None:
        self.app = app

    async def request(self, key: BuildKey, *, priority: int = 0) -> None:
        """Make sure a build of `key` waits or runs (it serves every job of the key)."""
        deferrer = self.app.configure_task(
            BUILD_TASK, queue=QUEUE, lock=key.lock, queueing_lock=key.lock, priority=priority
        )
        try:
            await deferrer.defer_async(**key.kwargs())
        except exceptions.AlreadyEnqueued:
            log.debug("a build of %s is waiting already", key.video_id)

    async def drop(self, key: BuildKey) -> None:
        """Take a waiting build of `key` out of the queue (nobody wants it any more)."""
        waiting = await self.app.job_manager.list_jobs_async(
            queue=QUEUE, queueing_lock=key.lock, status="todo"
        )
        for build in waiting:
            if build.id is not None:
                await self.app.job_manager.cancel_job_by_id_async(build.id)

    async def counts(self) -> tuple[int, int]:
        """Builds running and waiting, over every worker."""
        manager = self.app.job_manager
        running = await manager.list_jobs_async(queue=QUEUE, status="doing")
        waiting = await manager.list_jobs_async(queue=QUEUE, status="todo")
        return len(list(running)), len(list(waiting))

    async def line(self) -> list[str]:
        """The locks of waiting builds, in the order workers will take them."""
        waiting = await self.app.job_manager.list_jobs_async(queue=QUEUE, status="todo")
        ordered = sorted(waiting, key=lambda b: (-b.priority, b.id or 0))
        return [b.queueing_lock or "" for b in ordered]
