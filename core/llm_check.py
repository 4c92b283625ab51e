"""`vocabot check-llm`: does this server work for vocabot, and how fast is it?

Each failure a new user can hit (wrong URL, wrong key, unknown model, a server that is up
but does not speak the OpenAI API) becomes one clear sentence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx
from pydantic import BaseModel

from core import errors
from core.llm import LLMClient


class _Probe(BaseModel):
    ok: bool


PROBE_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}


@dataclass
class CheckReport:
    base_url: str
    model: str
    ok: bool = False
    models: list[str] = field(default_factory=list)
    structured_output: str | None = None
    round_trip_ms: float | None = None
    tokens_per_second: float | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def check_llm(client: LLMClient, http: httpx.AsyncClient) -> CheckReport:
    """Check the server step by step; the first step that fails says what to fix."""
    report = CheckReport(base_url=client.base_url, model=client.model)
    if await _model_served(client, http, report) and await _structured(client, report):
        await _speed(client, report)
        report.ok = True
    return report


async def _model_served(client: LLMClient, http: httpx.AsyncClient, report: CheckReport) -> bool:
    """1. Every server is reachable, OpenAI-shaped, and serves the model."""
    for url in client.urls:
        if not await _served_by(url, client, http, report):
            return False
    return True


async def _served_by(
    url: str, client: LLMClient, http: httpx.AsyncClient, report: CheckReport
) -> bool:
    at = f" at {url}" if len(client.urls) > 1 else ""  # which one, when there are several
    try:
        response = await http.get(
            f"{url}/models", headers=client.headers(), timeout=min(client.timeout, 15)
        )
    except httpx.TransportError as exc:
        report.problems.append(
            f"Cannot reach {url} ({type(exc).__name__}). Check LLM_BASE_URL: "
            "host, port, and that it ends in /v1 (for example http://localhost:8000/v1)."
        )
        return False
    if response.status_code in (401, 403):
        report.problems.append(
            f"The server{at} refused the API key (HTTP {response.status_code}). Check LLM_API_KEY."
        )
        return False
    try:
        data = response.json()
        report.models = [str(m["id"]) for m in data["data"]]
    except (ValueError, KeyError, TypeError):
        report.problems.append(
            f"{url}/models answered HTTP {response.status_code} without an "
            "OpenAI-style model list: this is not an OpenAI-compatible API (is the URL "
            "missing /v1?)."
        )
        return False
    if client.model not in report.models:
        listed = ", ".join(report.models[:10]) or "none"
        report.problems.append(
            f"The model {client.model!r} is not served here{at} (LLM_MODEL). Served: {listed}."
        )
        return False
    return True


async def _structured(client: LLMClient, report: CheckReport) -> bool:
    """2. Which structured-output form it accepts, and a round trip."""
    started = time.perf_counter()
    try:
        await client.complete_json(
            [
                {"role": "system", "content": "Reply with JSON only."},
                {"role": "user", "content": 'Reply {"ok": true}.'},
            ],
            schema_name="probe",
            schema=PROBE_SCHEMA,
            model_type=_Probe,
            max_tokens=16,
        )
    except errors.VocabotError as exc:
        report.problems.append(f"A structured request failed: {exc.detail or exc.user_message}")
        return False
    report.round_trip_ms = (time.perf_counter() - started) * 1000
    report.structured_output = client.form.value
    return True


async def _speed(client: LLMClient, report: CheckReport) -> None:
    """3. Decode speed on a short generation (a failure here is only a note)."""
    started = time.perf_counter()
    try:
        completion = await client.complete_text(
            [{"role": "user", "content": "Write the numbers from 1 to 50, separated by spaces."}],
            max_tokens=160,
        )
    except errors.VocabotError as exc:
        report.notes.append(f"Speed test skipped: {exc.detail or exc.user_message}")
    else:
        seconds = time.perf_counter() - started
        if completion.completion_tokens and seconds > 0:
            report.tokens_per_second = completion.completion_tokens / seconds
