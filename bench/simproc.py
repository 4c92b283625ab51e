"""The simulated vLLM server in its own process, and settings that point at it.

The server runs in a process of its own so that the time, CPU and memory measured in
the bench (or in a bot process) are the bot's, not the simulator's.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from core.config import Settings
from devtools.processes import free_port

NO_FAULTS: dict[str, Any] = {"fault_rates": {}, "fault_rules": [], "fault_queue": []}


@dataclass
class SimProcess:
    url: str
    control: httpx.AsyncClient
    simulated: bool = True
    model: str = Settings().llm_model
    api_key: str | None = None

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")

    async def reset(self, **config: Any) -> None:
        """Forget calls and the prefix cache, and apply `config` (speedup, faults, ...)."""
        if not self.simulated:
            return  # a real server cannot be reset: its prefix cache stays warm
        response = await self.control.post(f"{self.root}/sim/reset", json=config)
        response.raise_for_status()

    async def stats(self) -> dict[str, Any]:
        if not self.simulated:
            return {}
        response = await self.control.get(f"{self.root}/sim/stats")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


async def wait_until_up(url: str, seconds: float = 20.0) -> None:
    """Poll `url` until it answers 200 (a server process starting up)."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


@asynccontextmanager
async def sim_process() -> AsyncIterator[SimProcess]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "sim-llm", "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_until_up(f"http://127.0.0.1:{port}/health")
        async with httpx.AsyncClient(timeout=60) as control:
            yield SimProcess(f"http://127.0.0.1:{port}/v1", control)
    finally:
        proc.terminate()
        await proc.wait()


@asynccontextmanager
async def real_server(url: str, model: str, api_key: str | None) -> AsyncIterator[SimProcess]:
    async with httpx.AsyncClient(timeout=30) as control:
        yield SimProcess(url, control, simulated=False, model=model, api_key=api_key)


def settings_for(url: str, model: str, api_key: str | None, folder: Path, **extra: Any) -> Settings:
    """Settings of a bot that talks to the server at `url`, with its own database file."""
    return Settings(
        llm_base_url=url,
        llm_model=model,
        llm_api_key=SecretStr(api_key) if api_key else None,
        db_path=folder / f"bench-{time.monotonic_ns()}.sqlite3",
        user_cooldown_seconds=0,
        user_max_running_jobs=100,
        **extra,
    )


def ok_calls(stats: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in stats["calls"] if c["status"] == 200]
