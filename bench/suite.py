"""The cases the bench measures, each run several times; results as one JSON document.

Every single-video case runs in a fresh process (bench/one_video.py) against the
simulator's process; the load and Telegram cases run in this process; the memory cases
start real `vocabot run` / `vocabot serve-api` processes (bench/memory.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.lecture import write_lecture
from bench.load import many_users, telegram_paths
from bench.memory import api_memory, telegram_bot_memory
from bench.one_video import Spec
from bench.seed import MEASURED, VARIANTS
from bench.simproc import SimProcess, real_server, sim_process
from devtools.samples import SLEEP_TALK

console = Console()
# Every design, ours and the seed's, is played at the same speed: the simulator's
# calibrated speed (x1) in a full run; a quick run plays them all at x10.
PLAYBACK, QUICK_PLAYBACK = 1.0, 10.0
LECTURE_MINUTES = (5, 20, 80, 180)
HEADLINE_MINUTES = 80
EQUAL_WORK_LEVEL = "A1"  # the level whose deck comes nearest the seed's distinct cards
SWEEP = (16, 32, 64, 128, 256)  # fixed in-flight limits: the best of them is the "best"
FIXED: dict[str, Any] = {"llm_adaptive_concurrency": False}
PARTIAL = Path(__file__).parent / "results" / "latest-partial.json"  # kept if a run dies


def spread(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median, min and max of every number the runs report."""
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    out: dict[str, dict[str, float]] = {"median": {}, "min": {}, "max": {}}
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        out["median"][key] = statistics.median(values)
        out["min"][key] = min(values)
        out["max"][key] = max(values)
    return out


def case(
    name: str, label: str, design: str, transcript: Path, *, minutes: float, **spec: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "design": design,
        "transcript": str(transcript),
        "minutes": minutes,
        **spec,
    }


def sweep_cases(lecture: Path, minutes: int, speed: float) -> list[dict[str, Any]]:
    """Our default build against fixed limits: wall / best achievable at any limit."""
    return [
        case(
            f"lecture{minutes}_fixed{limit}",
            f"ours, {minutes} min, B1, fixed {limit} in flight",
            "ours",
            lecture,
            minutes=minutes,
            limit=limit,
            speedup=speed,
            extra=FIXED,
        )
        for limit in SWEEP
    ]


def seed_cases(
    prefix: str, label: str, transcript: Path, minutes: float, speed: float, **spec: Any
) -> list[dict[str, Any]]:
    return [
        case(
            f"{prefix}_{v.name}",
            f"seed, {v.label}{label}",
            v.name,
            transcript,
            minutes=minutes,
            speedup=speed,
            **spec,
        )
        for v in (VARIANTS[name] for name in MEASURED)
    ]


def untimed_case(lecture: Path, speed: float) -> dict[str, Any]:
    """The seed's round 1 on the headline lecture with no timeout: the cards it means to make."""
    return case(
        f"lecture{HEADLINE_MINUTES}_seed_untimed",
        f"seed as built, {HEADLINE_MINUTES} min, round 1 with no timeout (counts only)",
        "as_built_untimed",
        lecture,
        minutes=HEADLINE_MINUTES,
        speedup=speed,
        runs=1,
    )


def plan(quick: bool, folder: Path) -> list[dict[str, Any]]:
    """Which single-video cases to run (see docs/benchmarks.md)."""
    demo, demo_minutes = SLEEP_TALK, 392 / 60
    speed = QUICK_PLAYBACK if quick else PLAYBACK
    level = EQUAL_WORK_LEVEL
    cases = [
        case("ours_b1", "ours, level B1", "ours", demo, minutes=demo_minutes, speedup=speed),
        case(
            "ours_a1",
            f"ours, level {level} (equal work)",
            "ours",
            demo,
            minutes=demo_minutes,
            level=level,
            speedup=speed,
        ),
        *seed_cases("seed", "", demo, demo_minutes, speed),
    ]
    if quick:
        lecture = write_lecture(folder, 5)
        return [
            *cases,
            case("lecture5_ours", "ours, 5 min", "ours", lecture, minutes=5, speedup=speed),
            case(
                "lecture5_seed",
                "seed as built, 5 min",
                "as_built",
                lecture,
                minutes=5,
                speedup=speed,
            ),
        ]
    cases += [
        case(
            "ours_a1_2x",
            f"ours, level {level}, meanings 2x",
            "ours",
            demo,
            minutes=demo_minutes,
            level=level,
            meaning_scale=2.0,
            speedup=speed,
        ),
        case(
            "seed_as_built_2x",
            "seed as built, meanings 2x",
            "as_built",
            demo,
            minutes=demo_minutes,
            meaning_scale=2.0,
            speedup=speed,
        ),
    ]
    for m in LECTURE_MINUTES:
        lecture = write_lecture(folder, m)
        once = {} if m == HEADLINE_MINUTES else {"runs": 1}  # the seed's long runs: once
        cases += [
            case(
                f"lecture{m}_ours", f"ours, {m} min, B1", "ours", lecture, minutes=m, speedup=speed
            ),
            case(
                f"lecture{m}_seed",
                f"seed as built, {m} min",
                "as_built",
                lecture,
                minutes=m,
                speedup=speed,
                **once,
            ),
            case(
                f"lecture{m}_writeup",
                f"seed write-up design, {m} min",
                "writeup",
                lecture,
                minutes=m,
                speedup=speed,
                **once,
            ),
        ]
    lecture = folder / f"benchLecture{HEADLINE_MINUTES}.en.srt"
    cases += [
        case(
            f"lecture{HEADLINE_MINUTES}_ours_{level.lower()}",
            f"ours, {HEADLINE_MINUTES} min, level {level} (equal work)",
            "ours",
            lecture,
            minutes=HEADLINE_MINUTES,
            level=level,
            speedup=speed,
        ),
        case(
            f"lecture{HEADLINE_MINUTES}_seed_as_built_16",
            f"seed as built under a client limit of 16, {HEADLINE_MINUTES} min",
            "as_built_16",
            lecture,
            minutes=HEADLINE_MINUTES,
            speedup=speed,
        ),
        untimed_case(lecture, speed),
        *sweep_cases(lecture, HEADLINE_MINUTES, speed),
        case(
            f"lecture{HEADLINE_MINUTES}_fixed128_one_pool",
            f"ours, {HEADLINE_MINUTES} min, B1, fixed 128, one connection pool (as before)",
            "ours",
            lecture,
            minutes=HEADLINE_MINUTES,
            limit=128,
            speedup=speed,
            extra={**FIXED, "llm_pool_connections": 1024},
        ),
    ]
    return cases


