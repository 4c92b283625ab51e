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
import itertools
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.serving import InProcessServer, listening_socket
from devtools.telegram_wire import (
    BOT_ID,
    BOT_USERNAME,
    TOKEN,
    Call,
    Message,
    bot_json,
    entities_of,
    fail,
    html_problem,
    ok,
    params_of,
    user_json,
)

__all__ = ["BOT_ID", "BOT_USERNAME", "TOKEN", "Call", "FakeTelegram", "Message"]


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
    languages: dict[int, str] = field(default_factory=dict)  # user -> client language_code
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> what users uploaded
    downloads: list[str] = field(default_factory=list)  # file paths the bot downloaded

    def _user(self, user_id: int) -> dict[str, Any]:
        return user_json(user_id, self.languages.get(user_id, "en"))

    def push_document(
        self, user_id: int, filename: str, content: bytes, *, caption: str = ""
    ) -> int:
        """A user sends a file (a document message, optionally with a caption)."""
        message_id = next(self._message_ids)
        file_id = f"file{message_id}"
        self.files[file_id] = content
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": self._user(user_id),
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": filename,
                "file_size": len(content),
            },
        }
        if caption:
            message["caption"] = caption
        self.messages[(user_id, message_id)] = Message(user_id, message_id, caption, from_bot=False)
        self._push({"message": message})
        return message_id

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
            "from": self._user(user_id),
            "text": text,
        }
        if entities := entities_of(text):
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
                    "from": self._user(user_id),
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
        mine = [m for m in self.messages.values() if m.from_bot]
        return [m for m in mine if chat_id is None or m.chat_id == chat_id]

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
            "from": bot_json() if m.from_bot else self._user(m.chat_id),
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
            return fail(401, "Unauthorized")
        params = await params_of(request)
        self.calls.append(Call(method, params))
        try:
            errors = self.server_errors.get(method)
            if errors:
                status = errors.pop(0)
                return fail(status, HTTPStatus(status).phrase)
            pending = self.failures.get(method)
            if pending:
                retry_after = pending.pop(0)
                return fail(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                return ok(True)
            result: JSONResponse = await handler(params)
            if method in self.holds:
                await self._notify()  # the call is visible to waiters while held
                await self.holds[method].wait()
            return result
        finally:
            await self._notify()

    async def api_getMe(self, params: dict[str, Any]) -> JSONResponse:
        return ok(bot_json() | {"can_join_groups": True, "supports_inline_queries": False})

    async def api_setWebhook(self, params: dict[str, Any]) -> JSONResponse:
        url = str(params.get("url") or "")
        if not url:
            return await self.api_deleteWebhook(params)
        if not url.startswith("https://"):
            return fail(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return fail(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        return ok(True)

    async def api_deleteWebhook(self, params: dict[str, Any]) -> JSONResponse:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return ok(True)

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> JSONResponse:
        url = self.webhook["url"] if self.webhook else ""
        pending = len(self._updates)
        return ok({"url": url, "has_custom_certificate": False, "pending_update_count": pending})

    async def api_getUpdates(self, params: dict[str, Any]) -> JSONResponse:
        if self.webhook is not None:
            return fail(
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
                    self._changed.notify_all()  # the bot is polling: visible while it waits
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates) or self._closing),
                        timeout,
                    )
            except TimeoutError:
                pass
        return ok(list(self._updates))

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
            return fail(400, "Bad Request: message is too long")
        if message.parse_mode == "HTML" and (problem := html_problem(message.text)):
            return fail(400, f"Bad Request: {problem}")
        self.messages[(chat_id, message.message_id)] = message
        return ok(self._message_json(message))

    async def api_editMessageText(self, params: dict[str, Any]) -> JSONResponse:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return fail(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message.text == params["text"] and message.reply_markup == markup:
            return fail(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        if len(params["text"]) > 4096:
            return fail(400, "Bad Request: MESSAGE_TOO_LONG")
        if params.get("parse_mode") == "HTML" and (problem := html_problem(params["text"])):
            return fail(400, f"Bad Request: {problem}")
        message.text = params["text"]
        message.reply_markup = markup  # an edit without markup removes the keyboard
        message.parse_mode = params.get("parse_mode")
        return ok(self._message_json(message))

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> JSONResponse:
        query_id = str(params["callback_query_id"])
        if query_id in self.answered_callbacks:
            return fail(
                400,
                "Bad Request: query is too old and response timeout expired or query id is invalid",
            )
        self.answered_callbacks[query_id] = params
        return ok(True)

    async def api_sendDocument(self, params: dict[str, Any]) -> JSONResponse:
        chat_id = int(params["chat_id"])
        upload = params["document"]
        message = Message(chat_id, next(self._message_ids), params.get("caption", ""))
        message.document = (upload["filename"], upload["content"])
        self.messages[(chat_id, message.message_id)] = message
        return ok(self._message_json(message))

    async def api_getFile(self, params: dict[str, Any]) -> JSONResponse:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return fail(400, "Bad Request: invalid file_id")
        size = len(self.files[file_id])
        if size > 20 * 1024 * 1024:  # the Bot API's own limit for downloads
            return fail(400, "Bad Request: file is too big")
        return ok({"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": size,
                   "file_path": f"documents/{file_id}"})  # fmt: skip

    async def download(self, request: Request) -> Response:
        """GET {base_file_url}{token}/{file_path}: the bytes a user uploaded."""
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        self.downloads.append(path)
        content = self.files.get(path.rsplit("/", 1)[-1])
        return (
            Response(content, status_code=200) if content is not None else Response(status_code=404)
        )

    async def api_sendChatAction(self, params: dict[str, Any]) -> JSONResponse:
        return ok(True)

    # -- serving -------------------------------------------------------------------

    @asynccontextmanager
    async def serve(self) -> AsyncIterator[str]:
        """Serve on a loopback port; yields the base URL for PTB (`…/bot`)."""
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self.handle, methods=["POST", "GET"]),
                Route("/file/bot{token}/{path:path}", self.download, methods=["GET"]),
            ]
        )
        sock = listening_socket("127.0.0.1", 0)
        server = InProcessServer(
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
