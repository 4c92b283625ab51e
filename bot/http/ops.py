"""/metrics, /healthz and /readyz: for Prometheus, load balancers and orchestrators.

The HTTP API serves them next to its routes (no API key: they carry no user's data); the
chat bots' process (`vocabot run`) and any other long-running process serve them on
METRICS_PORT with `serve_ops` (one line in a process's main, as `vocabot run` does:
`async with serve_ops(app.metrics, app.health, settings.metrics_port, settings.metrics_host):`).
Only Starlette and uvicorn are imported, not FastAPI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.logs import adopt_uvicorn_loggers
from bot.serving import InProcessServer, listening_socket
from core import CONTENT_TYPE, Health, Metrics

log = logging.getLogger(__name__)


def ops_routes(metrics: Metrics, health: Health) -> list[Route]:
    async def metrics_page(request: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    async def alive(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def ready(request: Request) -> Response:
        readiness = await health.ready()
        if not readiness.ok:
            failing = [c.name for c in readiness.checks if not c.ok]
            log.warning("not ready: %s", ", ".join(failing))
        return JSONResponse(readiness.as_dict(), status_code=200 if readiness.ok else 503)

    return [
        Route("/metrics", metrics_page, methods=["GET"]),
        Route("/healthz", alive, methods=["GET"]),
        Route("/readyz", ready, methods=["GET"]),
    ]


@contextlib.asynccontextmanager
async def serve_ops(
    metrics: Metrics, health: Health, port: int, host: str = "127.0.0.1"
) -> AsyncIterator[int]:
    """Serve /metrics, /healthz and /readyz on `port` (0: any free one) while the block
    runs; yields the port."""
    sock = listening_socket(host, port, 64)
    adopt_uvicorn_loggers()
    config = uvicorn.Config(
        Starlette(routes=ops_routes(metrics, health)),
        log_config=None,
        log_level=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = InProcessServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="ops-http")
    bound = int(sock.getsockname()[1])
    log.info("metrics and health on port %d (/metrics, /healthz, /readyz)", bound)
    try:
        yield bound
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, 5)
        except TimeoutError:
            task.cancel()
        sock.close()
