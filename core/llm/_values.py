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


@dataclass(frozen=True, slots=True)
class Completion(Generic[T]):
    value: T
    requests: int
    prompt_tokens: int
    completion_tokens: int


@dataclass
class Tally:
    on_send: Callable[[], None] | None = None
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
