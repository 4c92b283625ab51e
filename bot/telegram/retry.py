"""Replies that survive Telegram's bad moments: 5xx answers and network errors are retried.

PTB 22 retries nothing but 429: its AIORateLimiter waits out `RetryAfter` and re-raises
everything else, and HTTPXRequest turns a 5xx answer or an httpx error into `NetworkError`
without a retry. A user whose reply met two 502s in a row got no reply at all. The rate
limiter wraps every Bot API call except getUpdates (the updater retries polling itself),
so this is the one place to add a short backoff for the errors a retry can fix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
JSON = bool | dict[str, Any] | list[dict[str, Any]]


def worth_retrying(exc: BaseException) -> bool:
    """5xx answers and connection failures; not a 400 (BadRequest is a NetworkError in PTB),
    and not a read timeout: Telegram may have acted on that request already, and sending
    a message twice is worse than once late."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False
    if isinstance(exc, TimedOut):
        return isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)
    return True


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (429s) plus up to `server_retries` retries of 5xx and network errors,
    waiting about `backoff`, 2×`backoff`, 4×`backoff`… seconds between them (tenacity)."""

    def __init__(
        self,
        *,
        max_retries: int = 2,
        server_retries: int = 3,
        backoff: float = 0.5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(max_retries=max_retries)
        self.server_retries = server_retries
        self.backoff = backoff
        self._sleep = sleep

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.server_retries + 1),
            wait=wait_exponential(multiplier=self.backoff, exp_base=2),
            retry=retry_if_exception(worth_retrying),
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: log.warning(
                "Telegram %s failed (%s); retry %d of %d",
                endpoint,
                state.outcome.exception() if state.outcome else "?",
                state.attempt_number,
                self.server_retries,
            ),
        )
        async for attempt in retrying:
            with attempt:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        raise AssertionError("unreachable")  # pragma: no cover
