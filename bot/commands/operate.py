"""Operator commands: a learner's decks (list, export), where they are kept, API keys,
check an LLM server, the simulator."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from bot.app import open_core, open_offline
from bot.commands.common import out
from core import (
    Actions,
    BadSetting,
    DeckInfo,
    DeckNotFound,
    ExportFormat,
    NoDecks,
    Settings,
    User,
    default_db_path,
)
from devtools.simllm import SimConfig


async def _learner(actions: Actions, spec: str | None) -> User:
    """`--user PLATFORM:ID`, or the local learner (the one `vocabot chat` talks to)."""
    if not spec:
        return await actions.learners.local()
    platform, _, platform_id = spec.partition(":")
    if not platform or not platform_id:
        raise BadSetting(
            spec, user_message="--user is PLATFORM:ID, e.g. telegram:12345 or api:alice"
        )
    return await actions.learners.user(platform, platform_id)


def deck_lines(decks: list[DeckInfo]) -> list[str]:
    """One line per deck, its id first (what `export --deck` takes)."""
    return [
        f"{d.id:>5}  {d.created_at:%Y-%m-%d}  {d.words} words, {d.phrases} phrases  "
        f"{d.title or d.video_id or 'an uploaded file'} ({d.learner_language}, {d.level})"
        for d in decks
    ]


def who(spec: str | None) -> str:
    return spec or "you (the learner of `vocabot chat` and `vocabot build`)"


async def _decks(settings: Settings, spec: str | None) -> list[str]:
    async with open_offline(settings) as actions:
        decks = await actions.decks.all(await _learner(actions, spec))
    if not decks:
        return [f"No decks yet for {who(spec)} (in {where_data(settings)})."]
    return ["   id  built       deck", *deck_lines(decks)]


def cmd_decks(args: argparse.Namespace, settings: Settings) -> int:
    for line in asyncio.run(_decks(settings, args.user)):
        print(line)
    return 0


async def _export(settings: Settings, args: argparse.Namespace) -> str:
    async with open_offline(settings) as actions:
        user = await _learner(actions, args.user)
        fmt: ExportFormat = "csv" if args.format == "csv" else "apkg"
        try:
            exported = await actions.decks.export(user, fmt, args.deck)
        except NoDecks as exc:
            message = f"No decks to export for {who(args.user)} (in {where_data(settings)})."
            raise NoDecks(str(exc), user_message=message) from exc
        except DeckNotFound as exc:
            lines = deck_lines(await actions.decks.all(user))
            message = "\n".join([f"No deck {args.deck} for {who(args.user)}; the decks:", *lines])
            raise DeckNotFound(str(exc), user_message=message) from exc
    path = Path(args.out or exported.filename)
    await asyncio.to_thread(path.write_bytes, exported.data)
    return f"{exported.cards} cards from {exported.decks} deck(s) written to {path}"


def where_data(settings: Settings) -> str:
    """Where the decks are: the SQLite file, or the PostgreSQL server (password hidden)."""
    if settings.database_url:
        parts = urlsplit(settings.database_url)
        return f"PostgreSQL at {parts.hostname or 'localhost'}{parts.path} (DATABASE_URL)"
    origin = "DB_PATH" if settings.db_path != default_db_path() else "default; DB_PATH changes it"
    where = str(settings.db_path)  # an SQLite URI (file:...) is shown as it is
    return f"{where if where.startswith('file:') else os.path.abspath(where)} ({origin})"


def cmd_where(args: argparse.Namespace, settings: Settings) -> int:
    """Plain lines (never wrapped): a path to copy."""
    env = Path(".env")
    print(f"decks, words and progress: {where_data(settings)}")
    found = "" if env.is_file() else " (not there; see .env.example)"
    print(f"settings: the environment, and {env.resolve()}{found}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    out.print(asyncio.run(_export(settings, args)))
    return 0


async def _create_api_key(settings: Settings, name: str) -> str:
    async with open_offline(settings) as actions:
        return await actions.learners.create_api_key(name)


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
