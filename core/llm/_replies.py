"""Reading a reply: its content, the JSON in it, and what to tell a model that got it wrong."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from core import errors


class ContentRejected(Exception):
    """The answer parsed, but what it says fails the caller's check."""


def extract_json(text: str) -> Any:
    """The JSON value in a reply, tolerating code fences and prose around it."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise json.JSONDecodeError("no JSON object in reply", text, 0)
    return json.loads(text[start : end + 1])


def content_of(data: dict[str, Any]) -> tuple[str, str]:
    """A chat completion's content and finish reason."""
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"] or ""
        return str(content), str(choice.get("finish_reason") or "")
    except (KeyError, IndexError, TypeError) as exc:
        raise errors.LLMBadOutput("no choices[0].message.content in the reply") from exc


def describe(exc: Exception, finish_reason: str) -> str:
    """What is wrong with a reply, in words for the repair request."""
    if isinstance(exc, ContentRejected):
        return str(exc)
    if finish_reason == "length":
        return "the reply was cut off at max_tokens"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where}: {first.get('msg', 'invalid')}"
    return f"not JSON ({exc})"
