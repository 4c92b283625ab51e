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
from bench.seed import VARIANTS
from bench.simproc import SimProcess, real_server, sim_process
from devtools.samples import SLEEP_TALK

console = Console()
SEED_SPEEDUP = 5.0  # the seed's calls are many and long; played 5x faster, in model seconds
LECTURE_MINUTES = (5, 20, 80, 180)
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


def plan(quick: bool, folder: Path) -> list[dict[str, Any]]:
    """Which single-video cases to run (see docs/benchmarks.md)."""
    demo = SLEEP_TALK
    minutes = 392 / 60
    seed_speed = 20.0 if quick else SEED_SPEEDUP
    cases = [
        case("ours_b1", "ours, level B1", "ours", demo, minutes=minutes, level="B1"),
        case("ours_a1", "ours, level A1 (equal work)", "ours", demo, minutes=minutes, level="A1"),
        *(
            case(
                f"seed_{v.name}",
                f"seed, {v.label}",
                v.name,
                demo,
                minutes=minutes,
                speedup=seed_speed,
            )
            for v in VARIANTS.values()
            if not quick or v.name != "as_built_16"
        ),
    ]
    if quick:
        lecture = write_lecture(folder, 5)
        return [
            *cases,
            case("lecture5_ours", "ours, 5 min", "ours", lecture, minutes=5),
            case(
                "lecture5_seed",
                "seed as built, 5 min",
                "as_built",
                lecture,
                minutes=5,
                speedup=seed_speed,
            ),
        ]
    cases += [
        case(
            "ours_a1_limit64",
            "ours, level A1, LLM_MAX_CONCURRENCY=64",
            "ours",
            demo,
            minutes=minutes,
            level="A1",
            limit=64,
        ),
        case(
            "ours_a1_2x",
            "ours, level A1, meanings 2x",
            "ours",
            demo,
            minutes=minutes,
            level="A1",
            meaning_scale=2.0,
        ),
        case(
            "seed_as_built_2x",
            "seed as built, meanings 2x",
            "as_built",
            demo,
            minutes=minutes,
            speedup=seed_speed,
            meaning_scale=2.0,
        ),
        case(
            "seed_writeup_2x",
            "seed write-up design, meanings 2x",
            "writeup",
            demo,
            minutes=minutes,
            speedup=seed_speed,
            meaning_scale=2.0,
        ),
    ]
    cases.append(
        case(
            "seed_as_built_x1",
            "seed as built, played at x1 (a check of the x5 speed-up)",
            "as_built",
            demo,
            minutes=minutes,
            runs=1,
        )
    )
    for m in LECTURE_MINUTES:
        lecture = write_lecture(folder, m)
        ours_speed = 2.0 if m >= 180 else 1.0
        cases += [
            case(
                f"lecture{m}_ours",
                f"ours, {m} min, B1",
                "ours",
                lecture,
                minutes=m,
                speedup=ours_speed,
            ),
            case(
                f"lecture{m}_seed",
                f"seed as built, {m} min",
                "as_built",
                lecture,
                minutes=m,
                speedup=10.0,
            ),
            case(
                f"lecture{m}_writeup",
                f"seed write-up design, {m} min",
                "writeup",
                lecture,
                minutes=m,
                speedup=10.0,
            ),
        ]
    cases.append(
        case(
            "lecture80_ours_limit128",
            "ours, 80 min, B1, LLM_MAX_CONCURRENCY=128",
            "ours",
            folder / "benchLecture80.en.srt",
            minutes=80,
            limit=128,
        )
    )
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
            case("ours_a1", "ours, level A1", "ours", SLEEP_TALK, minutes=minutes, level="A1"),
            case("ours_b1", "ours, level B1", "ours", SLEEP_TALK, minutes=minutes),
            *(
                case(f"seed_{v.name}", f"seed, {v.label}", v.name, SLEEP_TALK, minutes=minutes)
                for v in VARIANTS.values()
            ),
        ):
            console.print(f"{spec['label']} on {url} …")
            report["cases"][spec["name"]] = await run_case(server, spec, runs)
    return report
