"""What the runner tells: job updates, and the callables that receive them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core import errors
from core.models import DeckStats, Progress
from core.store import DeckInfo, Notify


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


@dataclass(frozen=True, slots=True)
class JobHandle:
    id: str
    done: asyncio.Future[JobUpdate]
    duplicate: bool = False  # the request was delivered before: this is its earlier job

    async def wait(self) -> JobUpdate:
        return await asyncio.shield(self.done)
