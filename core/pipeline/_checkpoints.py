"""Checkpoints: a build's chunk answers, saved as they arrive and reused after a restart.

An answer is keyed by its chunk's fingerprint, a digest of everything asked, so a changed
prompt, schema or chunk is asked again instead of reusing an answer to another question.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import ValidationError

from core.llm import Completion
from core.models import Chunk
from core.prompts import SCHEMA_NAME, ChunkOut, build_messages, max_tokens_for
from core.selection import normalise_level

log = logging.getLogger(__name__)


class Checkpoint(Protocol):
    """Where a build keeps its finished chunk answers (the job runner backs it with the
    store, keyed by the deck's cache key): answers are JSON, keyed by chunk fingerprint."""

    async def load(self) -> Mapping[str, dict[str, Any]]: ...
    async def save(self, fingerprint: str, result: dict[str, Any]) -> None: ...


def chunk_call(
    chunk: Chunk,
    *,
    learner_language: str,
    level: str,
    transcript_language: str,
    generated: bool = False,
) -> tuple[list[dict[str, str]], str]:
    """The call for `chunk`, and its fingerprint (a digest of everything asked)."""
    messages = build_messages(
        chunk,
        learner_language=learner_language,
        level=normalise_level(level),
        transcript_language=transcript_language,
        generated=generated,
    )
    asked = json.dumps([SCHEMA_NAME, max_tokens_for(chunk), messages], ensure_ascii=False)
    return messages, hashlib.sha256(asked.encode()).hexdigest()


def saved_answer(
    chunk: Chunk, saved: Mapping[str, dict[str, Any]], fingerprint: str
) -> Completion[ChunkOut] | None:
    """`chunk`'s answer from an earlier build, if there is a usable one."""
    answer = saved.get(fingerprint)
    if answer is None or "out" not in answer:
        return None
    try:
        return Completion(
            ChunkOut.model_validate(answer["out"]),
            int(answer.get("requests", 1)),
            int(answer.get("prompt_tokens", 0)),
            int(answer.get("completion_tokens", 0)),
        )
    except (ValidationError, TypeError, ValueError):
        log.warning("a saved answer of chunk %d is unreadable; asking again", chunk.index)
        return None


def answer_record(completion: Completion[ChunkOut]) -> dict[str, Any]:
    """What is saved of an answer: the output and what it cost."""
    return {
        "out": completion.value.model_dump(mode="json"),
        "requests": completion.requests,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
    }


async def save_answer(
    checkpoint: Checkpoint | None, fingerprint: str, result: dict[str, Any]
) -> None:
    """Hand an answer to the checkpoint; an answer that cannot be saved is still used."""
    if checkpoint is None:
        return
    try:
        await checkpoint.save(fingerprint, result)
    except Exception:  # the answer is still in hand: the build goes on without it saved
        log.warning("could not save a chunk's answer", exc_info=True)
