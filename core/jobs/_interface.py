"""What every runner offers the action layer and the faces: the in-process JobRunner and
the queue's front (core.queue) both implement it, so a face never knows which it has."""

from __future__ import annotations

from typing import Protocol

from core.jobs._updates import Announce, JobHandle, Listener, Notifier
from core.models import Progress
from core.store import Notify, User


class Runner(Protocol):
    """Jobs of users: submitted, followed, cancelled; resumed at start, stopped at exit."""

    notifiers: dict[str, Notifier]  # per platform: tells a chat about a job it no longer follows

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
    ) -> JobHandle: ...

    async def cancel(self, user_id: int, job_id: str | None = None) -> int: ...

    def progress(self, user_id: int, job_id: str) -> Progress | None: ...

    def subscribe(self, user_id: int, job_id: str, listener: Listener) -> bool: ...

    async def resume(self) -> int: ...

    async def shutdown(self, grace: float = 10.0) -> None: ...

    @property
    def job_count(self) -> int: ...

    @property
    def accepting(self) -> bool: ...

    async def builds(self) -> tuple[int, int]:
        """Builds running and waiting (here, or in the queue every worker shares)."""
        ...
