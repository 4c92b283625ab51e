"""The study page's actions: signing a browser in, a deck's cards with search, flashcards.

A part of Actions (`actions.study`), so every face reaches them through the same door: /web
in a chat asks for a sign-in link here, and the page in the browser (or the Telegram Mini
App) spends it.
Tokens are random and stored only as hashes; a sign-in link works once, for minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core import errors
from core.actions._habits import Habits, QuizActions
from core.actions._learners import Learners
from core.actions._parts import Part, Shared
from core.actions._rules import first_kind
from core.actions._values import (
    Flashcard,
    RateResult,
    SignInLink,
    StudyCard,
    StudyCards,
    StudyConfig,
    StudyHome,
    WebSession,
)
from core.models import Word
from core.selection import lemma_of, tokens
from core.srs import word_span
from core.store import Card, CardKind, User

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


class Study(Part):
    """The study page in a browser (and the Telegram Mini App): /web in a chat asks for a
    sign-in link here, and the page spends it."""

    def __init__(
        self,
        shared: Shared,
        learners: Learners,
        habits: Habits,
        quiz: QuizActions,
        config: StudyConfig | None = None,
    ) -> None:
        super().__init__(shared)
        self._learners, self._habits, self._quiz_actions = learners, habits, quiz
        self.config = config or StudyConfig()
        self.clock = Clock()

    # signing in

    async def sign_in_link(self, user: User) -> SignInLink:
        """A personal link that signs a browser in as `user`: once, within minutes."""
        token = secrets.token_urlsafe(32)
        expires = self.clock.now() + timedelta(minutes=self.config.link_minutes)
        await self._store.add_web_token(user.id, token_hash(token), "link", expires)
        url = f"{self.config.base_url}{SIGN_IN_PATH}?token={token}"
        return SignInLink(url, token, expires, round(self.config.link_minutes))

    async def redeem_sign_in(self, token: str) -> WebSession:
        """Spend a sign-in link for a session; SignInRefused when used, expired or made up."""
        user = await self._store.use_sign_in_link(token_hash(token), self.clock.now())
        if user is None:
            raise errors.SignInRefused("sign-in link used, expired or unknown")
        return await self._session_for(user)

    async def mini_app_session(
        self, telegram_user_id: int, language_code: str | None
    ) -> WebSession:
        """A session for the Telegram user whose Mini App data the face has validated."""
        user = await self._learners.user(
            "telegram", telegram_user_id, client_language=language_code
        )
        return await self._session_for(user)

    async def _session_for(self, user: User) -> WebSession:
        token = secrets.token_urlsafe(32)
        expires = self.clock.now() + timedelta(days=self.config.session_days)
        await self._store.add_web_token(user.id, token_hash(token), "session", expires)
        return WebSession(token, user, expires)

    async def session_user(self, token: str) -> User | None:
        """Whose browser session this is (None: signed out, expired, or not a session)."""
        return await self._store.user_for_session(token_hash(token), self.clock.now())

    async def sign_out(self, token: str) -> None:
        await self._store.delete_web_token(token_hash(token))

    # decks and their cards

    async def home(self, user: User) -> StudyHome:
        """The learner's decks and what is left to review (no question is opened for it)."""
        due, new = await self._quiz.queue(user.id)
        return StudyHome(
            await self._store.list_decks(user.id), due, new, await self._habits.today(user)
        )

    async def cards(
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
        info = await self._store.get_deck(user.id, deck_id)
        if info is None:
            raise errors.DeckNotFound(f"deck {deck_id} of user {user.id}")
        kind = kind or first_kind(info)
        cards = await self._store.deck_cards(user.id, info.id, kind)
        known = await self._store.known_words(user.id)
        query = " ".join(query.split())[:100]
        words, phrases = self._learners.shown(user, info)
        limit = len(cards) if more or query else (words if kind == "word" else phrases)
        listed = tuple(
            StudyCard(card, card.key in known, highlight(card))
            for card in cards[:limit]
            if not query or matches(card, query)
        )
        return StudyCards(info, kind, query, listed, len(cards), max(0, len(cards) - limit))

    # flashcards: the same quiz, the same due cards, the same open question as /quiz

    async def flashcard(self, user: User) -> Flashcard:
        """/quiz's next turn as a flashcard (its card, to turn over), and what is left."""
        turn = await self._quiz_actions.next(user)
        card = None
        if turn.question is not None:
            found = await self._store.get_card(user.id, turn.question.card_id)
            card = StudyCard(found, False, highlight(found)) if found else None
        due, new = await self._quiz.queue(user.id)
        return Flashcard(turn, card, due, new, turn.habit or await self._habits.today(user))

    async def grade(self, user: User, question_id: str, rating: int) -> RateResult:
        """A flashcard turned over and rated by the learner (no answer to check)."""
        await self._quiz_actions.reveal(user, question_id)
        return await self._quiz_actions.rate(user, question_id, rating)
