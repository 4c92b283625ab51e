"""`python -m bench [--quick]`, then `python -m bench --readme`.

Measures vocabot against the seed design (three variants), its own bound and floor, how
cost grows with video length, the bot process's memory, load, faults and the Telegram
paths, all against the simulated vLLM server in its own process over real HTTP. Every
timed figure is the median of several runs with min-max. Results: a table, and JSON in
bench/results/ (latest.json for a full run). `--readme` rewrites docs/benchmarks.md's numbers and
the chart from latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from bench import headline
from bench import report as render
from bench.suite import run, run_real
from core.config import Settings

console = Console()


def save(report: dict[str, Any], name: str) -> None:
    render.RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for path in (render.RESULTS / f"{stamp}.json", render.RESULTS / name):
        path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    console.print(f"written to {render.RESULTS}/{name}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    parser.add_argument("--runs", type=int, help="runs per case (default 3; --quick: 1)")
    parser.add_argument(
        "--readme",
        action="store_true",
        help="regenerate docs/benchmarks.md's numbers and the chart from latest.json",
    )
    parser.add_argument(
        "--llm-base-url",
        help="measure a real OpenAI-compatible server instead (e.g. vLLM on a GPU): "
        "our design vs the seed's on the bundled sample",
    )
    parser.add_argument("--model", default=Settings().llm_model)
    parser.add_argument("--api-key")
    args = parser.parse_args()
    if args.readme:
        report = json.loads((render.RESULTS / "latest.json").read_text(encoding="utf-8"))
        chart = render.chart(report)
        if chart is None:
            console.print("[yellow]matplotlib is not installed: pip install -e '.[bench]'[/]")
        headline.update_readme(report)
        console.print(f"docs/benchmarks.md updated from latest.json ({report['when']})")
        return 0
    runs = args.runs or (1 if args.quick else 3)
    if args.llm_base_url:
        report = asyncio.run(run_real(args.llm_base_url, args.model, args.api_key, runs))
        name = "latest-real.json"
    else:
        report = asyncio.run(run(args.quick, runs))
        name = "latest-quick.json" if args.quick else "latest.json"
    render.show(report, console)
    save(report, name)
    if not args.quick and not args.llm_base_url:
        render.chart(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
