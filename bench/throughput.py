"""`python -m bench.throughput [--quick]`: the job queue past one process.

Real processes on a throwaway PostgreSQL (devtools.postgres), against the simulated vLLM
in its own process:

- throughput: videos per minute behind one `vocabot serve-api` front (different 10-minute
  talks, one user each, all posted at once): THE figure at the simulator's calibrated
  speed (x1: one simulated A100), with 1 and 2 `vocabot worker` processes; and, labelled
  as the CPU ceiling, at x100 (the model's time shrunk until the processes' own CPU is the
  limit; no GPU gives that) with 1, 2 and 4 workers;
- front latency with the queue in between: `vocabot run` (Telegram, the fake Bot API in
  this process) from a link to its first reply, and the API's POST /v1/jobs;
- a SIGKILL: one of two workers killed mid-build; the seconds until another worker took
  its build over and until every job was done, and decks lost or duplicated.

Results: a table, and JSON in bench/results/throughput.json (throughput-quick.json);
`--readme` rewrites the queue table in docs/benchmarks.md from throughput.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
from rich.console import Console

from bench.lecture import lecture_srt
from bench.load import make_videos
from bench.report import README, RESULTS, replace_between
from bench.simproc import NO_FAULTS, SimProcess, sim_process
from core.api_keys import new_api_key
from devtools import postgres
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.processes import READY, Running, free_port, vocabot
from storage.postgres import PostgresStore

console = Console()
SPEEDUP = 100.0  # the CPU ceiling: the model's time shrinks until local CPU is the limit
CALIBRATED = 1.0  # the simulator's calibrated speed: THE throughput figure
TALKS, TALK_MINUTES = 24, 10  # the throughput videos: 10-minute talks, ~300 cards each
WORKER_READY = "Starting worker on queues"


@dataclass
class Deployment:
    """A database, a `serve-api` front and its API client, and the workers."""

    url: str
    env: dict[str, str]
    folder: Path
    api: httpx.AsyncClient
    store: PostgresStore
    workers: list[Running]
    front: Running

    def cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by the front, and by all workers."""
        return cpu_seconds(self.front), sum(cpu_seconds(w) for w in self.workers)

    async def key(self, name: str) -> dict[str, str]:
        user = await self.store.get_or_create_user("api", name, learner_language="ko", level="B1")
        key, digest = new_api_key()
        await self.store.add_api_key(user.id, digest, name)
        return {"Authorization": f"Bearer {key}"}

    async def post(self, headers: dict[str, str], video: str) -> tuple[str, float]:
        """The job's id, and the POST's latency in ms."""
        start = time.perf_counter()
        made = await self.api.post("/v1/jobs", json={"url": video}, headers=headers)
        made.raise_for_status()
        return made.json()["job_id"], (time.perf_counter() - start) * 1000

    async def end(self, headers: dict[str, str], job_id: str) -> str:
        status = ""
        async with self.api.stream("GET", f"/v1/jobs/{job_id}/events", headers=headers) as events:
            async for line in events.aiter_lines():
                if line.startswith("data: "):
                    status = json.loads(line[6:])["status"]
        return status

    def runs(self) -> list[int]:
        return [w.text.count("pipeline run for") for w in self.workers]


def cpu_seconds(process: Running) -> float:
    """User + system CPU seconds of a running process so far (Linux /proc)."""
    fields = Path(f"/proc/{process.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def deployment(
    server: str, name: str, sim: SimProcess, workers: int, **env: str
) -> AsyncIterator[Deployment]:
    """A fresh database `name`, `workers` workers and one API front, all started."""
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    url = server.replace("/postgres?", f"/{name}?")
    folder = Path(tempfile.mkdtemp(prefix=f"vocabot-{name}-"))
    make_videos(folder, 40)
    for i in range(TALKS):  # different words in each: no two share a cached chunk
        talk = folder / "videos" / f"benchTlk{i:03d}.en.srt"
        talk.write_text(lecture_srt(TALK_MINUTES, seed=i), encoding="utf-8")
    environment = {
        "DATABASE_URL": url,
        "LLM_BASE_URL": sim.url,
        "TRANSCRIPTS_DIR": str(folder / "videos"),
        "USER_COOLDOWN_SECONDS": "0",
        "LOG_LEVEL": "INFO",
        **env,
    }
    port = free_port()
    async with AsyncExitStack() as stack:
        store = await PostgresStore.open(url)
        stack.push_async_callback(store.close)
        running = [
            await stack.enter_async_context(vocabot(["worker"], environment, folder))
            for _ in range(workers)
        ]
        front = await stack.enter_async_context(
            vocabot(["serve-api", "--port", str(port)], environment, folder)
        )
        for worker in running:
            await worker.wait_for_line(WORKER_READY, 60)
        await front.wait_for_line(READY, 60)
        api = await stack.enter_async_context(
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600)
        )
        yield Deployment(url, environment, folder, api, store, running, front)


