"""`vocabot worker`: builds decks from the job queue (DATABASE_URL), as many as you run."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.extras import require
from bot.process import ops_endpoints, stop_on_signals
from core import Settings

log = logging.getLogger(__name__)


async def work(
    settings: Settings, stop: asyncio.Event | None = None, *, simulated: bool = False
) -> int:
    """Run one worker until SIGTERM/SIGINT (or `stop`): running builds then get
    SHUTDOWN_GRACE_SECONDS to finish, and the rest go back to the queue."""
    if not settings.database_url:
        log.error(
            "`vocabot worker` builds decks from the job queue in PostgreSQL: set "
            "DATABASE_URL (see .env.example). Without it, `vocabot run` and "
            "`vocabot serve-api` build decks in their own process."
        )
        return 2
    require("postgres")
    from bot.queue import open_worker  # procrastinate and psycopg load only here

    stop = stop_on_signals(stop)
    async with (
        open_worker(settings, allow_simulator=simulated) as worker,
        ops_endpoints(settings, worker.metrics, worker.health),
    ):
        log.info("worker started: building decks from the queue")
        if not await worker.builder.run(stop):
            log.error("the queue worker stopped on its own (see above); exiting")
            return 1
    log.info("worker stopped")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(work(settings, simulated=args.simulated))
