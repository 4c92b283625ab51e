"""How servers other than vLLM refuse structured output, as a table.

Each dialect maps a response_format type to the (status, message) that server answers it
with; "*" stands for any type other than "text". A type not in the table is accepted.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from devtools.simllm.replies import error

_LLAMA_CPP = (
    "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n"
    "  Input should be 'text' or 'json_object' [type=literal_error]"
)
REFUSALS: dict[str, dict[str, tuple[int, str]]] = {
    "vllm": {},
    # llama-cpp-python validates the request model and answers 500.
    "llamacpp": {"json_schema": (500, _LLAMA_CPP)},
    # older Ollama and other servers that know only json_object
    "json_object": {"json_schema": (400, "response_format.type 'json_schema' is not supported")},
    "prompt": {"*": (400, "response_format is not supported by this server")},
}
DIALECTS = tuple(REFUSALS)


def refusal(dialect: str, response_format: Any) -> Response | None:
    """The error a server of `dialect` answers this response_format with, or None."""
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind in (None, "text"):
        return None
    refusals = REFUSALS.get(dialect, {})
    refused = refusals.get(str(kind)) or refusals.get("*")
    return None if refused is None else error(*refused)
