"""Values that cross layers: frozen dataclasses, never dicts-of-anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter


@dataclass(frozen=True, slots=True)
class Segment:
    """One caption line: its position, when it starts (seconds) and its text."""

    index: int
    start: float
    duration: float
    text: str

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Transcript:
    video_id: str | None
    language: str
    segments: tuple[Segment, ...]
    title: str | None = None
    is_generated: bool = False
    timed: bool = True  # False for plain text files whose times are estimates

    @property
    def duration(self) -> float:
        return self.segments[-1].end if self.segments else 0.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A lemma worth asking the model about, at the occurrence whose sentence shows it best.

    `level` is its CEFR level and `source` where that came from ("list": a graded list,
    "frequency": its frequency in the language); `count` is how often the video says it
    and `score` how much this learner gains from it (core/ranking.py), higher first.
    """

    lemma: str
    surface: str
    zipf: float
    segment: int
    level: str = "B1"
    source: str = "frequency"
    count: int = 1
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class PhraseCandidate:
    """A fixed expression or phrasal verb found locally in caption line `segment`."""

    text: str
    level: str
    segment: int
    count: int = 1
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Chunk:
    index: int
    segments: tuple[Segment, ...]
    candidates: tuple[Candidate, ...]
    tokens: int
    phrases: tuple[PhraseCandidate, ...] = ()

    @property
    def start(self) -> float:
        return self.segments[0].start

    @property
    def end(self) -> float:
        return self.segments[-1].end


def video_link(video_id: str | None, start: float | None) -> str | None:
    """`https://youtu.be/ID?t=SECONDS`, the second where the sentence starts."""
    if not video_id:
        return None
    if start is None:
        return f"https://youtu.be/{video_id}"
    return f"https://youtu.be/{video_id}?t={int(start)}"


@dataclass(frozen=True, slots=True)
class Word:
    lemma: str
    pos: str
    meaning: str
    sentence: str
    start: float | None
    zipf: float
    video_id: str | None = None
    end: float | None = None  # where the next caption line begins (the clip stops there)
    level: str | None = None  # CEFR level; None in decks built before levels were kept
    source: str | None = None  # "list" (a graded list) or "frequency"

    @property
    def link(self) -> str | None:
        return video_link(self.video_id, self.start)

    @property
    def key(self) -> str:
        return self.lemma


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    meaning: str
    sentence: str
    start: float | None
    video_id: str | None = None
    end: float | None = None  # where the next caption line begins (the clip stops there)
    level: str | None = None  # CEFR level, where a list or the learner's level gives one

    @property
    def link(self) -> str | None:
        return video_link(self.video_id, self.start)

    @property
    def key(self) -> str:
        return " ".join(self.text.lower().split())


@dataclass(frozen=True, slots=True)
class Gap:
    """A part of the video whose extraction failed: the deck is partial there."""

    start: float
    end: float
    reason: str


@dataclass(frozen=True, slots=True)
class DeckStats:
    chunks: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    candidates: int = 0


# How many cards a learner gets first from a deck (the rest are one press away).
DEFAULT_DECK_SIZE = 30


def shown_counts(n_words: int, n_phrases: int, size: int) -> tuple[int, int]:
    """How many of a deck's best words and best phrases make its first `size` cards.

    A deck's words and its phrases are each stored best first (card position = rank).
    Phrases come first and take up to a third of `size`; words fill the rest, and any room
    the phrases leave. Everything past these counts is the "more words" part of the deck.
    """
    size = max(1, size)
    phrases = min(n_phrases, size // 3)
    words = min(n_words, size - phrases)
    phrases = min(n_phrases, size - words)
    return words, phrases


@dataclass(frozen=True, slots=True)
class Deck:
    video_id: str | None
    title: str | None
    transcript_language: str
    learner_language: str
    level: str
    words: tuple[Word, ...]
    phrases: tuple[Phrase, ...]
    missing: tuple[Gap, ...] = ()
    stats: DeckStats = field(default_factory=DeckStats)
    simulated: bool = False  # meanings from the bundled simulator: placeholders, say so

    @property
    def is_partial(self) -> bool:
        return bool(self.missing)

    def to_dict(self) -> dict[str, Any]:
        return _DECK_ADAPTER.dump_python(self, mode="json")  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deck:
        return _DECK_ADAPTER.validate_python(data)


_DECK_ADAPTER: TypeAdapter[Deck] = TypeAdapter(Deck)


class Stage(StrEnum):
    QUEUED = "queued"
    TRANSCRIPT = "transcript"
    ANALYSING = "analysing"
    EXTRACTING = "extracting"
    SAVING = "saving"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (Stage.DONE, Stage.FAILED, Stage.CANCELLED)


@dataclass(frozen=True, slots=True)
class Progress:
    stage: Stage
    done: int = 0
    total: int = 0
    queue_position: int = 0  # videos ahead of this one while QUEUED
    detail: str = ""
    reused: int = 0  # parts answered before a restart, counted in `done` but not asked again
    # While EXTRACTING: the deck's first page so far (best words of the chunks answered,
    # PAGE_SIZE at most; a card once shown keeps its place), and the words found so far.
    page: tuple[Word, ...] = ()
    found: int = 0


PAGE_SIZE = 5  # cards on a page of a deck (and on the page shown while it is built)
