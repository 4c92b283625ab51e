"""What the client tells observers about each request: metrics and spending listen here."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP request to an LLM server, as it ended."""

    server: str  # server_label(): scheme://host:port, never a credential or a path
    status: str  # the HTTP status code, "timeout" or "connection"
    seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    owner: Hashable = None  # whose build asked (the job runner passes the user id)


class CallObserver(Protocol):
    def call(self, record: CallRecord) -> None: ...
    def retry(self, server: str) -> None: ...


def server_label(base_url: str) -> str:
    """A server's name for metrics and health lines: scheme://host:port, nothing secret."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "unknown"
    return f"{parts.scheme}://{host}{port}" if host else "unknown"
