"""Planning, local work only: the candidates of a transcript and the chunks to ask about."""

from __future__ import annotations

from dataclasses import dataclass

from core.chunking import make_chunks
from core.models import Chunk, Transcript
from core.selection import looks_generated, select


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


def plan_chunks(
    transcript: Transcript,
    request: DeckRequest,
    *,
    max_tokens: int,
    max_items: int,
    first_items: int | None = None,
) -> list[Chunk]:
    """Candidates and chunks (CPU-bound, run it off the event loop)."""
    selection = select(
        transcript.segments,
        language=transcript.language,
        level=request.level,
        known=request.known_words,
        learner_language=request.learner_language,
        generated=generated_captions(transcript),
    )
    return make_chunks(
        transcript.segments,
        selection.words,
        phrases=selection.phrases,
        max_tokens=max_tokens,
        max_items=max_items,
        first_items=first_items,
    )


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
