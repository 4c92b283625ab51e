"""The simulator's fault table and dialect table, seen from a client over real HTTP."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from core.prompts import OUTPUT_SCHEMA, SCHEMA_NAME
from devtools.simllm import DIALECTS, FAULTS
from tests.conftest import Sim
from tests.test_llm import MESSAGES

JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": OUTPUT_SCHEMA}}
FORMS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "text": {"type": "text"},
    "json_object": {"type": "json_object", "schema": OUTPUT_SCHEMA},
    "json_schema": JSON_SCHEMA,
    "regex": {"type": "regex", "regex": "[a-z]+"},
}


async def post(sim: Sim, http: httpx.AsyncClient, **extra: Any) -> httpx.Response:
    body = {"model": sim.config.model, "messages": MESSAGES, "max_tokens": 800, **extra}
    return await http.post(f"{sim.url}/chat/completions", json=body)


def content(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def finish(response: httpx.Response) -> str:
    return str(response.json()["choices"][0]["finish_reason"])


def not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, str(response.json()["error"]["message"])


def rate_limited(r: httpx.Response) -> None:
    assert error_of(r) == (429, "Too many requests")
    assert int(r.headers["retry-after"]) >= 1 and int(r.headers["retry-after-ms"]) > 0


def server_error(r: httpx.Response) -> None:
    assert r.status_code == 500 and r.json()["error"]["type"] == "InternalServerError"


def overflow(r: httpx.Response) -> None:
    status, message = error_of(r)
    assert status == 400 and "maximum context length is 32768 tokens" in message


def malformed(r: httpx.Response) -> None:
    assert not_json(content(r)) and finish(r) == "stop"


def truncated(r: httpx.Response) -> None:
    assert not_json(content(r)) and finish(r) == "length"


def invented(r: httpx.Response) -> None:
    answer = json.loads(content(r))
    assert "zyzzyva" in [w["l"] for w in answer["w"]]
    assert {p["s"] for p in answer["p"]} == {9999}


def empty(r: httpx.Response) -> None:
    assert json.loads(content(r)) == {"w": [], "x": [], "p": []}


def wrong_types(r: httpx.Response) -> None:
    assert json.loads(content(r)) == {"w": "none", "p": 5}


def junk(r: httpx.Response) -> None:
    words = json.loads(content(r))["w"]
    assert words and all(w["m"].isascii() for w in words)  # noise or the word, not Hangul


# What a client sees for each fault (a hung call is tests/test_llm.py's, with a timeout).
SEEN: dict[str, Callable[[httpx.Response], None]] = {
    "429": rate_limited,
    "500": server_error,
    "overflow": overflow,
    "malformed": malformed,
    "truncate": truncated,
    "invent": invented,
    "empty": empty,
    "wrongtypes": wrong_types,
    "junkmeanings": junk,
}


def test_every_fault_has_a_check_of_what_a_client_sees() -> None:
    assert set(FAULTS) == {*SEEN, "hang"}


@pytest.mark.parametrize("fault", sorted(SEEN))
async def test_each_fault_reaches_the_client(sim: Sim, http: httpx.AsyncClient, fault: str) -> None:
    sim.config.fault_queue[:] = [fault]
    response = await post(sim, http, response_format=JSON_SCHEMA)
    SEEN[fault](response)
    assert [c.fault for c in sim.server.calls] == [fault]
    assert sim.server.calls[0].status == response.status_code
    # one request, one fault: the next answer is a good one
    assert json.loads(content(await post(sim, http, response_format=JSON_SCHEMA)))["w"]


async def test_faults_by_rule_hit_only_the_prompts_that_hold_the_text(
    sim: Sim, http: httpx.AsyncClient
) -> None:
    sim.config.fault_rules[:] = [("consolidate", "empty"), ("no such text", "500")]
    empty(await post(sim, http))
    empty(await post(sim, http))
    assert [c.fault for c in sim.server.calls] == ["empty", "empty"]


async def test_a_prompt_too_long_for_the_context_overflows_whatever_fault_was_queued(
    sim: Sim, http: httpx.AsyncClient
) -> None:
    sim.config.fault_queue[:] = ["500"]
    response = await post(sim, http, max_tokens=40_000)
    status, message = error_of(response)
    assert status == 400 and "you requested" in message and "40000 in the completion" in message


REFUSED: dict[str, dict[str, int]] = {
    "vllm": {},
    "llamacpp": {"json_schema": 500},
    "json_object": {"json_schema": 400},
    "prompt": {"json_object": 400, "json_schema": 400, "regex": 400},
}


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_each_dialect_refuses_the_forms_that_server_refuses(
    sim: Sim, http: httpx.AsyncClient, dialect: str
) -> None:
    sim.config.dialect = dialect
    for name, form in FORMS.items():
        response = await post(sim, http, response_format=form)
        assert response.status_code == REFUSED[dialect].get(name, 200), (name, response.text)
    refused = sum(1 for name in FORMS if name in REFUSED[dialect])
    assert len(sim.server.calls) == len(FORMS) - refused, "a refused form is never a call"
