"""Fault injection: one small strategy per fault, looked up in a table by name.

A request meets its fault at three stages, and each strategy acts at one of them:
`refuse` answers instead of the model (an error status, or a hang until the client gives
up), `transform` changes the JSON the model would have answered, `damage` spoils the text
after it is written. The base `Fault` passes every stage through: it is "no fault".
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from devtools.answers import bad_types, invent, junk_meanings
from devtools.glosses import count_tokens
from devtools.simllm.config import CallRecord, SimConfig
from devtools.simllm.replies import Reply, error


@dataclass
class Attempt:
    """What a fault may look at: the request, its record, the prompt and the settings."""

    request: Request
    record: CallRecord
    config: SimConfig
    prompt: list[str]  # the prompt's tokens
    max_tokens: int

    @property
    def context_tokens(self) -> int:
        return len(self.prompt) + self.max_tokens


class Fault:
    """No fault; a subclass overrides the one stage it acts at."""

    async def refuse(self, attempt: Attempt) -> Response | None:
        """An answer instead of the model's, or None to go on."""
        return None

    def transform(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The JSON answer the model gives instead of `answer`."""
        return answer

    def damage(self, reply: Reply) -> Reply:
        """The text the model sends instead of `reply`."""
        return reply


@dataclass(frozen=True)
class Refuse(Fault):
    """An error status instead of an answer."""

    status: int
    message: str
    kind: str

    async def refuse(self, attempt: Attempt) -> Response | None:
        attempt.record.status = self.status
        return error(self.status, self.message, self.kind)


class RateLimited(Fault):
    """429 with Retry-After (seconds) and retry-after-ms, in real time."""

    async def refuse(self, attempt: Attempt) -> Response | None:
        attempt.record.status = 429
        wait = attempt.config.retry_after / attempt.config.speedup
        headers = {"Retry-After": str(max(1, round(wait))), "retry-after-ms": str(int(wait * 1000))}
        return error(429, "Too many requests", "RateLimitError", headers=headers)


class ContextOverflow(Fault):
    """vLLM's 400 for a prompt plus max_tokens longer than the model's context."""

    async def refuse(self, attempt: Attempt) -> Response | None:
        attempt.record.status = 400
        limit, prompt = attempt.config.max_model_len, len(attempt.prompt)
        return error(
            400,
            f"This model's maximum context length is {limit} tokens. "
            f"However, you requested {attempt.context_tokens} tokens "
            f"({prompt} in the messages, {attempt.max_tokens} in the completion).",
        )


class Hang(Fault):
    """No answer at all until the client hangs up (status 0 in the record)."""

    async def refuse(self, attempt: Attempt) -> Response | None:
        attempt.record.status = 0
        while (await attempt.request.receive())["type"] != "http.disconnect":
            pass
        return Response(status_code=504)


@dataclass(frozen=True)
class Rewrite(Fault):
    """A model that answers valid JSON with the wrong content."""

    rewrite: Callable[[dict[str, Any]], dict[str, Any]]

    def transform(self, answer: dict[str, Any]) -> dict[str, Any]:
        return self.rewrite(answer)


@dataclass(frozen=True)
class Cut(Fault):
    """The first 1/`parts` of the text. `ran_out`: as if max_tokens ran out there (tokens
    recounted, finish "length"); otherwise the text is just broken mid-way."""

    parts: int
    ran_out: bool

    def damage(self, reply: Reply) -> Reply:
        content = reply.content[: max(1, len(reply.content) // self.parts)]
        if not self.ran_out:
            return Reply(content, reply.tokens, reply.finish)
        return Reply(content, count_tokens(content), "length")


def _empty(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: [] for key in answer}


NO_FAULT = Fault()
OVERFLOW = ContextOverflow()
# The order is the order rates are drawn in (keep it: seeded runs depend on it).
STRATEGIES: dict[str, Fault] = {
    "429": RateLimited(),
    "500": Refuse(500, "Internal server error", "InternalServerError"),
    "hang": Hang(),
    "malformed": Cut(parts=2, ran_out=False),
    "overflow": OVERFLOW,
    "invent": Rewrite(invent),
    "empty": Rewrite(_empty),
    "wrongtypes": Rewrite(bad_types),
    "truncate": Cut(parts=3, ran_out=True),
    "junkmeanings": Rewrite(junk_meanings),
}
FAULTS = tuple(STRATEGIES)


def strategy(name: str | None) -> Fault:
    """The strategy for a fault name; an unknown name or None is no fault."""
    return STRATEGIES.get(name or "", NO_FAULT)


def pick_fault(config: SimConfig, rng: random.Random, prompt: str) -> str | None:
    """The next queued fault, else the first rule whose text is in the prompt, else one
    drawn by rate."""
    if config.fault_queue:
        return config.fault_queue.pop(0) or None
    for needle, fault in config.fault_rules:
        if needle in prompt:
            return fault
    for fault in FAULTS:
        rate = config.fault_rates.get(fault, 0.0)
        if rate and rng.random() < rate:
            return fault
    return None
