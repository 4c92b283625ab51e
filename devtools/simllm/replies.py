"""The bodies an OpenAI-compatible server answers with: errors and chat completions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from core.llm import SIMULATOR_FINGERPRINT
from devtools.simllm.config import CallRecord, SimConfig


@dataclass(frozen=True)
class Reply:
    """The assistant's text as sent, its tokens as counted for timing, and why it ended."""

    content: str
    tokens: list[str]
    finish: str = "stop"


def error(
    status: int, message: str, kind: str = "BadRequestError", headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": status}},
        status_code=status,
        headers=headers,
    )


def completion(config: SimConfig, record: CallRecord, reply: Reply) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-sim-{record.id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": config.model,
        "system_fingerprint": SIMULATOR_FINGERPRINT if config.fingerprint else None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": reply.finish,
            }
        ],
        "usage": {
            "prompt_tokens": record.prompt_tokens,
            "completion_tokens": record.completion_tokens,
            "total_tokens": record.prompt_tokens + record.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": record.cached_tokens},
        },
    }
