"""`python -m bench.concurrency`: the default in-flight limit against the best achievable.

The 80-minute lecture (bench/lecture.py), our design at B1, simulator at ×1: the default
settings (the adaptive limit, from LLM_START_CONCURRENCY=16 up to LLM_MAX_CONCURRENCY=128;
core/llm/_adaptive.py) and fixed limits of 16, 32, 64, 128 and 256. Best = the fastest
whole deck of them all; the default's wall / best is the goal (<= 1.2). Each case in a
process of its own (bench.one_video); medians of `--runs` runs with min-max.

Results: a table, and JSON in bench/results/concurrency.json; `--readme` rewrites the
concurrency table in docs/benchmarks.md from it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.lecture import write_lecture
from bench.report import RESULTS, med, run_or_publish, spread_text
from bench.suite import case, run_plan, sweep_cases

console = Console()
START, END = "<!-- concurrency:start -->", "<!-- concurrency:end -->"
OUT = RESULTS / "concurrency.json"
MINUTES = 80
GOAL = 1.2  # wall / best at default settings (issue 28)


def plan(folder: Path) -> list[dict[str, Any]]:
    lecture = write_lecture(folder, MINUTES)
    default = case("default", "default: adaptive, 16 up to 128", "ours", lecture, minutes=MINUTES)
    return [default, *sweep_cases(lecture, MINUTES, 1.0)]


async def run(runs: int) -> dict[str, Any]:
    return await run_plan(plan, runs)


def section(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"Run: {report['when'][:10]}, commit `{m.get('commit', '?')}`, {m['cpus']} CPUs; the "
        f"{MINUTES}-minute lecture, our design at B1, simulator at ×1, medians of "
        f"{report['runs_per_case']} runs with (min–max), model seconds "
        "(`python -m bench.concurrency`).",
        "",
        "| LLM calls in flight | whole deck s | first page s | calls | client ms | wall / best |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    cases = report["cases"]
    best = min(med(c, "wall_s") for c in cases.values())
    for c in cases.values():
        lines.append(
            f"| {c['label'].removeprefix(f'ours, {MINUTES} min, B1, ')} | "
            f"**{spread_text(c, 'wall_s', 1)}** | {spread_text(c, 'first_page_s')} | "
            f"{med(c, 'llm_calls'):.0f} | {spread_text(c, 'client_ms', 0)} | "
            f"{med(c, 'wall_s') / best:.2f} |"
        )
    default = cases.get("default")
    if default is not None:
        ratio = med(default, "wall_s") / best
        lines += [
            "",
            f"Goal (issue 28): the default's wall / best <= {GOAL}: {ratio:.2f}, "
            f"{'met' if ratio <= GOAL else 'missed'}.",
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
