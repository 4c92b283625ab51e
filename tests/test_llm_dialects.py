"""Structured output on the servers people have: vLLM, llama.cpp, old Ollama, prompt-only."""

import asyncio
import logging
import socket
from typing import TypedDict, Unpack

import httpx
import pytest

from bot.cli import main
from core import errors
from core.config import StructuredOutput
from core.llm import LLMClient
from core.llm_check import check_llm
from core.pipeline import DeckRequest, Pipeline
from core.prompts import OUTPUT_SCHEMA, SCHEMA_NAME, ChunkOut
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from devtools.simllm import SimConfig, SimServer
from tests.conftest import FAST, Sim, Sleeps
from tests.test_llm import MESSAGES


class ClientOptions(TypedDict, total=False):
    structured_output: StructuredOutput


def client(sim: Sim, http: httpx.AsyncClient, **options: Unpack[ClientOptions]) -> LLMClient:
    return LLMClient(http, base_url=sim.url, model=sim.config.model, sleep=Sleeps(), **options)


async def ask(llm: LLMClient) -> ChunkOut:
    done = await llm.complete_json(
        MESSAGES, schema_name=SCHEMA_NAME, schema=OUTPUT_SCHEMA, model_type=ChunkOut
    )
    return done.value


def forms_sent(sim: Sim) -> list[str | None]:
    return [c.fault for c in sim.server.calls]


@pytest.mark.parametrize(
    ("dialect", "expected", "rejected_status"),
    [
        ("vllm", StructuredOutput.JSON_SCHEMA, None),
        ("llamacpp", StructuredOutput.JSON_OBJECT, 500),
        ("json_object", StructuredOutput.JSON_OBJECT, 400),
        ("prompt", StructuredOutput.PROMPT, 400),
    ],
)
async def test_auto_finds_the_form_and_remembers_it(
    sim: Sim,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    dialect: str,
    expected: StructuredOutput,
    rejected_status: int | None,
) -> None:
    sim.config.dialect = dialect
    sim.config.wrap_prose = dialect == "prompt"  # prompt-only models chat around the JSON
    llm = client(sim, http)
    outs = await asyncio.gather(*(ask(llm) for _ in range(8)))
    assert all(o.w and o.w[0].l == "hypothesis" for o in outs)
    assert llm.form == expected
    steps = [r for r in caplog.records if "refused response_format" in r.getMessage()]
    assert len(steps) == {"vllm": 0, "llamacpp": 1, "json_object": 1, "prompt": 2}[dialect]
    # Remembered: a later call goes straight to the working form, no rejection first.
    before = len(sim.server.calls)
    await ask(llm)
    assert len(sim.server.calls) == before + 1
    assert llm.stats.retries == 0, "form rejections are not retries"


async def test_a_fixed_form_the_server_refuses_is_a_clear_error(
    sim: Sim, http: httpx.AsyncClient
) -> None:
    sim.config.dialect = "llamacpp"
    llm = client(sim, http, structured_output=StructuredOutput.JSON_SCHEMA)
    with pytest.raises(errors.LLMRejected, match="structured output refused"):
        await ask(llm)


async def test_genuine_server_errors_keep_the_retry_path(sim: Sim, http: httpx.AsyncClient) -> None:
    sim.config.fault_queue[:] = ["500"]
    llm = client(sim, http)
    await ask(llm)
    assert llm.form == StructuredOutput.JSON_SCHEMA
    assert llm.stats.retries == 1


async def test_wrong_types_are_repaired_once(sim: Sim, http: httpx.AsyncClient) -> None:
    sim.config.fault_queue[:] = ["wrongtypes"]
    llm = client(sim, http)
    out = await ask(llm)
    assert out.w and llm.stats.repairs == 1


async def test_output_cut_at_max_tokens_is_repaired(sim: Sim, http: httpx.AsyncClient) -> None:
    sim.config.fault_queue[:] = ["truncate"]
    llm = client(sim, http)
    out = await ask(llm)
    assert out.w and llm.stats.repairs == 1


async def test_bad_answers_never_crash_a_job(sim: Sim, http: httpx.AsyncClient) -> None:
    """Empty answers just add nothing; unrepairable ones become a missing part."""
    llm = client(sim, http)
    pipeline = Pipeline(source=DirectorySource(SAMPLES_DIR), llm=llm)
    sim.config.fault_rules[:] = [
        ("rats running through mazes", "wrongtypes"),
        ("slow-wave sleep", "empty"),
    ]
    deck = await pipeline.build(DeckRequest("vocabDemo01"))
    assert len(deck.missing) == 1 and deck.missing[0].reason == "llm_bad_output"
    assert len(deck.words) > 50


# -- check-llm -------------------------------------------------------------------------


async def test_check_llm_on_a_working_server(sim: Sim, http: httpx.AsyncClient) -> None:
    report = await check_llm(client(sim, http), http)
    assert report.ok and not report.problems
    assert report.structured_output == "json_schema"
    assert report.round_trip_ms is not None and report.round_trip_ms > 0
    assert report.tokens_per_second is not None and report.tokens_per_second > 0


async def test_check_llm_detects_the_llamacpp_form(sim: Sim, http: httpx.AsyncClient) -> None:
    sim.config.dialect = "llamacpp"
    report = await check_llm(client(sim, http), http)
    assert report.ok and report.structured_output == "json_object"


async def test_check_llm_wrong_url(http: httpx.AsyncClient) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = LLMClient(http, base_url=f"http://127.0.0.1:{port}/v1", model="m", sleep=Sleeps())
    report = await check_llm(llm, http)
    assert not report.ok and "Cannot reach" in report.problems[0]


async def test_check_llm_wrong_key(http: httpx.AsyncClient) -> None:
    server = SimServer(SimConfig(speedup=FAST, api_key="right"))
    async with server.serve() as url:
        llm = LLMClient(http, base_url=url, model=server.config.model, api_key="wrong")
        report = await check_llm(llm, http)
        assert "refused the API key" in report.problems[0]
        good = LLMClient(http, base_url=url, model=server.config.model, api_key="right")
        assert (await check_llm(good, http)).ok


async def test_check_llm_unknown_model(sim: Sim, http: httpx.AsyncClient) -> None:
    llm = LLMClient(http, base_url=sim.url, model="llama-9000")
    report = await check_llm(llm, http)
    assert "'llama-9000' is not served here" in report.problems[0]
    assert sim.config.model in report.problems[0]


async def test_check_llm_not_openai_compatible(sim: Sim, http: httpx.AsyncClient) -> None:
    llm = LLMClient(http, base_url=sim.url.removesuffix("/v1"), model=sim.config.model)
    report = await check_llm(llm, http)
    assert "not an OpenAI-compatible API" in report.problems[0]


def test_check_llm_command_on_embedded_defaults(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIM_SPEEDUP", "200")
    logging.getLogger().handlers.clear()
    assert main(["check-llm"]) == 0
    out = capsys.readouterr().out
    assert "structured output: json_schema" in out and "tokens/s" in out
