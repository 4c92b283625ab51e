"""`python -m bench [--quick]`: vocabot against its own bound, the seed design, and load.

Everything talks to the simulated vLLM server over real HTTP; the server runs in its own
process (so the bot's event-loop lag and memory are the bot's own) and reports the
modelled time of every call, from which the bounds are computed. Every figure that
compares is a ratio measured in this one run. Results: a table, and JSON written to
bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.seed import seed_build
from bot.app import open_app, open_core
from bot.telegram.adapter import TelegramAdapter
from core.config import Settings, StructuredOutput
from core.jobs import JobUpdate
from core.llm import LLMClient
from core.models import Progress, Stage
from core.pipeline import DeckRequest
from core.transcripts import ChainSource, DirectorySource, load_transcript_file
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.samples import COFFEE_HOWTO, SAMPLES_DIR, SLEEP_TALK

RESULTS = Path(__file__).parent / "results"
console = Console()


# -- the simulated server in its own process ----------------------------------------------


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


@asynccontextmanager
async def sim_process() -> AsyncIterator[SimProcess]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "sim-llm", "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        async with httpx.AsyncClient(timeout=30) as control:
            for _ in range(200):  # start-up: at most ~10 s
                try:
                    if (await control.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the simulated server did not start")
            yield SimProcess(url, control)
    finally:
        proc.terminate()
        await proc.wait()


def settings_for(sim: SimProcess, folder: Path, **overrides: Any) -> Settings:
    return Settings(
        llm_base_url=sim.url,
        llm_model=sim.model,
        llm_api_key=sim.api_key,
        db_path=folder / f"bench-{time.monotonic_ns()}.sqlite3",
        user_cooldown_seconds=0,
        user_max_running_jobs=100,
        **overrides,
    )


def ok_calls(stats: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in stats["calls"] if c["status"] == 200]


# -- scenarios ------------------------------------------------------------------------------


async def one_video(sim: SimProcess, folder: Path) -> dict[str, Any]:
    """Our pipeline on the longest sample at the server's real speed, vs its bound."""
    await sim.reset(speedup=1.0, fault_rates={}, fault_rules=[], fault_queue=[])
    settings = settings_for(sim, folder)
    marks: dict[str, float] = {}
    async with open_core(settings, source=DirectorySource(SAMPLES_DIR)) as core:

        async def progress(p: Progress) -> None:
            if p.stage == Stage.EXTRACTING and p.done == 0:
                marks["local"] = time.perf_counter() - started

        started = time.perf_counter()
        deck = await core.pipeline.build(DeckRequest("vocabDemo01"), progress)
        wall = time.perf_counter() - started
    result: dict[str, Any] = {
        "wall_s": wall,
        "chunks": deck.stats.chunks,
        "llm_calls": deck.stats.llm_calls,
        "prompt_tokens": deck.stats.prompt_tokens,
        "completion_tokens": deck.stats.completion_tokens,
        "words": len(deck.words),
        "phrases": len(deck.phrases),
    }
    stats = await sim.stats()
    if not stats:
        return result  # a real server: no modelled times to compute bounds from
    calls = ok_calls(stats)
    config = stats["config"]
    local = marks.get("local", 0.0)
    bound = local + max(c["e2e"] for c in calls)
    uncached = sum(c["prompt_tokens"] - c["cached_tokens"] for c in calls)
    longest_output = max(c["completion_tokens"] for c in calls)
    floor = (
        local
        + uncached / config["prefill_rate"]
        + config["t_overhead"]
        + (longest_output - 1) * config["t0"]
    )
    return result | {
        "bound_s": bound,
        "floor_s": floor,
        "wall_over_bound": wall / bound,
        "wall_over_floor": wall / floor,
        "local_s": local,
        "cached_prompt_tokens": sum(c["cached_tokens"] for c in calls),
    }