async def throughput(
    server: str, sim: SimProcess, workers: int, videos: int, speedup: float
) -> dict[str, Any]:
    await sim.reset(speedup=speedup, **NO_FAULTS)
    async with deployment(server, f"w{workers}x{speedup:g}", sim, workers) as d:
        keys = [await d.key(f"user{i}") for i in range(videos)]
        front_cpu, workers_cpu = d.cpu()
        start = time.perf_counter()
        posted = await asyncio.gather(*(d.post(k, f"benchTlk{i:03d}") for i, k in enumerate(keys)))
        ended = await asyncio.gather(*(d.end(k, j) for k, (j, _) in zip(keys, posted, strict=True)))
        wall = time.perf_counter() - start
        front_used, workers_used = d.cpu()
        return {
            "front_cpu_s": round(front_used - front_cpu, 2),
            "workers_cpu_s": round(workers_used - workers_cpu, 2),
            "workers": workers,
            "speedup": speedup,
            "videos": videos,
            "done": ended.count("done"),
            "wall_s": round(wall, 2),
            "videos_per_minute": round(videos / wall * 60, 1),
            "runs_per_worker": d.runs(),
            "post_ms_median": round(statistics.median(ms for _, ms in posted), 1),
        }


async def telegram_latency(server: str, sim: SimProcess, links: int) -> dict[str, Any]:
    """Link -> first reply on a `vocabot run` front, two workers busy with the builds."""
    await sim.reset(speedup=SPEEDUP, **NO_FAULTS)
    fake = FakeTelegram()
    async with (
        fake.serve() as base_url,
        deployment(server, "tg", sim, 2) as d,
        vocabot(
            ["run"],
            {**d.env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url},
            d.folder,
        ),
    ):
        await fake.wait_for(lambda: fake.calls_of("getUpdates"), 60)
        waits = []
        for i in range(links):
            chat = 1000 + i
            start = time.perf_counter()
            fake.push_text(chat, f"benchVid{i:03d}")
            await fake.wait_for(partial(fake.sent, chat), 30)
            waits.append((time.perf_counter() - start) * 1000)
        chats = [1000 + i for i in range(links)]
        await fake.wait_for(lambda: all(_has_deck(fake, c) for c in chats), 600)
        return {
            "links": links,
            "first_reply_ms_median": round(statistics.median(waits), 1),
            "first_reply_ms_max": round(max(waits), 1),
        }


def _has_deck(fake: FakeTelegram, chat: int) -> bool:
    return any("📚" in m.plain for m in fake.sent(chat))


async def recovery(server: str, sim: SimProcess, users: int, quick: bool) -> dict[str, Any]:
    """One of two workers SIGKILLed mid-build (stall timing as configured, default 10/30)."""
    timing = {"QUEUE_HEARTBEAT_SECONDS": "1", "QUEUE_STALLED_SECONDS": "3"} if quick else {}
    await sim.reset(speedup=2.0, **NO_FAULTS)  # slow: the build is under way at the kill
    async with deployment(server, "kill", sim, 2, **timing) as d:
        keys = [await d.key(f"user{i}") for i in range(users)]
        jobs = [(await d.post(k, "benchVid000"))[0] for k in keys]
        victim = await _building(d.workers)
        killed = time.perf_counter()
        victim.process.send_signal(signal.SIGKILL)
        await victim.exited()
        survivor = next(w for w in d.workers if w is not victim)
        await sim.reset(speedup=SPEEDUP, **NO_FAULTS)
        await survivor.wait_for_line("stopped answering", 600)
        taken = time.perf_counter() - killed
        ended = await asyncio.gather(*(d.end(k, j) for k, j in zip(keys, jobs, strict=True)))
        done = time.perf_counter() - killed
        decks = [len(await d.store.list_decks(u.id)) for u in await _users(d.store, users)]
        return {
            "users": users,
            "stalled_after_s": float(timing.get("QUEUE_STALLED_SECONDS", "30")),
            "taken_over_s": round(taken, 1),
            "all_done_s": round(done, 1),
            "done": ended.count("done"),
            "decks_lost": sum(1 for n in decks if n == 0),
            "decks_duplicated": sum(n - 1 for n in decks if n > 1),
        }


async def _building(workers: list[Running]) -> Running:
    """The worker that starts the build first."""
    tasks = {asyncio.create_task(w.wait_for_line("pipeline run for", 60)): w for w in workers}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return tasks[done.pop()]


async def _users(store: PostgresStore, count: int) -> list[Any]:
    return [
        await store.get_or_create_user("api", f"user{i}", learner_language="ko", level="B1")
        for i in range(count)
    ]


