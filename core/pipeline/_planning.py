"""Planning, local work only: the candidates of a transcript and the chunks to ask about."""

from __future__ import annotations

from dataclasses import dataclass

from core import errors
from core.chunking import estimate_tokens, make_chunks
from core.models import Chunk, Transcript
from core.prompts import build_messages, max_tokens_for
from core.selection import looks_generated, select

# What a minute of the longest video may cost, in tokens sent and asked for (prompts + the
# output room of each call): a build may plan at most MAX_VIDEO_MINUTES x this. Measured:
# the bench's 180-minute lecture plans ~248k (~1,400 a minute; it spends ~181k), a short
# dense talk ~2,250 a minute (a long video repeats its words: fewer new ones a minute). A
# transcript that would cost more is not a video (issue 25: 2 MB of cues at 00:00:01
# spent 7x what a 180-minute video does).
TOKENS_PER_MINUTE = 2_000


@dataclass(frozen=True, slots=True)
class DeckRequest:
    """What to build: a video (or an already loaded transcript) for one learner."""

    video_id: str | None
    learner_language: str = "ko"
    level: str = "B1"
    languages: tuple[str, ...] = ("en",)
    known_words: frozenset[str] = frozenset()
    transcript: Transcript | None = None


def generated_captions(transcript: Transcript) -> bool:
    """Speech recognition wrote the captions: YouTube says so, or they read like it."""
    return transcript.is_generated or looks_generated(transcript.segments)


def transcript_tokens(transcript: Transcript) -> int:
    """The tokens of the transcript's text alone (a lower bound of what a build sends)."""
    return sum(estimate_tokens(s.text) for s in transcript.segments)


def planned_tokens(chunks: list[Chunk], request: DeckRequest, language: str) -> int:
    """Tokens one round of calls sends (system and user prompts) and may get back."""
    total = 0
    for chunk in chunks:
        messages = build_messages(
            chunk,
            learner_language=request.learner_language,
            level=request.level,
            transcript_language=language,
        )
        total += sum(estimate_tokens(m["content"]) for m in messages) + max_tokens_for(chunk)
    return total


def plan_chunks(
    transcript: Transcript,
    request: DeckRequest,
    *,
    max_tokens: int,
    max_items: int,
    max_build_tokens: int | None = None,
    limit_minutes: int = 0,
    first_items: int | None = None,
) -> list[Chunk]:
    """Candidates and chunks (CPU-bound, run it off the event loop). With
    `max_build_tokens`, a transcript whose round of calls would cost more is refused
    (TooMuchText) before anything is sent."""
    if max_build_tokens is not None:
        text = transcript_tokens(transcript)
        if text > max_build_tokens:  # not worth finding candidates in
            raise errors.TooMuchText(f"{text} tokens of text", limit_minutes)
    selection = select(
        transcript.segments,
        language=transcript.language,
        level=request.level,
        known=request.known_words,
        learner_language=request.learner_language,
        generated=generated_captions(transcript),
    )
    chunks = make_chunks(
        transcript.segments,
        selection.words,
        phrases=selection.phrases,
        max_tokens=max_tokens,
        max_items=max_items,
        first_items=first_items,
    )
    if max_build_tokens is not None:
        planned = planned_tokens(chunks, request, transcript.language)
        if planned > max_build_tokens:
            raise errors.TooMuchText(
                f"{len(chunks)} chunks, {len(selection.words)} candidates, {planned} tokens "
                f"planned > {max_build_tokens}",
                limit_minutes,
            )
    return chunks


def halves(chunk: Chunk) -> list[Chunk]:
    """`chunk` cut in two between its lines (for a chunk that overflowed the context)."""
    middle = len(chunk.segments) // 2
    parts = (chunk.segments[:middle], chunk.segments[middle:])
    out = []
    for part in parts:
        indices = {s.index for s in part}
        out.append(
            Chunk(
                chunk.index,
                part,
                tuple(c for c in chunk.candidates if c.segment in indices),
                chunk.tokens * len(part) // len(chunk.segments),
                tuple(p for p in chunk.phrases if p.segment in indices),
            )
        )
    return out