async def seed_design(
    sim: SimProcess, folder: Path, *, concurrency: int, speedup: float
) -> dict[str, Any]:
    """The seed design on the same video, same client and concurrency limit."""
    await sim.reset(speedup=speedup, fault_rates={}, fault_rules=[], fault_queue=[])
    transcript = load_transcript_file(SLEEP_TALK)
    async with httpx.AsyncClient(timeout=120) as http:
        llm = LLMClient(
            http,
            base_url=sim.url,
            model=sim.model,
            api_key=sim.api_key,
            max_concurrency=concurrency,
            structured_output=StructuredOutput.PROMPT,  # the seed asked for JSON in the prompt
        )
        started = time.perf_counter()
        result = await seed_build(llm, transcript)
        wall = (time.perf_counter() - started) * speedup  # in model seconds
    return {
        "wall_s": wall,
        "scaled_from_speedup": speedup,
        "llm_calls": result.requests,
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "words": result.words,
        "phrases": result.phrases,
        "failed_calls": result.failed_calls,
    }


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
    await sim.reset(speedup=speedup, fault_rates=faults or {}, fault_rules=[], fault_queue=[])
    ids = make_videos(folder, 1 if same_video else users)
    source = ChainSource(DirectorySource(folder / "videos"), DirectorySource(SAMPLES_DIR))
    settings = settings_for(
        sim, folder, llm_max_concurrency=64, max_parallel_videos=64, llm_backoff_seconds=0.05
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
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "speedup": speedup,
    }


