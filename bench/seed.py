"""The seed design (the FastAPI service vocabot replaces), as a benchmark baseline.

Round 1: chunks of the transcript, two calls per chunk (words, phrases), all at once.
Round 2 (as built, not in its write-up): one "enrich" call per word and per phrase.
JSON asked for in the prompt (no structured output), max_tokens 4096. Its client gave
every call 60 s (httpx timeout=60) and never retried: a call past 60 s failed, the
service answered 200 with that part empty, so the chunk's words or phrases were lost (a
round-1 call) or the card had no meaning (an enrich call). `SEED_TIMEOUT_S` and
`seed_build` model that: failures are counted by round, not retried.

Three variants are measured (`VARIANTS`):
- the write-up's design at its own granularity: the transcript cut into ~10 chunks (~20
  calls in parallel), no enrich round, so no meanings on its cards;
- the code as built: 2,000-token chunks, with its own client (httpx's default pool of 100
  connections, no other limit);
- the code as built under vocabot's default start limit of 16 calls in flight;
and, for counts only, round 1 as built with no timeout: the cards the seed means to make.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from pydantic import BaseModel, Field

from core import errors
from core.chunking import estimate_tokens, make_chunks
from core.config import StructuredOutput
from core.llm import Completion, LLMClient
from core.models import Transcript
from core.selection import lemma_of

SEED_CHUNK_TOKENS = 2000  # as built
WRITEUP_CHUNKS = 10  # the write-up's granularity: ~10 chunks, ~20 calls at once
SEED_TIMEOUT_S = 60.0  # the seed's httpx timeout per call, model seconds; no retry
UNTIMED_S = 900.0  # "no timeout": longer than any call takes
M = TypeVar("M", bound=BaseModel)


class SeedWord(BaseModel):
    word: str
    pos: str = "n"


class SeedWords(BaseModel):
    words: list[SeedWord] = Field(default_factory=list)


class SeedPhrase(BaseModel):
    phrase: str


class SeedPhrases(BaseModel):
    phrases: list[SeedPhrase] = Field(default_factory=list)


class SeedEnrich(BaseModel):
    meanings: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)
    example: str = ""


WORDS_PROMPT = (
    "You are an English teacher. TASK: seed_words\n"
    "Extract every noun, verb, adjective and adverb from the text. "
    'Return JSON: {"words": [{"word": "...", "pos": "n|v|adj|adv"}]}'
)
PHRASES_PROMPT = (
    "You are an English teacher. TASK: seed_phrases\n"
    "Extract the idioms and phrasal verbs from the text. "
    'Return JSON: {"phrases": [{"phrase": "..."}]}'
)
ENRICH_PROMPT = (
    "You are an English teacher. TASK: seed_enrich\n"
    "Explain the item for a Korean learner. Return JSON: "
    '{"meanings": ["Korean meaning"], "synonyms": ["English"], "example": "a sentence"}'
)


@dataclass(frozen=True)
class SeedVariant:
    name: str
    label: str
    enrich: bool  # the per-item second round
    limit: int  # concurrent calls the client allows
    temperature: float
    chunks: int | None = None  # cut the transcript into this many chunks (else 2,000 tokens)
    timed: bool = True  # its 60 s per call (False: the cards it means to make, counts only)


HTTPX_DEFAULT_POOL = 100  # httpx.Limits(max_connections=100): the seed's only limit
VARIANTS = {
    v.name: v
    for v in (
        SeedVariant(
            "writeup",
            "write-up design at its own granularity: ~20 parallel calls, no meanings",
            False,
            100,
            0.3,
            WRITEUP_CHUNKS,
        ),
        SeedVariant("as_built", "as built: + 1 enrich call per item, pool of 100", True, 100, 0.7),
        SeedVariant("as_built_16", "as built, under a client limit of 16", True, 16, 0.7),
        SeedVariant(
            "as_built_untimed",
            "as built, round 1 with no timeout (the cards it means to make)",
            False,
            100,
            0.7,
            timed=False,
        ),
    )
}
MEASURED = ("writeup", "as_built", "as_built_16")  # the baselines timed everywhere


@dataclass
class SeedResult:
    words: int
    phrases: int
    headwords: int  # distinct dictionary forms among the words ("industries" = "industry")
    requests: int
    prompt_tokens: int
    completion_tokens: int
    failed_calls: int
    round_s: list[float] = field(default_factory=list)
    round1_calls: int = 0
    round1_failed: int = 0  # word or phrase lists lost (past the timeout, or refused)
    enrich_calls: int = 0
    enrich_failed: int = 0  # cards left with no meaning


def chunk_tokens(transcript: Transcript, chunks: int | None) -> int:
    """Tokens per chunk: 2,000 as built, or the transcript cut into `chunks` pieces."""
    if chunks is None:
        return SEED_CHUNK_TOKENS
    total = sum(estimate_tokens(s.text) for s in transcript.segments)
    return max(1, -(-total // chunks))


def seed_client(
    http: httpx.AsyncClient,
    url: str,
    model: str,
    *,
    limit: int,
    timeout: float = SEED_TIMEOUT_S,
    api_key: str | None = None,
) -> LLMClient:
    """The seed's client: `timeout` seconds a call (real seconds: divide SEED_TIMEOUT_S by
    the simulator's speed-up), never retried, JSON asked for in the prompt only."""
    return LLMClient(
        http,
        base_url=url,
        model=model,
        api_key=api_key,
        max_concurrency=limit,
        timeout=timeout,
        deadline=timeout,
        deadline_per_token=0.0,
        max_attempts=1,
        structured_output=StructuredOutput.PROMPT,
    )


