"""uvicorn inside its host's event loop: the ops endpoints, the Telegram webhook, the
simulated LLM server and the test fakes all run this way (`vocabot serve-api` is uvicorn's
own process and does not).

`listening_socket` is bound before the server starts, so connections wait in the backlog
instead of being refused. `InProcessServer` leaves signals to its host and stops as soon
as it is told to: plain uvicorn looks at `should_exit` every 0.1 s, then sleeps 0.1 s more
and polls its connections every 0.1 s until they close, which made every stop take
0.1-0.3 s (most of a test's time when it starts a server or two).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

import uvicorn

if TYPE_CHECKING:
    from uvicorn.server import Protocols

T = TypeVar("T")


def listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """Bound and listening now (OSError when the address is taken).

    TCP_NODELAY is set here because asyncio sets it only on sockets whose protocol number is
    IPPROTO_TCP, and `socket.socket()` leaves it 0: without it every small answer on a
    kept-alive connection waited ~40 ms for the client's delayed ACK (Nagle)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


class _Watched(set[T]):
    """A set that tells when it is empty: uvicorn's protocols add their connections and
    requests to the server's sets and remove them when they end."""

    def __init__(self) -> None:
        super().__init__()
        self._empty = asyncio.Event()
        self._empty.set()

    def add(self, item: T) -> None:
        super().add(item)
        self._empty.clear()

    def discard(self, item: object) -> None:
        super().discard(item)
        if not self:
            self._empty.set()

    def remove(self, item: T) -> None:
        super().remove(item)
        if not self:
            self._empty.set()

    async def emptied(self) -> None:
        await self._empty.wait()


class InProcessServer(uvicorn.Server):
    """uvicorn in its host's event loop: set `should_exit` and await the `serve` task.

    The host handles Ctrl-C and SIGTERM (uvicorn's own handlers would stop this server
    first, behind the host's back). The stop is uvicorn's, without its waits for time to
    pass: no more connections, idle ones closed, running requests finish (up to
    `timeout_graceful_shutdown`, then they are cancelled)."""

    def __init__(self, config: uvicorn.Config) -> None:
        self._exit = asyncio.Event()
        super().__init__(config)
        self._connections: _Watched[Protocols] = _Watched()
        self._requests: _Watched[asyncio.Task[None]] = _Watched()
        self.server_state.connections = self._connections
        self.server_state.tasks = self._requests

    @property
    def should_exit(self) -> bool:
        return self._exit.is_set()

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        if value:
            self._exit.set()
        else:
            self._exit.clear()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        """uvicorn's loop (its once-a-second chores), woken at once by `should_exit`."""
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.1):
                    await self._exit.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle: closed now; busy: closed after its response
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                if not self.force_exit:
                    await self._connections.emptied()
                    await self._requests.emptied()
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()
