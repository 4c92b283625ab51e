"""The study page's actions: signing a browser in, a deck's cards with search, flashcards.

A mixin of Actions, so every face reaches them through the same door: /web in a chat asks
for a sign-in link here, and the page in the browser (or the Telegram Mini App) spends it.
Tokens are random and stored only as hashes; a sign-in link works once, for minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core import errors
from core.actions._rules import first_kind
from core.actions._values import (
    Flashcard,
    QuizTurn,
    RateResult,
    SignInLink,
    StudyCard,
    StudyCards,
    StudyConfig,
    StudyHome,
    WebSession,
)
from core.habit import Habit
from core.models import Word
from core.selection import lemma_of, tokens
from core.srs import Quiz, word_span
from core.store import Card, CardKind, DeckInfo, Store, User

STUDY_PATH = "/study"
SIGN_IN_PATH = f"{STUDY_PATH}/signin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def highlight(card: Card) -> tuple[str, str, str]:
    """The card's sentence as (before, the word or phrase as said, after); all in `before`
    when it is not found."""
    sentence, item = card.item.sentence, card.item
    span = word_span(sentence, item.lemma) if isinstance(item, Word) else _phrase_span(card)
    if span is None:
        return sentence, "", ""
    begin, end = span
    return sentence[:begin], sentence[begin:end], sentence[end:]


def _phrase_span(card: Card) -> tuple[int, int] | None:
    sentence = card.item.sentence
    found = sentence.casefold().find(card.front.casefold())
    if found >= 0:
        return found, found + len(card.front)
    head = lemma_of(tokens(card.front.lower())[0]) if tokens(card.front.lower()) else ""
    return word_span(sentence, head) if head else None


def matches(card: Card, query: str) -> bool:
    """Search: the query's words all appear in the card's front, meaning or sentence."""
    text = f"{card.front} {card.item.meaning} {card.item.sentence}".casefold()
    return all(part in text for part in query.casefold().split())


@dataclass(frozen=True, slots=True)
class Clock:
    """Now, replaceable in tests (an expired link without waiting for it to expire)."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class StudyActions:
    """The study page's doors (mixed into Actions)."""

    store: Store
    quiz: Quiz
    study: StudyConfig
    clock: Clock

    if TYPE_CHECKING:

        async def user(
            self, platform: str, platform_user_id: str | int, *, client_language: str | None = None
        ) -> User: ...

        async def quiz_next(self, user: User) -> QuizTurn: ...

        async def habit(self, user: User) -> Habit: ...

        def shown(self, user: User, info: DeckInfo) -> tuple[int, int]: ...

        async def quiz_rate(
            self, user: User, question_id: str, rating: int | None
        ) -> RateResult: ...

    # signing in

    async def sign_in_link(self, user: User) -> SignInLink:
        """A personal link that signs a browser in as `user`: once, within minutes."""
        token = secrets.token_urlsafe(32)
        expires = self.clock.now() + timedelta(minutes=self.study.link_minutes)
        await self.store.add_web_token(user.id, token_hash(token), "link", expires)
        url = f"{self.study.base_url}{SIGN_IN_PATH}?token={token}"
        return SignInLink(url, token, expires, round(self.study.link_minutes))

    async def redeem_sign_in(self, token: str) -> WebSession:
        """Spend a sign-in link for a session; SignInRefused when used, expired or made up."""
        user = await self.store.use_sign_in_link(token_hash(token), self.clock.now())
        if user is None:
            raise errors.SignInRefused("sign-in link used, expired or unknown")
        return await self._session_for(user)

    async def mini_app_session(
        self, telegram_user_id: int, language_code: str | None
    ) -> WebSession:
        """A session for the Telegram user whose Mini App data the face has validated."""
        user = await self.user("telegram", telegram_user_id, client_language=language_code)
        return await self._session_for(user)

    async def _session_for(self, user: User) -> WebSession:
        token = secrets.token_urlsafe(32)
        expires = self.clock.now() + timedelta(days=self.study.session_days)
        await self.store.add_web_token(user.id, token_hash(token), "session", expires)
        return WebSession(token, user, expires)

    async def session_user(self, token: str) -> User | None:
        """Whose browser session this is (None: signed out, expired, or not a session)."""
        return await self.store.user_for_session(token_hash(token), self.clock.now())

    async def sign_out(self, token: str) -> None:
        await self.store.delete_web_token(token_hash(token))

    # decks and their cards

    async def study_home(self, user: User) -> StudyHome:
        """The learner's decks and what is left to review (no question is opened for it)."""
        due, new = await self.quiz.queue(user.id)
        return StudyHome(await self.store.list_decks(user.id), due, new, await self.habit(user))

    async def study_cards(
        self,
        user: User,
        deck_id: int,
        kind: CardKind | None = None,
        query: str = "",
        *,
        more: bool = False,
    ) -> StudyCards:
        """One tab of a deck (words or phrases), narrowed by a search, known ones marked:
        its shown part (the learner's first DECK_SIZE cards), or all of it with `more`;
        a search looks through all of it."""
        info = await self.store.get_deck(user.id, deck_id)
        if info is None:
            raise errors.DeckNotFound(f"deck {deck_id} of user {user.id}")
        kind = kind or first_kind(info)
        cards = await self.store.deck_cards(user.id, info.id, kind)
        known = await self.store.known_words(user.id)
        query = " ".join(query.split())[:100]
        words, phrases = self.shown(user, info)
        limit = len(cards) if more or query else (words if kind == "word" else phrases)
        listed = tuple(
            StudyCard(card, card.key in known, highlight(card))
            for card in cards[:limit]
            if not query or matches(card, query)
        )
        return StudyCards(info, kind, query, listed, len(cards), max(0, len(cards) - limit))

    # flashcards: the same quiz, the same due cards, the same open question as /quiz

    async def quiz_card(self, user: User) -> Flashcard:
        """/quiz's next turn as a flashcard (its card, to turn over), and what is left."""
        turn = await self.quiz_next(user)
        card = None
        if turn.question is not None:
            found = await self.store.get_card(user.id, turn.question.card_id)
            card = StudyCard(found, False, highlight(found)) if found else None
        due, new = await self.quiz.queue(user.id)
        return Flashcard(turn, card, due, new, turn.habit or await self.habit(user))

    async def quiz_grade(self, user: User, question_id: str, rating: int) -> RateResult:
        """A flashcard turned over and rated by the learner (no answer to check)."""
        await self.quiz.reveal(user.id, question_id)
        return await self.quiz_rate(user, question_id, rating)
