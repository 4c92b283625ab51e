"""Several LLM servers behind one client: simulated vLLM servers over real loopback HTTP,
a server that answers 500s or refuses connections, and a clock the tests move by hand."""

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass

import httpx
import pytest
from pydantic import ValidationError

from bot.app import wants_simulator
from core import errors
from core.config import Settings
from core.llm import CallRecord, LLMClient, ServerPool, server_label
from core.llm_check import check_llm
from core.pipeline import DeckRequest, Pipeline
from core.prompts import OUTPUT_SCHEMA, SCHEMA_NAME, ChunkOut
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from devtools.simllm import SimConfig, SimServer
from tests.conftest import FAST, Sim, Sleeps
from tests.test_llm import MESSAGES

COOLDOWN = 30.0


@dataclass
class Clock:
    """The time the client's server pool sees; tests move it on instead of sleeping."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def sims() -> AsyncIterator[list[Sim]]:
    """Three simulated vLLM servers (replicas of one model) on loopback ports."""
    async with AsyncExitStack() as stack:
        started = []
        for _ in range(3):
            server = SimServer(SimConfig(speedup=FAST))
            started.append(Sim(server, await stack.enter_async_context(server.serve())))
        yield started


@contextmanager
def refusing_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: every connection is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        sock.close()


def client_for(
    http: httpx.AsyncClient,
    urls: list[str],
    clock: Clock,
    sleeps: Sleeps,
    *,
    max_concurrency: int = 16,
    max_attempts: int = 4,
) -> LLMClient:
    return LLMClient(
        http,
        base_url=",".join(urls),
        model=SimConfig().model,
        timeout=10,
        sleep=sleeps,
        max_concurrency=max_concurrency,
        max_attempts=max_attempts,
        server_max_failures=3,
        server_cooldown=COOLDOWN,
        clock=clock,
    )


async def ask(llm: LLMClient) -> ChunkOut:
    completion = await llm.complete_json(
        MESSAGES, schema_name=SCHEMA_NAME, schema=OUTPUT_SCHEMA, model_type=ChunkOut
    )
    assert [w.l for w in completion.value.w] == ["hypothesis", "consolidate"]
    return completion.value


def answered(sim: Sim) -> int:
    return sim.ok_calls()


# -- spreading the load ------------------------------------------------------------------------


async def test_calls_at_once_are_spread_evenly_by_in_flight_count(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    llm = client_for(http, [s.url for s in sims], Clock(), sleeps, max_concurrency=30)
    await asyncio.gather(*(ask(llm) for _ in range(30)))
    assert [len(s.server.calls) for s in sims] == [10, 10, 10]
    assert all(server.in_flight == 0 for server in llm.pool.servers)


def test_a_busy_server_gets_the_next_call_last() -> None:
    pool = ServerPool(["http://a/v1", "http://b/v1", "http://c/v1"], clock=Clock())
    a, b, c = pool.servers
    with pool.sending(a), pool.sending(a), pool.sending(b):
        assert pool.pick() is c, "the least-loaded server"
        with pool.sending(c):
            assert pool.pick() is b and pool.pick(avoid=[b]) is c
    # Nothing in flight: they take turns, the one sent a call longest ago first.
    assert (a.sent, b.sent, c.sent) == (2, 1, 1)
    assert pool.pick() is a


# -- a sick server is taken out, and comes back ------------------------------------------------


async def test_a_server_answering_500s_is_taken_out_after_n_failures_and_no_call_fails(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    sick = sims[1]
    sick.config.fault_rates = {"500": 1.0}
    llm = client_for(http, [s.url for s in sims], Clock(), sleeps)
    for _ in range(12):
        await ask(llm)  # every call gets its answer
    assert [c.status for c in sick.server.calls] == [500, 500, 500], "out after 3 failures"
    assert answered(sims[0]) + answered(sims[2]) == 12
    assert sleeps.waits == [0.0, 0.0, 0.0], "each failed call went to another server at once"
    assert llm.pool.servers[1].out_until == 1_000.0 + COOLDOWN


@dataclass
class Seen:
    """A metrics observer: what each request and retry looked like, per server."""

    calls: list[CallRecord]
    retries: list[str]

    def call(self, record: CallRecord) -> None:
        self.calls.append(record)

    def retry(self, server: str) -> None:
        self.retries.append(server)


async def test_metrics_name_the_server_each_request_went_to(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    sims[1].config.fault_rates = {"500": 1.0}
    llm = client_for(http, [s.url for s in sims], Clock(), sleeps)
    seen = Seen([], [])
    llm.observers.append(seen)
    for _ in range(6):
        await ask(llm)
    labels = [server_label(s.url) for s in sims]
    by_server = {
        label: sorted({c.status for c in seen.calls if c.server == label}) for label in labels
    }
    assert by_server == {labels[0]: ["200"], labels[1]: ["500"], labels[2]: ["200"]}
    assert seen.retries and set(seen.retries) == {labels[1]}, "a retry counts where it failed"
    assert sum(c.completion_tokens for c in seen.calls) == llm.stats.completion_tokens > 0
    assert llm.server == ", ".join(labels)


async def test_a_taken_out_server_is_tried_again_after_its_cool_down(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    clock = Clock()
    sick = sims[0]
    sick.config.fault_rates = {"500": 1.0}
    llm = client_for(http, [s.url for s in sims], clock, sleeps)
    for _ in range(9):
        await ask(llm)
    assert len(sick.server.calls) == 3

    clock.now += COOLDOWN - 1
    for _ in range(3):
        await ask(llm)
    assert len(sick.server.calls) == 3, "still cooling down"

    clock.now += 1
    await ask(llm)
    assert [c.status for c in sick.server.calls] == [500] * 4, "one trial call, then out again"
    assert llm.pool.servers[0].out_until == clock.now + COOLDOWN

    sick.config.fault_rates = {}  # repaired
    clock.now += COOLDOWN
    for _ in range(6):
        await ask(llm)
    assert answered(sick) == 2, "back in after one good answer, then its share of calls"
    assert llm.pool.servers[0].out_until is None


async def test_a_server_refusing_connections_does_not_cost_the_user_any_cards(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    reference = await Pipeline(
        source=DirectorySource(SAMPLES_DIR),
        llm=LLMClient(http, base_url=sims[2].url, model=SimConfig().model, sleep=sleeps),
    ).build(DeckRequest("vocabDemo01"))

    with refusing_url() as dead:
        llm = client_for(http, [sims[0].url, dead, sims[1].url], Clock(), sleeps)
        deck = await Pipeline(source=DirectorySource(SAMPLES_DIR), llm=llm).build(
            DeckRequest("vocabDemo01")
        )
    assert not deck.is_partial
    assert [(w.lemma, w.meaning) for w in deck.words] == [
        (w.lemma, w.meaning) for w in reference.words
    ]
    assert answered(sims[0]) > 0 and answered(sims[1]) > 0, "the others shared the calls"
    assert answered(sims[0]) + answered(sims[1]) == deck.stats.chunks
    assert llm.pool.servers[1].out_until is not None, "the dead server is out"


async def test_a_server_that_never_answers_is_taken_out_though_hedging_saves_each_call(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    hung = sims[0]
    hung.config.fault_rates = {"hang": 1.0}
    llm = client_for(http, [s.url for s in sims], Clock(), sleeps)
    pipeline = Pipeline(source=DirectorySource(SAMPLES_DIR), llm=llm, hedge_after=0.01)
    first = await pipeline.build(DeckRequest("vocabDemo01"))
    assert not first.is_partial and hung.ok_calls() == 0
    assert llm.pool.servers[0].out_until is not None, "its calls were given up, not failed"

    sent = len(hung.server.calls)
    second = await pipeline.build(DeckRequest("vocabDemo02"))
    assert not second.is_partial
    assert len(hung.server.calls) == sent, "the next video does not wait for it at all"


def test_a_request_given_up_counts_against_its_server_only_if_others_answered_meanwhile() -> None:
    pool = ServerPool(["http://a/v1", "http://b/v1"], max_failures=1, clock=Clock())
    a, b = pool.servers
    with pool.sending(a) as first, pool.sending(b) as second:
        pool.abandoned(a, first)  # a job cancelled before anyone answered
        assert a.out_until is None
        pool.succeeded(a, first)  # a answered something since
        pool.succeeded(b, second)
        pool.abandoned(a, first)
        assert a.out_until is None
    with pool.sending(a) as third, pool.sending(b) as fourth:
        pool.succeeded(b, fourth)  # b answers a later request; a stays silent
        pool.abandoned(a, third)
        assert a.out_until is not None


async def test_a_429_sends_the_call_to_another_server_without_a_strike(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    llm = client_for(http, [s.url for s in sims[:2]], Clock(), sleeps)
    sims[0].config.fault_queue[:] = ["429"]
    await ask(llm)
    assert [c.status for c in sims[0].server.calls] == [429]
    assert answered(sims[1]) == 1 and sleeps.waits == [0.0]
    assert llm.pool.servers[0].failures == 0, "busy is not broken"


async def test_with_every_server_out_a_call_still_tries_and_then_says_unavailable(
    http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    with refusing_url() as one, refusing_url() as two:
        llm = client_for(http, [one, two], Clock(), sleeps, max_attempts=4)
        with pytest.raises(errors.LLMUnavailable, match="connection"):
            await ask(llm)
    assert all(server.sent == 2 for server in llm.pool.servers)


# -- one backend identity, one setting ---------------------------------------------------------


def test_the_cache_identity_of_a_list_does_not_depend_on_its_order(
    http: httpx.AsyncClient,
) -> None:
    def identity(base_url: str) -> str:
        return LLMClient(http, base_url=base_url, model="m").identity

    assert identity("http://b:8000/v1, http://a:8000/v1/") == identity(
        "http://a:8000/v1,http://b:8000/v1"
    )
    assert identity("http://b:8000/v1,http://a:8000/v1") == "http://a:8000/v1,http://b:8000/v1|m"
    assert identity("http://a:8000/v1/") == "http://a:8000/v1|m", "one server: as before"


def test_llm_base_url_sim_still_means_the_bundled_simulator() -> None:
    assert wants_simulator(Settings(llm_base_url="sim"), allow_simulator=False)
    assert not wants_simulator(Settings(llm_base_url="http://a/v1,http://b/v1"))
    with pytest.raises(ValidationError, match="cannot be listed"):
        Settings(llm_base_url="sim,http://a/v1")


async def test_check_llm_names_the_server_it_cannot_reach(
    sims: list[Sim], http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    with refusing_url() as dead:
        llm = client_for(http, [sims[0].url, dead], Clock(), sleeps)
        report = await check_llm(llm, http)
    assert not report.ok
    assert report.problems == [report.problems[0]] and f"Cannot reach {dead}" in report.problems[0]
