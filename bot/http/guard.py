"""The API's front door, a pure ASGI middleware: authenticate from the headers, then read the
body only up to a cap, before FastAPI (which reads and parses the body first) sees anything.
It leaves the caller in the request's state, where the routes' dependencies (bot/http/deps.py)
find it and spend the key's allowance.

An unauthenticated request is answered 401/403/429 without reading a byte of its body; an
authenticated one whose body is over the cap (by Content-Length, or counted as it streams in,
since a chunked body has no length) is answered 413 without reading the rest. (A valid key
over its own allowance is refused by that dependency, after at most the capped body.) The server
discards what the client still sends, as it arrives, and keeps the connection: closing it
with unread data makes the kernel reset it, and a client that writes its whole body before
reading would then see a broken connection instead of the answer.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.http.auth import (
    ApiError,
    Authenticator,
    client_address,
    client_translator,
    key_from_headers,
    retry_after,
)
from core import N_, DatabaseDown

PROTECTED = ("/v1/", "/api/")
CALLER_STATE = "vocabot_caller"  # request.state's attribute for the authenticated Caller


class TooLarge(Exception):
    pass


class Guard:
    def __init__(self, app: ASGIApp, *, authenticator: Authenticator, max_body: int) -> None:
        self.app = app
        self.authenticator = authenticator
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # WebSockets authenticate in their route (first message)
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        has_body = "transfer-encoding" in headers or headers.get("content-length", "0") != "0"
        try:
            if scope["path"].startswith(PROTECTED):
                caller = await self.authenticator.identify(
                    key_from_headers(headers), client_address(scope)
                )
                scope.setdefault("state", {})[CALLER_STATE] = caller
            body = await self._read_body(headers, receive) if has_body else b""
        except ApiError as exc:
            await exc.response(client_translator(headers))(scope, receive, send)
            return
        except DatabaseDown as exc:  # the key could not be looked up: try again shortly
            down = ApiError(503, exc.code, exc.message, retry_after(exc.retry_in), error=exc)
            await down.response(client_translator(headers))(scope, receive, send)
            return
        except TooLarge:
            error = ApiError(
                413,
                "too_large",
                N_("The request body is too large (at most {limit} bytes)."),
                limit=self.max_body,
            )
            await error.response(client_translator(headers))(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, headers: Headers, receive: Receive) -> bytes:
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; then the connection's own messages (disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
