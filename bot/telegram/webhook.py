"""Telegram webhook mode: Telegram POSTs each update to us instead of us polling for it.

Several fronts can then sit behind one load balancer: every front serves the same path,
and every update carries the `X-Telegram-Bot-Api-Secret-Token` header with the secret
given to setWebhook, so a request without it (anyone who found the URL) gets 403 and
never reaches a handler. This is PTB's "custom webhook" setup: a small Starlette app feeds
`Update.de_json(...)` into the Application's update_queue, and the same handlers as in
polling mode answer it. PTB's own `run_webhook` would need tornado; this needs nothing new.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from core import Settings

if TYPE_CHECKING:  # the web server loads only in webhook mode, not for long polling
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes; a body past this is not from Telegram.
MAX_UPDATE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Webhook:
    """Where Telegram sends updates (public URL) and where this process listens for them."""

    url: str
    secret: str
    host: str = "127.0.0.1"
    port: int = 8443

    @property
    def path(self) -> str:
        """The path this front serves: the public URL's (a load balancer passes it on)."""
        return urlsplit(self.url).path or "/"

    @classmethod
    def from_settings(cls, settings: Settings) -> Webhook | None:
        """Webhook mode when TELEGRAM_WEBHOOK_URL is set (Settings checked the secret)."""
        if not settings.telegram_webhook_url or settings.telegram_webhook_secret is None:
            return None
        return cls(
            url=settings.telegram_webhook_url,
            secret=settings.telegram_webhook_secret.get_secret_value(),
            host=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
        )


class WebhookServer:
    """The webhook's HTTP server, in this process's event loop (uvicorn on a socket)."""

    def __init__(self, webhook: Webhook, application: Application[Any, Any, Any, Any, Any, Any]):
        self.webhook = webhook
        self.application = application
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """It listens (uvicorn serves the socket)."""
        return self._task is not None and not self._task.done()

    def app(self) -> Starlette:
        from starlette.applications import Starlette
        from starlette.routing import Route

        return Starlette(routes=[Route(self.webhook.path, self.receive, methods=["POST"])])

    async def start(self) -> None:
        """Listen now (OSError when the address is taken): connections wait in the backlog
        until uvicorn accepts them, so updates sent right after setWebhook are not lost."""
        import uvicorn

        from bot.serving import InProcessServer, listening_socket

        sock = listening_socket(self.webhook.host, self.webhook.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app(),
            log_config=None,  # our logging (and its redaction) as it is
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = InProcessServer(config)  # `vocabot run` handles the signals
        self._task = asyncio.create_task(
            self._server.serve(sockets=[sock]), name="telegram-webhook"
        )

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, 10)
        except TimeoutError:
            self._task.cancel()
        self._server = self._task = None

    async def receive(self, request: Request) -> Response:
        """One update from Telegram: checked, parsed and queued for the handlers."""
        from starlette.responses import Response

        client = request.client.host if request.client else "?"
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            log.warning("Telegram webhook: refused a request from %s (no valid secret)", client)
            return Response(status_code=403)
        body = await _read_body(request)
        if body is None:
            log.warning("Telegram webhook: refused an oversized body from %s", client)
            return Response(status_code=413)
        update = self._parse(body)
        if update is None:
            log.warning("Telegram webhook: a body from %s is not an update", client)
            return Response(status_code=400)
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return None
            return Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than an update can be."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPDATE_BYTES:
            return None
    return bytes(body)
