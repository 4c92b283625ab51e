"""Many users at once, faults, and the Telegram adapter's own paths (in the bench process).

These run the bot's core in this process, against the simulator in its own process:
event-loop lag is this loop's, and single-flight and fault handling are counted from
the runner and the simulator's record.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.simproc import NO_FAULTS, SimProcess, ok_calls, settings_for
from bot.app import open_app
from bot.telegram.adapter import TelegramAdapter
from core.jobs import JobRunner, JobUpdate
from core.models import Stage
from core.transcripts import ChainSource, DirectorySource
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.samples import COFFEE_HOWTO, SAMPLES_DIR


def make_videos(folder: Path, count: int) -> list[str]:
    """`count` different short videos: the coffee how-to, each line marked with its copy."""
    videos = folder / "videos"
    videos.mkdir(exist_ok=True)
    ids = []
    lines = COFFEE_HOWTO.read_text(encoding="utf-8").splitlines()
    for i in range(count):
        video_id = f"benchVid{i:03d}"
        marked = [
            f"{line} (take {i})" if line and "-->" not in line and line[0].isalpha() else line
            for line in lines
        ]
        marked[0] = "WEBVTT"
        (videos / f"{video_id}.en.vtt").write_text("\n".join(marked), encoding="utf-8")
        ids.append(video_id)
    return ids


class LagProbe:
    """Event-loop lag: how late a 5 ms sleep wakes up, sampled continuously."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            self.samples.append(time.perf_counter() - start - 0.005)

    def __enter__(self) -> LagProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()

    def percentile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def many_users(
    sim: SimProcess,
    folder: Path,
    *,
    users: int,
    same_video: bool,
    speedup: float,
    faults: dict[str, float] | None = None,
) -> dict[str, Any]:
    await sim.reset(speedup=speedup, **{**NO_FAULTS, "fault_rates": faults or {}})
    ids = make_videos(folder, 1 if same_video else users)
    source = ChainSource(DirectorySource(folder / "videos"), DirectorySource(SAMPLES_DIR))
    settings = settings_for(
        sim.url,
        sim.model,
        sim.api_key,
        folder,
        llm_max_concurrency=64,
        max_parallel_videos=64,
        llm_backoff_seconds=0.05,
    )
    async with open_app(settings, source=source) as app:
        people = [
            await app.store.get_or_create_user("bench", str(i), learner_language="ko", level="B1")
            for i in range(users)
        ]
        with LagProbe() as lag:
            started = time.perf_counter()
            handles = [
                await app.runner.submit(u, ids[0 if same_video else i])
                for i, u in enumerate(people)
            ]
            results: list[JobUpdate] = [await h.wait() for h in handles]
            wall = (time.perf_counter() - started) * speedup
        assert isinstance(app.runner, JobRunner)  # the bench builds in its own process
        runs = app.runner.pipeline_runs
    stats = await sim.stats()
    calls = ok_calls(stats)
    config = stats["config"]
    # LLM capacity bound at 64 concurrent sequences: prefill of every uncached token, or
    # decoding every output token 64 at a time, whichever is longer.
    n = 64
    tpot = config["t0"] + config["k_seq"] * (n - 1) + config["k_kv"] * n * 1.5
    decode = sum(c["completion_tokens"] for c in calls) * tpot / n
    prefill = sum(c["prompt_tokens"] - c["cached_tokens"] for c in calls) / config["prefill_rate"]
    bound = max(decode, prefill)
    done = [r for r in results if r.progress.stage == Stage.DONE]
    return {
        "users": users,
        "wall_s": wall,
        "capacity_bound_s": bound,
        "wall_over_bound": wall / bound if bound else None,
        "pipeline_runs": runs,
        "jobs_done": len(done),
        "jobs_failed": len(results) - len(done),
        "partial_decks": sum(1 for r in done if r.deck and r.deck.missing),
        "llm_requests": stats["requests"],
        "llm_ok": stats["ok"],
        "loop_lag_p50_ms": lag.percentile(0.5) * 1000,
        "loop_lag_p99_ms": lag.percentile(0.99) * 1000,
        "speedup": speedup,
    }


async def telegram_paths(sim: SimProcess, folder: Path, *, busy_jobs: int) -> dict[str, Any]:
    """Cache hit -> first card page, and the immediate reply while other jobs run."""
    await sim.reset(speedup=1.0, **NO_FAULTS)
    ids = make_videos(folder, busy_jobs)
    source = ChainSource(DirectorySource(folder / "videos"), DirectorySource(SAMPLES_DIR))
    fake = FakeTelegram()
    settings = settings_for(
        sim.url,
        sim.model,
        sim.api_key,
        folder,
        llm_max_concurrency=64,
        max_parallel_videos=64,
        shutdown_grace_seconds=0,
    )
    async with fake.serve() as base_url, open_app(settings, source=source) as app:
        bot = TelegramAdapter(app, token=TOKEN, base_url=base_url, poll_timeout=2)
        await bot.start()
        try:
            # warm the cache with one user, then time another user's request
            fake.push_text(1, "https://youtu.be/vocabDemo02")
            await fake.wait_for(lambda: any("📚" in m.text for m in fake.sent(1)), 120)
            started = time.perf_counter()
            fake.push_text(2, "https://youtu.be/vocabDemo02")
            await fake.wait_for(lambda: any("📚" in m.text for m in fake.sent(2)), 30)
            cache_hit = time.perf_counter() - started

            for i, video in enumerate(ids):
                fake.push_text(100 + i, f"https://youtu.be/{video}")
            await fake.wait_for(lambda: all(fake.sent(100 + i) for i in range(len(ids))), 30)
            for _ in range(1000):  # until every one of them is a running job
                if app.runner.job_count >= len(ids):
                    break
                await asyncio.sleep(0.01)
            running = app.runner.job_count
            started = time.perf_counter()
            fake.push_text(3, "https://youtu.be/vocabDemo01")
            await fake.wait_for(lambda: fake.sent(3), 30)
            first_reply = time.perf_counter() - started
        finally:
            await app.runner.shutdown(grace=0)  # before the bot goes: nothing left to tell
            await bot.stop()
    return {
        "cache_hit_first_page_ms": cache_hit * 1000,
        "immediate_reply_ms": first_reply * 1000,
        "jobs_running_meanwhile": running,
    }
