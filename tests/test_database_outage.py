"""Issue 25, item 11: while PostgreSQL is down the HTTP API answers 503 with Retry-After
within a second or two (it hung 30 s, then answered 500), and works again when it is back.

The database is reached through a TCP relay in this test that can be cut (every
connection dropped, new ones refused) and mended, as an outage and a restart would.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from bot.app import open_app
from bot.http.api import create_api
from core.config import Settings
from devtools.fake_telegram import FakeTelegram
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.http_harness import client_of, key_for
from tests.telegram_harness import start_bot

pytestmark = pytest.mark.postgres
CHAT = 4242


class Relay:
    """127.0.0.1:port -> the PostgreSQL server's Unix socket, until it is cut."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """The server goes away: no new connection, and every open one ends."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_unix_connection(self.socket_path)
        except OSError:
            writer.transport.abort()
            return
        self._pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._pipes -= {writer, up_writer}


@contextlib.asynccontextmanager
async def relayed(pg_url: str) -> AsyncIterator[tuple[Relay, str]]:
    """A relay to the server of `pg_url` (a Unix socket), and the URL through it."""
    parts = urlsplit(pg_url)
    query = dict(parse_qsl(parts.query))
    socket_dir = query.get("host", "/tmp")
    relay = Relay(f"{socket_dir}/.s.PGSQL.{query.get('port', '5432')}")
    await relay.open()
    query |= {"host": "127.0.0.1", "port": str(relay.port)}
    try:
        yield relay, urlunsplit(parts._replace(query=urlencode(query)))
    finally:
        await relay.cut()


async def test_while_postgresql_is_down_the_api_answers_503_at_once(
    pg_url: str, sim: Sim, tmp_path: Path
) -> None:
    async with relayed(pg_url) as (relay, url):
        settings = Settings(
            database_url=url,
            llm_base_url=sim.url,
            transcripts_dir=SAMPLES_DIR,
            user_cooldown_seconds=0,
        )
        async with open_app(settings) as app, client_of(create_api(app)) as client:
            alice = await key_for(app, "alice")
            assert (await client.get("/v1/decks", headers=alice)).status_code == 200

            await relay.cut()
            for method, path, body in (
                ("GET", "/v1/decks", None),
                ("POST", "/v1/jobs", {"url": "vocabDemo02"}),
            ):
                started = time.monotonic()
                down = await client.request(method, path, json=body, headers=alice)
                took = time.monotonic() - started
                assert down.status_code == 503, (path, down.status_code, down.text)
                assert 0 < int(down.headers["Retry-After"]) <= 60
                assert "try again shortly" in down.json()["error"]["message"]
                assert took < 3.0, f"{path} answered after {took:.1f} s"

            await relay.open()  # the server is back, on the same address
            # The pool reconnects in the background (with its backoff); each request in the
            # meantime is told 503 within its 2 s, and one of the next few gets through.
            answers: list[int] = []
            while len(answers) < 10 and 200 not in answers:
                answers.append((await client.get("/v1/decks", headers=alice)).status_code)
            assert answers[-1] == 200 and set(answers) <= {200, 503}, answers


async def test_while_postgresql_is_down_a_telegram_chat_is_told_once_to_try_again(
    pg_url: str, sim: Sim, tmp_path: Path
) -> None:
    fake = FakeTelegram()
    async with relayed(pg_url) as (relay, url), fake.serve() as base_url:
        settings = Settings(
            database_url=url,
            llm_base_url=sim.url,
            llm_model=sim.config.model,
            transcripts_dir=SAMPLES_DIR,
            user_cooldown_seconds=0,
        )
        async with open_app(settings) as app:
            adapter = await start_bot(fake, base_url, app)
            try:
                fake.push_text(CHAT, "/start")
                await fake.wait_for(lambda: fake.sent(CHAT))
                await relay.cut()
                before = len(fake.sent(CHAT))
                fake.push_text(CHAT, "https://youtu.be/vocabDemo02")
                told = await fake.wait_for(lambda: fake.sent(CHAT)[before:])
                await relay.open()
                fake.push_text(CHAT, "/help")  # answered once the database is back
                await fake.wait_for(lambda: len(fake.sent(CHAT)) > before + 1, 30)
            finally:
                await adapter.stop()
    said = [m.plain for m in fake.sent(CHAT)[before:]]
    assert "try again shortly" in told[0].plain, said
    assert sum("try again shortly" in text for text in said) == 1, said
    assert not any("Traceback" in text or "went wrong" in text for text in said), said
