"""Spaced review of a learner's saved cards with FSRS (the `fsrs` package, 6.x).

/quiz serves due cards with a new one after every REVIEWS_PER_NEW of them (new cards up
to a daily limit, in core.deckparts.new_card_order), one question at a time:
- choice: what does this word mean here? (4 options, distractors from the learner's
  other cards, same part of speech when possible, the answer exactly once)
- cloze: the sentence from the video with the word blanked, typed, lemma-tolerant
- reverse: which word means this? (4 options)
The open question lives in the store, so a quiz survives a restart; answering or rating
the same question twice counts once.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from core import errors
from core.deckparts import new_card_order
from core.habit import day_start, extra_new, learner_zone
from core.models import DEFAULT_DECK_SIZE, Word
from core.selection import lemma_of, tokens
from core.store import Card, ReviewLogEntry, ReviewState, Store

SESSION = "quiz"
BLANK = "_____"
OPTIONS = 4
REVIEWS_PER_NEW = 3  # while reviews are due, a new card after this many of them


class QuestionExpired(errors.VocabotError):
    code = "question_expired"
    message = "That question is over. Send /quiz for the next one."


class Kind(StrEnum):
    CHOICE = "choice"
    CLOZE = "cloze"
    REVERSE = "reverse"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    card_id: int
    kind: Kind
    prompt: str
    sentence: str
    options: tuple[str, ...]
    answer: str  # the option text (choice, reverse) or the word (cloze)
    hint: str
    link: str | None
    is_new: bool
    front: str = ""  # the word or phrase asked about (faces word the prompt from it)
    meaning: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["options"] = list(self.options)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(**{**data, "kind": Kind(data["kind"]), "options": tuple(data["options"])})


@dataclass(frozen=True, slots=True)
class Answer:
    question: Question
    card: Card
    given: str
    correct: bool
    suggested: Rating
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Rated:
    rating: Rating
    due: datetime
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Stats:
    cards: int
    due_today: int
    new_available: int
    learned: int
    reviews_this_week: int
    retention: float | None


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def word_span(sentence: str, lemma: str) -> tuple[int, int] | None:
    """Where a form of `lemma` is said in `sentence` (start, end), or None."""
    for match in re.finditer(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", sentence):
        lower = match.group(0).lower()
        if lower == lemma or lemma_of(lower) == lemma:
            return match.start(), match.end()
    return None


def cloze_of(card: Card) -> tuple[str, str] | None:
    """(sentence with the word blanked, the word as said) or None if it is not there."""
    item = card.item
    span = word_span(item.sentence, item.lemma) if isinstance(item, Word) else None
    if span is None:
        return None
    begin, end = span
    return item.sentence[:begin] + BLANK + item.sentence[end:], item.sentence[begin:end]


def typed_answer_is_right(given: str, card: Card, said: str) -> bool:
    """Tolerates case, inflection (any form of the lemma) and one typo in longer words."""
    words = tokens(given.strip().lower())
    if len(words) != 1:
        return False
    word = words[0]
    lemma = card.key
    if word in (said.lower(), lemma) or lemma_of(word) == lemma:
        return True
    return len(lemma) >= 5 and (
        _edit_distance_at_most_one(word, said.lower()) or _edit_distance_at_most_one(word, lemma)
    )


class Quiz:
    def __init__(
        self,
        store: Store,
        *,
        daily_new_cards: int = 10,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        fuzzing: bool = True,
        deck_size: int = DEFAULT_DECK_SIZE,
    ) -> None:
        self.store = store
        self.daily_new_cards = daily_new_cards
        self.deck_size = deck_size  # DECK_SIZE, for learners who did not pick their own
        self.clock = clock
        self.rng = rng or random.Random()
        self.scheduler = Scheduler(enable_fuzzing=fuzzing)

    # -- questions -----------------------------------------------------------------------

    async def current(self, user_id: int) -> Question | None:
        """The open (unanswered) question, if there is one."""
        session = await self.store.get_session(user_id, SESSION)
        if session and session.get("answered") is None:
            return Question.from_dict(session["question"])
        return None

    async def next_question(self, user_id: int) -> Question | None:
        """The open question again, or a new one; None when nothing is due or new today."""
        session = await self.store.get_session(user_id, SESSION)
        reviews = 0  # reviews asked since the last new card
        if session:
            if session.get("answered") is None:
                return Question.from_dict(session["question"])
            if session.get("rated") is None:  # answered, never rated: use the suggestion
                await self.rate(user_id, session["question"]["id"], None)
            reviews = int(session.get("reviews", 0))
        cards, due, fresh = await self._pool(user_id)
        may_add = bool(fresh) and await self._new_today(user_id) < await self.new_limit(user_id)
        is_new = may_add and (not due or reviews >= REVIEWS_PER_NEW)
        card: Card | None = fresh[0] if is_new else (due[0] if due else None)
        if card is None:
            await self.store.put_session(user_id, SESSION, None)
            return None
        question = self._ask(card, cards, is_new)
        session = {"question": question.to_dict(), "answered": None, "rated": None}
        await self.store.put_session(
            user_id, SESSION, session | {"reviews": 0 if is_new else reviews + 1}
        )
        return question

    async def _pool(self, user_id: int) -> tuple[list[Card], list[Card], list[Card]]:
        """(the learner's cards not known, those due now by due time, those never reviewed
        in the order they are introduced)."""
        now = self.clock()
        known = await self.store.known_words(user_id)
        user = await self.store.get_user(user_id)
        size = (user.deck_size if user else None) or self.deck_size
        ordered = new_card_order(await self.store.user_cards(user_id), size)
        cards = [c for c in ordered if c.key not in known]
        states = await self.store.review_states(user_id)
        due = sorted(
            (c for c in cards if c.id in states and states[c.id].due <= now),
            key=lambda c: states[c.id].due,
        )
        return cards, due, [c for c in cards if c.id not in states]

    async def queue(self, user_id: int) -> tuple[int, int]:
        """(cards due now, new cards still to meet today): what /quiz has left to ask."""
        due, new, _ = await self.left(user_id)
        return due, new

    async def left(self, user_id: int) -> tuple[int, int, int]:
        """(cards due now, new cards still to meet today, cards never reviewed at all)."""
        _, due, fresh = await self._pool(user_id)
        new_left = max(0, await self.new_limit(user_id) - await self._new_today(user_id))
        return len(due), min(len(fresh), new_left), len(fresh)

    async def day_start(self, user_id: int) -> datetime:
        """Midnight of the learner's day (their time zone): when "today" began."""
        return day_start(self.clock(), await learner_zone(self.store, user_id))

    async def new_limit(self, user_id: int) -> int:
        """New cards a day: DAILY_NEW_CARDS, plus what "learn 10 more" added today."""
        today = (await self.day_start(user_id)).date()
        return self.daily_new_cards + await extra_new(self.store, user_id, today)

    async def end(self, user_id: int) -> bool:
        """Close the quiz (/cancel): an answered question keeps the rating its answer
        suggested; False when no question was open or waiting for a rating."""
        session = await self.store.get_session(user_id, SESSION)
        if not session or session.get("rated") is not None:
            return False
        if session.get("answered") is not None:
            await self.rate(user_id, session["question"]["id"], None)
        await self.store.put_session(user_id, SESSION, None)
        return True

    async def done_today(self, user_id: int) -> int:
        """Answers rated today (the learner's day)."""
        return len(await self.store.review_log(user_id, since=await self.day_start(user_id)))

    async def _new_today(self, user_id: int) -> int:
        start = await self.day_start(user_id)
        first_seen: dict[int, datetime] = {}
        for entry in await self.store.review_log(user_id):
            first_seen.setdefault(entry.card_id, entry.reviewed_at)
        return sum(1 for when in first_seen.values() if when >= start)

    def _ask(self, card: Card, cards: list[Card], is_new: bool) -> Question:
        kinds: list[Kind] = []
        meanings = self._distractors(card, cards, lambda c: c.item.meaning)
        fronts = self._distractors(card, cards, lambda c: c.front)
        cloze = cloze_of(card)
        if len(meanings) >= OPTIONS - 1:
            kinds.append(Kind.CHOICE)
        if not is_new:  # first meet a word by recognising it, then recall it
            if cloze is not None:
                kinds.append(Kind.CLOZE)
            if len(fronts) >= OPTIONS - 1:
                kinds.append(Kind.REVERSE)
        if not kinds:
            kinds.append(Kind.CLOZE if cloze is not None else Kind.CHOICE)
        kind = self.rng.choice(kinds)
        item = card.item
        qid = secrets.token_hex(4)
        if kind == Kind.CLOZE and cloze is not None:
            blanked, said = cloze
            return Question(
                qid, card.id, kind, "Type the missing word:", blanked, (), said,
                item.meaning, item.link, is_new, card.front, item.meaning,
            )  # fmt: skip
        if kind == Kind.REVERSE:
            options = self._options(card.front, fronts)
            return Question(
                qid, card.id, kind, f"Which one means “{item.meaning}”?", "", options,
                card.front, "", item.link, is_new, card.front, item.meaning,
            )  # fmt: skip
        options = self._options(item.meaning, meanings)
        return Question(
            qid, card.id, Kind.CHOICE, f"What does “{card.front}” mean here?", item.sentence,
            options, item.meaning, "", item.link, is_new, card.front, item.meaning,
        )  # fmt: skip

    def _distractors(self, card: Card, cards: list[Card], text: Callable[[Card], str]) -> list[str]:
        """Other cards' texts, same kind and part of speech first, none equal to the answer."""
        answer = text(card).strip().lower()
        pos = card.item.pos if isinstance(card.item, Word) else None

        def closeness(other: Card) -> int:
            same_pos = isinstance(other.item, Word) and other.item.pos == pos
            return (other.kind == card.kind) + same_pos

        pool = [c for c in cards if c.id != card.id]
        self.rng.shuffle(pool)
        pool.sort(key=closeness, reverse=True)
        seen = {answer}
        out: list[str] = []
        for other in pool:
            value = text(other)
            if value.strip().lower() not in seen:
                seen.add(value.strip().lower())
                out.append(value)
            if len(out) == OPTIONS - 1:
                break
        return out

    def _options(self, answer: str, distractors: list[str]) -> tuple[str, ...]:
        options = [answer, *distractors[: OPTIONS - 1]]
        self.rng.shuffle(options)
        return tuple(options)

    # -- answers and ratings -------------------------------------------------------------

    async def _session(self, user_id: int, question_id: str) -> dict[str, Any]:
        session = await self.store.get_session(user_id, SESSION)
        if not session or session["question"]["id"] != question_id:
            raise QuestionExpired(question_id)
        return session

    async def answer(self, user_id: int, question_id: str, given: str) -> Answer:
        """Check an answer: an option's text or number (1-4) for choices, a word for cloze."""
        session = await self._session(user_id, question_id)
        question = Question.from_dict(session["question"])
        card = await self.store.get_card(user_id, question.card_id)
        if card is None:
            raise QuestionExpired(question_id)
        if session["answered"] is not None:
            previous = session["answered"]
            return Answer(
                question, card, previous["given"], bool(previous["correct"]),
                Rating(previous["suggested"]), duplicate=True,
            )  # fmt: skip
        if question.options:
            choice = given.strip()
            if choice.isdigit() and 1 <= int(choice) <= len(question.options):
                choice = question.options[int(choice) - 1]
            correct = choice == question.answer
            given = choice
        else:
            correct = typed_answer_is_right(given, card, question.answer)
        suggested = Rating.Good if correct else Rating.Again
        session["answered"] = {"given": given, "correct": correct, "suggested": int(suggested)}
        await self.store.put_session(user_id, SESSION, session)
        return Answer(question, card, given, correct, suggested)

    async def reveal(self, user_id: int, question_id: str) -> Question:
        """A flashcard turned over: the learner grades themselves, so no answer is checked."""
        session = await self._session(user_id, question_id)
        if session["answered"] is None:
            session["answered"] = {"given": "", "correct": None, "suggested": int(Rating.Good)}
            session["mode"] = "flashcard"
            await self.store.put_session(user_id, SESSION, session)
        return Question.from_dict(session["question"])

    async def rate(self, user_id: int, question_id: str, rating: Rating | int | None) -> Rated:
        """Schedule the card (once): the learner's rating, or the one the answer suggests."""
        session = await self._session(user_id, question_id)
        if session.get("rated") is not None:
            rated = session["rated"]
            return Rated(Rating(rated["rating"]), datetime.fromisoformat(rated["due"]), True)
        answered = session.get("answered")
        if answered is None:
            raise QuestionExpired(question_id)
        chosen = Rating(rating) if rating is not None else Rating(answered["suggested"])
        question = Question.from_dict(session["question"])
        now = self.clock()
        states = await self.store.review_states(user_id)
        previous = states.get(question.card_id)
        fsrs_card = (
            FsrsCard.from_dict(previous.state)  # type: ignore[arg-type]
            if previous
            else FsrsCard(card_id=question.card_id, due=now)
        )
        fsrs_card, _ = self.scheduler.review_card(fsrs_card, chosen, now)
        saved = await self.store.save_review(
            user_id,
            ReviewState(question.card_id, dict(fsrs_card.to_dict()), fsrs_card.due),
            ReviewLogEntry(
                question.card_id,
                int(chosen),
                now,
                session.get("mode", question.kind.value),
                answered["correct"],
            ),
        )
        if not saved:
            raise QuestionExpired(question_id)
        session["rated"] = {"rating": int(chosen), "due": fsrs_card.due.isoformat()}
        await self.store.put_session(user_id, SESSION, session)
        return Rated(chosen, fsrs_card.due)

    # -- progress ------------------------------------------------------------------------

    async def stats(self, user_id: int) -> Stats:
        now = self.clock()
        end_of_day = now.replace(hour=23, minute=59, second=59, microsecond=0)
        known = await self.store.known_words(user_id)
        cards = [c for c in await self.store.user_cards(user_id) if c.key not in known]
        states = await self.store.review_states(user_id)
        ids = {c.id for c in cards}
        log = await self.store.review_log(user_id, since=now - timedelta(days=30))
        week = [e for e in log if e.reviewed_at >= now - timedelta(days=7)]
        return Stats(
            cards=len(cards),
            due_today=sum(1 for i, s in states.items() if i in ids and s.due <= end_of_day),
            new_available=sum(1 for c in cards if c.id not in states),
            learned=sum(
                1 for i, s in states.items() if i in ids and s.state.get("state") == State.Review
            ),
            reviews_this_week=len(week),
            retention=(sum(1 for e in log if e.rating > Rating.Again) / len(log)) if log else None,
        )
