"""The API's request and response bodies (what the OpenAPI schema shows)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.http.auth import MAX_KEY_LENGTH
from core import LEVELS

Level = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
assert set(get_args(Level)) == set(LEVELS), "the API's levels are core's levels"


class JobIn(BaseModel):
    url: str = Field(max_length=2000, description="a YouTube link or video id")
    learner_language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    level: Level | None = None


class ErrorOut(BaseModel):
    code: str | None = None
    message: str


class PageCardOut(BaseModel):
    """A card of the first page of a deck still being built (not stored yet: no id)."""

    front: str
    part_of_speech: str | None
    meaning: str
    sentence: str
    start: float | None
    link: str | None


class JobOut(BaseModel):
    job_id: str
    video_id: str
    status: str
    stage: str
    done: int
    total: int
    queue_position: int = 0
    deck_id: int | None = None
    error: ErrorOut | None = None
    status_url: str
    # While building: the deck's first page so far (best first; a card keeps its place,
    # later cards come after it) and how many words are found so far.
    page: list[PageCardOut] = []
    found: int = 0


class CardOut(BaseModel):
    id: int
    kind: str
    front: str
    part_of_speech: str | None
    meaning: str
    sentence: str
    start: float | None
    link: str | None
    pronunciation: str | None = Field(
        default=None, description="IPA with stress (CMU Pronouncing Dictionary); words only"
    )


class TranslationOut(BaseModel):
    card_id: int
    sentence: str
    translation: str
    language: str
    simulated: bool = Field(description="written by the bundled simulator: a placeholder")
    cached: bool = Field(description="kept from an earlier request: no model call this time")


class GapOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # made from core's Gap

    start: float
    end: float
    reason: str


class DeckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # made from core's DeckInfo

    id: int
    video_id: str | None
    title: str | None
    learner_language: str = Field(description="the language the meanings are in")
    level: str = Field(description="the learner's CEFR level the deck was made for")
    words: int = Field(description="how many word cards (the cards are in `cards`)")
    phrases: int = Field(description="how many phrase cards")
    missing: list[GapOut] = Field(description="stretches of the video the deck lacks")
    created_at: str
    simulated: bool = Field(
        default=False, description="meanings come from the bundled simulator (placeholders)"
    )
    shown_words: int | None = Field(
        default=None,
        description="how many of the best words make the learner's first DECK_SIZE cards",
    )
    shown_phrases: int | None = Field(
        default=None,
        description="how many of the best phrases make the learner's first DECK_SIZE cards",
    )
    cards: list[CardOut] | None = Field(
        default=None,
        description="the deck's cards in rank order (best first): its shown part "
        "(`shown_words` words, then `shown_phrases` phrases), or all of them with ?all=true",
    )
    more: int | None = Field(
        default=None,
        description="cards of the deck not in `cards` (its 'more words'); 0 when all are there",
    )
    more_url: str | None = Field(
        default=None, description="where to get every card of the deck (null when `more` is 0)"
    )

    @field_validator("created_at", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        """core's datetime as the ISO 8601 text the API has always sent."""
        return value.isoformat() if isinstance(value, datetime) else value


class JobCreated(BaseModel):
    job_id: str
    status: str
    status_url: str
    deck: DeckOut | None = None


class LegacyWord(BaseModel):
    word: str
    pos: str
    meanings: list[str]
    synonyms: list[str]
    example: str


class LegacyPhrase(BaseModel):
    phrase: str
    meaning: str
    example: str


class VocabularyResponse(BaseModel):
    """The seed service's response shape."""

    video_id: str
    words: list[LegacyWord]
    phrases: list[LegacyPhrase]
    status: str
    message: str
    job_id: str | None = None
    status_url: str | None = None


class FirstMessage(BaseModel):
    """What a WebSocket client without headers sends first: {"api_key": "<key>"}."""

    api_key: str = Field(max_length=MAX_KEY_LENGTH)


class Forgotten(BaseModel):
    deleted: dict[str, int] = Field(description="rows deleted, per table")
    message: str