async def run(quick: bool) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="vocabot-bench-pg-"))
    server = postgres.start(folder)
    try:
        async with sim_process() as sim:
            videos = 8 if quick else 24
            cases = [
                *[await throughput(server, sim, n, videos, CALIBRATED) for n in (1, 2)],
                *[await throughput(server, sim, n, videos, SPEEDUP) for n in (1, 2, 4)],
            ]
            latency = await telegram_latency(server, sim, 5 if quick else 20)
            killed = await recovery(server, sim, 4 if quick else 10, quick)
    finally:
        postgres.stop(folder)
    return {
        "speedup": SPEEDUP,
        "cpus": os.cpu_count(),
        "throughput": cases,
        "telegram": latency,
        "sigkill": killed,
    }


START, END = "<!-- throughput:start -->", "<!-- throughput:end -->"


def readme_section(report: dict[str, Any]) -> str:
    """docs/benchmarks.md's queue table: what one run of `python -m bench.throughput` measured."""
    cases = report["throughput"]
    calibrated = [c for c in cases if c.get("speedup", report["speedup"]) == CALIBRATED]
    lines = [
        f"Measured by `python -m bench.throughput` on {report.get('cpus', '?')} CPUs, one "
        "`serve-api` front and PostgreSQL on the same machine, every video a different user's "
        f"{TALK_MINUTES}-minute talk, all posted at once, against one simulated server.",
        "",
    ]
    if calibrated:
        best = max(calibrated, key=lambda c: c["videos_per_minute"])
        lines += [
            f"**Throughput at the simulator's calibrated speed (×1, one simulated A100): "
            f"{best['videos_per_minute']} videos/min** ({best['workers']} worker(s); the GPU, "
            "not the workers, is the limit). The ×100 rows are the **CPU ceiling**: the "
            "model's time shrunk a hundredfold until the processes' own CPU is what limits, "
            "a bound on the bot's side, not a throughput any one GPU gives.",
            "",
        ]
    lines += [
        "| simulator | workers | videos | done | wall | videos/min | pipeline runs per worker "
        "| CPU s: front / workers | POST /v1/jobs median |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for c in cases:
        speed = c.get("speedup", report["speedup"])
        what = "×1 (calibrated)" if speed == CALIBRATED else f"×{speed:.0f} (CPU ceiling)"
        lines.append(
            f"| {what} | {c['workers']} | {c['videos']} | {c['done']} | {c['wall_s']} s "
            f"| {c['videos_per_minute']} | {c['runs_per_worker']} "
            f"| {c.get('front_cpu_s', '?')} / {c.get('workers_cpu_s', '?')} "
            f"| {c['post_ms_median']} ms |"
        )
    tg, k = report["telegram"], report["sigkill"]
    lines += [
        "",
        f"- Telegram front (`vocabot run`), link -> first reply with the queue in between: "
        f"median {tg['first_reply_ms_median']} ms, max {tg['first_reply_ms_max']} ms "
        f"({tg['links']} links).",
        f"- One of two workers SIGKILLed mid-build ({k['users']} users waiting on the video): "
        f"taken over after {k['taken_over_s']} s (stall detection at "
        f"{k['stalled_after_s']:.0f} s), every job done {k['all_done_s']} s after the kill; "
        f"decks lost {k['decks_lost']}, duplicated {k['decks_duplicated']}.",
    ]
    return "\n".join(lines)


def update_readme(report: dict[str, Any], readme: Path = README) -> None:
    replace_between(readme, START, END, readme_section(report))


def show(report: dict[str, Any]) -> None:
    console.print("[bold]Job queue[/]")
    for case in report["throughput"]:
        console.print(
            f"  x{case.get('speedup', report['speedup']):g}, {case['workers']} worker(s): "
            f"{case['videos_per_minute']} videos/min "
            f"({case['done']}/{case['videos']} in {case['wall_s']} s; pipeline runs per "
            f"worker {case['runs_per_worker']}; CPU s front {case['front_cpu_s']}, workers "
            f"{case['workers_cpu_s']}; POST /v1/jobs median {case['post_ms_median']} ms)"
        )
    tg = report["telegram"]
    console.print(
        f"  Telegram link -> first reply: median {tg['first_reply_ms_median']} ms, "
        f"max {tg['first_reply_ms_max']} ms ({tg['links']} links)"
    )
    k = report["sigkill"]
    console.print(
        f"  SIGKILL mid-build: taken over after {k['taken_over_s']} s (stalled after "
        f"{k['stalled_after_s']} s), all {k['done']}/{k['users']} done after "
        f"{k['all_done_s']} s; decks lost {k['decks_lost']}, duplicated {k['decks_duplicated']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer videos, short stall times")
    parser.add_argument(
        "--readme",
        action="store_true",
        help="rewrite the table in docs/benchmarks.md from throughput.json",
    )
    args = parser.parse_args()
    if args.readme:
        update_readme(json.loads((RESULTS / "throughput.json").read_text(encoding="utf-8")))
        console.print("docs/benchmarks.md updated")
        return 0
    report = asyncio.run(run(args.quick))
    show(report)
    RESULTS.mkdir(exist_ok=True)
    name = "throughput-quick.json" if args.quick else "throughput.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2), encoding="utf-8")
    console.print(f"written to {RESULTS}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
