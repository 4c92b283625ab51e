"""The Bot API's wire format, for the fake server: reading a request's parameters as PTB
sends them, and answering in Telegram's {"ok": ..., "result"/"description": ...} shape."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse


def ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def fail(code: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


async def read_params(request: Request) -> dict[str, Any]:
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
