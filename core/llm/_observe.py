"""What the client tells observers about each request: metrics and spending listen here."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Hashable
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


HEAD_START_MAX = 0.25  # seconds other requests wait at most for a first-page request
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

    def __init__(
        self,
        clock: ClientClock,
        *,
        running: bool = True,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        """`on_sent` is called once, when the request is written out (or has failed)."""
        self.clock = clock
        self.running = False
        self.done = False
        self.on_sent = on_sent
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
        self.sent()

    def __enter__(self) -> Stopwatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sent(self) -> None:
        if self.on_sent is not None:
            on_sent, self.on_sent = self.on_sent, None
            on_sent()

    async def trace(self, name: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension: called as each step of the request starts and ends."""
        if name.endswith(("send_request_body.complete", "send_request_body.failed")):
            self.sent()
        elif name.endswith("receive_response_headers.started"):
            self.pause()
        elif name.endswith(_ANSWERED):
            self.resume()


class HeadStart:
    """A deck's first-page requests go out before any other: while one is being written
    to its connection (milliseconds), other requests wait to be sent, so it reaches the
    server first and is prefilled first (vLLM prefills in arrival order); with a hundred
    calls leaving at once it could otherwise queue behind seconds of other prompts."""

    def __init__(self) -> None:
        self.sending = 0
        self._clear = asyncio.Event()
        self._clear.set()

    def begin(self) -> Callable[[], None]:
        """One priority request starts; call what is returned when it is written out."""
        self.sending += 1
        self._clear.clear()
        return self._end

    def _end(self) -> None:
        self.sending -= 1
        if self.sending == 0:
            self._clear.set()

    async def wait(self) -> None:
        """Until no priority request is being sent, at most HEAD_START_MAX seconds (a
        transport that does not report writing the request is not waited on for long)."""
        if self.sending:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HEAD_START_MAX):
                    await self._clear.wait()
