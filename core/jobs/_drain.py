"""Drain: how a runner stops. It stops taking jobs, lets running builds finish within the
grace they are given, and lets every job's last update (a deck page, a row, a told mark)
get out before the store closes under it.

One part for both runners (the in-process JobRunner and the queue's front): the mailboxes
still delivering are counted here, and the grace a last update gets is a setting
(SHUTDOWN_LAST_UPDATE_GRACE_SECONDS).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from core import errors
from core.jobs._mailbox import Mailbox
from core.jobs._updates import Listener

LAST_UPDATE_GRACE_DEFAULT = 5.0  # seconds
# How long a stop waits for a cancelled chore (a loop that polls the database) to end.
CANCEL_PATIENCE = 5.0

log = logging.getLogger(__name__)


async def cancel_chores(
    tasks: Iterable[asyncio.Task[Any]], *, patience: float = CANCEL_PATIENCE
) -> None:
    """Cancel `tasks` and wait for them to end, `patience` seconds at most: a task waiting
    for a pooled connection can lose its cancellation (psycopg_pool's getconn, under load:
    psycopg/psycopg#1345), and a stop must not hang on it. One left behind is logged."""
    chores = list(tasks)
    for task in chores:
        task.cancel()
    if not chores:
        return
    _, pending = await asyncio.wait(chores, timeout=patience)
    for task in pending:
        log.warning("%s did not end when cancelled; the stop goes on without it", task.get_name())


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
