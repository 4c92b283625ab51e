"""`python -m bench.concurrency`: the in-flight limit fixed, or sized to the server.

The 80-minute lecture (bench/lecture.py), our design at B1, simulator at ×1: the default
fixed limit (LLM_MAX_CONCURRENCY=16), a fixed 64, and the adaptive limit
(LLM_ADAPTIVE_CONCURRENCY, from 16 up to 64 and up to 128; core/llm/_adaptive.py). Each
case in a process of its own (bench.one_video); medians of `--runs` runs with min-max.

Results: a table, and JSON in bench/results/concurrency.json; `--readme` rewrites the
concurrency table in docs/benchmarks.md from it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.lecture import write_lecture
from bench.report import RESULTS, med, run_or_publish, spread_text
from bench.simproc import sim_process
from bench.suite import case, machine, run_case

console = Console()
START, END = "<!-- concurrency:start -->", "<!-- concurrency:end -->"
OUT = RESULTS / "concurrency.json"
MINUTES = 80
ADAPTIVE: dict[str, Any] = {"llm_adaptive_concurrency": True, "llm_start_concurrency": 16}
CASES: tuple[tuple[str, str, int, dict[str, Any]], ...] = (
    ("fixed16", "fixed 16 (default)", 16, {}),
    ("fixed64", "fixed 64", 64, {}),
    ("adaptive64", "adaptive, 16 up to 64", 64, ADAPTIVE),
    ("adaptive128", "adaptive, 16 up to 128", 128, ADAPTIVE),
)


async def run(runs: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="vocabot-bench-"))
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs_per_case": runs,
        "machine": machine(),
        "cases": {},
    }
    try:
        lecture = write_lecture(folder, MINUTES)
        async with sim_process() as sim:
            for name, label, limit, extra in CASES:
                console.print(f"{label} …")
                spec = case(name, label, "ours", lecture, minutes=MINUTES, limit=limit, extra=extra)
                report["cases"][name] = await run_case(sim, spec, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


def section(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"Run: {report['when'][:10]}, commit `{m.get('commit', '?')}`, {m['cpus']} CPUs; the "
        f"{MINUTES}-minute lecture, our design at B1, simulator at ×1, medians of "
        f"{report['runs_per_case']} runs with (min–max), model seconds "
        "(`python -m bench.concurrency`).",
        "",
        "| LLM calls in flight | whole deck s | first page s | calls |",
        "| --- | --- | --- | --- |",
    ]
    for name, label, _, _ in CASES:
        c = report["cases"].get(name)
        if c is None:
            continue
        lines.append(
            f"| {label} | **{spread_text(c, 'wall_s', 1)}** | "
            f"{spread_text(c, 'first_page_s')} | {med(c, 'llm_calls'):.0f} |"
        )
    cases = report["cases"]
    fixed, best, adaptive = cases.get("fixed16"), cases.get("fixed64"), cases.get("adaptive64")
    if fixed and best and adaptive:
        wall = med(adaptive, "wall_s")
        lines += [
            "",
            f"Adaptive up to 64: {wall / med(fixed, 'wall_s'):.2f} of the fixed default's "
            f"whole-deck time, {wall / med(best, 'wall_s'):.2f} of a fixed 64's.",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--readme", action="store_true", help="rewrite docs/benchmarks.md")
    args = parser.parse_args()
    return run_or_publish(
        readme=args.readme,
        out=OUT,
        markers=(START, END),
        section=section,
        run=lambda: asyncio.run(run(args.runs)),
        console=console,
    )


if __name__ == "__main__":
    sys.exit(main())
