"""The bot's own memory: RSS of a real `vocabot run` / `vocabot serve-api` process.

Each is started as its operator would start it (its own process, settings from the
environment), pointed at the simulator's process (LLM_BASE_URL) and, for `run`, at the
fake Telegram Bot API served from this process. Its resident memory is read from
/proc/<pid>/status: VmRSS once it is up and idle (baseline), sampled every 20 ms while
the jobs run, and VmHWM (the kernel's own peak) when they are done.

`python -m bench.memory [--jobs N]` runs only these two cases (the full bench runs them
too) and prints their figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from bench.load import make_videos
from bench.simproc import NO_FAULTS, SimProcess, sim_process, wait_until_up
from core.api_keys import new_api_key
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.processes import free_port
from storage.sqlite import open_store

SAMPLE_EVERY_S = 0.02


def proc_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


@asynccontextmanager
async def bot_process(args: list[str], env: dict[str, str], log: Path) -> AsyncIterator[int]:
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", *args),
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc.pid
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 30)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def sampled(pid: int, work: Callable[[], Awaitable[None]]) -> dict[str, float]:
    """Run `work` while sampling the process's RSS; baseline, peak and delta in MB."""
    baseline = proc_mb(pid, "VmRSS")
    samples: list[float] = []
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            samples.append(proc_mb(pid, "VmRSS"))
            await asyncio.sleep(SAMPLE_EVERY_S)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    try:
        await work()
    finally:
        done.set()
        await sampler
    peak = max(proc_mb(pid, "VmHWM"), *samples)
    return {
        "baseline_mb": baseline,
        "peak_mb": peak,
        "delta_mb": peak - baseline,
        "sampled_max_mb": max(samples),
        "samples": len(samples),
        "window_s": time.perf_counter() - started,
    }


def common_env(sim: SimProcess, folder: Path) -> dict[str, str]:
    return {
        "LLM_BASE_URL": sim.url,
        "LLM_MODEL": sim.model,
        "DB_PATH": str(folder / f"bot-{time.monotonic_ns()}.sqlite3"),
        "TRANSCRIPTS_DIR": str(folder / "videos"),
        "USER_COOLDOWN_SECONDS": "0",
        "LLM_MAX_CONCURRENCY": "64",
        "MAX_PARALLEL_VIDEOS": "64",
        "LOG_LEVEL": "WARNING",
    }


async def telegram_bot_memory(
    sim: SimProcess, folder: Path, *, jobs: int, speedup: float
) -> dict[str, Any]:
    """`vocabot run` with the Telegram adapter; `jobs` users each paste a different link."""
    await sim.reset(speedup=speedup, **NO_FAULTS)
    ids = make_videos(folder, jobs)
    fake = FakeTelegram()
    async with fake.serve() as base_url:
        env = common_env(sim, folder) | {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
        }
        async with bot_process(["run"], env, folder / "run.log") as pid:
            polls = sum(1 for c in fake.calls if c.method == "getUpdates")
            await fake.wait_for(
                lambda: sum(1 for c in fake.calls if c.method == "getUpdates") > polls + 1, 60
            )

            chats = [500 + i for i in range(len(ids))]

            def decks_shown() -> int:
                return sum(any("📚" in m.text for m in fake.sent(chat)) for chat in chats)

            async def fifty_links() -> None:
                for chat, video in zip(chats, ids, strict=True):
                    fake.push_text(chat, f"https://youtu.be/{video}")
                await fake.wait_for(lambda: all(fake.sent(chat) for chat in chats), 60)
                await jobs_finished(Path(env["DB_PATH"]))
                # every job is done: each chat's message should now be its deck's first page
                with suppress(TimeoutError):
                    await fake.wait_for(lambda: decks_shown() == len(chats), 10)

            memory = await sampled(pid, fifty_links)
    return memory | {"jobs": jobs, "speedup": speedup, "deck_pages_shown": decks_shown()}


async def jobs_finished(db: Path) -> None:
    """Until the bot's store has no unfinished job (read beside the running bot)."""
    async with open_store(db) as store:
        # another process's database: there is no event to await, only a poll
        while await store.unfinished_jobs():  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def api_memory(sim: SimProcess, folder: Path, *, jobs: int, speedup: float) -> dict[str, Any]:
    """`vocabot serve-api`; `jobs` API users each post a different video."""
    await sim.reset(speedup=speedup, **NO_FAULTS)
    ids = make_videos(folder, jobs)
    env = common_env(sim, folder) | {"API_RATE_PER_MINUTE": "1000"}
    keys = []
    async with open_store(Path(env["DB_PATH"])) as store:
        for i in range(jobs):
            user = await store.get_or_create_user(
                "api", f"bench{i}", learner_language="ko", level="B1"
            )
            key, digest = new_api_key()
            await store.add_api_key(user.id, digest, f"bench{i}")
            keys.append(key)
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    args = ["serve-api", "--port", str(port)]
    async with bot_process(args, env, folder / "api.log") as pid:
        await wait_until_up(f"{root}/openapi.json", 60)

        async def fifty_jobs() -> None:
            async with httpx.AsyncClient(base_url=root, timeout=60) as client:
                created = await asyncio.gather(
                    *(
                        client.post(
                            "/v1/jobs",
                            json={"url": f"https://youtu.be/{video}"},
                            headers={"Authorization": f"Bearer {key}"},
                        )
                        for video, key in zip(ids, keys, strict=True)
                    )
                )
                pending = {
                    r.json()["status_url"]: key
                    for r, key in zip(created, keys, strict=True)
                    if r.status_code == 202
                }
                while pending:
                    await asyncio.sleep(0.1)
                    for url, key in list(pending.items()):
                        status = await client.get(url, headers={"Authorization": f"Bearer {key}"})
                        if status.json()["status"] in ("done", "failed", "cancelled"):
                            del pending[url]

        memory = await sampled(pid, fifty_jobs)
    return memory | {"jobs": jobs, "speedup": speedup}


async def both(jobs: int, speedup: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="vocabot-memory-"))
    try:
        async with sim_process() as sim:
            return {
                "run": await telegram_bot_memory(sim, folder, jobs=jobs, speedup=speedup),
                "serve_api": await api_memory(sim, folder, jobs=jobs, speedup=speedup),
            }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--jobs", type=int, default=50, help="jobs in flight (full bench: 50)")
    parser.add_argument("--speedup", type=float, default=10.0, help="simulator speed-up")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(both(args.jobs, args.speedup)), indent=2))


if __name__ == "__main__":
    main()
