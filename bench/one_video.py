"""One video, one design, several runs, in a fresh process of its own.

`python -m bench.one_video '<spec JSON>'` prints one JSON line: a result per run, plus the
process's resident memory after start-up and at its peak. The bench starts one such
process per case, so the CPU time and memory measured are this design's alone (not the
bench's, not the simulator's: that runs in a process of its own too).

For our design each run also records the client's own time (`client_ms`: stamped inside
the LLM client around sending and parsing, core/llm/_observe.py, summed over the build),
the time to the deck's first page, and from the simulator's record of every call:
- bound: local work + the slowest call as the simulator scheduled it;
- floor: local work + max(all uncached prefill at the prefill rate, the longest call's
  own prefill + its decode at batch-1 speed). No client can beat it on this server.
"""

from __future__ import annotations

import asyncio
import functools
import json
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.seed import SEED_TIMEOUT_S, UNTIMED_S, VARIANTS, seed_build, seed_client
from bench.simproc import NO_FAULTS, SimProcess, ok_calls, settings_for
from bot.app import open_core
from core.models import Progress, Stage
from core.pipeline import DeckRequest
from core.transcripts import DirectorySource, load_transcript_file


@dataclass
class Spec:
    url: str  # the LLM server (…/v1)
    model: str
    design: str  # "ours" or a seed variant name (bench.seed.VARIANTS)
    transcript: str  # a .srt/.vtt file named <video id>.<lang>.<ext>
    runs: int = 3
    level: str = "B1"
    limit: int | None = None  # our client's LLM_MAX_CONCURRENCY; None: the default
    speedup: float = 1.0
    meaning_scale: float = 1.0
    simulated: bool = True
    api_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def rss_mb(field_name: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def floors(calls: list[dict[str, Any]], config: dict[str, Any], local: float) -> dict[str, float]:
    """The tight floor, and the old, looser one (all prefill in series, for the record)."""
    rate, t_o, t0 = float(config["prefill_rate"]), float(config["t_overhead"]), float(config["t0"])
    grammar = float(config.get("grammar_token_s", 0.0))

    def alone(c: dict[str, Any]) -> float:
        per_token = t0 + (grammar if c.get("constrained") else 0.0)
        own_prefill = (int(c["prompt_tokens"]) - int(c["cached_tokens"])) / rate
        return own_prefill + t_o + (int(c["completion_tokens"]) - 1) * per_token

    uncached = sum(c["prompt_tokens"] - c["cached_tokens"] for c in calls)
    longest_output = max(c["completion_tokens"] for c in calls)
    return {
        "floor_s": local + max(uncached / rate, max(alone(c) for c in calls)),
        "floor_loose_s": local + uncached / rate + t_o + (longest_output - 1) * t0,
    }


async def _mark_local(p: Progress, marks: dict[str, float]) -> None:
    """Local work ends when the LLM calls start (the first "extracting 0/n"); the learner
    sees the deck's first page with the first progress that carries one."""
    if p.stage == Stage.EXTRACTING and p.done == 0:
        marks["local"] = time.perf_counter() - marks["started"]
    if p.page and "first_page" not in marks:
        marks["first_page"] = time.perf_counter() - marks["started"]
        marks["first_page_cards"] = len(p.page)


async def run_ours(spec: Spec, sim: SimProcess, folder: Path) -> list[dict[str, Any]]:
    path = Path(spec.transcript)
    video_id = path.name.split(".")[0]
    limit = {} if spec.limit is None else {"llm_max_concurrency": spec.limit}
    settings = settings_for(spec.url, spec.model, spec.api_key, folder, **limit, **spec.extra)
    results = []
    async with open_core(settings, source=DirectorySource(path.parent)) as core:
        for _ in range(spec.runs):
            await sim.reset(speedup=spec.speedup, meaning_scale=spec.meaning_scale, **NO_FAULTS)
            marks: dict[str, float] = {}
            progress = functools.partial(_mark_local, marks=marks)
            cpu = cpu_seconds()
            client = core.llm.stats.client_seconds
            marks["started"] = time.perf_counter()
            deck = await core.pipeline.build(DeckRequest(video_id, level=spec.level), progress)
            wall = (time.perf_counter() - marks["started"]) * spec.speedup
            result: dict[str, Any] = {
                "wall_s": wall,
                "cpu_s": cpu_seconds() - cpu,
                "local_s": marks.get("local", 0.0),
                # Time to first page (model seconds); with no page before the deck, the deck.
                "first_page_s": marks.get("first_page", wall / spec.speedup) * spec.speedup,
                "first_page_cards": marks.get("first_page_cards", 0),
                "chunks": deck.stats.chunks,
                "llm_calls": deck.stats.llm_calls,
                "prompt_tokens": deck.stats.prompt_tokens,
                "completion_tokens": deck.stats.completion_tokens,
                "words": len(deck.words),
                "phrases": len(deck.phrases),
                "headwords": len(deck.words),  # ours: one card per dictionary form already
                "missing_parts": len(deck.missing),
                # The client's own time, stamped inside it (core/llm/_observe.Stopwatch),
                # summed over the build's requests: real milliseconds, not model seconds.
                "client_ms": (core.llm.stats.client_seconds - client) * 1000,
            }
            stats = await sim.stats()
            if stats:  # the simulator's record: bounds and overhead
                calls = ok_calls(stats)
                slowest = max(c["e2e"] for c in calls)
                bound = result["local_s"] + slowest
                result |= floors(calls, stats["config"], result["local_s"])
                result |= {
                    "cached_prompt_tokens": sum(c["cached_tokens"] for c in calls),
                    "slowest_call_s": slowest,
                    "bound_s": bound,
                    "overhead_ms": (wall - bound) * 1000,
                    "wall_over_bound": wall / bound,
                    "wall_over_floor": wall / result["floor_s"],
                }
            results.append(result)
    return results


async def run_seed(spec: Spec, sim: SimProcess) -> list[dict[str, Any]]:
    variant = VARIANTS[spec.design]
    results = []
    # The seed's client: 60 s a call (model seconds, so played back faster with the
    # simulator), no retry; its failures are counted, not hidden (bench/seed.py).
    timeout = SEED_TIMEOUT_S if variant.timed else UNTIMED_S
    timeout = timeout / spec.speedup if spec.simulated else timeout
    limits = httpx.Limits(max_connections=max(variant.limit, 1), max_keepalive_connections=20)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        llm = seed_client(
            http, spec.url, spec.model, limit=variant.limit, timeout=timeout, api_key=spec.api_key
        )
        for _ in range(spec.runs):
            await sim.reset(speedup=spec.speedup, meaning_scale=spec.meaning_scale, **NO_FAULTS)
            cpu = cpu_seconds()
            started = time.perf_counter()
            transcript = load_transcript_file(Path(spec.transcript))
            seed = await seed_build(
                llm,
                transcript,
                enrich=variant.enrich,
                temperature=variant.temperature,
                chunks_wanted=variant.chunks,
            )
            wall = (time.perf_counter() - started) * spec.speedup  # model seconds
            results.append(
                {
                    "wall_s": wall,
                    "cpu_s": cpu_seconds() - cpu,
                    "round1_s": seed.round_s[0] * spec.speedup,
                    "round2_s": seed.round_s[1] * spec.speedup if variant.enrich else 0.0,
                    "llm_calls": seed.requests,
                    "prompt_tokens": seed.prompt_tokens,
                    "completion_tokens": seed.completion_tokens,
                    "words": seed.words,
                    "phrases": seed.phrases,
                    "headwords": seed.headwords,
                    "failed_calls": seed.failed_calls,
                    "round1_calls": seed.round1_calls,
                    "round1_failed": seed.round1_failed,
                    "enrich_calls": seed.enrich_calls,
                    "enrich_failed": seed.enrich_failed,
                }
            )
    return results


async def main(spec: Spec) -> dict[str, Any]:
    baseline = rss_mb()
    async with httpx.AsyncClient(timeout=60) as control:
        sim = SimProcess(
            spec.url, control, simulated=spec.simulated, model=spec.model, api_key=spec.api_key
        )
        if spec.design == "ours":
            with tempfile.TemporaryDirectory(prefix="vocabot-bench-") as folder:
                runs = await run_ours(spec, sim, Path(folder))
        else:
            runs = await run_seed(spec, sim)
    return {"runs": runs, "rss_start_mb": baseline, "rss_peak_mb": rss_mb("VmHWM")}


if __name__ == "__main__":
    outcome = asyncio.run(main(Spec(**json.loads(sys.argv[1]))))
    print(json.dumps(outcome))
