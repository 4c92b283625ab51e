"""A front: the process that answers users (`vocabot run`, `vocabot serve-api`).

It builds decks itself, or, on PostgreSQL (DATABASE_URL), queues them for `vocabot worker`
processes. Here rather than in bot/app.py so that bot/queue.py, which builds on bot/app.py,
is imported by nothing it imports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.app import App, open_app
from bot.extras import require
from core import Settings


@asynccontextmanager
async def open_front(settings: Settings, *, allow_simulator: bool = False) -> AsyncIterator[App]:
    """The App of a front: on PostgreSQL its jobs go to the queue (procrastinate loads only
    then), otherwise it builds decks in this process like every other command."""
    if settings.database_url:
        require("postgres")
        from bot.queue import open_front as open_queue_front

        async with open_queue_front(settings) as queued:
            yield queued
        return
    async with open_app(settings, allow_simulator=allow_simulator) as app:
        yield app
