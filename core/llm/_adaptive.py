"""The client's in-flight limit sized to what the server sustains (LLM_ADAPTIVE_CONCURRENCY).

Additive increase, multiplicative decrease, as TCP sizes its window. It starts slow-start:
every answer in good time adds one call (the limit doubles each round of answers) until
the first sign of trouble; from then on an answer in good time adds 1/limit (about one
more call per round). A 429 or 503
halves the limit, and answers slowing down (seconds per output token, averaged, past
LATENCY_FACTOR times the best seen) take a tenth off it. One round of calls counts once:
a refusal or slow answer to a call sent before the last cut does not cut again. The limit
stays within [1, LLM_MAX_CONCURRENCY]; the fair per-video share is the FairLimiter's, as
with a fixed limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core.limiter import FairLimiter

log = logging.getLogger(__name__)

LATENCY_FACTOR = 2.0  # answers this many times slower per token than the best: too many
SMOOTHING = 0.2  # weight of the newest answer in the average
REFUSED_CUT, SLOW_CUT = 0.5, 0.9


class AdaptiveLimit:
    """Moves `limiter`'s capacity between 1 and `ceiling`, starting at `start`."""

    def __init__(
        self,
        limiter: FairLimiter,
        *,
        start: int,
        ceiling: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limiter = limiter
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, start), self.ceiling))
        self.clock = clock
        self.best: float | None = None  # the fewest seconds per output token seen
        self.recent: float | None = None  # seconds per output token, averaged
        self._last_cut = float("-inf")
        self.slow_start = True  # doubling each round until the first cut
        limiter.resize(int(self.limit))

    def answered(self, sent: float, seconds: float, completion_tokens: int) -> None:
        """A call sent at `sent` answered after `seconds` with `completion_tokens`."""
        per_token = seconds / max(1, completion_tokens)
        self.best = per_token if self.best is None else min(self.best, per_token)
        if self.recent is None:
            self.recent = per_token
        else:
            self.recent += SMOOTHING * (per_token - self.recent)
        if self.recent > LATENCY_FACTOR * self.best:
            self._cut(sent, SLOW_CUT, "answers slow down")
        else:
            step = 1.0 if self.slow_start else 1 / self.limit
            self.limit = min(float(self.ceiling), self.limit + step)
            self._apply()

    def refused(self, sent: float, status: int) -> None:
        """The server said it is overloaded (429, 503) to a call sent at `sent`."""
        self._cut(sent, REFUSED_CUT, f"the server answered {status}")

    def _cut(self, sent: float, factor: float, why: str) -> None:
        if sent < self._last_cut:
            return  # sent before the last cut: this round has been counted
        self._last_cut = self.clock()
        self.slow_start = False
        before = int(self.limit)
        self.limit = max(1.0, self.limit * factor)
        if int(self.limit) != before:
            log.info("LLM calls in flight: %d -> %d (%s)", before, int(self.limit), why)
        self._apply()

    def _apply(self) -> None:
        if int(self.limit) != self.limiter.capacity:
            self.limiter.resize(int(self.limit))
