"""Drain: how a runner stops. It stops taking jobs, lets running builds finish within the
grace they are given, and lets every job's last update (a deck page, a row, a told mark)
get out before the store closes under it.

One part for both runners (the in-process JobRunner and the queue's front): the mailboxes
still delivering are counted here, and the grace a last update gets is a setting
(SHUTDOWN_LAST_UPDATE_GRACE_SECONDS).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from core import errors
from core.jobs._mailbox import Mailbox
from core.jobs._updates import Listener

LAST_UPDATE_GRACE_DEFAULT = 5.0  # seconds


class Drain:
    """Whether a runner still takes jobs, and its jobs' mailboxes still delivering."""

    def __init__(self, *, last_update_grace: float = LAST_UPDATE_GRACE_DEFAULT) -> None:
        """`last_update_grace`: seconds a finished job's last update may take at shutdown,
        however short the builds' grace (or a finished job would be told twice)."""
        self.last_update_grace = last_update_grace
        self._accepting = True
        self._mailboxes: set[Mailbox] = set()

    @property
    def accepting(self) -> bool:
        """False once shutting down (readiness: send new users elsewhere)."""
        return self._accepting

    def admit(self) -> None:
        """Refuse a new job once shutting down."""
        if not self._accepting:
            raise errors.ShuttingDown()

    def mailbox(self, listener: Listener, name: str) -> Mailbox:
        """A mailbox the drain waits for at shutdown until its last update is delivered."""
        return Mailbox(listener, name, self._mailboxes)

    def close(self) -> None:
        """Take no more jobs."""
        self._accepting = False

    async def stop_builds(self, tasks: Iterable[asyncio.Task[None]], grace: float) -> None:
        """Let `tasks` finish within `grace` seconds, then cancel the rest."""
        tasks = list(tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def finish(self, live: Iterable[Mailbox], grace: float = 0.0) -> None:
        """Stop the mailboxes of live jobs (they wait for updates that will not come: the
        jobs resume at the next start, or go on elsewhere), and let finished jobs' deliver
        their last update within `grace`, or the last update's grace if that is longer."""
        live = list(live)
        for box in live:
            box.task.cancel()
        boxes = [b.task for b in (*live, *self._mailboxes)]
        if not boxes:
            return
        _, pending = await asyncio.wait(boxes, timeout=max(grace, self.last_update_grace))
        for task in pending:
            task.cancel()
        await asyncio.gather(*boxes, return_exceptions=True)
