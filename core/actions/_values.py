"""The values the faces render, and the constants they share: core's answers, never text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core import config
from core.habit import Habit
from core.models import PAGE_SIZE
from core.prompts import LANGUAGE_NAMES
from core.srs import Question, Rated, Stats
from core.store import Card, CardKind, DeckInfo, User

LOCAL_PLATFORM = "console"  # the learner at this machine's terminal (chat and CLI)
ExportFormat = Literal["apkg", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("apkg", "csv")
MEDIA_TYPES: dict[ExportFormat, str] = {
    "apkg": "application/octet-stream",
    "csv": "text/csv; charset=utf-8",
}
# Meanings can be asked for in these learner languages (the settings menus list them).
LEARNER_LANGUAGES = config.LEARNER_LANGUAGES  # the settings rule's choices
assert set(LEARNER_LANGUAGES) <= set(LANGUAGE_NAMES)


@dataclass(frozen=True, slots=True)
class PageCard:
    number: int  # 1-based within its tab, as the learner sees it
    card: Card
    known: bool


def _pages(count: int) -> int:
    return -(-count // PAGE_SIZE)


def tab_pages(total: int, shown: int) -> int:
    """Pages of a tab of `total` cards whose first `shown` are its shown part: the shown
    part's pages (at least one), then the "more" part's, which starts on a page of its own."""
    return max(1, _pages(shown)) + _pages(total - shown)


def tab_span(page: int, total: int, shown: int) -> tuple[int, int]:
    """[start, end) of the tab's cards on `page` (0-based, within range)."""
    shown_pages = max(1, _pages(shown))
    if page < shown_pages:
        start = page * PAGE_SIZE
        return start, min(shown, start + PAGE_SIZE)
    start = shown + (page - shown_pages) * PAGE_SIZE
    return start, min(total, start + PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class DeckPage:
    """One page of one tab (words or phrases) of a deck, ready to draw.

    A tab's first pages are its shown part (the learner's first DECK_SIZE cards); the rest
    ("More words") start at `more_page`, one press away from any page of the shown part."""

    deck: DeckInfo
    kind: CardKind
    page: int  # 0-based, always within range
    pages: int
    total: int  # cards in this tab
    cards: tuple[PageCard, ...]
    shown: int | None = None  # cards of this tab in its shown part (None: all of them)

    @property
    def shown_count(self) -> int:
        return self.total if self.shown is None else self.shown

    @property
    def more(self) -> int:
        """Cards of this tab past its shown part."""
        return self.total - self.shown_count

    @property
    def more_page(self) -> int:
        """The page the "more" part starts on (== pages when there is none)."""
        return max(1, _pages(self.shown_count))

    @property
    def in_more(self) -> bool:
        """This page is of the "more" part (the learner pressed More)."""
        return self.page >= self.more_page

    @property
    def offers_more(self) -> bool:
        """A page of the shown part of a tab that has more: draw the More button."""
        return self.more > 0 and not self.in_more

    @property
    def first(self) -> int:
        return self.cards[0].number if self.cards else self.page * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.cards) - 1

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        """A next page in the same part (the shown part's last page offers More instead)."""
        end = self.pages if self.in_more else self.more_page
        return self.page + 1 < end

    @property
    def unknown(self) -> tuple[PageCard, ...]:
        return tuple(c for c in self.cards if not c.known)

    @property
    def other_kind(self) -> CardKind:
        return "phrase" if self.kind == "word" else "word"


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    data: bytes
    media_type: str
    cards: int
    decks: int = 1


@dataclass(frozen=True, slots=True)
class QuizTurn:
    """What /quiz shows next: a question, or why there is none (with the learner's stats)."""

    question: Question | None
    no_cards: bool = False
    stats: Stats | None = None
    habit: Habit | None = None  # when there is no question: the goal, streak, "learn more"


@dataclass(frozen=True, slots=True)
class RateResult:
    rated: Rated
    next: QuizTurn | None  # None when the rating was a repeat press


@dataclass(frozen=True, slots=True)
class Cancelled:
    videos: int
    quiz_ended: bool


@dataclass(frozen=True, slots=True)
class KnownResult:
    words: tuple[str, ...]  # what was marked known
    added: int  # of those, how many were new
    bad_numbers: tuple[int, ...] = ()  # card numbers that are not on the deck (console)


@dataclass(frozen=True, slots=True)
class StudyConfig:
    """Where the study page is reached, and how long its sign-ins last."""

    base_url: str = "http://127.0.0.1:8080"
    link_minutes: float = 10.0
    session_days: float = 30.0


@dataclass(frozen=True, slots=True)
class SignInLink:
    url: str
    token: str
    expires_at: datetime
    minutes: int  # how long it lasts, as the learner is told


@dataclass(frozen=True, slots=True)
class WebSession:
    token: str  # the browser's cookie
    user: User
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StudyCard:
    card: Card
    known: bool
    sentence: tuple[str, str, str]  # before, the word or phrase as said, after


@dataclass(frozen=True, slots=True)
class StudyCards:
    """One tab of a deck on the study page, narrowed by a search."""

    deck: DeckInfo
    kind: CardKind
    query: str
    cards: tuple[StudyCard, ...]
    total: int  # cards in this tab before the search
    more: int = 0  # cards of this tab not listed: past its shown part ("more words")


@dataclass(frozen=True, slots=True)
class Flashcard:
    """The study page's review: /quiz's turn, its card to turn over, and what is left."""

    turn: QuizTurn
    card: StudyCard | None  # the question's card (None when there is no question)
    due: int  # cards due now
    new: int  # new cards still to meet today
    habit: Habit | None = None  # the goal and streak, as every face shows them

    @property
    def left(self) -> int:
        return self.due + self.new


@dataclass(frozen=True, slots=True)
class StudyHome:
    """The study page's first page: the learner's decks, and what /quiz has left today."""

    decks: list[DeckInfo]
    due: int
    new: int
    habit: Habit | None = None
