"""Keeping a public bot healthy: `vocabot health`, `vocabot usage`, `vocabot backup`.

Operator output, in English.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from rich.table import Table

from bot.app import make_http_client, open_offline, wants_simulator
from bot.commands.common import err, out
from core import Check, Health, LLMClient, Readiness, Settings, account
from storage.sqlite import SQLiteStore
from storage.sqlite.backup import backup_sqlite

# -- health ------------------------------------------------------------------------------


async def _ask_running(url: str) -> Readiness | None:
    """The readiness a running process reports at `url`/readyz (None: nothing answers)."""
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{url.rstrip('/')}/readyz")
            data = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    checks = data.get("checks", {}) if isinstance(data, dict) else {}
    return Readiness(
        tuple(
            Check(str(name), bool(c.get("ok")), str(c.get("detail", "")))
            for name, c in checks.items()
        )
    )


async def _check_here(settings: Settings) -> Readiness:
    """The store and the LLM server, checked from this process (no platforms: only the
    process that runs them knows whether they are connected)."""
    store = await SQLiteStore.open(settings.db_path)
    try:
        async with make_http_client(settings) as http:
            llm = None
            if not wants_simulator(settings):
                key = settings.llm_api_key
                llm = LLMClient(
                    http,
                    base_url=settings.llm_base_url or "",
                    model=settings.llm_model,
                    api_key=key.get_secret_value() if key else None,
                )
            readiness = await Health(store, llm, llm_fresh_seconds=0).ready()
    finally:
        await store.close()
    if llm is None:
        note = Check("llm", True, "the bundled simulator (LLM_BASE_URL is not set)")
        readiness = Readiness((*readiness.checks, note))
    return readiness


async def _health(settings: Settings, url: str | None) -> int:
    if url is None and settings.metrics_port:
        url = f"http://127.0.0.1:{settings.metrics_port}"
    if url is not None:
        readiness = await _ask_running(url)
        if readiness is None:
            out.print(f"[red]✗[/] nothing answers at {url}/readyz: is vocabot running?")
            return 1
        out.print(f"Asked the running process at {url}/readyz:")
    else:
        readiness = await _check_here(settings)
    for check in readiness.checks:
        mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
        out.print(f"{mark} {check.name}: {check.detail}")
    out.print("ready" if readiness.ok else "[red]not ready[/]")
    return 0 if readiness.ok else 1


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_health(settings, args.url))


# -- usage -------------------------------------------------------------------------------


async def _usage(settings: Settings, days: int, top: int) -> None:
    since = datetime.now(UTC).date() - timedelta(days=days - 1)
    async with open_offline(settings) as actions:
        by_day, spenders = await actions.admin.usage(since, top)
    table = Table(title=f"LLM usage per day (UTC), since {since}")
    for column in ("day", "new decks", "prompt tokens", "completion tokens", "learners"):
        table.add_column(column, justify="left" if column == "day" else "right")
    for day in by_day:
        u = day.usage
        table.add_row(
            str(day.day), f"{u.builds:,}", f"{u.prompt_tokens:,}", f"{u.completion_tokens:,}",
            f"{day.users:,}",
        )  # fmt: skip
    out.print(table)
    people = Table(title=f"Top {top} learners by tokens, since {since}")
    for column in ("learner", "new decks", "prompt tokens", "completion tokens"):
        people.add_column(column, justify="left" if column == "learner" else "right")
    for row in spenders:
        who = account(row.user) if row.user else "(learners who used /forget)"
        u = row.usage
        people.add_row(who, f"{u.builds:,}", f"{u.prompt_tokens:,}", f"{u.completion_tokens:,}")
    out.print(people)


def cmd_usage(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_usage(settings, args.days, args.top))
    return 0


# -- backup ------------------------------------------------------------------------------


PG_BACKUP = (
    "Backup refused: DATABASE_URL is set, so the bot's data is in PostgreSQL, not in "
    "{db_path} (that file is not the live database). Back PostgreSQL up with its own tool, "
    'e.g.: pg_dump --format=custom --file=vocabot.dump "$DATABASE_URL"'
)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    if settings.database_url:
        err.print(PG_BACKUP.format(db_path=settings.db_path), markup=False, highlight=False)
        return 1
    report = backup_sqlite(settings.db_path, Path(args.path), overwrite=args.force)
    out.print(
        f"[green]✓[/] {settings.db_path} copied to {report.target}: {report.bytes:,} bytes, "
        f"{report.pages:,} pages, integrity {report.integrity}"
    )
    return 0
