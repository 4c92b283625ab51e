"""Small builders for decks, so storage and adapter tests read as stories."""

from core.actions import PAGE_SIZE, DeckPage, PageCard, clamp_page, page_count
from core.models import Deck, DeckStats, Gap, Phrase, Progress, Stage, Word
from core.store import Card, CardKind, DeckInfo, JobRecord, JobStatus, Notify


def word(lemma: str, meaning: str = "", start: float = 1.0, video: str = "vidAAAAAAA1") -> Word:
    return Word(
        lemma=lemma,
        pos="n",
        meaning=meaning or f"{lemma}의 뜻",
        sentence=f"A sentence with {lemma} in it.",
        start=start,
        zipf=3.0,
        video_id=video,
    )


def phrase(text: str, start: float = 2.0, video: str = "vidAAAAAAA1") -> Phrase:
    return Phrase(
        text=text,
        meaning=f"{text}의 뜻",
        sentence=f"They {text} quickly.",
        start=start,
        video_id=video,
    )


def deck(
    video: str = "vidAAAAAAA1",
    words: tuple[str, ...] = ("hypothesis", "consolidate", "hippocampus"),
    phrases: tuple[str, ...] = ("figure out",),
    missing: tuple[Gap, ...] = (),
    title: str | None = "A talk",
) -> Deck:
    return Deck(
        video_id=video,
        title=title,
        transcript_language="en",
        learner_language="ko",
        level="B1",
        words=tuple(word(w, start=i * 10.0, video=video) for i, w in enumerate(words)),
        phrases=tuple(phrase(p, video=video) for p in phrases),
        missing=missing,
        stats=DeckStats(chunks=1, llm_calls=1),
    )


def job(
    user_id: int,
    job_id: str,
    *,
    video: str = "vidAAAAAAA1",
    notify: Notify | None = None,
    source_key: str | None = None,
) -> JobRecord:
    """A queued job, as a face leaves it before the build starts."""
    return JobRecord(
        id=job_id,
        user_id=user_id,
        video_id=video,
        status=JobStatus.QUEUED,
        progress=Progress(Stage.QUEUED),
        learner_language="ko",
        level="B1",
        notify=notify,
        source_key=source_key,
        told=notify is None,
    )


def deck_page(info: DeckInfo, cards: list[Card], kind: CardKind, page: int) -> DeckPage:
    """What core.actions.decks.page hands a face: one page of one tab, nothing known."""
    page = clamp_page(page, cards)
    shown = cards[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    numbered = tuple(PageCard(page * PAGE_SIZE + i + 1, c, False) for i, c in enumerate(shown))
    return DeckPage(info, kind, page, page_count(cards), len(cards), numbered)
