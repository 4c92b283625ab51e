"""What a call returns and what the client counts: plain values, no behaviour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


class TextReply(BaseModel):
    text: str


@dataclass
class LLMStats:
    """Counters for the whole process (a benchmark reads them)."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    repairs: int = 0
    # Time the client itself was busy (core/llm/_observe.ClientClock): sending, the
    # connection pool, reading, parsing and checking answers (pydantic, the caller's `check`).
    client_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Completion(Generic[T]):
    value: T
    requests: int
    prompt_tokens: int
    completion_tokens: int


@dataclass
class Tally:
    on_send: Callable[[], None] | None = None
    priority: bool = False  # ahead of every other waiter for a slot (a deck's first page)
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
