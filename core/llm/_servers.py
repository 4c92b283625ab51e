"""Several OpenAI-compatible servers behind one client: least-loaded first, sick ones out.

LLM_BASE_URL may list several servers (vLLM replicas of one model). Each request goes to
the healthy server with the fewest requests in flight (ties: the one sent a request
longest ago, so equal servers take turns), and a retry prefers a server the call has not
tried yet. A server that fails `max_failures` times in a row (5xx, refused connections,
timeouts) is taken out for `cooldown` seconds; then one request at a time may try it
again, and the first success puts it back. A server that takes requests and never
answers is caught too when hedging rescues its calls (no call fails then): a request
given up while its server answered nothing since, and another server answered a later
request, counts as a failure. When every server is out, the one due back
first is tried anyway: a call fails only when there is truly nowhere to send it.

The clock is injected, so tests move time forward instead of sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)


def split_urls(base_url: str | Sequence[str]) -> list[str]:
    """The server URLs of LLM_BASE_URL ("a, b, c" or a list), without trailing slashes."""
    items = base_url.split(",") if isinstance(base_url, str) else list(base_url)
    urls = [url.strip().rstrip("/") for url in items]
    return [url for url in urls if url] or [""]


@dataclass
class Server:
    """One server and what the client knows of it now."""

    url: str
    in_flight: int = 0
    sent: int = 0
    last_sent: int = 0  # the pool's request number of the latest request sent here
    answered_at: int = 0  # how many requests the pool had sent when this one last answered
    best_answered: int = 0  # the latest request number it answered
    failures: int = 0  # in a row; a success resets it
    out_until: float | None = None  # taken out until then (clock seconds)

    def usable(self, now: float) -> bool:
        """Healthy, or back from its cool-down and not already being tried."""
        if self.out_until is None:
            return True
        return now >= self.out_until and self.in_flight == 0


class ServerPool:
    def __init__(
        self,
        urls: Sequence[str],
        *,
        max_failures: int = 3,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("at least one server URL is needed")
        self.servers = [Server(url) for url in urls]
        self.max_failures = max_failures
        self.cooldown = cooldown
        self._clock = clock
        self._requests = 0  # requests sent so far (each one's number)

    @property
    def identity(self) -> str:
        """The same for the same servers in any order (part of every cache key)."""
        return ",".join(sorted(server.url for server in self.servers))

    def pick(self, avoid: Collection[Server] = ()) -> Server:
        """The server for the next request: usable, not yet tried by this call, least loaded."""
        now = self._clock()
        usable = [s for s in self.servers if s.usable(now)]
        fresh = [s for s in usable if s not in avoid]
        if fresh or usable:
            return min(fresh or usable, key=lambda s: (s.in_flight, s.last_sent))
        # Every server is out: the one due back first (a call fails only if it fails too).
        return min(self.servers, key=lambda s: (s.out_until or 0.0, s.in_flight))

    def has_fresh(self, avoid: Collection[Server]) -> bool:
        """Whether a usable server this call has not tried is there (then: retry at once)."""
        now = self._clock()
        return any(s.usable(now) and s not in avoid for s in self.servers)

    @contextmanager
    def sending(self, server: Server) -> Iterator[int]:
        """Count a request in flight on `server` while the block runs; yields its number."""
        self._requests += 1
        server.in_flight += 1
        server.sent += 1
        server.last_sent = number = self._requests
        try:
            yield number
        finally:
            server.in_flight -= 1

    def succeeded(self, server: Server, number: int) -> None:
        """Request `number` got an answer from `server` (any answer but a server error)."""
        server.answered_at = self._requests
        server.best_answered = max(server.best_answered, number)
        if server.out_until is not None:
            log.warning("LLM server %s answers again: back in", server.url)
        server.failures = 0
        server.out_until = None

    def abandoned(self, server: Server, number: int) -> None:
        """Request `number` was given up before its answer (a hedged twin won, or its job
        was cancelled): a failure only if `server` has answered nothing since it was sent
        while another server answered a later request."""
        quiet = server.answered_at < number
        others = any(s.best_answered > number for s in self.servers if s is not server)
        if quiet and others:
            self.failed(server, "no answer, while other servers answered later requests")

    def failed(self, server: Server, reason: str) -> None:
        """A failure of the server itself (not of the request): N in a row take it out."""
        server.failures += 1
        on_trial = server.out_until is not None
        if not on_trial and server.failures < self.max_failures:
            return
        server.out_until = self._clock() + self.cooldown
        if len(self.servers) > 1:
            log.warning(
                "LLM server %s taken out for %.0fs after %d failures in a row (last: %s)",
                server.url,
                self.cooldown,
                server.failures,
                reason,
            )