async def telegram_paths(sim: SimProcess, folder: Path, *, busy_jobs: int) -> dict[str, Any]:
    """Cache hit -> first card page, and the immediate reply while other jobs run."""
    await sim.reset(speedup=1.0, fault_rates={}, fault_rules=[], fault_queue=[])
    ids = make_videos(folder, busy_jobs)
    source = ChainSource(DirectorySource(folder / "videos"), DirectorySource(SAMPLES_DIR))
    fake = FakeTelegram()
    settings = settings_for(
        sim, folder, llm_max_concurrency=64, max_parallel_videos=64, shutdown_grace_seconds=0
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


# -- report ---------------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def compare(ours: dict[str, Any], seed: dict[str, Any]) -> dict[str, float]:
    """Ours over the seed design, measured in the same run."""
    return {
        "wall_ours_over_seed": ratio(ours["wall_s"], seed["wall_s"]),
        "tokens_ours_over_seed": ratio(
            ours["prompt_tokens"] + ours["completion_tokens"],
            seed["prompt_tokens"] + seed["completion_tokens"],
        ),
        "calls_ours_over_seed": ratio(ours["llm_calls"], seed["llm_calls"]),
    }


@asynccontextmanager
async def real_server(url: str, model: str, api_key: str | None) -> AsyncIterator[SimProcess]:
    async with httpx.AsyncClient(timeout=30) as control:
        yield SimProcess(url, control, simulated=False, model=model, api_key=api_key)


async def run_real(url: str, model: str, api_key: str | None) -> dict[str, Any]:
    """Against a real OpenAI-compatible server: our design vs the seed, wall and tokens."""
    folder = Path(tempfile.mkdtemp(prefix="vocabot-bench-"))
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": False,
        "server": {"url": url, "model": model},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
    }
    try:
        async with real_server(url, model, api_key) as server:
            console.print(f"[bold]1/2[/] one video on {url} ({model}), vocabot design …")
            ours = await one_video(server, folder)
            console.print("[bold]2/2[/] the same video, seed design …")
            seed = await seed_design(server, folder, concurrency=16, speedup=1.0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report["one_video"] = {"ours": ours, "seed": seed}
    report["ratios"] = compare(ours, seed)
    return report


async def run(quick: bool) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="vocabot-bench-"))
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
    }
    try:
        async with sim_process() as sim:
            console.print("[bold]1/6[/] one video, vocabot design, ×1 …")
            ours = await one_video(sim, folder)
            console.print("[bold]2/6[/] one video, seed design, ×1 …")
            seed = await seed_design(sim, folder, concurrency=16, speedup=1.0)
            report["one_video"] = {"ours": ours, "seed": seed}
            report["ratios"] = compare(ours, seed)
            if not quick:
                console.print("[bold]3/6[/] seed design one call at a time (×20, scaled) …")
                report["one_video"]["seed_sequential"] = await seed_design(
                    sim, folder, concurrency=1, speedup=20.0
                )
            users = 10 if quick else 50
            speedup = 20.0 if quick else 10.0
            console.print(f"[bold]4/6[/] {users} users, different videos (×{speedup:g}) …")
            report["load_different_videos"] = await many_users(
                sim, folder, users=users, same_video=False, speedup=speedup
            )
            console.print(f"[bold]5/6[/] {users} users, the same video; 30% faults …")
            report["load_same_video"] = await many_users(
                sim, folder, users=users, same_video=True, speedup=speedup
            )
            report["faults_30pct"] = await many_users(
                sim,
                folder,
                users=max(10, users // 2),
                same_video=False,
                speedup=speedup,
                faults={"429": 0.1, "500": 0.1, "malformed": 0.1},
            )
            console.print("[bold]6/6[/] Telegram adapter paths (×1) …")
            report["telegram"] = await telegram_paths(sim, folder, busy_jobs=20)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


def show(report: dict[str, Any]) -> None:
    ours, seed = report["one_video"]["ours"], report["one_video"]["seed"]
    r = report["ratios"]
    where = report.get("server", {}).get("url")
    mode = f"against {where}" if where else ("quick" if report["quick"] else "full")
    table = Table(title=f"vocabot bench ({mode})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")

    def row(name: str, value: str, goal: str = "") -> None:
        table.add_row(name, value, goal)

    row("one video: wall (s)", f"{ours['wall_s']:.2f}")
    if "bound_s" in ours:
        row("  critical-path bound (s)", f"{ours['bound_s']:.2f}")
        row("  wall / bound", f"{ours['wall_over_bound']:.2f}", "<= 1.10")
        row("  floor (s)", f"{ours['floor_s']:.2f}")
        row("  wall / floor", f"{ours['wall_over_floor']:.2f}", "<= 1.5")
    row("  chunks = LLM calls", f"{ours['chunks']} = {ours['llm_calls']}")
    row("  tokens prompt / completion", f"{ours['prompt_tokens']} / {ours['completion_tokens']}")
    row("seed design: wall (s)", f"{seed['wall_s']:.2f}")
    row("  LLM calls", str(seed["llm_calls"]))
    row("  tokens prompt / completion", f"{seed['prompt_tokens']} / {seed['completion_tokens']}")
    if "seed_sequential" in report["one_video"]:
        seq = report["one_video"]["seed_sequential"]
        row("seed, one call at a time (s, model)", f"{seq['wall_s']:.1f}")
    row("ours / seed: wall", f"{r['wall_ours_over_seed']:.2f}", "<= 0.30")
    row("ours / seed: tokens", f"{r['tokens_ours_over_seed']:.2f}", "<= 0.5")
    row("ours / seed: calls", f"{r['calls_ours_over_seed']:.2f}")
    if "load_different_videos" not in report:  # a real-server run
        console.print(table)
        return
    load = report["load_different_videos"]
    row(f"{load['users']} users, different videos: wall (s, model)", f"{load['wall_s']:.1f}")
    row("  wall / rough LLM capacity estimate", f"{load['wall_over_bound']:.2f}")
    lag = f"{load['loop_lag_p50_ms']:.1f} / {load['loop_lag_p99_ms']:.1f}"
    row("  event-loop lag p50 / p99 (ms)", lag, "p99 < 20")
    row("  peak RSS (MB)", f"{load['peak_rss_mb']:.0f}", "< 150")
    same = report["load_same_video"]
    row(f"{same['users']} users, same video: pipeline runs", str(same["pipeline_runs"]), "1")
    faults = report["faults_30pct"]
    row(
        f"30% faults, {faults['users']} videos: done / partial / failed",
        f"{faults['jobs_done']} / {faults['partial_decks']} / {faults['jobs_failed']}",
    )
    row("  LLM requests / ok", f"{faults['llm_requests']} / {faults['llm_ok']}")
    tg = report["telegram"]
    row("cache hit: link -> first page (ms)", f"{tg['cache_hit_first_page_ms']:.0f}", "< 50")
    row(
        f"immediate reply with {tg['jobs_running_meanwhile']} jobs running (ms)",
        f"{tg['immediate_reply_ms']:.0f}",
        "< 300",
    )
    console.print(table)
    console.print(f"[dim]{report['machine']['platform']}, {report['machine']['cpus']} CPUs[/]")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--llm-base-url",
        help="measure a real OpenAI-compatible server instead (e.g. vLLM on a GPU): "
        "our design vs the seed design on the bundled sample",
    )
    parser.add_argument("--model", default=Settings().llm_model)
    parser.add_argument("--api-key")
    args = parser.parse_args()
    if args.llm_base_url:
        report = asyncio.run(run_real(args.llm_base_url, args.model, args.api_key))
        latest = RESULTS / "latest-real.json"
    else:
        report = asyncio.run(run(args.quick))
        latest = RESULTS / ("latest-quick.json" if args.quick else "latest.json")
    show(report)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for path in (RESULTS / f"{stamp}.json", latest):
        path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    console.print(f"written to {RESULTS}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
