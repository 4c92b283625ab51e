"""Core's values as the API's bodies and headers: the HTTP face's drawing, nothing decided here."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from bot.http.models import (
    CardOut,
    DeckOut,
    ErrorOut,
    JobOut,
    LegacyPhrase,
    LegacyWord,
    PageCardOut,
    VocabularyResponse,
)
from core import (
    DEFAULT_LANGUAGE,
    Card,
    DeckInfo,
    JobRecord,
    JobStatus,
    JobUpdate,
    Phrase,
    Stage,
    Translator,
    Word,
    card_ipa,
    error_message,
    stored_error_message,
    translator,
)

_ENDED = {
    Stage.DONE: JobStatus.DONE,
    Stage.FAILED: JobStatus.FAILED,
    Stage.CANCELLED: JobStatus.CANCELLED,
}


def status_url(job_id: str) -> str:
    return f"/v1/jobs/{job_id}"


def job_out(
    record: JobRecord, live: JobUpdate | None = None, tr: Translator | None = None
) -> JobOut:
    """A job as stored, or as a live update of it says it is now (errors in `tr`'s words)."""
    tr = tr or translator(DEFAULT_LANGUAGE)
    progress = live.progress if live else record.progress
    status = _ENDED[progress.stage] if live is not None and live.finished else record.status
    error = None
    if live is not None and live.error is not None:
        error = ErrorOut(code=live.error.code, message=error_message(live.error, tr))
    elif record.error_code:
        message = stored_error_message(record.error_code, record.error_message or "", tr)
        error = ErrorOut(code=record.error_code, message=message)
    deck_id = live.deck.id if live is not None and live.deck else record.deck_id
    return JobOut(
        job_id=record.id,
        video_id=record.video_id,
        status=status.value,
        stage=progress.stage.value,
        done=progress.done,
        total=progress.total,
        queue_position=progress.queue_position,
        deck_id=deck_id,
        error=error,
        status_url=status_url(record.id),
        page=[] if live is None or live.finished else [page_card_out(w) for w in progress.page],
        found=progress.found,
    )


def page_card_out(word: Word) -> PageCardOut:
    return PageCardOut(
        front=word.lemma,
        part_of_speech=word.pos or None,
        meaning=word.meaning,
        sentence=word.sentence,
        start=word.start,
        link=word.link,
    )


def job_json(
    record: JobRecord, live: JobUpdate | None = None, tr: Translator | None = None
) -> dict[str, Any]:
    return job_out(record, live, tr).model_dump(mode="json")


def card_out(card: Card) -> CardOut:
    item = card.item
    return CardOut(
        id=card.id,
        kind=card.kind,
        front=card.front,
        part_of_speech=item.pos if isinstance(item, Word) else None,
        meaning=item.meaning,
        sentence=item.sentence,
        start=item.start,
        link=item.link,
        pronunciation=card_ipa(card),
    )


def deck_out(
    info: DeckInfo, cards: list[Card] | None = None, shown: tuple[int, int] | None = None
) -> DeckOut:
    """A deck, with its cards when they are given, and with `shown` (its shown part's words
    and phrases) what of it `cards` leaves out and where to get it."""
    out = DeckOut.model_validate(info, from_attributes=True)
    if cards is not None:
        out.cards = [card_out(c) for c in cards]
    if shown is not None:
        out.shown_words, out.shown_phrases = shown
        if cards is not None:
            out.more = info.words + info.phrases - len(cards)
            out.more_url = f"/v1/decks/{info.id}?all=true" if out.more else None
    return out


def legacy_out(video_id: str, cards: list[Card], status: str, message: str) -> VocabularyResponse:
    """Cards in the seed service's shape (one meaning, no synonyms)."""
    words = [
        LegacyWord(
            word=c.front, pos=c.item.pos, meanings=[c.item.meaning], synonyms=[],
            example=c.item.sentence,
        )
        for c in cards
        if isinstance(c.item, Word)
    ]  # fmt: skip
    phrases = [
        LegacyPhrase(phrase=c.front, meaning=c.item.meaning, example=c.item.sentence)
        for c in cards
        if isinstance(c.item, Phrase)
    ]
    return VocabularyResponse(
        video_id=video_id, words=words, phrases=phrases, status=status, message=message
    )


def attachment(filename: str, *, fallback: str) -> str:
    """Content-Disposition for a download named `filename` (the export's name), any script.

    RFC 6266: `filename*=UTF-8''…` for clients that read it, an ASCII `filename=` for the rest
    (header values are Latin-1, so the name itself cannot go there); `fallback` stands in for
    a name with no ASCII letters at all.
    """
    stem, _, extension = filename.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", ascii_stem).strip(" _.") or fallback
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{ascii_stem}.{extension}\"; filename*=UTF-8''{encoded}"
