"""The Bot API's wire format, as the fake Telegram server speaks it: what PTB sends (form,
JSON or multipart parameters) and what Telegram answers (users, results, errors)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

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


# Telegram's HTML parse mode: these tags only, properly nested and closed, every & < > that
# is not markup written as an entity (https://core.telegram.org/bots/api#html-style).
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
        "tg-spoiler", "tg-emoji", "blockquote"}  # fmt: skip
_TOKEN = re.compile(
    r"<(/?)([A-Za-z][\w-]*)((?:\s[^<>]*)?)>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|[<>&]"
)
ENTITIES = {"lt", "gt", "amp", "quot"}
MAX_TEXT = 4096


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this HTML message (its own error's wording), or None."""
    stack: list[str] = []
    visible = 0
    at = 0
    for token in _TOKEN.finditer(text):
        visible += len(text[at : token.start()].encode("utf-16-le")) // 2
        at = token.end()
        closing, name, _, entity = token.groups()
        if token.group(0) in "<>&":
            where = token.start()
            return f"can't parse entities: Unsupported start tag at byte offset {where}"
        if entity is not None:
            if not entity.startswith("#") and entity not in ENTITIES:
                return f"can't parse entities: Unsupported HTML entity {entity!r}"
            visible += 1
            continue
        name = name.lower()
        if name not in TAGS:
            return f'can\'t parse entities: Unsupported start tag "{name}"'
        if not closing:
            stack.append(name)
        elif not stack or stack[-1] != name:
            return f"can't parse entities: Can't find start tag corresponding to end tag \"{name}\""
        else:
            stack.pop()
    visible += len(text[at:].encode("utf-16-le")) // 2
    if stack:
        unclosed = stack[-1]
        return f"can't parse entities: Can't find end tag corresponding to start tag \"{unclosed}\""
    if visible > MAX_TEXT:
        return "message is too long"
    return None


def user_json(user_id: int, language_code: str = "en") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"User{user_id}",
        "language_code": language_code,
    }


def bot_json() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "vocabot", "username": BOT_USERNAME}


def entities_of(text: str) -> list[dict[str, Any]]:
    """The entities Telegram marks in a user's text: a leading /command, an @mention of us."""
    entities = []
    if text.startswith("/"):
        command = text.split()[0]
        entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
    mention = f"@{BOT_USERNAME}"
    if mention in text:
        entities.append({"type": "mention", "offset": text.index(mention), "length": len(mention)})
    return entities


def ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def fail(code: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


async def params_of(request: Request) -> dict[str, Any]:
    """Parameters as PTB sends them: JSON-encoded values in a form, or multipart uploads."""
    content_type = request.headers.get("content-type", "")
    out: dict[str, Any] = {}
    if content_type.startswith("application/json"):
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    if not content_type:
        return out
    async with request.form() as form:
        out.update(await _form_values(form))
    # PTB sends attachments as "attach://name" references in multipart requests.
    for key, value in list(out.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            out[key] = out.pop(value.removeprefix("attach://"), value)
    return out


async def _form_values(form: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            out[key] = {"filename": value.filename, "content": await value.read()}
            continue
        text = str(value)
        if key in ("text", "caption", "callback_query_id", "parse_mode", "url", "secret_token"):
            out[key] = text  # strings are sent as they are, even when they look like JSON
            continue
        try:
            out[key] = json.loads(text)
        except ValueError:
            out[key] = text
    return out
