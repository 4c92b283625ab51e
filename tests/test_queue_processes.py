"""The job queue as it is deployed: real processes on a real PostgreSQL.

Two fronts (`vocabot run` polling the fake Telegram Bot API, and `vocabot serve-api`) and
two `vocabot worker` processes share one database; this test process serves the fake Bot
API and the simulated vLLM, and plays the users: Telegram users paste links in their
chats, API users POST them and read the job's events.
"""

import asyncio
import json
import re
import shutil
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.api_keys import new_api_key
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.processes import READY, Running, free_port, vocabot
from devtools.samples import COFFEE_HOWTO, SAMPLES_DIR
from storage.postgres import PostgresStore
from tests.conftest import Sim

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # fronts and workers as processes

PIPELINE_RUN = "pipeline run for"
HANDED_BACK = "stopped answering"
WORKER_READY = "Starting worker on queues"


@dataclass
class Cluster:
    fake: FakeTelegram
    api: httpx.AsyncClient
    store: PostgresStore
    workers: list[Running]
    fronts: list[Running]
    metrics_ports: list[int]  # each worker's METRICS_PORT

    def runs(self, video: str) -> int:
        """Pipeline runs for `video` in every worker's log."""
        return sum(w.text.count(f"{PIPELINE_RUN} {video} ") for w in self.workers)

    async def api_user(self, name: str) -> dict[str, str]:
        user = await self.store.get_or_create_user("api", name, learner_language="ko", level="B1")
        key, digest = new_api_key()
        await self.store.add_api_key(user.id, digest, name)
        return {"Authorization": f"Bearer {key}"}

    async def post(self, headers: dict[str, str], video: str) -> str:
        made = await self.api.post("/v1/jobs", json={"url": video}, headers=headers)
        assert made.status_code in (200, 202), made.text
        job_id: str = made.json()["job_id"]
        return job_id

    async def api_end(self, headers: dict[str, str], job_id: str) -> dict[str, Any]:
        """The job's last state, as its Server-Sent Events tell it."""
        last: dict[str, Any] = {}
        async with self.api.stream("GET", f"/v1/jobs/{job_id}/events", headers=headers) as events:
            async for line in events.aiter_lines():
                if line.startswith("data: "):
                    last = json.loads(line[6:])
        return last

    async def ends(self, users: list[dict[str, str]], jobs: list[str]) -> list[str]:
        """How each API user's job ended."""
        ended = await asyncio.gather(
            *(self.api_end(h, j) for h, j in zip(users, jobs, strict=True))
        )
        return [e["status"] for e in ended]

    async def decks_of(self, platform: str, name: str | int) -> list[tuple[int, int]]:
        """(deck id, cards) of each deck a user has."""
        user = await self.store.get_or_create_user(
            platform, str(name), learner_language="ko", level="B1"
        )
        return [(d.id, d.words + d.phrases) for d in await self.store.list_decks(user.id)]

    async def telegram_decks(self, chats: list[int], limit: float = 90) -> None:
        await self.fake.wait_for(
            lambda: all(any("📚" in m.plain for m in self.fake.sent(c)) for c in chats), limit
        )


def transcripts(tmp_path: Path) -> Path:
    """The samples and ten more short videos (copies of the coffee how-to)."""
    folder = tmp_path / "transcripts"
    shutil.copytree(SAMPLES_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for i in range(10):
        shutil.copy(COFFEE_HOWTO, folder / f"vidCoffee{i:02d}.en.vtt")
    return folder


@pytest.fixture
async def cluster(pg_url: str, sim: Sim, tmp_path: Path) -> AsyncIterator[Cluster]:
    fake = FakeTelegram()
    async with AsyncExitStack() as stack:
        base_url = await stack.enter_async_context(fake.serve())
        env = {
            "DATABASE_URL": pg_url,
            "LLM_BASE_URL": sim.url,
            "LLM_MODEL": sim.config.model,
            "TRANSCRIPTS_DIR": str(transcripts(tmp_path)),
            "TELEGRAM_API_BASE_URL": base_url,
            "USER_COOLDOWN_SECONDS": "0",
            "MAX_PARALLEL_VIDEOS": "2",
            "QUEUE_HEARTBEAT_SECONDS": "0.5",
            "QUEUE_STALLED_SECONDS": "2",
            "SHUTDOWN_GRACE_SECONDS": "0",
            "LOG_LEVEL": "INFO",
        }
        port = free_port()
        store = await PostgresStore.open(pg_url)  # makes the schema before they start
        stack.push_async_callback(store.close)
        metrics_ports = [free_port(), free_port()]
        workers = [
            await stack.enter_async_context(
                vocabot(["worker"], {**env, "METRICS_PORT": str(metrics)}, tmp_path)
            )
            for metrics in metrics_ports
        ]
        fronts = [
            await stack.enter_async_context(
                vocabot(["run"], {**env, "TELEGRAM_BOT_TOKEN": TOKEN}, tmp_path)
            ),
            await stack.enter_async_context(
                vocabot(["serve-api", "--port", str(port)], env, tmp_path)
            ),
        ]
        for worker in workers:
            await worker.wait_for_line(WORKER_READY, 60)
        await fronts[1].wait_for_line(READY, 60)
        await fake.wait_for(lambda: fake.calls_of("getUpdates"), 60)
        api = await stack.enter_async_context(
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120)
        )
        yield Cluster(fake, api, store, workers, fronts, metrics_ports)


