"""One video's parallel round: the calls in flight, and hedging of stragglers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from core import errors

log = logging.getLogger(__name__)

HEDGE_FACTOR = 2.0  # a straggler has run this many times its siblings' median
T = TypeVar("T")


@dataclass(eq=False)
class _Call:
    """One chunk's call: when its latest request went out, and whether it got a twin."""

    sent_at: float | None = None
    finished: bool = False
    hedge: asyncio.Event = field(default_factory=asyncio.Event)


class Round:
    """One video's parallel round: the calls in flight, and hedging of stragglers.

    A call is a straggler when the rest of the video is done (every other call has been
    sent and at least half of them have answered) and it has run longer than
    `hedge_after` and HEDGE_FACTOR times the median of its video's answered calls. It is
    then asked again in parallel; the first answer wins and the other request is
    cancelled. A hung call thus costs about twice a normal call, not the whole timeout.
    """

    def __init__(
        self,
        hedge_after: float,
        on_tail: Callable[[], None] | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hedge_after = hedge_after
        self.on_tail = on_tail
        self.clock = clock
        self.calls: list[_Call] = []
        self.durations: list[float] = []
        self.open_chunks = 0
        self.changed = asyncio.Event()

    async def ask(self, send: Callable[[Callable[[], None]], Awaitable[T]]) -> T:
        """`send(on_send)` once, and once more in parallel if it straggles."""
        call = _Call()
        self.calls.append(call)

        def sent() -> None:
            call.sent_at = self.clock()
            self.changed.set()

        tasks: list[asyncio.Task[T]] = [asyncio.ensure_future(send(sent))]
        hedge = asyncio.ensure_future(call.hedge.wait())
        try:
            await asyncio.wait([tasks[0], hedge], return_when=asyncio.FIRST_COMPLETED)
            if not tasks[0].done():
                tasks.append(asyncio.ensure_future(send(sent)))
            return await _first_answer(tasks)
        finally:
            for task in (*tasks, hedge):
                task.cancel()
            # Wait for the cancelled request to close its connection (a hung request ends
            # on the server only when we hang up), and retrieve its outcome.
            await asyncio.gather(*tasks, hedge, return_exceptions=True)
            if call.sent_at is not None:
                self.durations.append(self.clock() - call.sent_at)
            call.finished = True
            self.changed.set()

    def chunk_done(self) -> None:
        self.open_chunks -= 1
        self.changed.set()

    async def watch(self) -> None:
        """Give stragglers their twin, until every chunk of the video is done."""
        while self.open_chunks > 0:
            self.changed.clear()
            due = self._hedge_stragglers()
            timeout = None if due is None else max(0.0, due - self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout)

    def _hedge_stragglers(self) -> float | None:
        """Hedge the calls that straggle now; when the next one would, if nothing changes."""
        running = [c for c in self.calls if not c.finished]
        if not self.hedge_after or not running or len(self.durations) < len(running):
            return None  # less than half answered: too early to call anything slow
        if any(c.sent_at is None for c in running):
            return None  # the rest of the video is not done: part of it waits its turn
        limit = max(self.hedge_after, HEDGE_FACTOR * statistics.median(self.durations))
        now, due = self.clock(), None
        for call in running:
            if call.hedge.is_set() or call.sent_at is None:
                continue
            at = call.sent_at + limit
            if at > now:
                due = at if due is None else min(due, at)
                continue
            log.info(
                "a call has run %.1fs (median %.1fs): asking again",
                now - call.sent_at,
                statistics.median(self.durations),
            )
            call.hedge.set()
            if self.on_tail is not None:
                self.on_tail()  # only stragglers left: the video needs no slot of its own
                self.on_tail = None
        return due


async def _first_answer(tasks: list[asyncio.Task[T]]) -> T:
    """The first result among `tasks`; a VocabotError only when every one of them failed."""
    pending = set(tasks)
    failure: errors.VocabotError | None = None
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is None:
                return task.result()
            if not isinstance(exc, errors.VocabotError):
                raise exc
            failure = exc
    assert failure is not None
    raise failure