async def seed_build(
    llm: LLMClient,
    transcript: Transcript,
    *,
    enrich: bool = True,
    temperature: float = 0.7,
    chunks_wanted: int | None = None,
) -> SeedResult:
    size = chunk_tokens(transcript, chunks_wanted)
    chunks = make_chunks(transcript.segments, [], max_tokens=size, max_items=10**9)
    totals = [0, 0, 0]
    failed = 0

    async def call(system: str, user: str, model: type[M]) -> M | None:
        nonlocal failed
        try:
            done: Completion[M] = await llm.complete_json(
                [{"role": "system", "content": system}, {"role": "user", "content": user}],
                schema_name="seed",
                schema={},
                model_type=model,
                temperature=temperature,
                max_tokens=4096,
            )
        except errors.VocabotError:
            failed += 1  # the seed returned 200 with empty fields on failure
            return None
        totals[0] += done.requests
        totals[1] += done.prompt_tokens
        totals[2] += done.completion_tokens
        return done.value

    texts = [" ".join(s.text for s in chunk.segments) for chunk in chunks]
    started = time.perf_counter()
    round1 = await asyncio.gather(
        *(call(WORDS_PROMPT, text, SeedWords) for text in texts),
        *(call(PHRASES_PROMPT, text, SeedPhrases) for text in texts),
    )
    words: dict[str, None] = {}
    phrases: dict[str, None] = {}
    for result in round1:
        if isinstance(result, SeedWords):
            words.update((w.word.lower(), None) for w in result.words)
        elif isinstance(result, SeedPhrases):
            phrases.update((p.phrase.lower(), None) for p in result.phrases)
    rounds = [time.perf_counter() - started]
    round1_failed = failed
    if enrich:
        started = time.perf_counter()
        await asyncio.gather(
            *(call(ENRICH_PROMPT, f"Item: {item}", SeedEnrich) for item in [*words, *phrases])
        )
        rounds.append(time.perf_counter() - started)
    headwords = len({lemma_of(w) for w in words})
    return SeedResult(
        len(words),
        len(phrases),
        headwords,
        len(round1) + (len(words) + len(phrases) if enrich else 0),  # failed calls too
        totals[1],
        totals[2],
        failed,
        rounds,
        round1_calls=len(round1),
        round1_failed=round1_failed,
        enrich_calls=len(words) + len(phrases) if enrich else 0,
        enrich_failed=failed - round1_failed,
    )