async def test_twenty_users_on_two_fronts_paste_one_video_one_build(
    cluster: Cluster, sim: Sim
) -> None:
    sim.config.speedup = 20.0
    chats = list(range(401, 411))
    api_users = [await cluster.api_user(f"api{i}") for i in range(10)]
    for chat in chats:
        cluster.fake.push_text(chat, "https://youtu.be/vocabDemo01")
    jobs = [await cluster.post(headers, "vocabDemo01") for headers in api_users]
    assert await cluster.ends(api_users, jobs) == ["done"] * 10
    await cluster.telegram_decks(chats)
    assert cluster.runs("vocabDemo01") == 1, [w.text for w in cluster.workers]
    for chat in chats:
        assert len(await cluster.decks_of("telegram", chat)) == 1
        edits = [
            c for c in cluster.fake.calls_of("editMessageText") if int(c.params["chat_id"]) == chat
        ]
        assert edits, "the front that owns the message edits it"
    for i in range(10):
        assert len(await cluster.decks_of("api", f"api{i}")) == 1
    # Each worker's metrics (METRICS_PORT) count what it built: one pipeline run in all.
    built = 0.0
    for port in cluster.metrics_ports:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as ops:
            assert (await ops.get("/healthz")).status_code == 200
            text = (await ops.get("/metrics")).text
        built += sum(
            float(x.split()[-1])
            for x in text.splitlines()
            if x.startswith('vocabot_builds_total{outcome="built"}')
        )
    assert built == 1


async def test_different_videos_spread_over_both_workers(cluster: Cluster, sim: Sim) -> None:
    sim.config.speedup = 10.0
    chats = list(range(501, 506))
    api_users = [await cluster.api_user(f"api{i}") for i in range(5)]
    for i, chat in enumerate(chats):
        cluster.fake.push_text(chat, f"vidCoffee{i:02d}")
    jobs = [await cluster.post(h, f"vidCoffee{5 + i:02d}") for i, h in enumerate(api_users)]
    assert await cluster.ends(api_users, jobs) == ["done"] * 5
    await cluster.telegram_decks(chats)
    per_worker = [w.text.count(PIPELINE_RUN) for w in cluster.workers]
    assert sum(per_worker) == 10 and min(per_worker) >= 1, per_worker


async def test_a_worker_killed_mid_build_loses_and_doubles_no_deck(
    cluster: Cluster, sim: Sim
) -> None:
    # One deck finished before the kill: it must come through untouched.
    early = await cluster.api_user("early")
    first = await cluster.api_end(early, await cluster.post(early, "vocabDemo02"))
    assert first["status"] == "done"
    kept = await cluster.decks_of("api", "early")

    # Every LLM call hangs until its client hangs up: the build is surely under way when
    # its worker dies (a slow simulator made that a race with the wall clock).
    sim.config.fault_queue = ["hang"] * 1000
    chats = list(range(601, 606))
    api_users = [await cluster.api_user(f"api{i}") for i in range(5)]
    for chat in chats:
        cluster.fake.push_text(chat, "vocabDemo01")
    jobs = [await cluster.post(h, "vocabDemo01") for h in api_users]

    async def building(worker: Running) -> Running:
        await worker.wait_for_line(f"{PIPELINE_RUN} vocabDemo01", 60)
        return worker

    racing = [asyncio.create_task(building(w)) for w in cluster.workers]
    done, pending = await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    victim = done.pop().result()
    survivor = next(w for w in cluster.workers if w is not victim)
    victim.process.send_signal(signal.SIGKILL)
    assert await victim.exited() == -signal.SIGKILL

    sim.config.fault_queue.clear()  # the survivor's calls are answered, at full speed
    assert await cluster.ends(api_users, jobs) == ["done"] * 5
    await cluster.telegram_decks(chats)
    assert HANDED_BACK in survivor.text, survivor.text
    assert re.search(rf"{PIPELINE_RUN} vocabDemo01 ", survivor.text), "the survivor built it"
    for chat in chats:
        assert len(await cluster.decks_of("telegram", chat)) == 1, "exactly one deck each"
        finals = [m for m in cluster.fake.sent(chat) if "📚" in m.plain]
        assert len(finals) == 1, [m.plain for m in cluster.fake.sent(chat)]
    for i in range(5):
        assert len(await cluster.decks_of("api", f"api{i}")) == 1
    assert await cluster.decks_of("api", "early") == kept, "the deck saved before is intact"
