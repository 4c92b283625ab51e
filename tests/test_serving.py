"""bot/serving.py: the in-process uvicorn every server of ours runs on (ops, webhook,
simulator, fakes) stops gracefully but at once, and answers kept-alive requests at once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.serving import InProcessServer, listening_socket


class App:
    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def slow(self, request: Request) -> Response:
        self.entered.set()
        await self.release.wait()
        return PlainTextResponse("finished")

    async def quick(self, request: Request) -> Response:
        return PlainTextResponse("ok")


@asynccontextmanager
async def served(app: App) -> AsyncIterator[tuple[InProcessServer, asyncio.Task[None], str]]:
    starlette = Starlette(routes=[Route("/slow", app.slow), Route("/quick", app.quick)])
    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(starlette, log_config=None, lifespan="off", timeout_graceful_shutdown=5)
    server = InProcessServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield server, task, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_a_stop_lets_the_running_request_finish_then_ends() -> None:
    app = App()
    async with served(app) as (server, task, url), httpx.AsyncClient(base_url=url) as client:
        running = asyncio.create_task(client.get("/slow"))
        await app.entered.wait()
        server.should_exit = True
        for _ in range(20):  # the stop has run as far as it can: it waits for the request
            await asyncio.sleep(0)
        assert not task.done(), "a stop does not cut a running request off"
        app.release.set()
        answer = await running
        assert answer.status_code == 200 and answer.text == "finished"
        await asyncio.wait_for(task, 5)


async def test_a_server_with_a_kept_alive_connection_stops_without_waiting_for_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plain uvicorn sleeps 0.1 s to notice `should_exit`, then 0.1 s at a time until its
    connections close (0.1-0.3 s a stop): this one is woken by events and never naps."""
    naps: list[float] = []
    sleep = asyncio.sleep

    async def nap(delay: float) -> None:
        if delay:
            naps.append(delay)
        await sleep(delay)

    app = App()
    async with served(app) as (server, task, url), httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/quick")).text == "ok"  # the connection stays open
        monkeypatch.setattr(asyncio, "sleep", nap)
        server.should_exit = True
        await asyncio.wait_for(task, 5)
        monkeypatch.undo()
        assert naps == [], "the stop waited for time to pass"
        with pytest.raises(httpx.TransportError):  # the idle connection was closed, and
            await client.get("/quick")  # nothing listens any more


def test_answers_go_out_without_waiting_for_an_ack() -> None:
    """Without TCP_NODELAY each small answer on a kept-alive connection waited ~40 ms for
    the client's delayed ACK (Nagle); asyncio sets it only on sockets it made itself."""
    sock = listening_socket("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
