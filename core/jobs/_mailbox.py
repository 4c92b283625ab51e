"""One listener's mailbox: updates in order, a slow or failing listener blocks nobody."""

from __future__ import annotations

import asyncio
import logging

from core.jobs._updates import JobUpdate, Listener

log = logging.getLogger(__name__)


class Mailbox:
    """Delivers updates to one listener in order, keeping only the latest pending progress."""

    def __init__(self, listener: Listener, name: str, running: set[Mailbox]) -> None:
        """`running` is the Drain's set of mailboxes still delivering (finished jobs'
        included), so shutdown can let them drain before the store closes under them."""
        self._listener = listener
        self._pending: JobUpdate | None = None
        self._event = asyncio.Event()
        self._closed = False
        self.task = asyncio.create_task(self._run(), name=f"mailbox-{name}")
        running.add(self)
        self.task.add_done_callback(lambda _: running.discard(self))

    @property
    def closed(self) -> bool:
        """It has its job's last update: it ends once that is delivered."""
        return self._closed

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
