"""Token buckets for the HTTP API: bounded in number, forgotten once they are full again."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

# Beyond this many tracked keys or addresses the least recently seen is forgotten, so a flood
# of new names costs a fixed amount of memory (a forgotten name starts again with a full bucket).
MAX_BUCKETS = 10_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """`per_minute` requests per name, refilled continuously, with at most `max_buckets` names.

    A bucket left alone for a minute is full again, which is what a missing bucket means, so
    it is dropped: memory follows the names seen in the last minute, not every name ever seen.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_buckets: int = MAX_BUCKETS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_buckets = max_buckets
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()  # least recently touched first

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, name: str) -> float:
        """Spend one request of `name`'s allowance: 0 when allowed, else the seconds to wait."""
        now = self._refresh(name)
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = _Bucket(self.capacity, now)
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def wait(self, name: str) -> float:
        """The seconds until `name` may make a request, spending nothing (0 if it may now)."""
        self._refresh(name)
        bucket = self._buckets.get(name)
        if bucket is None or bucket.tokens >= 1:
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _refresh(self, name: str) -> float:
        """Refill `name`'s bucket to now and drop the buckets that are full again."""
        now = self._clock()
        bucket = self._buckets.get(name)
        if bucket is not None:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets.move_to_end(name)
        refill = self.capacity / self.rate  # an untouched bucket is full after this long
        while self._buckets:
            oldest_name, oldest = next(iter(self._buckets.items()))
            if now - oldest.stamp < refill and oldest.tokens < self.capacity:
                break
            del self._buckets[oldest_name]
        return now
