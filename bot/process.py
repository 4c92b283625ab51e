"""What every long-running process (`vocabot run`, `vocabot worker`) shares: a stop on
SIGINT/SIGTERM, and its metrics and health endpoints on METRICS_PORT."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core import Health, Metrics, Settings


def stop_on_signals(stop: asyncio.Event | None = None) -> asyncio.Event:
    """An event SIGINT and SIGTERM set, from now on: a stop asked for while the process
    is still starting (or resuming jobs) is a clean one."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


@asynccontextmanager
async def ops_endpoints(
    settings: Settings, metrics: Metrics, health: Health
) -> AsyncIterator[None]:
    """/metrics, /healthz and /readyz on METRICS_PORT while the block runs (nothing
    without one)."""
    if not settings.metrics_port:
        yield
        return
    from bot.http.ops import serve_ops  # the web server loads only when asked for

    async with serve_ops(metrics, health, settings.metrics_port, settings.metrics_host):
        yield