async def run_case(sim: SimProcess, spec: dict[str, Any], runs: int) -> dict[str, Any]:
    keys = set(Spec.__dataclass_fields__) - {"url", "model", "simulated", "api_key", "runs"}
    worker = Spec(
        url=sim.url,
        model=sim.model,
        simulated=sim.simulated,
        api_key=sim.api_key,
        runs=spec.get("runs", runs),
        **{k: v for k, v in spec.items() if k in keys},
    )
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.one_video", json.dumps(asdict(worker))),
        stdout=subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"bench case {spec['name']} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return {**spec, **asdict(worker), **result, **spread(result["runs"])}


async def run_plan(plan: Callable[[Path], list[dict[str, Any]]], runs: int) -> dict[str, Any]:
    """Each case `plan(folder)` lists, `runs` times, against one simulator process (its
    transcripts written into a temporary folder): the report a module's table is made from."""
    folder = Path(tempfile.mkdtemp(prefix="vocabot-bench-"))
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs_per_case": runs,
        "machine": machine(),
        "cases": {},
    }
    try:
        async with sim_process() as sim:
            for spec in plan(folder):
                console.print(f"{spec['label']} …")
                report["cases"][spec["name"]] = await run_case(sim, spec, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


async def repeated(runs: int, measure: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    results = [await measure() for _ in range(runs)]
    return {"runs": results, **spread(results)}


def machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "commit": commit,
    }


async def run(quick: bool, runs: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="vocabot-bench-"))
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "runs_per_case": runs,
        "machine": machine(),
    }
    try:
        async with sim_process() as sim:
            cases = plan(quick, folder)
            report["cases"] = {}
            for i, spec in enumerate(cases, start=1):
                console.print(f"[bold]{i}/{len(cases)}[/] {spec['label']} …")
                report["cases"][spec["name"]] = await run_case(sim, spec, runs)
                PARTIAL.write_text(json.dumps(report, indent=2), encoding="utf-8")
            report["sim_config"] = (await sim.stats())["config"]
            users, speedup = (10, 20.0) if quick else (50, 10.0)
            console.print(f"bot-process memory: `vocabot run` and `serve-api`, {users} jobs …")
            report["memory"] = {
                "run": await telegram_bot_memory(sim, folder, jobs=users, speedup=speedup),
                "serve_api": await api_memory(sim, folder, jobs=users, speedup=speedup),
            }
            console.print(f"{users} users, different videos / the same video / 30% faults …")
            report["load_different_videos"] = await repeated(
                runs,
                lambda: many_users(sim, folder, users=users, same_video=False, speedup=speedup),
            )
            report["load_same_video"] = await repeated(
                runs,
                lambda: many_users(sim, folder, users=users, same_video=True, speedup=speedup),
            )
            faults = {"429": 0.1, "500": 0.1, "malformed": 0.1}
            report["faults_30pct"] = await repeated(
                runs,
                lambda: many_users(
                    sim,
                    folder,
                    users=max(10, users // 2),
                    same_video=False,
                    speedup=speedup,
                    faults=faults,
                ),
            )
            console.print("Telegram adapter paths (×1) …")
            report["telegram"] = await repeated(
                runs, lambda: telegram_paths(sim, folder, busy_jobs=20)
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


async def run_real(url: str, model: str, api_key: str | None, runs: int) -> dict[str, Any]:
    """Against a real OpenAI-compatible server: our design vs the seed's, wall and tokens."""
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": False,
        "runs_per_case": runs,
        "server": {"url": url, "model": model},
        "machine": machine(),
        "cases": {},
    }
    minutes = 392 / 60
    async with real_server(url, model, api_key) as server:
        for spec in (
            case(
                "ours_a1",
                f"ours, level {EQUAL_WORK_LEVEL}",
                "ours",
                SLEEP_TALK,
                minutes=minutes,
                level=EQUAL_WORK_LEVEL,
            ),
            case("ours_b1", "ours, level B1", "ours", SLEEP_TALK, minutes=minutes),
            *(
                case(f"seed_{v.name}", f"seed, {v.label}", v.name, SLEEP_TALK, minutes=minutes)
                for v in (VARIANTS[name] for name in MEASURED)
            ),
        ):
            console.print(f"{spec['label']} on {url} …")
            report["cases"][spec["name"]] = await run_case(server, spec, runs)
    return report
