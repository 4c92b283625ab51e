"""What the client tells observers about each request: metrics and spending listen here."""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from core.llm._values import LLMStats


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP request to an LLM server, as it ended."""

    server: str  # server_label(): scheme://host:port, never a credential or a path
    status: str  # the HTTP status code, "timeout" or "connection"
    seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    owner: Hashable = None  # whose build asked (the job runner passes the user id)


class CallObserver(Protocol):
    def call(self, record: CallRecord) -> None: ...
    def retry(self, server: str) -> None: ...


def server_label(base_url: str) -> str:
    """A server's name for metrics and health lines: scheme://host:port, nothing secret."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "unknown"
    return f"{parts.scheme}://{host}{port}" if host else "unknown"


_ANSWERED = ("receive_response_headers.complete", "receive_response_headers.failed")


class ClientClock:
    """The time the client itself is busy (LLMStats.client_seconds): the length of the
    union of its requests' own stretches (Stopwatch), so that many requests in flight at
    once, each held up by the others' work on the one event loop, count that time once."""

    def __init__(self, stats: LLMStats) -> None:
        self.stats = stats
        self.active = 0
        self._since = 0.0

    def enter(self) -> None:
        if self.active == 0:
            self._since = time.perf_counter()
        self.active += 1

    def leave(self) -> None:
        self.active -= 1
        if self.active == 0:
            self.stats.client_seconds += time.perf_counter() - self._since


class Stopwatch:
    """One request's own stretches on the client's clock: from its slot in the limit to
    waiting for the server's answer (httpcore's trace of receiving the response headers),
    and from the answer to its parsed JSON; `stop()` ends it (on any outcome). What is
    timed is the client's own work: building and sending the request, the connection
    pool's bookkeeping, reading and parsing the answer."""

    def __init__(self, clock: ClientClock, *, running: bool = True) -> None:
        self.clock = clock
        self.running = False
        self.done = False
        if running:
            self.resume()

    def resume(self) -> None:
        if not self.running and not self.done:
            self.running = True
            self.clock.enter()

    def pause(self) -> None:
        if self.running:
            self.running = False
            self.clock.leave()

    def stop(self) -> None:
        self.pause()
        self.done = True

    async def trace(self, name: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension: called as each step of the request starts and ends."""
        if name.endswith("receive_response_headers.started"):
            self.pause()
        elif name.endswith(_ANSWERED):
            self.resume()
