"""`vocabot run`: every platform whose token is set, in one process and one event loop."""

from __future__ import annotations

import asyncio
import logging

from bot.adapters import Adapter, PlatformUnreachable, TokenRejected
from bot.app import App
from bot.extras import require
from bot.fronts import open_front
from bot.process import ops_endpoints, stop_on_signals
from core import Settings

log = logging.getLogger(__name__)


def build_adapters(app: App) -> tuple[list[Adapter], list[str]]:
    """The adapters to start, and a sentence for each platform that will not start."""
    settings = app.settings
    adapters: list[Adapter] = []
    skipped: list[str] = []
    if settings.telegram_bot_token:
        from bot.telegram.adapter import TelegramAdapter

        adapters.append(
            TelegramAdapter(
                app,
                token=settings.telegram_bot_token.get_secret_value(),
                base_url=settings.telegram_api_base_url,
                base_file_url=settings.telegram_api_file_url,
            )
        )
    else:
        skipped.append("Telegram: not started (TELEGRAM_BOT_TOKEN is not set)")
    if settings.discord_bot_token:
        from bot.discord.client import DiscordAdapter

        adapters.append(DiscordAdapter(app, token=settings.discord_bot_token.get_secret_value()))
    else:
        skipped.append("Discord: not started (DISCORD_BOT_TOKEN is not set)")
    return adapters, skipped


async def run(
    settings: Settings, stop: asyncio.Event | None = None, *, simulated: bool = False
) -> int:
    if not settings.telegram_bot_token and not settings.discord_bot_token:
        log.error(
            "No TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN is set, so there is no bot to run. "
            "Set one in .env (see .env.example), or try `vocabot demo` with no tokens."
        )
        return 2
    # a token without its face's packages: one line naming the extra, before anything opens
    if settings.telegram_bot_token:
        require("telegram")
    if settings.discord_bot_token:
        require("discord")
    stop = stop_on_signals(stop)
    async with open_front(settings, allow_simulator=simulated) as app:
        adapters, skipped = build_adapters(app)
        for line in skipped:
            log.info(line)
        started: list[Adapter] = []
        for adapter in adapters:
            try:
                await adapter.start()
            except TokenRejected:
                log.error("%s: the token was rejected; check it", adapter.name)
                continue
            except PlatformUnreachable as exc:
                log.error("%s: cannot reach the API (%s)", adapter.name, exc)
                continue
            log.info("%s: started", adapter.name)
            started.append(adapter)
        if not started:
            log.error("no platform could start")
            return 1
        resumed = await app.runner.resume()
        if resumed:
            log.info("resumed %d job(s) left over from the last run", resumed)
        reminders = (
            asyncio.create_task(app.actions.reminders.run(stop)) if settings.reminders else None
        )
        async with ops_endpoints(settings, app.metrics, app.health):
            await stop.wait()
        if reminders is not None:
            await reminders  # it ends once `stop` is set (a send in progress finishes)
        log.info(
            "shutting down: finishing running videos (up to %ss)", settings.shutdown_grace_seconds
        )
        await app.runner.shutdown(grace=settings.shutdown_grace_seconds)
        for adapter in reversed(started):
            await adapter.stop()
    return 0
