"""From the results JSON to the console table, docs/benchmarks.md's numbers and the chart.

Nothing here measures: every figure is read from bench/results/, so the sections are
regenerated (`python -m bench --readme`; bench/headline.py writes the main one), never typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results"
CHART = RESULTS / "scaling.png"
# The generated sections live in docs/benchmarks.md, between the markers below.
README = Path(__file__).parent.parent / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def med(case: dict[str, Any], key: str) -> float:
    value: float = case["median"][key]
    return value


def spread_text(case: dict[str, Any], key: str, digits: int = 2, scale: float = 1.0) -> str:
    m, lo, hi = (case[part][key] * scale for part in ("median", "min", "max"))
    if len(case["runs"]) < 2:
        return f"{m:,.{digits}f}"
    return f"{m:,.{digits}f} ({lo:,.{digits}f}–{hi:,.{digits}f})"


def cards(case: dict[str, Any]) -> float:
    return med(case, "words") + med(case, "phrases")


def tokens(case: dict[str, Any]) -> float:
    return med(case, "prompt_tokens") + med(case, "completion_tokens")


def show(report: dict[str, Any], console: Console) -> None:
    cases = report["cases"]
    where = report.get("server", {}).get("url")
    mode = f"against {where}" if where else ("quick" if report["quick"] else "full")
    table = Table(title=f"vocabot bench ({mode}), median (min–max) of {report['runs_per_case']}")
    for column in ("case", "cards w+p", "wall s", "calls", "tokens p/c", "tok/card", "s/card"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for case in cases.values():
        table.add_row(
            case["label"],
            f"{med(case, 'words'):.0f}+{med(case, 'phrases'):.0f}",
            spread_text(case, "wall_s"),
            f"{med(case, 'llm_calls'):.0f}",
            f"{med(case, 'prompt_tokens'):,.0f}/{med(case, 'completion_tokens'):,.0f}",
            f"{tokens(case) / cards(case):.0f}",
            f"{med(case, 'wall_s') / cards(case):.3f}",
        )
    console.print(table)
    if where:
        return
    facts = Table(title="ours: first page, the client's own time, bound and floor")
    for column in ("case", "calls/limit", "first page s", "client ms", "wall/bound", "wall/floor"):
        facts.add_column(column, justify="left" if column == "case" else "right")
    for case in cases.values():
        if case["design"] == "ours" and "floor_s" in case["median"]:
            facts.add_row(
                case["label"],
                f"{med(case, 'llm_calls'):.0f}/{case['limit'] or 'default'}",
                spread_text(case, "first_page_s"),
                spread_text(case, "client_ms", 0),
                spread_text(case, "wall_over_bound"),
                spread_text(case, "wall_over_floor"),
            )
    console.print(facts)
    for case in cases.values():
        if case["design"] != "ours" and med(case, "failed_calls"):
            console.print(
                f"{case['label']}: {med(case, 'failed_calls'):.0f} calls past the seed's 60 s "
                f"timeout ({med(case, 'round1_failed'):.0f} word/phrase lists, "
                f"{med(case, 'enrich_failed'):.0f} meanings lost)"
            )
    for name, memory in report.get("memory", {}).items():
        console.print(
            f"bot process `{name}`: {memory['baseline_mb']:.0f} MB after start-up, "
            f"peak {memory['peak_mb']:.0f} MB with {memory['jobs']} jobs "
            f"(+{memory['delta_mb']:.0f} MB)"
        )


# -- the chart ------------------------------------------------------------------------------


def chart(report: dict[str, Any], path: Path = CHART) -> Path | None:
    """Wall time and tokens against video length, ours and the seed's (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cases = report["cases"]
    series = {
        "ours (B1)": "ours",
        "seed, write-up design": "writeup",
        "seed, as built": "seed",
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for label, suffix in series.items():
        points = sorted(
            (c["minutes"], c)
            for n, c in cases.items()
            if n.startswith("lecture") and n.endswith(f"_{suffix}")
        )
        if not points:
            continue
        minutes = [m for m, _ in points]
        (line,) = left.plot(minutes, [med(c, "wall_s") for _, c in points], marker="o", label=label)
        right.plot(
            minutes, [tokens(c) for _, c in points], marker="o", label=label, color=line.get_color()
        )
        left.fill_between(
            minutes,
            [c["min"]["wall_s"] for _, c in points],
            [c["max"]["wall_s"] for _, c in points],
            alpha=0.2,
            color=line.get_color(),
        )
    left.set(title="wall time (median, min–max)", xlabel="video minutes", ylabel="seconds")
    right.set(title="LLM tokens (prompt + completion)", xlabel="video minutes", ylabel="tokens")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.suptitle("One video, simulated Qwen2.5-14B-AWQ on one A100 (bench/results/latest.json)")
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# -- writing generated sections into docs/benchmarks.md ------------------------------------


def replace_between(readme: Path, start: str, end: str, section: str) -> None:
    """Put `section` between the `start` and `end` markers of `readme`."""
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{readme} has no {start} … {end} markers")
    body = f"{start}\n{section}\n{end}"
    readme.write_text(pattern.sub(lambda _: body, text), encoding="utf-8")


def run_or_publish(
    *,
    readme: bool,
    out: Path,
    markers: tuple[str, str],
    section: Callable[[dict[str, Any]], str],
    run: Callable[[], dict[str, Any]],
    console: Console,
) -> int:
    """How a bench script ends: with `readme`, rewrite its section of docs/benchmarks.md
    from its last saved run; otherwise run it, save the run to `out` and print the section."""
    if readme:
        report = json.loads(out.read_text(encoding="utf-8"))
        replace_between(README, *markers, section(report))
        console.print(f"docs/benchmarks.md updated from {out.name} ({report['when']})")
        return 0
    report = run()
    RESULTS.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    console.print(section(report))
    console.print(f"written to {out}")
    return 0
