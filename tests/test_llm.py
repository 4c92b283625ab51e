"""The LLM client against the simulated vLLM server over real HTTP."""

import socket

import httpx
import pytest

from core import errors
from core.llm import LLMClient, extract_json
from core.prompts import OUTPUT_SCHEMA, SCHEMA_NAME, ChunkOut
from devtools.glosses import simulated_meaning
from tests.conftest import Sim, Sleeps

MESSAGES = [
    {"role": "system", "content": "You are a vocabulary tutor."},
    {
        "role": "user",
        "content": "Learner: Korean (ko), level B1.\nPhrases: up to 1.\n"
        "Candidates: hypothesis [0], consolidate [1]\nSegments:\n"
        "[0] A bold hypothesis.\n[1] They had to figure out how to consolidate it.",
    },
]


async def ask(llm: LLMClient) -> ChunkOut:
    completion = await llm.complete_json(
        MESSAGES, schema_name=SCHEMA_NAME, schema=OUTPUT_SCHEMA, model_type=ChunkOut
    )
    return completion.value


async def test_answers_are_about_the_words_sent(llm: LLMClient, sim: Sim) -> None:
    out = await ask(llm)
    assert [w.l for w in out.w] == ["hypothesis", "consolidate"]
    assert [w.m for w in out.w] == [
        simulated_meaning(w, "ko") for w in ("hypothesis", "consolidate")
    ]
    assert [(p.t, p.s) for p in out.p] == [("figure out", 1)]
    assert llm.stats.requests == 1
    assert llm.stats.prompt_tokens == sim.server.calls[0].prompt_tokens > 0


async def test_429_is_retried_after_the_time_the_server_asks(
    llm: LLMClient, sim: Sim, sleeps: Sleeps
) -> None:
    sim.config.fault_queue[:] = ["429", "429"]
    await ask(llm)
    assert [c.status for c in sim.server.calls] == [429, 429, 200]
    expected = sim.config.retry_after / sim.config.speedup
    assert sleeps.waits == [pytest.approx(expected, abs=0.001)] * 2
    assert llm.stats.retries == 2


async def test_500_is_retried_with_backoff(llm: LLMClient, sim: Sim, sleeps: Sleeps) -> None:
    sim.config.fault_queue[:] = ["500"]
    out = await ask(llm)
    assert out.w
    assert [c.status for c in sim.server.calls] == [500, 200]
    assert len(sleeps.waits) == 1 and 0 < sleeps.waits[0] <= 20


async def test_a_hung_call_times_out_and_is_retried(sim: Sim, http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    client = LLMClient(http, base_url=sim.url, model=sim.config.model, timeout=0.3, sleep=sleeps)
    sim.config.fault_queue[:] = ["hang"]
    out = await ask(client)
    assert out.w
    assert len(sim.server.calls) == 2
    assert client.stats.retries == 1


async def test_400_is_not_retried(llm: LLMClient, sim: Sim, sleeps: Sleeps) -> None:
    sim.config.fault_queue[:] = ["overflow"]
    with pytest.raises(errors.ContextOverflow):
        await ask(llm)
    assert len(sim.server.calls) == 1
    assert sleeps.waits == []


async def test_unknown_model_is_rejected_without_retry(sim: Sim, http: httpx.AsyncClient) -> None:
    client = LLMClient(http, base_url=sim.url, model="no-such-model", sleep=Sleeps())
    with pytest.raises(errors.LLMRejected, match="404"):
        await ask(client)
    assert len(sim.server.calls) == 0  # refused before it reached the engine


async def test_gives_up_after_max_attempts(sim: Sim, http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    client = LLMClient(http, base_url=sim.url, model=sim.config.model, max_attempts=3, sleep=sleeps)
    sim.config.fault_queue[:] = ["500"] * 5
    with pytest.raises(errors.LLMUnavailable) as info:
        await ask(client)
    assert len(sim.server.calls) == 3
    assert "isn't answering" in info.value.user_message


async def test_connection_refused_is_llm_unavailable(http: httpx.AsyncClient) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = LLMClient(
        http, base_url=f"http://127.0.0.1:{port}/v1", model="m", max_attempts=2, sleep=Sleeps()
    )
    with pytest.raises(errors.LLMUnavailable):
        await ask(client)


async def test_invalid_json_is_repaired_once(llm: LLMClient, sim: Sim) -> None:
    sim.config.fault_queue[:] = ["malformed"]
    out = await ask(llm)
    assert [w.l for w in out.w] == ["hypothesis", "consolidate"]
    assert len(sim.server.calls) == 2
    assert llm.stats.repairs == 1
    repair_prompt = sim.server.calls[1].prompt_tokens
    assert repair_prompt > sim.server.calls[0].prompt_tokens  # it carries the bad answer


async def test_invalid_json_twice_is_reported(llm: LLMClient, sim: Sim) -> None:
    sim.config.fault_queue[:] = ["malformed", "malformed"]
    with pytest.raises(errors.LLMBadOutput):
        await ask(llm)
    assert len(sim.server.calls) == 2


async def test_text_around_the_json_is_tolerated(llm: LLMClient, sim: Sim) -> None:
    sim.config.wrap_prose = True
    out = await ask(llm)
    assert out.w and llm.stats.repairs == 0


def test_extract_json_finds_the_object_in_prose() -> None:
    assert extract_json('Sure:\n```json\n{"w": []}\n```') == {"w": []}
    with pytest.raises(ValueError):
        extract_json("no json here")


class RecordingTransport(httpx.AsyncHTTPTransport):
    """The real transport, remembering how long each request was allowed to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.read_timeouts: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.read_timeouts.append(request.extensions["timeout"]["read"])
        return await super().handle_async_request(request)


async def test_each_call_waits_as_long_as_its_output_needs(sim: Sim) -> None:
    transport = RecordingTransport()
    async with httpx.AsyncClient(transport=transport) as http:
        client = LLMClient(
            http, base_url=sim.url, model=sim.config.model, timeout=120,
            deadline=2.0, deadline_per_token=0.01, sleep=Sleeps(),
        )  # fmt: skip
        for max_tokens in (100, 1000, 20_000):
            await client.complete_json(
                MESSAGES, schema_name=SCHEMA_NAME, schema=OUTPUT_SCHEMA, model_type=ChunkOut,
                max_tokens=max_tokens,
            )  # fmt: skip
    assert transport.read_timeouts == [
        pytest.approx(3.0),  # 2 s to start + 100 tokens at 10 ms
        pytest.approx(12.0),
        pytest.approx(120.0),  # never past the global timeout
    ]


async def test_a_hung_call_is_given_up_at_its_own_deadline(
    sim: Sim, http: httpx.AsyncClient
) -> None:
    sleeps = Sleeps()
    client = LLMClient(
        http, base_url=sim.url, model=sim.config.model, timeout=600,
        deadline=0.2, deadline_per_token=0.0, sleep=sleeps,
    )  # fmt: skip
    sim.config.fault_queue[:] = ["hang"]
    out = await ask(client)
    assert out.w
    assert [c.status for c in sim.server.calls] == [0, 200], "hung, then asked again"
    assert client.stats.retries == 1
