"""The first page of a deck still being built, shown as soon as the first chunk answers.

The page fills from the chunks in their order: the words of chunk 0 (the small first
chunk: the video's best-ranked words, core/chunking.py, so it answers in about two
seconds), then, if the page has room left, the best of chunk 1 once it has answered, and
so on. A word once on the page keeps its place, and the deck's words start with the page
(`ranked(..., shown=...)`): a later chunk never reshuffles the page a learner is reading.
Taking the chunks in order, not in the order they happen to answer, makes the page, and so
the deck, the same on every build of a video (a resumed build, or one answered in another
order, gives the same deck).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.models import PAGE_SIZE, Chunk, Phrase, Word
from core.pipeline._cards import dedupe_phrases
from core.pipeline._order import ranked


@dataclass
class FirstPage:
    """The page so far, and what each chunk answered (kept until the page is full)."""

    chunks: Sequence[Chunk]
    learner_level: str
    size: int = PAGE_SIZE
    words: tuple[Word, ...] = ()
    _answered: dict[int, tuple[list[Word], list[Phrase]]] = field(default_factory=dict)
    _next: int = 0  # the first chunk whose words are not on the page yet

    @property
    def full(self) -> bool:
        return len(self.words) >= self.size or self._next >= len(self.chunks)

    @property
    def lemmas(self) -> list[str]:
        return [w.lemma for w in self.words]

    def answered(self, chunk: int, words: Sequence[Word], phrases: Sequence[Phrase]) -> None:
        """Chunk `chunk` is done (its cards, or none for a chunk that failed); the page takes
        what it can."""
        if self.full:
            return
        got = self._answered.setdefault(chunk, ([], []))
        got[0].extend(words)
        got[1].extend(phrases)

    def settle(self, chunk: int) -> None:
        """Every part of `chunk` is done: the page takes the best of the chunks done in order."""
        self._answered.setdefault(chunk, ([], []))
        while not self.full and self._next in self._answered:
            words, phrases = self._answered.pop(self._next)
            self._next += 1
            if not words:
                continue
            on_page = set(self.lemmas)
            best, _ = ranked(words, dedupe_phrases(phrases), self.chunks, self.learner_level)
            room = self.size - len(self.words)
            self.words += tuple(w for w in best if w.lemma not in on_page)[:room]
        if self.full:
            self._answered.clear()
