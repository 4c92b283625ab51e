"""Calls in flight sized to the server by default, the first page's call ahead of every
queue, the connection pool split into small pools, and the client's own time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from contextlib import AbstractAsyncContextManager

import httpx
from pydantic import BaseModel, ConfigDict

from bot.app import make_http_client, make_llm
from core.config import Settings
from core.limiter import FairLimiter, Lease
from core.llm import LLMClient, SplitPoolTransport
from core.llm._observe import HeadStart
from core.models import Progress, Stage
from core.pipeline import DeckRequest, Pipeline
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from devtools.simllm import SimConfig, SimServer
from tests.conftest import Sim


class Reply(BaseModel):
    model_config = ConfigDict(extra="allow")


async def test_by_default_the_limit_is_sized_to_the_server_from_16_up_to_128() -> None:
    settings = Settings()
    async with make_http_client(settings) as http:
        llm = make_llm(settings, http, "http://127.0.0.1:9/v1", simulated=True)
        assert llm.adaptive is not None, "adaptive concurrency is on by default"
        assert llm.limiter.capacity == 16, "it starts at LLM_START_CONCURRENCY"
        assert llm.adaptive.ceiling == 128, "and may grow to LLM_MAX_CONCURRENCY"
        for _ in range(16):  # a round of answers in good time doubles it
            llm.adaptive.answered(sent=0.0, seconds=2.0, completion_tokens=200)
        assert llm.limiter.capacity == 32


async def test_switched_off_the_limit_is_fixed() -> None:
    settings = Settings(llm_adaptive_concurrency=False, llm_max_concurrency=24)
    async with make_http_client(settings) as http:
        llm = make_llm(settings, http, "http://127.0.0.1:9/v1", simulated=True)
        assert llm.adaptive is None and llm.limiter.capacity == 24


async def test_a_priority_waiter_goes_before_every_owners_queue() -> None:
    limiter = FairLimiter(1)
    held = limiter.slot("a")
    await held.__aenter__()
    order: list[str] = []

    async def call(owner: str, name: str, *, priority: bool = False) -> None:
        async with limiter.slot(owner, priority=priority):
            order.append(name)

    tasks = [asyncio.create_task(call("a", f"a{i}")) for i in range(3)]
    tasks.append(asyncio.create_task(call("b", "b-rest")))
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(call("c", "c-first", priority=True))
    tasks.append(asyncio.create_task(call("b", "b-first", priority=True)))
    await asyncio.sleep(0)
    assert limiter.waiting == 6
    cancelled.cancel()  # a priority waiter that gives up leaves no trace
    await asyncio.gather(cancelled, return_exceptions=True)
    assert limiter.waiting == 5
    await held.__aexit__(None, None, None)
    await asyncio.gather(*tasks)
    assert order == ["b-first", "a0", "b-rest", "a1", "a2"], "then round-robin as before"
    assert limiter.in_use == 0 and limiter.waiting == 0


async def test_a_second_videos_first_page_does_not_wait_behind_the_first_videos_calls(
    sim: Sim,
) -> None:
    sent, b_waits = asyncio.Event(), asyncio.Event()

    async def on_request(request: httpx.Request) -> None:
        if not sent.is_set():  # A's first call holds the one slot; the rest of A's calls queue
            sent.set()
            await b_waits.wait()  # until B's first page waits for the slot too

    answered_a: list[int] = []
    a_done_at_b_page: list[int] = []

    async def progress_a(p: Progress) -> None:
        if p.stage == Stage.EXTRACTING:
            answered_a.append(p.done)

    async def progress_b(p: Progress) -> None:
        if p.page and not a_done_at_b_page:
            a_done_at_b_page.append(max(answered_a))

    async with httpx.AsyncClient(event_hooks={"request": [on_request]}) as http:
        llm = LLMClient(http, base_url=sim.url, model=sim.config.model, max_concurrency=1)
        slot = llm.limiter.slot

        def watched_slot(
            owner: Hashable = None,
            *,
            on_wait: Callable[[asyncio.Future[None]], None] | None = None,
            priority: bool = False,
        ) -> AbstractAsyncContextManager[Lease]:
            def waiting(future: asyncio.Future[None]) -> None:
                if owner == "b" and priority:
                    b_waits.set()
                if on_wait is not None:
                    on_wait(future)

            return slot(owner, on_wait=waiting, priority=priority)

        llm.limiter.slot = watched_slot  # type: ignore[method-assign,assignment]
        pipeline = Pipeline(source=DirectorySource(SAMPLES_DIR), llm=llm, chunk_first_items=5)
        request = DeckRequest("vocabDemo01")
        a = asyncio.create_task(pipeline.build(request, progress_a, owner="a"))
        await sent.wait()
        b = await pipeline.build(DeckRequest("vocabDemo02"), progress_b, owner="b")
        deck_a = await a
    assert b.words and deck_a.stats.chunks > 3
    assert a_done_at_b_page == [1], "B's first page came right after A's first call"


async def test_connections_are_split_into_small_pools_and_requests_spread_over_them() -> None:
    entered: list[int] = []
    all_in = asyncio.Event()
    release = asyncio.Event()

    class Held(httpx.AsyncBaseTransport):
        def __init__(self, size: int) -> None:
            self.size = size
            self.now = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.now += 1
            entered.append(self.now)
            if len(entered) == 40:
                all_in.set()
            await release.wait()
            self.now -= 1
            return httpx.Response(200, json={"ok": True})

    transport = SplitPoolTransport(132, pool_size=16, make_pool=Held)
    assert len(transport.pools) == 9 and transport.pool_size == 15
    assert transport.connections >= 132, "as many connections in all as asked for"
    async with httpx.AsyncClient(transport=transport) as client:
        calls = [asyncio.create_task(client.get("http://llm.test/v1/models")) for _ in range(40)]
        await all_in.wait()
        in_flight = [p.now for p in transport.pools if isinstance(p, Held)]
        assert sum(in_flight) == 40
        assert max(in_flight) - min(in_flight) <= 1, f"spread evenly: {in_flight}"
        release.set()
        answers = await asyncio.gather(*calls)
    assert all(r.json() == {"ok": True} for r in answers)
    assert transport.in_flight == [0] * 9, "every finished request gives its pool back"


async def test_the_default_http_client_pools_hold_at_most_16_connections() -> None:
    settings = Settings(llm_max_concurrency=128)
    async with make_http_client(settings) as http:
        transport = http._transport
        assert isinstance(transport, SplitPoolTransport)
        assert transport.pool_size <= 16 and transport.connections >= 132


async def test_the_client_counts_its_own_time_not_the_servers() -> None:
    server = SimServer(SimConfig(speedup=2.0))  # a call takes the server a few tenths of a second
    async with server.serve() as url, make_http_client(Settings()) as http:
        llm = LLMClient(http, base_url=url, model=server.config.model)
        await llm.complete_text([{"role": "user", "content": "Say hello. " * 50}], max_tokens=64)
    served = server.calls[-1].e2e / server.config.speedup  # real seconds
    assert llm.stats.requests == 1 and served > 0.1
    assert 0 < llm.stats.client_seconds < served / 2, "the server's time is not the client's"
    assert llm.busy.active == 0, "every stretch of the call was closed"


async def test_other_requests_wait_while_a_first_page_request_is_written_out() -> None:
    head = HeadStart()
    await head.wait()  # nobody sending: no wait at all
    end = head.begin()
    waiting = asyncio.create_task(head.wait())
    await asyncio.sleep(0)
    assert not waiting.done(), "held back while the first-page request is being sent"
    end()
    await waiting
    head.begin()  # a transport that never says it wrote the request is not waited on long
    await head.wait()


async def test_a_first_page_request_reaches_the_server_ahead_of_a_queued_crowd(sim: Sim) -> None:
    async with make_http_client(Settings()) as http:
        llm = LLMClient(http, base_url=sim.url, model=sim.config.model, max_concurrency=8)

        async def ask(text: str, owner: str, *, priority: bool = False) -> None:
            await llm.complete_json(
                [{"role": "user", "content": text}],
                schema_name="reply",
                schema={"type": "object"},
                model_type=Reply,
                priority=priority,
                owner=owner,
            )

        crowd = [asyncio.create_task(ask(f"other {i}", f"video {i}")) for i in range(40)]
        await asyncio.sleep(0)  # 40 other videos: 8 calls in flight, 32 queued
        await ask("first page " * 40, "a new video", priority=True)
        await asyncio.gather(*crowd)
    arrived = sorted(sim.server.calls, key=lambda c: c.id)
    longest = max(c.prompt_tokens for c in arrived)
    place = next(i for i, c in enumerate(arrived) if c.prompt_tokens == longest)
    assert place <= 8, f"right after the 8 in flight, not behind the queue (#{place})"
    assert llm.head_start.sending == 0
