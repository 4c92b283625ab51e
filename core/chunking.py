"""Time-aware chunking: whole caption segments, sized by input tokens AND by output.

Under continuous batching a video takes about as long as its slowest call, and a call's
time is mostly its output tokens. So a chunk closes when it reaches the input budget or
when it holds `max_items` new words, whichever comes first: more, smaller calls in
parallel shorten the critical path.

With `first_items` (about 5), the first chunk holds the video's best words instead: the
`first_items` candidates that rank highest (core/ranking.py), with only the caption lines
they are in. It is small, so it answers first and fills the learner's first page in about
two seconds with the words ranking would put there anyway, while the rest of the video
(every other candidate, in order, chunked as above) is asked at the same time.
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
    as an item of the chunk holding its segment. With `first_items`, chunk 0 is the best
    `first_items` words and their lines (when the video has more candidates than that)."""
    phrases_at: dict[int, list[PhraseCandidate]] = defaultdict(list)
    for phrase in phrases:
        phrases_at[phrase.segment].append(phrase)

    chunks: list[Chunk] = []
    if first_items is not None and len(candidates) > first_items:
        best = best_first(segments, candidates, first_items)
        chunks.append(best)
        picked = set(best.candidates)
        candidates = [c for c in candidates if c not in picked]
    current: list[Segment] = []
    items: list[Candidate] = []
    found: list[PhraseCandidate] = []
    tokens = 0

    def close() -> None:
        nonlocal current, items, found, tokens
        if current:
            chunks.append(Chunk(len(chunks), tuple(current), tuple(items), tokens, tuple(found)))
        current, items, found, tokens = [], [], [], 0

    by_segment: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_segment[candidate.segment].append(candidate)
    for segment in segments:
        cost = estimate_tokens(segment.text)
        new = by_segment.get(segment.index, [])
        new_phrases = phrases_at.get(segment.index, [])
        size = len(items) + len(found) + len(new) + len(new_phrases)
        if current and (tokens + cost > max_tokens or size > max_items):
            close()
        current.append(segment)
        items.extend(new)
        found.extend(new_phrases)
        tokens += cost
    close()
    return chunks


def best_first(segments: Sequence[Segment], candidates: Sequence[Candidate], size: int) -> Chunk:
    """Chunk 0: the `size` best-ranked candidates (ties: the earlier first), with the caption
    lines they are in, in order."""
    best = sorted(candidates, key=lambda c: (-c.score, c.segment, c.lemma))[:size]
    best.sort(key=lambda c: (c.segment, c.lemma))
    wanted = {c.segment for c in best}
    lines = tuple(s for s in segments if s.index in wanted)
    return Chunk(0, lines, tuple(best), sum(estimate_tokens(s.text) for s in lines))
