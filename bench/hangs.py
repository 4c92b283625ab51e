"""`python -m bench.hangs`: lose no job, reuse finished work, survive hangs (issue 14).

Four measurements, each printed and written to bench/results/hangs-latest.json:

- limit:  20 concurrent POSTs /v1/jobs from one API key (limit 2 running jobs, no
          cool-down): how many were accepted, and whether every 429 carries Retry-After.
- kill:   N times: a user sends a link to `vocabot run` (a real process, against a fake
          Telegram and the simulated vLLM), the process is SIGKILLed right after its
          immediate reply, then started again: how many requests were lost.
- resume: the process is SIGKILLed mid-build and started again: how many LLM calls were
          repeated, and how long the "I was restarted" notice stayed on the user's message.
- hangs:  20 videos (by default 10 long and 10 short; `--mix long` for 20 long ones), one
          user each, default settings, with 8.5% of LLM calls hanging: how many were
          unfinished at 5 minutes of model time, and when all were done; the same without
          faults.

The simulated server runs at `--speedup` and every client-side time setting is divided by
it, so times are reported in model seconds. The script sticks to public entry points
(Settings, open_app, the HTTP API, `python -m bot run`) so that it measures older code too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse

from bench.simproc import SimProcess, sim_process
from bot.app import open_app
from core.api_keys import new_api_key
from core.config import Settings
from core.jobs import JobHandle
from core.transcripts import ChainSource, DirectorySource
from devtools.fake_telegram import TOKEN, FakeTelegram
from devtools.samples import COFFEE_HOWTO, SAMPLES_DIR, SLEEP_TALK

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parent.parent

# Client-side time settings (seconds) that are scaled with the simulated server's speed-up.
TIME_SETTINGS = {
    "llm_timeout": 120.0,
    "llm_backoff_seconds": 0.5,
    "llm_deadline_seconds": None,  # None: the setting's own default, scaled
    "llm_deadline_per_token": None,
    "llm_hedge_after_seconds": None,
}


def scaled(speedup: float) -> dict[str, Any]:
    """Client time settings for a server running `speedup` times faster (old code: fewer)."""
    fields = Settings.model_fields
    out: dict[str, Any] = {}
    for name, value in TIME_SETTINGS.items():
        if name not in fields:
            continue
        base = value if value is not None else fields[name].default
        out[name] = float(base) / speedup
    return out


async def calls_of(sim: SimProcess) -> list[dict[str, Any]]:
    """Every call the simulator answered so far, in order (its /sim/stats)."""
    calls: list[dict[str, Any]] = (await sim.stats())["calls"]
    return calls


def make_videos(folder: Path, longs: int, shorts: int) -> list[str]:
    """Distinct videos (each caption line marked with its copy): long ones and short ones."""
    folder.mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    for i in range(max(longs, shorts)):
        for kind, sample, count in (("L", SLEEP_TALK, longs), ("S", COFFEE_HOWTO, shorts)):
            if i >= count:
                continue
            video_id = f"hang{kind}{i:02d}abcd"
            lines = sample.read_text(encoding="utf-8").splitlines()
            marked = [
                f"{line} (take {i})"
                if line and "-->" not in line and line[0].isalpha() and line != "WEBVTT"
                else line
                for line in lines
            ]
            (folder / f"{video_id}.en{sample.suffix}").write_text(
                "\n".join(marked), encoding="utf-8"
            )
            ids.append(video_id)
    return ids


# -- item 6: the per-user limit under concurrent POSTs -----------------------------------


async def limit(sim: SimProcess, folder: Path) -> dict[str, Any]:
    await sim.reset(speedup=1.0, fault_rates={}, fault_rules=[], fault_queue=[])
    settings = Settings(
        llm_base_url=sim.url,
        db_path=folder / "limit.sqlite3",
        user_cooldown_seconds=0,
        user_max_running_jobs=2,
        api_rate_per_minute=1000,
    )
    from bot.http.api import create_api

    videos = make_videos(folder / "limit-videos", 0, 20)
    source = ChainSource(DirectorySource(folder / "limit-videos"), DirectorySource(SAMPLES_DIR))
    async with open_app(settings, source=source) as app:
        user = await app.store.get_or_create_user("api", "bench", learner_language="ko", level="B1")
        key, digest = new_api_key()
        await app.store.add_api_key(user.id, digest, "bench")
        transport = httpx.ASGITransport(app=create_api(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            headers = {"Authorization": f"Bearer {key}"}
            responses = await asyncio.gather(
                *(client.post("/v1/jobs", json={"url": video}, headers=headers) for video in videos)
            )
        await app.runner.shutdown(grace=0)
    accepted = sum(1 for r in responses if r.status_code in (200, 202))
    refused = [r for r in responses if r.status_code == 429]
    return {
        "posts": len(responses),
        "limit": 2,
        "accepted": accepted,
        "refused_429": len(refused),
        "refused_with_retry_after": sum(1 for r in refused if "retry-after" in r.headers),
    }


# -- a real `vocabot run` process against a fake Telegram ---------------------------------


@dataclass
class TimedTelegram(FakeTelegram):
    """The fake Bot API, remembering when each call arrived."""

    times: list[float] = field(default_factory=list)

    async def handle(self, request: Request) -> JSONResponse:
        self.times.append(time.monotonic())
        return await super().handle(request)


@dataclass
class BotProcess:
    env: dict[str, str]
    proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run"),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                await self.kill()


def bot_env(base_url: str, sim: SimProcess, db: Path, speedup: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LLM_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "LLM_BASE_URL": sim.url,
        "DB_PATH": str(db),
        "TRANSCRIPTS_DIR": str(SAMPLES_DIR),
        "USER_COOLDOWN_SECONDS": "0",
        "SHUTDOWN_GRACE_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env |= {name.upper(): str(value) for name, value in scaled(speedup).items()}
    return env


def decks_for(fake: FakeTelegram, chat: int) -> list[str]:
    return [m.text for m in fake.sent(chat) if "📚" in m.text or "Words 1–" in m.text]


async def polling(fake: FakeTelegram, since: int) -> None:
    """Until the bot process asks for updates (it is up) after call number `since`."""
    await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls[since:]), limit=60)


async def kills(sim: SimProcess, folder: Path, trials: int) -> dict[str, Any]:
    """Kill as soon as the immediate reply reaches Telegram; start again; a request is
    lost when its user gets neither a deck nor a failure within 30 s of the restart."""
    await sim.reset(speedup=10.0, fault_rates={}, fault_rules=[], fault_queue=[])
    outcomes = [await kill_once(sim, folder / f"kill-{trial}.sqlite3") for trial in range(trials)]
    return {"kills": trials, "lost": outcomes.count("lost"), "outcomes": outcomes}


async def kill_once(sim: SimProcess, db: Path) -> str:
    fake, user = TimedTelegram(), 500

    def answered() -> bool:
        return bool(decks_for(fake, user) or any("❌" in m.text for m in fake.sent(user)))

    async with fake.serve() as base_url:
        bot = BotProcess(bot_env(base_url, sim, db, 1.0))
        await bot.start()
        await polling(fake, 0)
        fake.push_text(user, "https://youtu.be/vocabDemo02")
        await fake.wait_for(lambda: fake.sent(user), limit=30)
        await bot.kill()
        mark = len(fake.calls)
        await bot.start()
        await polling(fake, mark)
        try:
            await fake.wait_for(answered, limit=30)
            outcome = "deck" if decks_for(fake, user) else "failure told"
        except TimeoutError:
            outcome = "lost"
        await bot.stop()
    return outcome


# -- item 10: a restart mid-build -----------------------------------------------------------


async def resume(sim: SimProcess, folder: Path) -> dict[str, Any]:
    """SIGKILL when half of the video's LLM calls are answered, then start again (×1).

    Repeated calls are chunks asked after the restart although the model had answered
    them before the kill (an answer still on its way when the process died counts too)."""
    await sim.reset(speedup=1.0, fault_rates={}, fault_rules=[], fault_queue=[])
    fake = TimedTelegram()
    user, chunks = 700, 14  # vocabDemo01 at the default chunk settings
    db = folder / "resume.sqlite3"
    async with fake.serve() as base_url:
        env = bot_env(base_url, sim, db, 1.0)
        env["LLM_MAX_CONCURRENCY"] = "4"  # so the video is done in waves and can be cut
        bot = BotProcess(env)
        await bot.start()
        await polling(fake, 0)
        fake.push_text(user, "https://youtu.be/vocabDemo01")
        while True:  # poll the simulator until half of the calls are answered
            answered = [c for c in await calls_of(sim) if c["status"] == 200 and c["finished"]]
            if len(answered) >= chunks // 2:
                break
            await asyncio.sleep(0.02)
        await bot.kill()
        at_kill = len(await calls_of(sim))
        saved = saved_answers(db)
        mark = len(fake.calls)
        started = time.monotonic()
        await bot.start()
        await polling(fake, mark)
        await fake.wait_for(lambda: decks_for(fake, user), limit=120)
        deck_after = time.monotonic() - started
        asked_after = [c for c in (await calls_of(sim))[at_kill:] if c["status"] == 200]
        await bot.stop()
    return {
        "chunks": chunks,
        "answered_before_kill": len(answered),
        "saved_by_the_bot": saved,
        "asked_after_restart": len(asked_after),
        "calls_repeated": len(asked_after) - (chunks - len(answered)),
        "restart_notice_visible_s": notice_visible(fake, user, mark),
        "deck_after_restart_s": deck_after,
    }


def saved_answers(db: Path) -> int | None:
    """Chunk answers in the database (None: this version keeps none)."""
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM chunk_results").fetchone()[0])
        except sqlite3.OperationalError:
            return None


def notice_visible(fake: TimedTelegram, user: int, since: int) -> float | None:
    """Seconds from the first edit saying "restarted" to the first edit that drops it."""
    shown: float | None = None
    for call, at in zip(fake.calls[since:], fake.times[since:], strict=True):
        if call.method not in ("editMessageText", "sendMessage"):
            continue
        if str(call.params.get("chat_id")) != str(user):
            continue
        text = str(call.params.get("text", ""))
        if "restarted" in text.lower():
            shown = at if shown is None else shown
        elif shown is not None:
            return at - shown
    return None


# -- item 11: hanging LLM calls -------------------------------------------------------------


async def hangs(
    sim: SimProcess,
    folder: Path,
    *,
    speedup: float,
    hang_rate: float,
    mix: tuple[int, int],
    horizon: float = 300.0,
) -> dict[str, Any]:
    # A fresh simulator process draws its faults from its fixed seed: every run of the
    # bench meets the same sequence of hangs (in the order the calls arrive).
    await sim.reset(
        speedup=speedup,
        fault_rates={"hang": hang_rate} if hang_rate else {},
        fault_rules=[],
        fault_queue=[],
    )
    where = folder / f"hang-videos-{hang_rate}"
    ids = make_videos(where, *mix)
    source = ChainSource(DirectorySource(where), DirectorySource(SAMPLES_DIR))
    settings = Settings(
        llm_base_url=sim.url,
        db_path=folder / f"hangs-{hang_rate}.sqlite3",
        user_cooldown_seconds=0,
        shutdown_grace_seconds=0,
        **scaled(speedup),
    )
    finished: dict[str, float] = {}
    async with open_app(settings, source=source) as app:
        users = [
            await app.store.get_or_create_user("bench", f"h{i}", learner_language="ko", level="B1")
            for i in range(len(ids))
        ]
        started = time.perf_counter()
        handles = [await app.runner.submit(u, v) for u, v in zip(users, ids, strict=True)]

        async def track(video: str, handle: JobHandle) -> None:
            update = await handle.wait()
            if update.deck is not None:
                finished[video] = (time.perf_counter() - started) * speedup

        waiting = [asyncio.create_task(track(v, h)) for v, h in zip(ids, handles, strict=True)]
        _, pending = await asyncio.wait(waiting, timeout=3 * horizon / speedup)
        for task in pending:
            task.cancel()
        await app.runner.shutdown(grace=0)
    calls = await calls_of(sim)
    at_horizon = sum(1 for v in ids if finished.get(v, float("inf")) > horizon)
    short = [finished[v] for v in ids if "S" in v[4] and v in finished]
    longs = [finished[v] for v in ids if "L" in v[4] and v in finished]
    return {
        "videos": len(ids),
        "long_short": list(mix),
        "hang_rate": hang_rate,
        "unfinished_at_5_min": at_horizon,
        "all_done_s": max(finished.values()) if len(finished) == len(ids) else None,
        "done": len(finished),
        "short_videos_median_s": sorted(short)[len(short) // 2] if short else None,
        "long_videos_median_s": sorted(longs)[len(longs) // 2] if longs else None,
        "llm_requests": len(calls),
        "hung_requests": sum(1 for c in calls if c["fault"] == "hang"),
        "speedup": speedup,
    }


# -- running it ------------------------------------------------------------------------------


async def run(which: set[str], speedup: float, trials: int, mix: tuple[int, int]) -> dict[str, Any]:
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="vocabot-hangs-") as tmp:
        folder = Path(tmp)
        async with sim_process() as sim:
            if "limit" in which:
                report["limit"] = await limit(sim, folder)
                print("limit:", report["limit"], flush=True)
            if "kill" in which:
                report["kill"] = await kills(sim, folder, trials)
                print("kill:", report["kill"], flush=True)
            if "resume" in which:
                report["resume"] = await resume(sim, folder)
                print("resume:", report["resume"], flush=True)
            if "hangs" in which:
                for name, rate in (("no_faults", 0.0), ("hangs", 0.085)):
                    report[name] = await hangs(
                        sim, folder, speedup=speedup, hang_rate=rate, mix=mix
                    )
                    print(f"{name}:", report[name], flush=True)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hangs", description=__doc__)
    parser.add_argument("--only", default="limit,kill,resume,hangs")
    parser.add_argument("--speedup", type=float, default=10.0, help="for the hangs runs")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument(
        "--mix", choices=["mixed", "long"], default="mixed", help="10 long + 10 short, or 20 long"
    )
    parser.add_argument("--out", default=str(RESULTS / "hangs-latest.json"))
    args = parser.parse_args()
    mix = (10, 10) if args.mix == "mixed" else (20, 0)
    report = asyncio.run(run(set(args.only.split(",")), args.speedup, args.kills, mix))
    Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
