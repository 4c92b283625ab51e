"""The HTTP API's test harness (a pytest plugin, registered in conftest): the app on the
bundled samples, a client over ASGITransport, two learners with API keys, and a job's
server-sent events until it ends."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.app import App, open_app
from bot.http.api import create_api
from core.api_keys import new_api_key
from core.config import Settings
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim


@dataclass
class Api:
    app: App
    client: httpx.AsyncClient
    alice: dict[str, str]
    bob: dict[str, str]
    sim: Sim


async def key_for(app: App, name: str) -> dict[str, str]:
    user = await app.store.get_or_create_user("api", name, learner_language="ko", level="B1")
    key, digest = new_api_key()
    await app.store.add_api_key(user.id, digest, name)
    return {"Authorization": f"Bearer {key}"}


@asynccontextmanager
async def api_app(sim: Sim, db: Path, **settings: Any) -> AsyncIterator[tuple[App, FastAPI]]:
    """The app on the bundled samples and its API, with `settings` over the test defaults."""
    defaults: dict[str, Any] = {"user_cooldown_seconds": 0, "api_rate_per_minute": 1000}
    config = Settings(llm_base_url=sim.url, db_path=db, **(defaults | settings))
    async with open_app(config, source=DirectorySource(SAMPLES_DIR)) as app:
        yield app, create_api(app)


def client_of(
    api: FastAPI, address: str = "127.0.0.1", *, raise_app_exceptions: bool = True
) -> httpx.AsyncClient:
    """A client of `api` from `address`; raise_app_exceptions=False answers a bug as a
    server does (the response its error handler sends) instead of raising it in the test."""
    transport = httpx.ASGITransport(
        app=api, client=(address, 40000), raise_app_exceptions=raise_app_exceptions
    )
    return httpx.AsyncClient(transport=transport, base_url="http://api")


@pytest.fixture
async def api(sim: Sim, tmp_path: Path) -> AsyncIterator[Api]:
    async with api_app(sim, tmp_path / "api.sqlite3") as (app, fastapi), client_of(fastapi) as c:
        yield Api(app, c, await key_for(app, "alice"), await key_for(app, "bob"), sim)


async def finish(api: Api, job_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The job's server-sent events until its end (the stream closes when the job ends)."""
    response = await api.client.get(f"/v1/jobs/{job_id}/events", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return [
        json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")
    ]
