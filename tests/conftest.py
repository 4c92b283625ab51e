"""Shared fixtures: the simulated vLLM server over real loopback HTTP, an LLM client, and
both stores (tests/stores.py: `target` and `store` run a test on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from core.config import Settings
from core.llm import LLMClient, tls_context
from core.pipeline import Pipeline
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from devtools.simllm import SimConfig, SimServer
from tests.stores import pg_server as pg_server
from tests.stores import pg_url as pg_url
from tests.stores import store as store
from tests.stores import target as target

pytest_plugins = [  # `tg`, `dc`, `api` and `study` everywhere
    "tests.telegram_harness",
    "tests.discord_harness",
    "tests.http_harness",
    "tests.study_harness",
]

FAST = 200.0  # simulated server speed-up for tests


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """How many workers `-n auto` (the default, pyproject.toml) starts: none for the slow
    tier (`-m slow`: its waits must not compete, as in .ci/tiers) and none when the run
    names single tests (`pytest tests/test_x.py::test_y`), as starting them costs ~3.5 s on
    two CPUs, more than such a run takes; else xdist's answer, one per CPU
    (PYTEST_XDIST_AUTO_NUM_WORKERS overrides it)."""
    if (config.option.markexpr or "").strip() == "slow":
        return 0
    if config.args and all("::" in arg for arg in config.args):
        return 0
    return None


@dataclass
class Sim:
    server: SimServer
    url: str

    @property
    def config(self) -> SimConfig:
        return self.server.config

    def ok_calls(self) -> int:
        return sum(1 for c in self.server.calls if c.status == 200)


@dataclass
class Sleeps:
    """Stands in for asyncio.sleep in retry backoff: records the waits, waits for nothing."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read a developer's .env, tokens or settings: every variable Settings
    reads is cleared (the list comes from Settings itself, so a new setting is covered)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    # the default database lives in the user's data folder: a fresh one per test
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    server = SimServer(SimConfig(speedup=FAST))
    async with server.serve() as url:
        yield Sim(server, url)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=tls_context()) as client:  # CA bundle loaded once
        yield client


@pytest.fixture
def llm(sim: Sim, http: httpx.AsyncClient, sleeps: Sleeps) -> LLMClient:
    return LLMClient(http, base_url=sim.url, model=sim.config.model, timeout=10, sleep=sleeps)


@pytest.fixture
def pipeline(llm: LLMClient) -> Pipeline:
    return Pipeline(source=DirectorySource(SAMPLES_DIR), llm=llm)


@pytest.fixture
def samples_dir() -> Iterator[object]:
    yield SAMPLES_DIR
