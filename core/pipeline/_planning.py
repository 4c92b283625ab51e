"""Planning, local work only: the candidates of a transcript and the chunks to ask about."""

from __future__ import annotations

from dataclasses import dataclass

from core.chunking import make_chunks
from core.models import Chunk, Transcript
from core.selection import select_candidates


@dataclass(frozen=True, slots=True)
class DeckRequest:
    """What to build: a video (or an already loaded transcript) for one learner."""

    video_id: str | None
    learner_language: str = "ko"
    level: str = "B1"
    languages: tuple[str, ...] = ("en",)
    known_words: frozenset[str] = frozenset()
    transcript: Transcript | None = None


def plan_chunks(
    transcript: Transcript, request: DeckRequest, *, max_tokens: int, max_items: int
) -> list[Chunk]:
    """Candidates and chunks (CPU-bound, run it off the event loop)."""
    candidates = select_candidates(
        transcript.segments,
        language=transcript.language,
        level=request.level,
        known=request.known_words,
    )
    return make_chunks(
        transcript.segments,
        candidates,
        max_tokens=max_tokens,
        max_items=max_items,
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
            )
        )
    return out
