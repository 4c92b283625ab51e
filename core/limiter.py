"""A fair concurrency limit: waiting owners are served round-robin, not first-come.

With a plain semaphore, one user's 20 videos queue 20 x chunks calls ahead of another
user's single video. Here each owner (a job) has its own queue and a freed slot goes to
the next owner in turn, so a small job is never starved by a large one.

A `priority` waiter (a deck's first page: one small call per video) is served before
every owner's queue, so a big batch of another video's calls does not hold it back.

The capacity can change while slots are held (`resize`, the LLM client's adaptive limit):
more capacity lets waiters in at once; less lets nobody in until enough slots are back.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager


class Lease:
    """A slot held by one block of code; `release()` hands it on early (only once)."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release
        self.released = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self._release()


class FairLimiter:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._free = capacity
        self._waiting: OrderedDict[Hashable, deque[asyncio.Future[None]]] = OrderedDict()
        self._first: deque[asyncio.Future[None]] = deque()  # priority waiters, in order

    @property
    def in_use(self) -> int:
        return self.capacity - self._free

    @property
    def waiting(self) -> int:
        return len(self._first) + sum(len(q) for q in self._waiting.values())

    def position(self, owner: Hashable, index: int) -> int:
        """How many waiters are served before the `index`-th waiter of `owner` (round-robin)."""
        owners = list(self._waiting.items())
        ahead = 0
        for other, queue in owners:
            if other == owner:
                continue
            ahead += min(len(queue), index)
        for other, queue in owners:
            if other == owner:
                break
            if len(queue) > index:
                ahead += 1
        return ahead

    def resize(self, capacity: int) -> None:
        """A new capacity (at least 1); slots held above it are not taken back."""
        capacity = max(1, capacity)
        self._free += capacity - self.capacity
        self.capacity = capacity
        self._wake()

    def waiting_index(self, owner: Hashable, future: asyncio.Future[None]) -> int | None:
        queue = self._waiting.get(owner)
        if queue is None or future not in queue:
            return None
        return list(queue).index(future)

    @asynccontextmanager
    async def slot(
        self,
        owner: Hashable = None,
        *,
        on_wait: Callable[[asyncio.Future[None]], None] | None = None,
        priority: bool = False,
    ) -> AsyncIterator[Lease]:
        """Hold a slot for the block; the lease may give it back earlier. A `priority`
        waiter gets the next free slot before any owner's queue."""
        await self._acquire(owner, on_wait, priority)
        lease = Lease(self._release)
        try:
            yield lease
        finally:
            lease.release()

    async def _acquire(
        self,
        owner: Hashable,
        on_wait: Callable[[asyncio.Future[None]], None] | None,
        priority: bool,
    ) -> None:
        if self._free > 0 and not self._first and (priority or not self._waiting):
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if priority:
            self._first.append(future)
        else:
            self._waiting.setdefault(owner, deque()).append(future)
        if on_wait is not None:
            on_wait(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # the slot was handed over just as we were cancelled
            elif future in self._first:
                self._first.remove(future)
            else:
                queue = self._waiting.get(owner)
                if queue is not None and future in queue:
                    queue.remove(future)
                    if not queue:
                        del self._waiting[owner]
            raise

    def _release(self) -> None:
        self._free += 1
        self._wake()

    def _wake(self) -> None:
        """Hand free slots to waiters: priority ones first, then one owner after another."""
        while self._free > 0 and self._first:
            future = self._first.popleft()
            if not future.done():
                self._free -= 1
                future.set_result(None)
        while self._free > 0 and self._waiting:
            owner, queue = next(iter(self._waiting.items()))
            future = queue.popleft()
            del self._waiting[owner]
            if queue:
                self._waiting[owner] = queue  # back of the line
            if not future.done():
                self._free -= 1
                future.set_result(None)
