"""Throttled edits of one live progress message, shared by the chat adapters."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class ThrottledEditor:
    """Edits one message at most once per `interval`, only when the text changed.

    The first progress edit waits `first_delay`, so a job that finishes at once (a cache
    hit) shows its result in a single edit. A change that arrives too soon is kept and
    sent when the interval is over, so the message never stays stale. The final state
    goes out at once: it is the one edit a user must never wait for, and nothing is sent
    after it (a delayed progress edit already on its way is let through first, so it can
    never land after the final state and overwrite the deck with a progress line).
    """

    send: Callable[[str], Awaitable[None]]
    interval: float
    first_delay: float = 0.0
    clock: Callable[[], float] = time.monotonic
    last_text: str = ""
    last_time: float | None = None
    pending: str | None = None
    _later: asyncio.Task[None] | None = field(default=None, repr=False)
    _sending: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _finished: bool = False

    def __post_init__(self) -> None:
        if self.last_time is None:
            self.last_time = self.clock() - self.interval + self.first_delay

    async def update(self, text: str) -> None:
        if self._finished:
            return
        if text == self.last_text:
            self.pending = None
            return
        self.pending = text
        assert self.last_time is not None
        wait = self.interval - (self.clock() - self.last_time)
        if wait <= 0:
            await self._flush()
        elif self._later is None:
            self._later = asyncio.create_task(self._flush_after(wait))

    async def _flush_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self._later = None
        try:
            await self._flush()
        except Exception:
            log.exception("a delayed progress edit failed")

    def cancel(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None

    async def _flush(self) -> None:
        async with self._sending:
            text, self.pending = self.pending, None
            if self._finished or text is None or text == self.last_text:
                return
            self.last_text, self.last_time = text, self.clock()
            await self.send(text)

    async def finish(self, send_final: Callable[[], Awaitable[None]]) -> None:
        self._finished = True
        self.cancel()
        self.pending = None
        async with self._sending:  # after any edit already on its way
            await send_final()
