"""Time-aware chunking: whole caption segments, sized by input tokens AND by output.

Under continuous batching a video takes about as long as its slowest call, and a call's
time is mostly its output tokens. So a chunk closes when it reaches the input budget or
when it holds `max_items` new words, whichever comes first: more, smaller calls in
parallel shorten the critical path.

The first chunk closes sooner, at `first_items` (about 5 words): its answer comes back
first and fills the learner's first page in about two seconds while the rest is asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from core.models import Candidate, Chunk, PhraseCandidate, Segment


def estimate_tokens(text: str) -> int:
    """About 4 characters per token for English with the Qwen2.5 tokenizer; +1 for the id."""
    return len(text) // 4 + 3


def make_chunks(
    segments: Sequence[Segment],
    candidates: Sequence[Candidate],
    *,
    phrases: Sequence[PhraseCandidate] = (),
    max_tokens: int = 2000,
    max_items: int = 12,
    first_items: int | None = None,
) -> list[Chunk]:
    """Greedy, in order; a single segment is never split. A phrase found locally counts
    as an item of the chunk holding its segment. The first chunk holds at most
    `first_items` (None: `max_items`)."""
    by_segment: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_segment[candidate.segment].append(candidate)
    phrases_at: dict[int, list[PhraseCandidate]] = defaultdict(list)
    for phrase in phrases:
        phrases_at[phrase.segment].append(phrase)

    chunks: list[Chunk] = []
    current: list[Segment] = []
    items: list[Candidate] = []
    found: list[PhraseCandidate] = []
    tokens = 0

    def close() -> None:
        nonlocal current, items, found, tokens
        if current:
            chunks.append(Chunk(len(chunks), tuple(current), tuple(items), tokens, tuple(found)))
        current, items, found, tokens = [], [], [], 0

    for segment in segments:
        cost = estimate_tokens(segment.text)
        new = by_segment.get(segment.index, [])
        new_phrases = phrases_at.get(segment.index, [])
        size = len(items) + len(found) + len(new) + len(new_phrases)
        limit = max_items if chunks or first_items is None else min(first_items, max_items)
        if current and (tokens + cost > max_tokens or size > limit):
            close()
        current.append(segment)
        items.extend(new)
        found.extend(new_phrases)
        tokens += cost
    close()
    return chunks
