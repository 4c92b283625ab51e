"""A local fake of the Telegram Bot API, for tests of the real python-telegram-bot stack.

PTB is pointed at it with `ApplicationBuilder().base_url(...)`; requests arrive as
form-encoded (values JSON-encoded), multipart (uploads) or bare POSTs, like from the
real library. It serves getMe/getUpdates (long polling) or, once setWebhook is called,
holds updates for the test to deliver to the bot's webhook (getUpdates is then refused
with 409, as Telegram does), keeps the chats' messages so
edits behave as Telegram's do ("message is not modified", keyboards dropped when an edit
has no reply_markup), records every call, can answer 429 with retry_after or a 5xx, and
can hold its answers to a method (the call is done, the bot has not heard back yet).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devtools.bot_api_wire import fail as _fail
from devtools.bot_api_wire import ok as _ok
from devtools.bot_api_wire import read_params as _params

BOT_ID = 7_000_000
BOT_USERNAME = "vocabot_test_bot"
TOKEN = "7000000:TEST-token"


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Message:
    chat_id: int
    message_id: int
    text: str = ""
    reply_markup: Any = None
    parse_mode: str | None = None
    document: tuple[str, bytes] | None = None
    from_bot: bool = True

    @property
    def plain(self) -> str:
        """The text as a user sees it (HTML parse mode rendered to plain text)."""
        if self.parse_mode != "HTML":
            return self.text
        return html.unescape(re.sub(r"<[^>]+>", "", self.text))

    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button."""
        markup = self.reply_markup or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]

    def button(self, label_part: str) -> str:
        for text, data in self.buttons():
            if label_part in text:
                return data
        raise KeyError(f"no button with {label_part!r} in {self.buttons()}")


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], Message] = field(default_factory=dict)
    answered_callbacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)  # method -> retry_after list
    server_errors: dict[str, list[int]] = field(default_factory=dict)  # method -> 5xx codes
    holds: dict[str, asyncio.Event] = field(default_factory=dict)  # method -> answer when set
    webhook: dict[str, Any] | None = None  # setWebhook's url, secret_token, allowed_updates
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _callback_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _closing: bool = False

    # -- what tests do ---------------------------------------------------------------

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
        message_id: int | None = None,
    ) -> int:
        """A user's message; with `message_id`, that message delivered once more (as
        Telegram does after a crash, when the bot never confirmed the update)."""
        chat = chat_id if chat_id is not None else user_id
        message_id = next(self._message_ids) if message_id is None else message_id
        self.messages[(chat, message_id)] = Message(chat, message_id, text, from_bot=False)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": chat_type},
            "from": _user(user_id),
            "text": text,
        }
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
        mention = f"@{BOT_USERNAME}"
        if mention in text:
            entities.append(
                {"type": "mention", "offset": text.index(mention), "length": len(mention)}
            )
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            replied = self.messages[(chat, reply_to)]
            message["reply_to_message"] = self._message_json(replied)
        self._push({"message": message})
        return message_id

    def push_callback(self, user_id: int, message: Message, data: str) -> str:
        query_id = str(next(self._callback_ids))
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": _user(user_id),
                    "message": self._message_json(message),
                    "chat_instance": str(message.chat_id),
                    "data": data,
                }
            }
        )
        return query_id

    def fail_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([retry_after] * times)

    def error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next `times` calls of `method` answer `status` (a 5xx: Telegram's bad moments)."""
        self.server_errors.setdefault(method, []).extend([status] * times)

    def hold(self, method: str) -> asyncio.Event:
        """Do calls of `method` at once but answer them only when the event is set."""
        return self.holds.setdefault(method, asyncio.Event())

    def sent(self, chat_id: int | None = None) -> list[Message]:
        """Messages the bot sent (and their current state), oldest first."""
        return [
            m
            for m in self.messages.values()
            if m.from_bot and (chat_id is None or m.chat_id == chat_id)
        ]

    def take_updates(self) -> list[dict[str, Any]]:
        """The updates waiting for the bot, off the queue: what Telegram POSTs to a webhook."""
        taken, self._updates = self._updates, []
        return taken

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], limit: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked after every API call)."""

        async def wait() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(wait(), limit)

    # -- the HTTP side ---------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _message_json(self, m: Message) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": m.message_id,
            "date": int(time.time()),
            "chat": {"id": m.chat_id, "type": "private" if m.chat_id > 0 else "group"},
            "from": _bot() if m.from_bot else _user(m.chat_id),
        }
        if m.text:
            data["text"] = m.text
        if m.reply_markup:
            data["reply_markup"] = m.reply_markup
        if m.document:
            data["document"] = {
                "file_id": f"doc{m.message_id}",
                "file_unique_id": f"u{m.message_id}",
                "file_name": m.document[0],
            }
        return data

    async def handle(self, request: Request) -> JSONResponse:
        token, method = request.path_params["token"], request.path_params["method"]
        if token != self.token:
            return _fail(401, "Unauthorized")
        params = await _params(request)
        self.calls.append(Call(method, params))
        try:
            errors = self.server_errors.get(method)
            if errors:
                status = errors.pop(0)
                return _fail(status, HTTPStatus(status).phrase)
            pending = self.failures.get(method)
            if pending:
                retry_after = pending.pop(0)
                return _fail(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                return _ok(True)
            result: JSONResponse = await handler(params)
            if method in self.holds:
                await self._notify()  # the call is visible to waiters while held
                await self.holds[method].wait()
            return result
        finally:
            await self._notify()

    async def api_getMe(self, params: dict[str, Any]) -> JSONResponse:
        return _ok(_bot() | {"can_join_groups": True, "supports_inline_queries": False})

    async def api_setWebhook(self, params: dict[str, Any]) -> JSONResponse:
        url = str(params.get("url") or "")
        if not url:
            return await self.api_deleteWebhook(params)
        if not url.startswith("https://"):
            return _fail(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return _fail(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        return _ok(True)

    async def api_deleteWebhook(self, params: dict[str, Any]) -> JSONResponse:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return _ok(True)

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> JSONResponse:
        url = self.webhook["url"] if self.webhook else ""
        pending = len(self._updates)
        return _ok({"url": url, "has_custom_certificate": False, "pending_update_count": pending})

    async def api_getUpdates(self, params: dict[str, Any]) -> JSONResponse:
        if self.webhook is not None:
            return _fail(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0 and not self._closing:
            try:
                async with self._changed:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates) or self._closing),
                        timeout,
                    )
            except TimeoutError:
                pass
        return _ok(list(self._updates))

    async def api_sendMessage(self, params: dict[str, Any]) -> JSONResponse:
        chat_id = int(params["chat_id"])
        message = Message(
            chat_id,
            next(self._message_ids),
            params["text"],
            params.get("reply_markup"),
            params.get("parse_mode"),
        )
        if len(message.text) > 4096:
            return _fail(400, "Bad Request: message is too long")
        self.messages[(chat_id, message.message_id)] = message
        return _ok(self._message_json(message))

    async def api_editMessageText(self, params: dict[str, Any]) -> JSONResponse:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return _fail(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.text == params["text"] and message.reply_markup == markup:
            return _fail(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        if len(params["text"]) > 4096:
            return _fail(400, "Bad Request: MESSAGE_TOO_LONG")
        message.text = params["text"]
        message.reply_markup = markup  # an edit without markup removes the keyboard
        message.parse_mode = params.get("parse_mode")
        return _ok(self._message_json(message))

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> JSONResponse:
        query_id = str(params["callback_query_id"])
        if query_id in self.answered_callbacks:
            return _fail(
                400,
                "Bad Request: query is too old and response timeout expired or query id is invalid",
            )
        self.answered_callbacks[query_id] = params
        return _ok(True)

    async def api_sendDocument(self, params: dict[str, Any]) -> JSONResponse:
        chat_id = int(params["chat_id"])
        upload = params["document"]
        message = Message(chat_id, next(self._message_ids), params.get("caption", ""))
        message.document = (upload["filename"], upload["content"])
        self.messages[(chat_id, message.message_id)] = message
        return _ok(self._message_json(message))

    async def api_sendChatAction(self, params: dict[str, Any]) -> JSONResponse:
        return _ok(True)

    # -- serving -------------------------------------------------------------------

    @asynccontextmanager
    async def serve(self) -> AsyncIterator[str]:
        """Serve on a loopback port; yields the base URL for PTB (`…/bot`)."""
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self.handle, methods=["POST", "GET"])]
        )
        sock = socket.socket()
        # No Nagle: small responses on kept-alive connections must not wait for an ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        )
        task = asyncio.create_task(server.serve(sockets=[sock]), name="fake-telegram")
        try:
            yield f"http://127.0.0.1:{sock.getsockname()[1]}/bot"
        finally:
            self._closing = True
            await self._notify()
            server.should_exit = True
            try:
                await asyncio.wait_for(task, 5)
            except TimeoutError:
                task.cancel()
            sock.close()


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}


def _bot() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "vocabot", "username": BOT_USERNAME}
