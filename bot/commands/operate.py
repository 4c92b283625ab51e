"""Operator commands: export a learner's decks, API keys, check an LLM server, the simulator."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import open_core, open_offline
from bot.commands.common import out
from core import EXPORT_FORMATS, BadSetting, ExportFormat, NoDecks, Settings, new_api_key
from devtools.simllm import DIALECTS, SimConfig


async def _export(settings: Settings, args: argparse.Namespace) -> str:
    async with open_offline(settings) as actions:
        if args.user:
            platform, _, platform_id = args.user.partition(":")
            if not platform or not platform_id:
                raise BadSetting(
                    args.user,
                    user_message="--user is PLATFORM:ID, e.g. telegram:12345 or api:alice",
                )
            user = await actions.user(platform, platform_id)
        else:
            user = await actions.local_user()
        fmt: ExportFormat = "csv" if args.format == "csv" else "apkg"
        try:
            exported = await actions.export(user, fmt, args.deck)
        except NoDecks as exc:
            who = args.user or "you (the learner of `vocabot chat` and `vocabot build`)"
            raise NoDecks(str(exc), user_message=f"No decks to export for {who}.") from exc
    path = Path(args.out or exported.filename)
    await asyncio.to_thread(path.write_bytes, exported.data)
    return f"{exported.cards} cards from {exported.decks} deck(s) written to {path}"


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    out.print(asyncio.run(_export(settings, args)))
    return 0


async def _create_api_key(settings: Settings, name: str) -> str:
    async with open_offline(settings) as actions:
        user = await actions.user("api", name)
        key, digest = new_api_key()
        await actions.store.add_api_key(user.id, digest, name)
    return key


def cmd_api_key(args: argparse.Namespace, settings: Settings) -> int:
    key = asyncio.run(_create_api_key(settings, args.user))
    out.print(f"API key for [bold]{args.user}[/] (shown once; only its hash is stored):")
    print(key)
    return 0


async def _check_llm(settings: Settings) -> int:
    from core import check_llm

    async with open_core(settings) as core:
        where = "the bundled simulated vLLM server" if core.simulated else core.llm.base_url
        out.print(f"Checking {where} with model [bold]{settings.llm_model}[/] …")
        report = await check_llm(core.llm, core.http)
    if not report.ok:
        for problem in report.problems:
            out.print(f"[red]✗[/] {problem}")
        return 1
    out.print(f"[green]✓[/] reachable; model found among {len(report.models)} served")
    out.print(f"[green]✓[/] structured output: [bold]{report.structured_output}[/]")
    if report.structured_output != "json_schema":
        out.print(f"  set LLM_STRUCTURED_OUTPUT={report.structured_output} to skip the detection")
    out.print(f"[green]✓[/] round trip: {report.round_trip_ms:.0f} ms")
    if report.tokens_per_second:
        out.print(f"[green]✓[/] short generation: {report.tokens_per_second:.0f} tokens/s")
    for note in report.notes:
        out.print(f"[yellow]![/] {note}")
    return 0


def cmd_check_llm(args: argparse.Namespace, settings: Settings) -> int:
    updates = {
        k: v
        for k, v in (
            ("llm_base_url", args.url),
            ("llm_model", args.model),
            ("llm_api_key", SecretStr(args.key) if args.key else None),
        )
        if v
    }
    return asyncio.run(_check_llm(settings.model_copy(update=updates)))


def cmd_sim_llm(args: argparse.Namespace, settings: Settings) -> int:
    from devtools.simllm import serve_forever  # the simulator's web server, only here

    config = SimConfig(
        speedup=args.speedup,
        model=args.model or settings.llm_model,
        dialect=args.dialect,
        max_num_seqs=args.max_num_seqs,
        fault_rates={k: v for k, v in (("429", args.fail_429), ("500", args.fail_500)) if v},
    )
    asyncio.run(serve_forever(config, args.host, args.port))
    return 0


def add_parsers(sub: Any) -> None:
    check = sub.add_parser("check-llm", help="check that an LLM server works for vocabot")
    check.add_argument("--url", help="override LLM_BASE_URL")
    check.add_argument("--model", help="override LLM_MODEL")
    check.add_argument("--key", help="override LLM_API_KEY")
    check.set_defaults(func=cmd_check_llm)

    export = sub.add_parser("export", help="write a learner's decks as Anki .apkg or CSV")
    export.add_argument(
        "--user", help="PLATFORM:ID, e.g. telegram:12345 (default: you, as in `vocabot chat`)"
    )
    export.add_argument("--format", choices=EXPORT_FORMATS, default="apkg")
    export.add_argument("--deck", type=int, help="one deck id (default: all of the learner's)")
    export.add_argument("--out", default="", help="output file")
    export.set_defaults(func=cmd_export)

    keys = sub.add_parser("api-key", help="manage HTTP API keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="create a key for a user of the HTTP API")
    create.add_argument("--user", required=True, help="a name for the key's user")
    create.set_defaults(func=cmd_api_key)

    sim = sub.add_parser("sim-llm", help="run the simulated vLLM server")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8000)
    sim.add_argument("--speedup", type=float, default=1.0)
    sim.add_argument("--model")
    sim.add_argument("--dialect", choices=DIALECTS, default="vllm")
    sim.add_argument("--max-num-seqs", type=int, default=256)
    sim.add_argument("--fail-429", type=float, default=0.0, help="rate of 429 answers")
    sim.add_argument("--fail-500", type=float, default=0.0, help="rate of 500 answers")
    sim.set_defaults(func=cmd_sim_llm)
